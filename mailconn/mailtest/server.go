package mailtest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options configure a Server. The zero value is a Server with a valid
// certificate and '/' as hierarchy separator.
type Options struct {
	// Cert is the certificate served on every TLS listener (STARTTLS and
	// implicit TLS alike). Default CertValid.
	Cert CertKind
	// Separator is the IMAP hierarchy separator: '/' (the default, Dovecot's
	// maildir LAYOUT=fs) or '.' (Maildir++).
	Separator rune
}

// Server is a running Dovecot with its own configuration, certificates,
// users and mail, listening on free loopback ports. Every field is set by
// Start and must not be changed.
type Server struct {
	// Host is the address every listener is on: "127.0.0.1".
	Host string

	// IMAP offers STARTTLS, IMAPS is implicit TLS; POP3 offers STLS, POP3S
	// is implicit TLS. On these, Dovecot sees a loopback client and allows
	// plaintext authentication before TLS.
	IMAP, IMAPS, POP3, POP3S int

	// IMAPPlainOnly and POP3PlainOnly offer no STARTTLS/STLS at all and
	// allow plaintext authentication.
	IMAPPlainOnly, POP3PlainOnly int

	// IMAPRemote and POP3Remote make the client look remote (192.0.2.10)
	// to Dovecot, so it refuses plaintext authentication before TLS: IMAP
	// announces LOGINDISABLED until STARTTLS, POP3 refuses USER/PASS and
	// offers no SASL mechanism until STLS.
	IMAPRemote, POP3Remote int

	// CAFile is the PEM file of the rig's CA, which signs every certificate
	// kind except CertSelfSigned; CAPEM is its content.
	CAFile string
	CAPEM  []byte

	// Cert is the leaf certificate served on the TLS listeners, and
	// CertSHA256 its SHA-256 fingerprint as upper-case hex pairs joined by
	// colons ("AB:CD:…").
	Cert       *x509.Certificate
	CertSHA256 string

	// Dir holds Dovecot's configuration, state, log and the users' mail.
	// It is removed by Close.
	Dir string

	// Separator is the IMAP hierarchy separator, '/' or '.'.
	Separator rune

	logPath, outPath string
	cmd              *exec.Cmd
	out              *os.File
	exited           chan struct{}
	relays           []*relay
	closeOnce        sync.Once

	mu       sync.Mutex
	finalLog *string // the log as Close found it, once Dir is gone
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr(port int) string {
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// Folder joins mailbox name parts with the server's hierarchy separator:
// Folder("INBOX", SupportFolder) is "INBOX/Support" or "INBOX.Support".
func (s *Server) Folder(parts ...string) string {
	return strings.Join(parts, string(s.Separator))
}

// CertPool returns a pool holding the rig CA only.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return pool
}

// TLSConfig returns a new client configuration that trusts the rig CA only,
// with ServerName "127.0.0.1" (set it to "localhost" to verify by name).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool(), ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Log returns Dovecot's log so far and anything it wrote to stdout or
// stderr, for failure messages.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finalLog != nil {
		return *s.finalLog
	}
	return s.readLog()
}

func (s *Server) readLog() string {
	var b strings.Builder
	for _, p := range []string{s.logPath, s.outPath} {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(&b, "(read %s: %v)\n", p, err)
		}
		b.Write(data)
	}
	return b.String()
}

// EnvRequireDovecot names the environment variable that, set to "1", turns
// a missing Dovecot from a skipped test into a failed one (CI sets it).
const EnvRequireDovecot = "MAILSETUP_REQUIRE_DOVECOT"

const installHint = "install dovecot-imapd dovecot-pop3d (apt-get install -y dovecot-imapd dovecot-pop3d)"

// Start starts a Dovecot for the test and stops it, removing its folder, in
// t.Cleanup. It takes well under a second; a test that needs several
// connections should share one Server across its subtests.
//
// When Dovecot is not installed, Start skips the test with a message saying
// how to install it; with MAILSETUP_REQUIRE_DOVECOT=1 it fails the test
// instead. Any other problem fails the test, with Dovecot's log.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	switch opts.Separator {
	case 0:
		opts.Separator = '/'
	case '/', '.':
	default:
		t.Fatalf("mailtest: separator %q: want '/' or '.'", opts.Separator)
		return nil
	}
	if opts.Cert < CertValid || opts.Cert > CertWrongHost {
		t.Fatalf("mailtest: unknown certificate kind %d", int(opts.Cert))
		return nil
	}
	bin, err := findDovecot()
	if err != nil {
		missingDovecot(t, err)
		return nil
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(bin, opts)
		if err == nil {
			t.Cleanup(s.Close)
			return s
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("mailtest: %v", lastErr)
	return nil
}

// missingDovecot skips the test, or fails it when EnvRequireDovecot is "1".
func missingDovecot(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequireDovecot) == "1" {
		t.Fatalf("mailtest: %v: %s (%s=1)", err, installHint, EnvRequireDovecot)
		return
	}
	t.Skipf("mailtest: %v: %s", err, installHint)
}

