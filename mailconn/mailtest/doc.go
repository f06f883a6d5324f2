// Package mailtest starts a real Dovecot IMAP/POP3 server for tests, in the
// style of net/http/httptest.
//
// Start runs Dovecot (Debian's dovecot-imapd and dovecot-pop3d, 2.3) as a
// child of the test, with a configuration it writes itself into a fresh
// folder, on free 127.0.0.1 ports, and stops it in t.Cleanup:
//
//	func TestLogin(t *testing.T) {
//		srv := mailtest.Start(t, mailtest.Options{})
//		c, err := imapclient.DialTLS(srv.Addr(srv.IMAPS), &imapclient.Options{TLSConfig: srv.TLSConfig()})
//		if err != nil {
//			t.Fatal(err)
//		}
//		defer c.Close()
//		if err := c.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// Every Server has the same users (Alice, Bob with a non-ASCII password,
// Carol with spaces and quotes) and the same mail for each of them: INBOX
// with InboxMessages messages, InboxSeen of them \Seen; INBOX/Support; the
// non-ASCII INBOX/Bestätigungen; and Archive/2024 below a \Noselect Archive.
// Build folder names with Server.Folder, which uses the server's separator.
//
// The listeners:
//
//   - IMAP and POP3 offer STARTTLS/STLS; IMAPS and POP3S are implicit TLS.
//   - IMAPPlainOnly and POP3PlainOnly offer no STARTTLS/STLS.
//   - IMAPRemote and POP3Remote make the client look remote, so Dovecot
//     refuses plaintext authentication before TLS (IMAP: LOGINDISABLED).
//     Dovecot treats a client at its own address as secure, so a direct
//     127.0.0.1 connection never shows this.
//
// The PlainOnly and Remote ports belong to small relays in the test process
// that forward to a Dovecot listener with haproxy = yes, sending a PROXY
// protocol header that names the client and the destination Dovecot should
// believe in. The relays stop with the Server.
//
// Every TLS listener serves the certificate chosen by Options.Cert. The rig's
// CA (CAFile, CAPEM, CertPool, TLSConfig) signs every kind except
// CertSelfSigned; CertSHA256 is the served certificate's fingerprint.
//
// Failed logins are answered at once: the auth failure delay and Dovecot's
// login penalty are both off.
//
// When Dovecot is not installed, Start skips the test and says how to install
// it, unless MAILSETUP_REQUIRE_DOVECOT=1 (as in CI), where it fails. Running
// as root, Dovecot drops privileges to the package's "dovecot" and "dovenull"
// users; otherwise it runs as the current user.
package mailtest
