package cyrustest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
)

// Server is a running Cyrus IMAP server with its own configuration, sasldb
// and mail, listening on free loopback ports. Every field is set by Start
// and must not be changed.
type Server struct {
	// Host is the address both listeners are on: "127.0.0.1".
	Host string

	// IMAP offers AUTH=NTLM, AUTH=PLAIN, AUTH=LOGIN, SASL-IR and STARTTLS;
	// plaintext logins are allowed before STARTTLS.
	IMAP int

	// POP3 offers SASL NTLM, PLAIN and LOGIN (RFC 5034 AUTH), USER/PASS,
	// UIDL and STLS. It is never 0: Cyrus's pop3d works here.
	POP3 int

	// IMAPS and POP3S are the same servers with implicit TLS (imapd -s,
	// pop3d -s), serving the certificate in CAFile.
	IMAPS, POP3S int

	// Domain is the NTLM domain, upper-case: "EXAMPLE". Cyrus accepts any
	// domain in the NTLM message as long as it is upper-case (see the
	// package documentation); this is the one to use.
	Domain string

	// User and Password are an ASCII user known to the sasldb: "ntlmuser"
	// and "Ntlm-Pa55". They log in with NTLM, PLAIN, LOGIN and USER/PASS.
	User, Password string

	// Messages is the number of messages in the user's INBOX: 1.
	Messages int

	// CAFile is the PEM file of the self-signed certificate served after
	// STARTTLS/STLS, for "localhost" and 127.0.0.1; CAPEM is its content.
	// It is owned by the user running the tests, in a folder of its own
	// outside Dir (which belongs to cyrus).
	CAFile string
	CAPEM  []byte

	// Dir holds Cyrus's configuration, databases and mail. It is removed by
	// Close.
	Dir string

	outPath   string
	caDir     string
	cmd       *exec.Cmd
	out       *os.File
	stop      io.WriteCloser // closing it makes the watchdog stop the master
	exited    chan struct{}
	closeOnce sync.Once
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr(port int) string {
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// Log returns what the Cyrus master wrote to its standard output and error.
// Cyrus logs everything else to syslog only (see the package
// documentation).
func (s *Server) Log() string {
	data, err := os.ReadFile(s.outPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("(read %s: %v)", s.outPath, err)
	}
	return string(data)
}

// The rig's fixed identity. The sasldb realm is the lower-case domain: see
// imapdConf.
const (
	domain   = "EXAMPLE"
	realm    = "example"
	userName = "ntlmuser"
	password = "Ntlm-Pa55"
)

// EnvRequireDovecot names the environment variable that, set to "1", turns
// a missing Cyrus from a skipped test into a failed one (CI sets it; the
// name is shared with the Dovecot rig, mailconn/mailtest).
const EnvRequireDovecot = "MAILSETUP_REQUIRE_DOVECOT"

// EnvCyrusDir names the environment variable that overrides the folder
// .ci/install-cyrus.sh unpacks the Cyrus daemons into (DefaultCyrusDir).
const EnvCyrusDir = "MAILSETUP_CYRUS_DIR"

// DefaultCyrusDir is where .ci/install-cyrus.sh unpacks cyrus-imapd and
// cyrus-pop3d: imapd and pop3d are under root/usr/lib/cyrus/bin.
const DefaultCyrusDir = "/var/cache/mailsetup-cyrus"

const installHint = "run .ci/install-cyrus.sh as root (installs cyrus-common, sasl2-bin, " +
	"libsasl2-modules and unpacks cyrus-imapd/cyrus-pop3d privately, keeping Dovecot)"

// Start starts a Cyrus IMAP/POP3 server for the test and stops it, removing
// its folder, in t.Cleanup. It takes a second or two; a test that needs
// several connections should share one Server across its subtests.
//
// When Cyrus is not installed (or the test does not run as root, which
// Cyrus's master needs to drop to the cyrus user), Start skips the test
// with a message saying how to install it; with MAILSETUP_REQUIRE_DOVECOT=1
// it fails the test instead. Any other problem fails the test.
func Start(t testing.TB) *Server {
	t.Helper()
	b, err := findBinaries()
	if err == nil && os.Geteuid() != 0 {
		err = errors.New("not root: the Cyrus master must start as root to become the cyrus user")
	}
	if err != nil {
		if os.Getenv(EnvRequireDovecot) == "1" {
			t.Fatalf("cyrustest: %v: %s (%s=1)", err, installHint, EnvRequireDovecot)
		}
		t.Skipf("cyrustest: %v: %s", err, installHint)
	}
	var lastErr error
	for range 3 {
		s, err := start(b)
		if err == nil {
			t.Cleanup(s.Close)
			return s
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("cyrustest: %v", lastErr)
	return nil
}

// New starts a Server outside a test (for programs such as bench/); the
// caller must Close it.
func New() (*Server, error) {
	b, err := findBinaries()
	if err == nil && os.Geteuid() != 0 {
		err = errors.New("not root: the Cyrus master must start as root to become the cyrus user")
	}
	if err != nil {
		return nil, fmt.Errorf("cyrustest: %w: %s", err, installHint)
	}
	var lastErr error
	for range 3 {
		s, err := start(b)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, fmt.Errorf("cyrustest: %w", lastErr)
}

// errPortTaken marks a start that failed because another process took one
// of the free ports between choosing and binding it; Start retries.
var errPortTaken = errors.New("port taken")

// binaries are the programs a Server runs.
type binaries struct {
	master, ctlCyrusdb, imapd, pop3d, saslpasswd2 string
	uid, gid                                      int
}

// findBinaries locates cyrus-common's master and ctl_cyrusdb, the privately
// unpacked imapd and pop3d, saslpasswd2, the NTLM plugin and the cyrus user.
func findBinaries() (binaries, error) {
	var b binaries
	const common = "/usr/lib/cyrus/bin"
	cyrusDir := os.Getenv(EnvCyrusDir)
	if cyrusDir == "" {
		cyrusDir = DefaultCyrusDir
	}
	private := filepath.Join(cyrusDir, "root/usr/lib/cyrus/bin")
	for _, f := range []struct {
		dst  *string
		path string
	}{
		{&b.master, filepath.Join(common, "master")},
		{&b.ctlCyrusdb, filepath.Join(common, "ctl_cyrusdb")},
		{&b.imapd, filepath.Join(private, "imapd")},
		{&b.pop3d, filepath.Join(private, "pop3d")},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return b, fmt.Errorf("cyrus not installed: %w", err)
		}
		*f.dst = f.path
	}
	var err error
	if b.saslpasswd2, err = exec.LookPath("saslpasswd2"); err != nil {
		b.saslpasswd2 = "/usr/sbin/saslpasswd2" // not on a non-root PATH
		if _, err := os.Stat(b.saslpasswd2); err != nil {
			return b, fmt.Errorf("saslpasswd2 not installed: %w", err)
		}
	}
	plugins, _ := filepath.Glob("/usr/lib/*/sasl2/libntlm.so*")
	if len(plugins) == 0 {
		return b, errors.New("cyrus sasl's ntlm plugin (libsasl2-modules) not installed")
	}
	u, err := user.Lookup("cyrus")
	if err != nil {
		return b, fmt.Errorf("cyrus's system user: %w", err)
	}
	b.uid, _ = strconv.Atoi(u.Uid)
	b.gid, _ = strconv.Atoi(u.Gid)
	return b, nil
}

// start makes one attempt; on error everything it made is undone.
func start(b binaries) (s *Server, err error) {
	dir, err := makeDir()
	if err != nil {
		return nil, err
	}
	s = &Server{
		Host:     "127.0.0.1",
		Domain:   domain,
		User:     userName,
		Password: password,
		Dir:      dir,
		outPath:  filepath.Join(dir, "master.out"),
		exited:   make(chan struct{}),
	}
	defer func() {
		if err != nil {
			s.Close()
			if log := s.Log(); log != "" {
				err = fmt.Errorf("%w\ncyrus master output:\n%s", err, log)
			}
		}
	}()

	ports, err := freePorts(4)
	if err != nil {
		return s, err
	}
	s.IMAP, s.POP3, s.IMAPS, s.POP3S = ports[0], ports[1], ports[2], ports[3]
	p := confParams{
		Dir: dir, Conf: filepath.Join(dir, "imapd.conf"),
		Sasldb: filepath.Join(dir, "sasldb2"),
		Cert:   filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem"),
		CtlCyrusdb: b.ctlCyrusdb, Imapd: b.imapd, Pop3d: b.pop3d,
		Host: s.Host, IMAP: s.IMAP, POP3: s.POP3, IMAPS: s.IMAPS, POP3S: s.POP3S,
		Realm: realm,
	}
	if err := writeConfig(p, filepath.Join(dir, "cyrus.conf")); err != nil {
		return s, err
	}
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return s, err
	}
	s.CAPEM = certPEM
	if err := os.WriteFile(p.Cert, certPEM, 0o644); err != nil {
		return s, fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(p.Key, keyPEM, 0o600); err != nil {
		return s, fmt.Errorf("write certificate key: %w", err)
	}
	if err := addSASLUser(b.saslpasswd2, p.Sasldb, userName, realm, password); err != nil {
		return s, err
	}
	if err := nsrig.ChownTree("server folder", dir, b.uid, b.gid); err != nil {
		return s, err
	}
	// The client's copy of the certificate stays root's, outside the tree
	// handed to cyrus: mailsetup refuses a ca_file that another user owns
	// or that lies in a folder another user owns.
	if s.caDir, err = os.MkdirTemp("", "cy-ca-"); err != nil {
		return s, fmt.Errorf("make CA folder: %w", err)
	}
	s.CAFile = filepath.Join(s.caDir, "ca.pem")
	if err := os.WriteFile(s.CAFile, certPEM, 0o644); err != nil {
		return s, fmt.Errorf("write CA file: %w", err)
	}
	if err := s.run(b.master, p.Conf, filepath.Join(dir, "cyrus.conf")); err != nil {
		return s, err
	}
	if err := s.waitReady(); err != nil {
		return s, err
	}
	if err := seed(s.Addr(s.IMAP), userName, password); err != nil {
		return s, err
	}
	s.Messages = 1
	return s, nil
}

// makeDir makes the server's folder with a short, world-traversable path:
// Cyrus runs as the cyrus user and must reach it (t.TempDir is 0700).
func makeDir() (string, error) {
	base := os.TempDir()
	if len(base) > 40 || strings.ContainsAny(base, " \t\"'#{}<>") {
		base = "/tmp" // paths go unquoted into cyrus.conf
	}
	dir, err := os.MkdirTemp(base, "cy-")
	if err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	return dir, nil
}

// addSASLUser stores user@realm with its password in the sasldb at path.
func addSASLUser(saslpasswd2, path, user, realm, password string) error {
	cmd := exec.Command(saslpasswd2, "-p", "-c", "-f", path, "-u", realm, user)
	cmd.Stdin = strings.NewReader(password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("saslpasswd2: %w: %s", err, out)
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

// watchdog runs the Cyrus master ($1, with the remaining arguments) and
// sends it SIGTERM as soon as its own standard input reaches end of file:
// when Close closes the pipe, or when the test binary dies without running
// its cleanups (a `go test` timeout). Pdeathsig cannot do this: the kernel
// clears it when the master switches to the cyrus user. The shell exits
// with the master.
const watchdog = `exec 3<&0
m=$1; shift
"$m" "$@" 3<&- </dev/null &
pid=$!
(read -r _ <&3; kill -TERM "$pid" 2>/dev/null) &
wait "$pid"`

// run starts the Cyrus master in the foreground (-D) under watchdog, as a
// child in its own process group; the master drops to the cyrus user
// itself. Its output goes to a file: a pipe would stay open in its children
// and keep `go test` waiting.
func (s *Server) run(master, conf, cyrusConf string) error {
	out, err := os.Create(s.outPath)
	if err != nil {
		return fmt.Errorf("start cyrus master: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", watchdog, "cyrustest-watchdog",
		master, "-D", "-C", conf, "-M", cyrusConf, "-p", filepath.Join(s.Dir, "master.pid"))
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = rigProcAttr()
	stop, err := cmd.StdinPipe()
	if err != nil {
		_ = out.Close()
		return fmt.Errorf("start cyrus master: %w", err)
	}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return fmt.Errorf("start cyrus master: %w", err)
	}
	s.cmd, s.out, s.stop = cmd, out, stop
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// stopTimeout bounds the wait for the master to exit after SIGTERM before
// it and its process group are killed.
const stopTimeout = 10 * time.Second

// Close stops Cyrus and removes Dir. When it returns no process of the
// Server is left. Start registers it with t.Cleanup; calling it earlier (to
// test a vanished server) is fine, and calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.cmd != nil {
			pid := s.cmd.Process.Pid
			_ = s.stop.Close() // the watchdog sends the master SIGTERM
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				killGroup(pid)
				<-s.exited
			}
			// The master is gone; stray children and the watchdog's reader
			// (same process group) go too.
			killGroup(pid)
			_ = s.out.Close()
		}
		removeAll(s.Dir)
		if s.caDir != "" {
			_ = os.RemoveAll(s.caDir)
		}
	})
}

// removeAll removes dir, retrying briefly while exiting Cyrus processes may
// still write to it.
func removeAll(dir string) {
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
