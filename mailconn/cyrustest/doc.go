// Package cyrustest starts a real Cyrus IMAP server with Cyrus SASL's NTLM
// mechanism for tests of SPA (SASL NTLM) logins, in the manner of
// net/http/httptest:
//
//	srv := cyrustest.Start(t)
//	// IMAP on srv.Addr(srv.IMAP) and POP3 on srv.Addr(srv.POP3) offer
//	// AUTH NTLM, PLAIN and LOGIN, and STARTTLS with the certificate in
//	// srv.CAFile; srv.User / srv.Password log in, with srv.Domain as the
//	// NTLM domain.
//
// Debian's Dovecot 2.3 no longer ships NTLM, hence Cyrus. Debian's
// cyrus-imapd and cyrus-pop3d packages conflict with Dovecot's, so
// .ci/install-cyrus.sh installs cyrus-common (the master process, the
// database tools), sasl2-bin (saslpasswd2) and libsasl2-modules (the NTLM
// plugin) normally and unpacks imapd and pop3d privately into
// /var/cache/mailsetup-cyrus/root (MAILSETUP_CYRUS_DIR overrides the
// folder). Without them Start skips the test with that hint, or fails it
// when MAILSETUP_REQUIRE_DOVECOT=1 (as in CI).
//
// Each Start runs its own Cyrus master in the foreground, with its own
// imapd.conf, cyrus.conf, sasldb, mail spool and free loopback ports, in a
// world-traversable temporary folder owned by the cyrus user (the master
// drops to it), so it needs root. The user's INBOX is created at start and
// holds one message (Messages). t.Cleanup stops the master with SIGTERM,
// kills whatever is left in its process group, and removes the folder; a
// small shell watchdog stops the master too when the test binary dies
// without running its cleanups (a `go test -timeout`), so no Cyrus process
// outlives the test.
//
// What Cyrus accepts, measured with github.com/Azure/go-ntlmssp (NTLMv2):
// the user names "ntlmuser", `EXAMPLE\ntlmuser`, "ntlmuser@EXAMPLE" and
// "ntlmuser@example" all log in (virtdomains with defaultdomain "example"
// map them to the same user). Cyrus's NTLMv2 check upper-cases the user
// name and domain together before hashing, while go-ntlmssp upper-cases
// only the user name, so a lower-case domain in the DOMAIN\user form
// (`example\ntlmuser`) fails; Cyrus also hashes the password as Latin-1,
// so the rig's user and password are ASCII.
//
// Cyrus logs only through syslog(3), that is /dev/log. When no syslog
// daemon runs, its log is lost; to watch it while debugging, listen on
// /dev/log yourself, e.g.
//
//	python3 -c 'import socket,os;s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM);s.bind("/dev/log");os.chmod("/dev/log",0o666);[print(s.recv(9999).decode(errors="replace"),flush=True) for _ in iter(int,1)]'
//
// and remove /dev/log afterwards. Log returns what the master wrote to its
// standard output and error, which is little.
package cyrustest
