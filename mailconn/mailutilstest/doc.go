// Package mailutilstest starts a real GNU Mailutils imap4d and pop3d for
// tests, in the style of net/http/httptest:
//
//	srv := mailutilstest.Start(t)
//	// IMAP on srv.Addr(srv.IMAPS) (implicit TLS; trust srv.CAFile), user
//	// mailtest.Alice; folders INBOX, Support and Küche.
//
// Debian 12's mailutils-imap4d and mailutils-pop3d (3.15) install beside
// Dovecot: .ci/install-mailutils.sh installs them. Without them, or when the
// test is not root, Start skips the test with that hint, or fails it when
// MAILSETUP_REQUIRE_DOVECOT=1 or CI=true.
//
// Mailutils signs in system users (getpwnam/getspnam), so each Start runs
// imap4d and pop3d (daemon mode, in the foreground, one server block per
// listener) in a private mount and PID namespace (unshare, see
// mailconn/internal/nsrig) where the rig's own /etc/passwd and /etc/shadow
// are bind-mounted over the system's: the system's entries plus
// mailtest.Users with uids from 60001 and SHA-512 crypt hashes. Close ends
// the namespace, which kills every process in it, and removes the folder.
//
// The listeners, all on 127.0.0.1 (see Server): IMAP/POP3 with STARTTLS/STLS
// offered (tls-mode ondemand), IMAPS/POP3S (connection), a TLS-required
// pair (required) and a pair without TLS (no). The certificate is
// mailtest's CertValid, signed by the rig CA in CAFile.
//
// Each user has the Dovecot rig's mail in a Maildir, with INBOX at the top
// and '/' as separator: INBOX (mailtest.InboxContent, one seen), Support
// (mailtest.SupportContent) and Küche (NonASCIIFolder,
// mailtest.NonASCIIContent), "K&APw-che" on the wire. Messages have LF line
// endings: pop3d rewrites each message it reads to add X-UIDL, and Maildir
// files with CRLF lose their bodies. Count messages, not unseen ones: the
// first session sees the seeded \Seen flag, but imap4d rewrites the
// Maildir when a session ends (even after EXAMINE), after which that
// message is unseen too and the UIDs have moved on. pop3d's lock directory is in the rig's
// folder (Debian's /var/lock/subsys/mail does not exist, and every login
// would answer [IN-USE]).
//
// What Mailutils does that matters to tests: INBOX is listed with a NIL
// delimiter and \NoInferiors; imap4d advertises 16 SASL mechanisms
// (GSSAPI twice) of which PLAIN and LOGIN work; with TLS required it
// advertises XTLSREQUIRED (not LOGINDISABLED) and no AUTH=, and answers
// LOGIN "NO LOGIN Command disabled"; pop3d always sends an APOP timestamp,
// and the rig gives it an APOP database (popauth) with every user whose
// password has no blank (Alice, Bob), so that clients that prefer APOP,
// such as curl, sign in.
//
// Log returns what imap4d and pop3d wrote (logins, errors).
package mailutilstest
