package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
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
	// OAuth2IntrospectionURL, when set, makes Dovecot offer XOAUTH2 and
	// OAUTHBEARER and check their tokens with its oauth2 passdb by RFC 7662
	// introspection at this URL (POST token=…), which must answer
	// {"active": true, "username": NAME} for a user of the Server
	// (oauthtest.Provider does). Password logins work as before.
	OAuth2IntrospectionURL string
	// AuthMechanisms is Dovecot's auth_mechanisms (space-separated, e.g.
	// "login" for a server that offers no SASL PLAIN, so POP3 clients fall
	// back to USER/PASS and IMAP clients to LOGIN); "" means "plain login".
	AuthMechanisms string
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
	if opts.Cert < CertValid || opts.Cert > CertExpiresSoon {
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
	id, err := lookupIDs()
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
		InternalUser:  id.internalUser,
		InternalGroup: id.internalGroup,
		LoginUser:     id.loginUser,
		MailUID:       id.mailUID,
		MailGID:       id.mailGID,
		PlainOnlyIP:   plainOnlyIP,
		NoChroot:      !id.chown,
		Mechanisms:    "plain login",
	}
	if opts.AuthMechanisms != "" {
		p.Mechanisms = opts.AuthMechanisms
	}
	if opts.Separator == '.' {
		p.Location = "maildir:~/Maildir"
	}
	if err := s.writeFiles(p, leafKP, id); err != nil {
		return s, err
	}
	if opts.OAuth2IntrospectionURL != "" {
		p.OAuth2Args = filepath.Join(dir, "oauth2.ext")
		if err := writeOAuth2Ext(p.OAuth2Args, opts.OAuth2IntrospectionURL); err != nil {
			return s, err
		}
	}
	// Dovecot's ports stay reserved while the relays take theirs, so no
	// two are the same; they are released just before Dovecot binds them.
	reserved, err := reservePorts(6)
	if err != nil {
		return s, err
	}
	defer release(reserved)
	ports := make([]int, len(reserved))
	for i, ln := range reserved {
		ports[i] = ln.Addr().(*net.TCPAddr).Port
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

	release(reserved)
	if err := s.run(bin, conf); err != nil {
		return s, err
	}
	if err := s.waitReady(); err != nil {
		return s, err
	}
	return s, nil
}
