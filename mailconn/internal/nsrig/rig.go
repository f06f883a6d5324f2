//go:build linux

package nsrig

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
)

// Rig is what every namespace rig's Server shares: the listeners' ports,
// the CA, the folder and the log; Kind gives a rig package its Start and
// New. A rig package embeds it in its Server,
// so that its fields and its methods Addr, Folder, TLSConfig, Log and Close
// are the Server's; the Server's doc comment says what each listener of
// that server does. Every field is set by Boot and must not be changed.
type Rig struct {
	// Host is the address every listener is on: "127.0.0.1".
	Host string

	// IMAP offers STARTTLS and allows LOGIN before it; IMAPS is implicit
	// TLS; IMAPTLSRequired offers STARTTLS and refuses LOGIN before it;
	// IMAPPlainOnly offers no STARTTLS.
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

	// Separator is the hierarchy separator of the folders.
	Separator rune

	// Dir holds the configuration, the users, the log and the mail. It is
	// removed by Close.
	Dir string

	proc      *Proc
	closeOnce sync.Once

	mu       sync.Mutex
	finalLog *string
}

// Addr returns "127.0.0.1:port".
func (r *Rig) Addr(port int) string {
	return net.JoinHostPort(r.Host, strconv.Itoa(port))
}

// Folder joins mailbox name parts with the separator.
func (r *Rig) Folder(parts ...string) string {
	return strings.Join(parts, string(r.Separator))
}

// TLSConfig returns a new client configuration that trusts the rig CA only,
// with ServerName "127.0.0.1".
func (r *Rig) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(r.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: r.Host, MinVersion: tls.VersionTLS12}
}

// Log returns what the servers wrote to the files in Dir/log (logins,
// errors), for failure messages. It still answers after Close.
func (r *Rig) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finalLog != nil {
		return *r.finalLog
	}
	return readLogs(filepath.Join(r.Dir, "log"))
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

// Close stops every process of the rig and removes Dir; Log still
// answers. Start registers it with t.Cleanup; calling it earlier is fine,
// and again does nothing.
func (r *Rig) Close() {
	r.closeOnce.Do(func() {
		if r.proc != nil {
			r.proc.Close()
		}
		log := r.Log()
		r.mu.Lock()
		r.finalLog = &log
		r.mu.Unlock()
		RemoveAll(r.Dir)
	})
}

// ReadyTimeout only guards against a hang: the rigs' servers are ready in
// well under a second.
const ReadyTimeout = 15 * time.Second

// Spec is what Boot needs to know of one rig.
type Spec struct {
	Name      string // the rig package ("couriertest"), the script's $0
	Server    string // the server's name in lower case, for "<server> log:"
	DirPrefix string // of the rig's folder ("co-")
	Separator rune
	Script    string            // run by Start with Args after Name
	Args      func() []string   // the script's arguments; called after Files
	Files     func() error      // writes the rig's files into Dir, ports set
	Ready     func(*Proc) error // optional: waits for more than the greetings
}

// Boot makes one attempt at starting r as spec says: a folder, eight free
// ports (IMAP, IMAPS, IMAPTLSRequired, IMAPPlainOnly, then the same for
// POP3), the rig's files, the namespace running its script, and the wait
// for every listener to greet (IMAPS and POP3S through TLS) and for Ready.
// On error everything it made is undone and the error carries the server's
// log.
func Boot(r *Rig, spec Spec) (err error) {
	dir, err := MakeDir(spec.DirPrefix)
	if err != nil {
		return err
	}
	r.Host, r.Separator, r.Dir, r.CAFile = "127.0.0.1", spec.Separator, dir, filepath.Join(dir, "ca.pem")
	defer func() {
		if err != nil {
			log := r.Log()
			r.Close()
			if log != "" {
				err = fmt.Errorf("%w\n%s log:\n%s", err, spec.Server, log)
			}
		}
	}()
	lns, err := ReservePorts(8)
	if err != nil {
		return err
	}
	defer Release(lns)
	r.IMAP, r.IMAPS, r.IMAPTLSRequired, r.IMAPPlainOnly = Port(lns[0]), Port(lns[1]), Port(lns[2]), Port(lns[3])
	r.POP3, r.POP3S, r.POP3TLSRequired, r.POP3PlainOnly = Port(lns[4]), Port(lns[5]), Port(lns[6]), Port(lns[7])

	if err := spec.Files(); err != nil {
		return err
	}
	Release(lns)
	r.proc, err = Start(dir, filepath.Join(dir, "log", "rig.log"), spec.Script, spec.Name, spec.Args()...)
	if err != nil {
		return err
	}
	if err := WaitReady(r.proc, r.Host, r.greeters(), ReadyTimeout); err != nil {
		return err
	}
	if spec.Ready != nil {
		return spec.Ready(r.proc)
	}
	return nil
}

