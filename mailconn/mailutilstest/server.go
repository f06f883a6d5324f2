package mailutilstest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
)

// Server is a running GNU Mailutils imap4d and pop3d with their own
// configuration, system users (a private /etc/passwd and /etc/shadow),
// certificate and mail, listening on free loopback ports. Every field is
// set by Start and must not be changed.
type Server struct {
	// Host is the address every listener is on: "127.0.0.1".
	Host string

	// IMAP offers STARTTLS and allows LOGIN before it (tls-mode ondemand);
	// IMAPS is implicit TLS (connection); IMAPTLSRequired (required)
	// advertises XTLSREQUIRED and STARTTLS, no AUTH=, and answers LOGIN
	// "NO LOGIN Command disabled"; IMAPPlainOnly offers no STARTTLS (no).
	IMAP, IMAPS, IMAPTLSRequired, IMAPPlainOnly int

	// The same for POP3: POP3 offers STLS, POP3S is implicit TLS,
	// POP3TLSRequired refuses USER/PASS before STLS, POP3PlainOnly offers
	// no STLS.
	POP3, POP3S, POP3TLSRequired, POP3PlainOnly int

	// CAFile is the PEM file of the rig CA (mailtest's), which signs the
	// served certificate for "localhost" and 127.0.0.1; CAPEM is its
	// content.
	CAFile string
	CAPEM  []byte

	// Separator is the hierarchy separator of the folders: '/'. INBOX has
	// none (NIL, \NoInferiors); the other folders are at the top level.
	Separator rune

	// Dir holds the configuration, the userdb, the log and the mail. It is
	// removed by Close.
	Dir string

	proc      *nsrig.Proc
	closeOnce sync.Once

	mu       sync.Mutex
	finalLog *string
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr(port int) string {
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// Folder joins mailbox name parts with the separator: Folder("Archive",
// "2024") is "Archive/2024".
func (s *Server) Folder(parts ...string) string {
	return strings.Join(parts, string(s.Separator))
}

// TLSConfig returns a new client configuration that trusts the rig CA only,
// with ServerName "127.0.0.1".
func (s *Server) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Log returns what imap4d and pop3d wrote (logins, errors), for failure
// messages. It still answers after
// Close.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finalLog != nil {
		return *s.finalLog
	}
	return readLogs(filepath.Join(s.Dir, "log"))
}

// readLogs concatenates the files in dir, each under its name.
func readLogs(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ""
		}
		return fmt.Sprintf("(read %s: %v)\n", dir, err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			fmt.Fprintf(&b, "(read %s: %v)\n", e.Name(), err)
			continue
		}
		if len(data) == 0 {
			continue
		}
		fmt.Fprintf(&b, "--- %s\n%s", e.Name(), data)
		if data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// EnvRequireDovecot names the environment variable that, set to "1", turns
// missing Mailutils from a skipped test into a failed one (CI sets it; the
// name is shared with the Dovecot rig, mailconn/mailtest). CI=true does the
// same.
const EnvRequireDovecot = "MAILSETUP_REQUIRE_DOVECOT"

const installHint = "run .ci/install-mailutils.sh as root (installs mailutils-imap4d and " +
	"mailutils-pop3d beside Dovecot)"

// required reports whether a missing server must fail the test.
func required() bool {
	return os.Getenv(EnvRequireDovecot) == "1" || os.Getenv("CI") == "true"
}

// Start starts Mailutils for the test and stops it, removing its folder, in
// t.Cleanup. It takes a fraction of a second; share one Server across the
// subtests of a package.
//
// When Mailutils is not installed or the test is not root (the rig needs a
// mount namespace), Start skips the test with a message naming
// .ci/install-mailutils.sh; with MAILSETUP_REQUIRE_DOVECOT=1 or CI=true it
// fails the test instead. Any other problem fails the test, with the log.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := newServer()
	if err != nil {
		var miss *missingError
		if errors.As(err, &miss) {
			if required() {
				t.Fatalf("mailutilstest: %v (%s=1 or CI=true: Mailutils is required)", err, EnvRequireDovecot)
			}
			t.Skipf("mailutilstest: %v", err)
		}
		t.Fatalf("mailutilstest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a Server outside a test (for programs such as bench/); the
// caller must Close it.
func New() (*Server, error) {
	s, err := newServer()
	if err != nil {
		return nil, fmt.Errorf("mailutilstest: %w", err)
	}
	return s, nil
}

// missingError is an installation that is missing: a skip outside CI.
type missingError struct{ err error }

func (e *missingError) Error() string { return e.err.Error() + ": " + installHint }
func (e *missingError) Unwrap() error { return e.err }

func newServer() (*Server, error) {
	b, err := findInstall()
	if err == nil {
		err = nsrig.Available()
	}
	if err != nil {
		return nil, &missingError{err}
	}
	var lastErr error
	for range 3 {
		s, err := start(b)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, nsrig.ErrNotReady) {
			break
		}
	}
	return nil, lastErr
}

// readyTimeout only guards against a hang: Mailutils is ready in well under a
// second.
const readyTimeout = 15 * time.Second

// start makes one attempt; on error everything it made is undone.
func start(b install) (s *Server, err error) {
	dir, err := nsrig.MakeDir("mu-")
	if err != nil {
		return nil, err
	}
	s = &Server{Host: "127.0.0.1", Separator: '/', Dir: dir, CAFile: filepath.Join(dir, "ca.pem")}
	defer func() {
		if err != nil {
			log := s.Log()
			s.Close()
			if log != "" {
				err = fmt.Errorf("%w\nmailutils log:\n%s", err, log)
			}
		}
	}()
	lns, err := nsrig.ReservePorts(8)
	if err != nil {
		return s, err
	}
	defer nsrig.Release(lns)
	s.IMAP, s.IMAPS, s.IMAPTLSRequired, s.IMAPPlainOnly = nsrig.Port(lns[0]), nsrig.Port(lns[1]), nsrig.Port(lns[2]), nsrig.Port(lns[3])
	s.POP3, s.POP3S, s.POP3TLSRequired, s.POP3PlainOnly = nsrig.Port(lns[4]), nsrig.Port(lns[5]), nsrig.Port(lns[6]), nsrig.Port(lns[7])

	if err := s.writeFiles(b); err != nil {
		return s, err
	}
	nsrig.Release(lns)
	s.proc, err = nsrig.Start(dir, filepath.Join(dir, "log", "rig.log"), nsScript, "mailutilstest", dir)
	if err != nil {
		return s, err
	}
	var ls []nsrig.Listener
	for _, l := range s.listeners() {
		ls = append(ls, nsrig.Listener{Port: l.port, TLS: l.implicitTLS})
	}
	if err := nsrig.WaitReady(s.proc, s.Host, ls, readyTimeout); err != nil {
		return s, err
	}
	return s, nil
}

// Close stops every Mailutils process and removes Dir; Log still answers.
// Start registers it with t.Cleanup; calling it earlier is fine, and again
// does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.proc != nil {
			s.proc.Close()
		}
		log := s.Log()
		s.mu.Lock()
		s.finalLog = &log
		s.mu.Unlock()
		nsrig.RemoveAll(s.Dir)
	})
}