// errPortTaken marks a start that failed because another process took one
// of the free ports between choosing and binding it; Start retries.
var errPortTaken = errors.New("port taken")

// findDovecot returns the dovecot binary, checking that the IMAP and POP3
// servers are installed too.
func findDovecot() (string, error) {
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot" // not on a non-root PATH
		if _, err := os.Stat(bin); err != nil {
			return "", errors.New("dovecot not found")
		}
	}
	for _, dir := range []string{"/usr/lib/dovecot", "/usr/libexec/dovecot"} {
		if _, err := os.Stat(filepath.Join(dir, "imap-login")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "pop3-login")); err != nil {
			return "", errors.New("dovecot's POP3 server not found")
		}
		return bin, nil
	}
	return "", errors.New("dovecot's IMAP server not found")
}

// start makes one attempt; on error everything it made is undone.
func start(bin string, opts Options) (s *Server, err error) {
	ca, err := rigCA()
	if err != nil {
		return nil, err
	}
	leafKP, err := leaf(opts.Cert)
	if err != nil {
		return nil, err
	}
	ids, err := lookupIDs()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir()
	if err != nil {
		return nil, err
	}
	s = &Server{
		Host:       "127.0.0.1",
		CAFile:     filepath.Join(dir, "ca.pem"),
		CAPEM:      ca.certPEM,
		Cert:       leafKP.cert,
		CertSHA256: Fingerprint(leafKP.cert.Raw),
		Dir:        dir,
		Separator:  opts.Separator,
		logPath:    filepath.Join(dir, "dovecot.log"),
		outPath:    filepath.Join(dir, "dovecot.out"),
		exited:     make(chan struct{}),
	}
	defer func() {
		if err != nil {
			s.Close()
			log := s.Log()
			if log != "" {
				err = fmt.Errorf("%w\ndovecot log:\n%s", err, log)
			}
		}
	}()

	p := confParams{
		Instance:      filepath.Base(dir),
		BaseDir:       filepath.Join(dir, "run"),
		StateDir:      filepath.Join(dir, "state"),
		LogPath:       s.logPath,
		CertPath:      filepath.Join(dir, "cert.pem"),
		KeyPath:       filepath.Join(dir, "key.pem"),
		PasswdPath:    filepath.Join(dir, "passwd"),
		HomeDir:       filepath.Join(dir, "home"),
		Location:      "maildir:~/Maildir:LAYOUT=fs",
		Sep:           string(opts.Separator),
		InternalUser:  ids.internalUser,
		InternalGroup: ids.internalGroup,
		LoginUser:     ids.loginUser,
		MailUID:       ids.mailUID,
		MailGID:       ids.mailGID,
		PlainOnlyIP:   plainOnlyIP,
		NoChroot:      !ids.chown,
	}
	if opts.Separator == '.' {
		p.Location = "maildir:~/Maildir"
	}
	if err := s.writeFiles(p, leafKP, ids); err != nil {
		return s, err
	}
	ports, err := freePorts(6)
	if err != nil {
		return s, err
	}
	s.IMAP, s.IMAPS, p.IMAPProxy = ports[0], ports[1], ports[2]
	s.POP3, s.POP3S, p.POP3Proxy = ports[3], ports[4], ports[5]
	p.IMAP, p.IMAPS, p.POP3, p.POP3S = s.IMAP, s.IMAPS, s.POP3, s.POP3S
	conf := filepath.Join(dir, "dovecot.conf")
	if err := writeConf(conf, p); err != nil {
		return s, err
	}

	imapProxy, pop3Proxy := s.Addr(p.IMAPProxy), s.Addr(p.POP3Proxy)
	for _, r := range []struct {
		port             *int
		target, src, dst string
	}{
		{&s.IMAPRemote, imapProxy, remoteIP, s.Host},
		{&s.POP3Remote, pop3Proxy, remoteIP, s.Host},
		{&s.IMAPPlainOnly, imapProxy, s.Host, plainOnlyIP},
		{&s.POP3PlainOnly, pop3Proxy, s.Host, plainOnlyIP},
	} {
		rl, err := newRelay(r.target, r.src, r.dst)
		if err != nil {
			return s, err
		}
		s.relays = append(s.relays, rl)
		*r.port = rl.port()
	}

	if err := s.run(bin, conf); err != nil {
		return s, err
	}
	if err := s.waitReady(); err != nil {
		return s, err
	}
	return s, nil
}

const (
	// remoteIP is where the Remote relays claim their clients come from
	// (TEST-NET-1, RFC 5737).
	remoteIP = "192.0.2.10"
	// plainOnlyIP is the destination the PlainOnly relays claim; Dovecot's
	// `local` block for it turns TLS off. Nothing listens on it.
	plainOnlyIP = "127.0.0.2"
)

// ids are the system users Dovecot runs as.
type ids struct {
	internalUser, internalGroup, loginUser string
	mailUID, mailGID                       int
	chown                                  bool // root: hand the mail to mailUID
}

