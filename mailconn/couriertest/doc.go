// Package couriertest starts a real Courier-IMAP and Courier POP3 server
// for tests, in the style of net/http/httptest:
//
//	srv := couriertest.Start(t)
//	// IMAP on srv.Addr(srv.IMAPS) (implicit TLS; trust srv.CAFile), user
//	// mailtest.Alice; folders INBOX, INBOX.Support and INBOX.Küche.
//
// Debian 12's courier-imap 5.0.13 and courier-pop 1.0.16 Conflict with
// Dovecot's packages, so .ci/install-courier.sh only unpacks them (with
// courier-base, courier-authlib, courier-authdaemon and
// courier-authlib-userdb) into /var/cache/mailsetup-courier/root
// (MAILSETUP_COURIER_DIR overrides the folder), installs their libraries
// and creates the "courier" user that couriertls drops to. Without them, or
// when the test is not root, Start skips the test with that hint, or fails
// it when MAILSETUP_REQUIRE_DOVECOT=1 or CI=true.
//
// Courier's paths are compiled in (/etc/courier, the authdaemon socket in
// /run/courier/authdaemon, /usr/lib/courier, /usr/lib/courier-authlib), so
// each Start runs authdaemond and one couriertcpd per listener in a private
// mount and PID namespace (unshare, see mailconn/internal/nsrig) with its
// own folder bind-mounted over those paths. Close ends the namespace, which
// kills every process in it (gam_server, which imapd starts for IDLE,
// included), and removes the folder.
//
// The listeners, all on 127.0.0.1 (see Server): IMAP/POP3 with STARTTLS/STLS
// offered, IMAPS/POP3S (implicit TLS through couriertls), a TLS-required
// pair (IMAP_TLS_REQUIRED=1 / POP3_TLS_REQUIRED=1) and a pair that offers
// no STARTTLS. The certificate is mailtest's CertValid, signed by the rig
// CA in CAFile.
//
// The users are mailtest.Users (Bob's password is non-ASCII, Carol's has
// spaces and quotes), in an authuserdb userdb. Each has the same mail as on
// the Dovecot rig, in Maildir++ with '.' as separator and every folder below
// INBOX: INBOX (mailtest.InboxContent, one seen), INBOX.Support
// (mailtest.SupportContent) and INBOX.Küche (NonASCIIFolder,
// mailtest.NonASCIIContent), which is "INBOX.K&APw-che" on the wire.
//
// What Courier does that matters to tests: before TLS it offers no AUTH=
// (only LOGIN), AUTH=PLAIN after; POP3 offers no SASL; with TLS required,
// IMAP announces LOGINDISABLED while POP3 still lists USER in CAPA and
// answers "-ERR TLS required to log in."; a failed login is answered after
// about 5 seconds (run such tests in parallel).
//
// Log returns authdaemond's and every listener's standard error (logins,
// logouts, errors).
package couriertest
