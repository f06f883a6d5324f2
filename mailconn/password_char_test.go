package mailconn_test

import (
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// A password with a line break cannot go on POP3's PASS line: it is refused
// before anything is sent, pointing at the password, not the server.
func TestFakePOP3PasswordLineBreak(t *testing.T) {
	replies := map[string]string{"CAPA": "+OK\r\nUSER\r\nUIDL\r\n.", "USER": "+OK", "PASS": "+OK", "STAT": "+OK 0 0", "UIDL": "+OK\r\n.", "QUIT": "+OK"}
	tests := []struct {
		name, secret, what string
	}{
		{"CR LF", "Secret\r\nDELE 1", "a line break"},
		{"LF", "Secret\n", "a line break"},
		{"CR", "Sec\rret", "a line break"},
		{"NUL", "Sec\x00ret", "a NUL character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := config.Incoming{Protocol: config.ProtocolPOP3, Username: "alice", Auth: config.AuthPassword, Security: config.SecurityNone}
			r := fakeRun(t, pop3Fake(replies), in, tt.secret)
			if r.res.OK || r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldPassword ||
				!strings.Contains(r.res.Hint, "The password contains "+tt.what+", which POP3 cannot send (PASS)") ||
				strings.Contains(r.res.Hint, "Fix server") {
				t.Fatalf("result %+v, want field password and a hint about %s\n%s", r.res, tt.what, r.dump())
			}
			if strings.Contains(r.trace, "C: USER") || strings.Contains(r.trace, "C: PASS") {
				t.Errorf("sent USER/PASS with an unsendable password:\n%s", r.trace)
			}
		})
	}
}

// The same against Dovecot offering no SASL PLAIN (so POP3 falls back to
// USER/PASS and IMAP to LOGIN): POP3 refuses before sending; IMAP sends
// the password as a literal, which carries any byte, and the server judges
// it.
func TestRigPasswordLineBreak(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{AuthMechanisms: "login"})
	u := mailtest.Alice
	secret := u.Password + "\r\nDELE 1"
	for _, tc := range []struct {
		name     string
		protocol string
		security string
		port     int
	}{
		{"POP3 plain", config.ProtocolPOP3, config.SecurityNone, srv.POP3PlainOnly},
		{"POP3 over TLS", config.ProtocolPOP3, config.SecurityTLS, srv.POP3S},
		{"POP3 with STLS", config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(u)
			o.Secret = secret
			r := runTest(t, incoming(srv, tc.protocol, tc.security, tc.port, u), o)
			if r.res.OK || r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldPassword ||
				!strings.Contains(r.res.Hint, "contains a line break, which POP3 cannot send") {
				t.Fatalf("result %+v, want field password with the line-break hint\n%s", r.res, r.dump())
			}
			if strings.Contains(r.trace, "C: PASS") || strings.Contains(r.trace, "C: USER") {
				t.Errorf("USER/PASS sent:\n%s", r.trace)
			}
			if strings.Contains(srv.Log(), "DELE") {
				t.Errorf("the server saw the injected command:\n%s", srv.Log())
			}
		})
	}
	t.Run("IMAP LOGIN sends a literal", func(t *testing.T) {
		o := opts(u)
		o.Secret = secret
		r := runTest(t, incoming(srv, config.ProtocolIMAP, config.SecurityNone, srv.IMAPPlainOnly, u), o)
		// Dovecot answers LOGIN through its PLAIN mechanism, which this
		// rig has turned off: the server refuses, but only after the whole
		// password went as a synchronizing literal ("+ OK", then the data).
		a, _ := r.final(mailconn.StepAuthenticate)
		if r.res.OK || r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldPassword ||
			strings.Contains(r.res.Hint, "line break") || !strings.Contains(a.Detail, "LOGIN command") {
			t.Fatalf("result %+v, want the server's refusal of LOGIN\n%s", r.res, r.dump())
		}
		// A literal: the command line, then the data on a line of its own,
		// after a "+" from the server, or at once when imapclient has
		// already read LITERAL+ in the greeting (a race inside imapclient).
		if !loginSentLiteral(r.trace) {
			t.Errorf("LOGIN did not send the password as a literal:\n%s", r.trace)
		}
		checkNoSecret(t, r, u.Name, secret)
	})
	t.Run("POP3 with SASL PLAIN sends base64", func(t *testing.T) {
		plain := mailtest.Start(t, mailtest.Options{})
		o := opts(u)
		o.Secret = secret
		r := runTest(t, incoming(plain, config.ProtocolPOP3, config.SecurityNone, plain.POP3PlainOnly, u), o)
		if r.res.OK || r.res.Field != mailconn.FieldPassword || r.res.Error != "AUTH" {
			t.Fatalf("result %+v, want the server's [AUTH] refusal\n%s", r.res, r.dump())
		}
	})
}

// loginSentLiteral reports whether, in a trace, the LOGIN command was
// followed by another client line (the literal's data) before the server's
// tagged answer.
func loginSentLiteral(trace string) bool {
	login := false
	for _, l := range strings.Split(trace, "\n") {
		_, rest, _ := strings.Cut(l, " ")
		switch {
		case strings.HasPrefix(rest, "C: T1 LOGIN"):
			login = true
		case login && strings.HasPrefix(rest, "C: "):
			return true
		case login && strings.HasPrefix(rest, "S: T1 "):
			return false
		}
	}
	return false
}