// lookupIDs picks Dovecot's users: as root the Debian package's "dovecot"
// and "dovenull" (mail is owned by "dovecot"); otherwise the current user
// for everything.
func lookupIDs() (ids, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return ids{}, fmt.Errorf("current user: %w", err)
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getegid()))
		if err != nil {
			return ids{}, fmt.Errorf("current group: %w", err)
		}
		return ids{internalUser: u.Username, internalGroup: g.Name, loginUser: u.Username,
			mailUID: os.Geteuid(), mailGID: os.Getegid()}, nil
	}
	dv, err := user.Lookup("dovecot")
	if err != nil {
		return ids{}, fmt.Errorf("dovecot's system user: %w", err)
	}
	if _, err := user.Lookup("dovenull"); err != nil {
		return ids{}, fmt.Errorf("dovecot's login user: %w", err)
	}
	uid, _ := strconv.Atoi(dv.Uid)
	gid, _ := strconv.Atoi(dv.Gid)
	g, err := user.LookupGroupId(dv.Gid)
	if err != nil {
		return ids{}, fmt.Errorf("dovecot's system group: %w", err)
	}
	return ids{internalUser: "dovecot", internalGroup: g.Name, loginUser: "dovenull",
		mailUID: uid, mailGID: gid, chown: true}, nil
}

// makeDir makes the server's folder with a short, world-traversable path:
// Dovecot's unprivileged processes must reach it and its Unix sockets must
// stay under 108 bytes.
func makeDir() (string, error) {
	base := os.TempDir()
	if len(base) > 40 || strings.ContainsAny(base, " \t\"'#{}<>") {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "mt-")
	if err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	return dir, nil
}

// writeFiles writes certificates, the passwd-file and the users' mail.
func (s *Server) writeFiles(p confParams, leafKP *keyPair, id ids) error {
	var passwd strings.Builder
	for _, u := range Users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s::::::\n", u.Name, u.Password)
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{s.CAFile, s.CAPEM, 0o644},
		{p.CertPath, leafKP.certPEM, 0o644},
		{p.KeyPath, leafKP.keyPEM, 0o600},
		{p.PasswdPath, []byte(passwd.String()), 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	for _, u := range Users {
		if err := seedMaildir(filepath.Join(p.HomeDir, u.Name, "Maildir"), s.Separator, u); err != nil {
			return err
		}
	}
	if !id.chown {
		return nil
	}
	err := filepath.WalkDir(p.HomeDir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, id.mailUID, id.mailGID)
	})
	if err != nil {
		return fmt.Errorf("hand mail to uid %d: %w", id.mailUID, err)
	}
	return nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// run starts Dovecot in the foreground as a child in its own process group.
// Its output goes to a file: Dovecot keeps the stderr it is given open in
// its children, and a pipe would keep `go test` waiting.
func (s *Server) run(bin, conf string) error {
	out, err := os.Create(s.outPath)
	if err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	cmd := exec.Command(bin, "-F", "-c", conf)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return fmt.Errorf("start dovecot: %w", err)
	}
	s.cmd, s.out = cmd, out
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// readyTimeout only guards against a hang: Dovecot is usually ready in
// well under a second.
const readyTimeout = 20 * time.Second

// waitReady waits until the IMAP and POP3 listeners greet.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for _, port := range []int{s.IMAP, s.POP3} {
		for {
			line, err := greeting(s.Addr(port))
			if err == nil && (strings.HasPrefix(line, "* OK") || strings.HasPrefix(line, "+OK")) {
				break
			}
			select {
			case <-s.exited:
				if strings.Contains(s.Log(), "Address already in use") {
					return fmt.Errorf("dovecot exited: %w", errPortTaken)
				}
				return errors.New("dovecot exited at start")
			default:
			}
			if strings.Contains(s.Log(), "Fatal:") {
				return errors.New("dovecot failed at start")
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("dovecot not ready after %s: %s: %v %q", readyTimeout, s.Addr(port), err, line)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// greeting reads the first line a server sends on addr.
func greeting(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

// stopTimeout bounds the wait for Dovecot to exit after SIGTERM before it is
// killed.
const stopTimeout = 10 * time.Second

// Close stops Dovecot and the relays and removes Dir; Log still answers.
// When it returns no goroutine or process of the Server is left. Start
// registers it with t.Cleanup; calling it earlier (to test a vanished
// server) is fine, and calling it again does nothing.
//
// Close takes about a second: Dovecot's master, once its children are gone,
// waits a fixed second for its log process. Tests that start several
// servers save time with t.Parallel.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		for _, r := range s.relays {
			r.close()
		}
		if s.cmd != nil {
			pid := s.cmd.Process.Pid
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				<-s.exited
			}
			// The master is gone; stray children (same process group) go too.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = s.out.Close()
		}
		s.mu.Lock()
		log := s.readLog()
		s.finalLog = &log
		s.mu.Unlock()
		removeAll(s.Dir)
	})
}

// removeAll removes dir, retrying briefly while exiting Dovecot processes
// may still write to it.
func removeAll(dir string) {
	for i := 0; i < 50; i++ {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
