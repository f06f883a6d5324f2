//go:build linux

package mailutilstest

import (
	"testing"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
)

// Server is a running GNU Mailutils imap4d and pop3d with their own
// configuration, system users (a private /etc/passwd and /etc/shadow),
// certificate and mail, listening on free loopback ports. Every field is
// set by Start and must not be changed.
//
// The embedded rig gives it these fields and methods:
//
//   - Host: the address every listener is on, "127.0.0.1"; Addr(port)
//     returns "127.0.0.1:port".
//   - IMAP offers STARTTLS and allows LOGIN before it (tls-mode ondemand);
//     IMAPS is implicit TLS (connection); IMAPTLSRequired (required)
//     advertises XTLSREQUIRED and STARTTLS, no AUTH=, and answers LOGIN
//     "NO LOGIN Command disabled"; IMAPPlainOnly offers no STARTTLS (no).
//   - The same for POP3: POP3 offers STLS, POP3S is implicit TLS,
//     POP3TLSRequired refuses USER/PASS before STLS, POP3PlainOnly offers
//     no STLS.
//   - CAFile is the PEM file of the rig CA (mailtest's), which signs the
//     served certificate for "localhost" and 127.0.0.1; CAPEM is its
//     content; TLSConfig returns a new client configuration that trusts
//     the rig CA only, with ServerName "127.0.0.1".
//   - Separator is the hierarchy separator of the folders: '/'. INBOX has
//     none (NIL, \NoInferiors); the other folders are at the top level.
//     Folder joins mailbox name parts with it: Folder("Archive", "2024")
//     is "Archive/2024".
//   - Dir holds the configuration, the users, the log and the mail. It is
//     removed by Close.
//   - Log returns what imap4d and pop3d wrote (logins, errors), for
//     failure messages. It still answers after Close.
//   - Close stops every Mailutils process and removes Dir; Log still
//     answers. Start registers it with t.Cleanup; calling it earlier is
//     fine, and again does nothing.
type Server struct {
	nsrig.Rig
}

// EnvRequireDovecot names the environment variable that, set to "1", turns
// missing Mailutils from a skipped test into a failed one (CI sets it; the
// name is shared with the Dovecot rig, mailconn/mailtest). CI=true does the
// same.
const EnvRequireDovecot = nsrig.EnvRequireDovecot

const installHint = "run .ci/install-mailutils.sh as root (installs mailutils-imap4d and " +
	"mailutils-pop3d beside Dovecot)"

var kind = nsrig.Kind[install, *Server]{Pkg: "mailutilstest", Product: "Mailutils", Hint: installHint,
	Find: findInstall, Boot: start}

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
	return kind.Start(t)
}

// New starts a Server outside a test (for programs such as bench/); the
// caller must Close it.
func New() (*Server, error) { return kind.New() }

// start makes one attempt; on error everything it made is undone.
func start(b install) (*Server, error) {
	s := &Server{}
	return s, nsrig.Boot(&s.Rig, nsrig.Spec{
		Name: "mailutilstest", Server: "mailutils", DirPrefix: "mu-", Separator: '/',
		Script: nsScript,
		Args:   func() []string { return []string{s.Dir} },
		Files:  func() error { return s.writeFiles(b) },
	})
}
