//go:build linux

package couriertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
)

// Server is a running Courier-IMAP and Courier POP3 with its own userdb,
// certificate and mail, listening on free loopback ports. Every field is
// set by Start and must not be changed.
//
// The embedded rig gives it these fields and methods:
//
//   - Host: the address every listener is on, "127.0.0.1"; Addr(port)
//     returns "127.0.0.1:port".
//   - IMAP offers STARTTLS and allows LOGIN before it; IMAPS is implicit
//     TLS; IMAPTLSRequired offers STARTTLS and refuses LOGIN before it
//     (IMAP_TLS_REQUIRED=1: LOGINDISABLED); IMAPPlainOnly offers no
//     STARTTLS.
//   - The same for POP3: POP3 offers STLS, POP3S is implicit TLS,
//     POP3TLSRequired (POP3_TLS_REQUIRED=1) still lists USER in CAPA but
//     answers it "-ERR TLS required to log in.", POP3PlainOnly offers no
//     STLS. Courier POP3 offers no SASL (Debian's defaults).
//   - CAFile is the PEM file of the rig CA (mailtest's), which signs the
//     served certificate for "localhost" and 127.0.0.1; CAPEM is its
//     content; TLSConfig returns a new client configuration that trusts
//     the rig CA only, with ServerName "127.0.0.1".
//   - Separator is the hierarchy separator: '.'. Every folder is below
//     INBOX. Folder joins mailbox name parts with it: Folder("INBOX",
//     mailtest.SupportFolder) is "INBOX.Support".
//   - Dir holds the configuration, the userdb, the log and the mail. It is
//     removed by Close.
//   - Log returns what authdaemond and every listener wrote (Courier's
//     login and logout lines, errors), for failure messages. It still
//     answers after Close.
//   - Close stops every Courier process and removes Dir; Log still
//     answers. Start registers it with t.Cleanup; calling it earlier is
//     fine, and again does nothing.
type Server struct {
	nsrig.Rig
}

// EnvRequireDovecot names the environment variable that, set to "1", turns
// a missing Courier from a skipped test into a failed one (CI sets it; the
// name is shared with the Dovecot rig, mailconn/mailtest). CI=true does the
// same.
const EnvRequireDovecot = nsrig.EnvRequireDovecot

// EnvCourierDir names the environment variable that overrides the folder
// .ci/install-courier.sh unpacks Courier into (DefaultCourierDir).
const EnvCourierDir = "MAILSETUP_COURIER_DIR"

// DefaultCourierDir is where .ci/install-courier.sh unpacks the Courier
// packages: the programs are under root/.
const DefaultCourierDir = "/var/cache/mailsetup-courier"

const installHint = "run .ci/install-courier.sh as root (unpacks courier-imap, courier-pop " +
	"and courier-authlib privately, keeping Dovecot, and creates the courier user)"

var kind = nsrig.Kind[install, *Server]{Pkg: "couriertest", Product: "Courier", Hint: installHint,
	Find: findInstall, Boot: start}

// Start starts Courier for the test and stops it, removing its folder, in
// t.Cleanup. It takes a fraction of a second; share one Server across the
// subtests of a package.
//
// When Courier is not installed or the test is not root (the rig needs a
// mount namespace), Start skips the test with a message naming
// .ci/install-courier.sh; with MAILSETUP_REQUIRE_DOVECOT=1 or CI=true it
// fails the test instead. Any other problem fails the test, with the log.
func Start(t testing.TB) *Server {
	t.Helper()
	return kind.Start(t)
}

// New starts a Server outside a test (for programs such as bench/); the
// caller must Close it.
func New() (*Server, error) { return kind.New() }

// start makes one attempt; on error everything it made is undone.
func start(b install) (*Server, error) {
	s := &Server{}
	return s, nsrig.Boot(&s.Rig, nsrig.Spec{
		Name: "couriertest", Server: "courier", DirPrefix: "co-", Separator: '.',
		Script: nsScript,
		Args:   func() []string { return []string{b.root, s.Dir} },
		Files:  func() error { return s.writeFiles(b) },
		Ready:  s.waitAuthdaemon,
	})
}

// waitAuthdaemon waits for authdaemond's socket: before it, every login
// fails.
func (s *Server) waitAuthdaemon(p *nsrig.Proc) error {
	sock := filepath.Join(s.Dir, "run", "authdaemon", "socket")
	deadline := time.Now().Add(nsrig.ReadyTimeout)
	for {
		if _, err := os.Stat(sock); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("authdaemond socket %s missing after %s", sock, nsrig.ReadyTimeout)
		}
		select {
		case <-p.Exited():
			return errors.New("the rig's namespace exited at start")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