// greeters are the eight listeners Boot waits for, in the order of the
// fields; IMAPS and POP3S speak TLS at once.
func (r *Rig) greeters() []Listener {
	return []Listener{{Port: r.IMAP}, {Port: r.IMAPS, TLS: true}, {Port: r.IMAPTLSRequired}, {Port: r.IMAPPlainOnly},
		{Port: r.POP3}, {Port: r.POP3S, TLS: true}, {Port: r.POP3TLSRequired}, {Port: r.POP3PlainOnly}}
}

// EnvRequireDovecot names the environment variable that, set to "1", turns
// a missing server from a skipped test into a failed one (CI sets it; the
// name is shared with the Dovecot rig, mailconn/mailtest). CI=true does the
// same.
const EnvRequireDovecot = "MAILSETUP_REQUIRE_DOVECOT"

// Required reports whether a missing server must fail the test.
func Required() bool {
	return os.Getenv(EnvRequireDovecot) == "1" || os.Getenv("CI") == "true"
}

// MissingError is an installation that is missing: a skip outside CI.
type MissingError struct {
	Err  error
	Hint string // how to install it
}

func (e *MissingError) Error() string { return e.Err.Error() + ": " + e.Hint }
func (e *MissingError) Unwrap() error { return e.Err }

// Kind is one rig package's Start and New: how to find its installation
// (B) and how to boot one server (S) from it.
type Kind[B any, S interface{ Close() }] struct {
	Pkg     string // the package, which starts every message: "couriertest"
	Product string // the server, in "Courier is required"
	Hint    string // how to install it, after a MissingError
	Find    func() (B, error)
	Boot    func(B) (S, error) // one attempt, undone on error (see Boot)
}

// Start starts a server for t and registers its Close with t.Cleanup. A
// missing installation, or a process that is not root, skips t, or fails
// it when Required; any other error fails t, with the server's log.
func (k Kind[B, S]) Start(t testing.TB) S {
	t.Helper()
	s, err := k.newServer()
	if err != nil {
		var miss *MissingError
		if errors.As(err, &miss) {
			if Required() {
				t.Fatalf("%s: %v (%s=1 or CI=true: %s is required)", k.Pkg, err, EnvRequireDovecot, k.Product)
			}
			t.Skipf("%s: %v", k.Pkg, err)
		}
		t.Fatalf("%s: %v", k.Pkg, err)
		return s
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a server outside a test; the caller must Close it.
func (k Kind[B, S]) New() (S, error) {
	s, err := k.newServer()
	if err != nil {
		return s, fmt.Errorf("%s: %w", k.Pkg, err)
	}
	return s, nil
}

// newServer checks the installation (its error a MissingError) and that
// namespaces are Available, then boots up to three times while booting
// fails with ErrNotReady (a port taken in between).
func (k Kind[B, S]) newServer() (S, error) {
	var zero S
	b, err := k.Find()
	if err == nil {
		err = Available()
	}
	if err != nil {
		return zero, &MissingError{Err: err, Hint: k.Hint}
	}
	var lastErr error
	for range 3 {
		s, err := k.Boot(b)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, ErrNotReady) {
			break
		}
	}
	return zero, lastErr
}
