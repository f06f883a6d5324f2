package mailconn_test

import (
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// failCase is a test that must fail at step with field, its hint
// containing hintHas.
type failCase struct {
	name    string
	in      config.Incoming
	secret  string
	step    mailconn.StepID
	field   string
	hintHas string
	errHas  string
}

func runFailCases(t *testing.T, srv *mailtest.Server, cases []failCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := mailconn.Options{Secret: tc.secret, Timeout: testTimeout}
			r := runTest(t, tc.in, o)
			if r.res.OK {
				t.Fatalf("test passed, want a failure at %s\n%s", tc.step, r.dump())
			}
			if r.res.FailedStep != tc.step || r.res.Field != tc.field {
				t.Fatalf("failed at %s field %s, want %s field %s\n%s", r.res.FailedStep, r.res.Field, tc.step, tc.field, r.dump())
			}
			if !strings.Contains(r.res.Hint, tc.hintHas) {
				t.Fatalf("hint %q lacks %q\n%s", r.res.Hint, tc.hintHas, r.dump())
			}
			if !strings.Contains(r.res.Error, tc.errHas) {
				t.Fatalf("error %q lacks %q\n%s", r.res.Error, tc.errHas, r.dump())
			}
			if tc.secret != "" {
				checkNoSecret(t, r, tc.in.Username, tc.secret)
			}
		})
	}
}

func with(in config.Incoming, f func(*config.Incoming)) config.Incoming {
	f(&in)
	return in
}

func TestRigFailures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	a := mailtest.Alice
	imaps := incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a)
	pop3s := incoming(srv, config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, a)
	imapST := incoming(srv, config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP, a)
	pop3ST := incoming(srv, config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3, a)
	cases := []failCase{
		{"imap/wrong password", imaps, "wrong-password", mailconn.StepAuthenticate, mailconn.FieldPassword,
			"rejected the user name or password", "AUTHENTICATIONFAILED"},
		{"pop3/wrong password", pop3s, "wrong-password", mailconn.StepAuthenticate, mailconn.FieldPassword,
			"rejected the user name or password", "AUTH"},
		{"imap/unknown user", with(imaps, func(in *config.Incoming) { in.Username = "nobody" }), a.Password,
			mailconn.StepAuthenticate, mailconn.FieldPassword, "user name or password", "AUTHENTICATIONFAILED"},
		{"imap/starttls on plain-only", with(imapST, func(in *config.Incoming) { in.Port = srv.IMAPPlainOnly }), a.Password,
			mailconn.StepStartTLS, mailconn.FieldSecurity, "does not offer STARTTLS", "STARTTLS not offered"},
		{"pop3/starttls on plain-only", with(pop3ST, func(in *config.Incoming) { in.Port = srv.POP3PlainOnly }), a.Password,
			mailconn.StepStartTLS, mailconn.FieldSecurity, "does not offer STARTTLS", "STARTTLS not offered"},
		{"imap/tls to a plain port", with(imaps, func(in *config.Incoming) { in.Port = srv.IMAP }), a.Password,
			mailconn.StepTLS, mailconn.FieldSecurity, "use security = starttls", "plain text"},
		{"pop3/tls to a plain port", with(pop3s, func(in *config.Incoming) { in.Port = srv.POP3 }), a.Password,
			mailconn.StepTLS, mailconn.FieldSecurity, "use security = starttls", "plain text"},
		{"imap/plain to a TLS port", with(imapST, func(in *config.Incoming) { in.Port = srv.IMAPS }), a.Password,
			mailconn.StepGreeting, mailconn.FieldSecurity, "use security = tls", "port speaks TLS"},
		{"pop3/plain to a TLS port", with(pop3ST, func(in *config.Incoming) { in.Security, in.Port = config.SecurityNone, srv.POP3S }), a.Password,
			mailconn.StepGreeting, mailconn.FieldSecurity, "use security = tls", "port speaks TLS"},
		{"imap/logindisabled with none", with(imapST, func(in *config.Incoming) {
			in.Security, in.Port = config.SecurityNone, srv.IMAPRemote
		}), a.Password, mailconn.StepAuthenticate, mailconn.FieldSecurity, "requires TLS before sign-in", "LOGINDISABLED"},
		{"pop3/no plaintext auth with none", with(pop3ST, func(in *config.Incoming) {
			in.Security, in.Port = config.SecurityNone, srv.POP3Remote
		}), a.Password, mailconn.StepAuthenticate, mailconn.FieldSecurity, "requires TLS before sign-in", "before STLS"},
		{"imap/spa not offered", with(imaps, func(in *config.Incoming) { in.Auth = config.AuthSPA }), a.Password,
			mailconn.StepAuthenticate, mailconn.FieldAuth, "does not offer SPA (NTLM); it offers PLAIN LOGIN", "not offered"},
		{"pop3/spa not offered", with(pop3s, func(in *config.Incoming) { in.Auth = config.AuthSPA }), a.Password,
			mailconn.StepAuthenticate, mailconn.FieldAuth, "does not offer SPA (NTLM); it offers PLAIN LOGIN", "not offered"},
		{"imap/oauth2 not offered", with(imaps, func(in *config.Incoming) { in.Auth = config.AuthOAuth2 }), "a-token",
			mailconn.StepAuthenticate, mailconn.FieldAuth, "does not offer OAuth 2.0", "not offered"},
		{"imap/missing folder", with(imaps, func(in *config.Incoming) { in.Mailbox = "INBOX.Support" }), a.Password,
			mailconn.StepMailbox, mailconn.FieldMailbox, `No folder "INBOX.Support"; this server uses "/" as separator: did you mean "INBOX/Support"?`, ""},
		{"imap/misspelt folder", with(imaps, func(in *config.Incoming) { in.Mailbox = "INBOX/Suport" }), a.Password,
			mailconn.StepMailbox, mailconn.FieldMailbox, `did you mean "INBOX/Support"?`, ""},
		{"imap/noselect folder", with(imaps, func(in *config.Incoming) { in.Mailbox = mailtest.ArchiveFolder }), a.Password,
			mailconn.StepMailbox, mailconn.FieldMailbox, `"Archive/2024"`, ""},
		{"imap/no password", imaps, "", mailconn.StepAuthenticate, mailconn.FieldPassword, "No password", "no password"},
		{"imap/refused port", with(imaps, func(in *config.Incoming) { in.Port = freePort(t) }), a.Password,
			mailconn.StepConnect, mailconn.FieldPort, "IMAP over TLS is usually 993", "connection refused"},
		{"pop3/refused port", with(pop3s, func(in *config.Incoming) { in.Port = freePort(t) }), a.Password,
			mailconn.StepConnect, mailconn.FieldPort, "POP3 over TLS is usually 995", "connection refused"},
	}
	runFailCases(t, srv, cases)
}
