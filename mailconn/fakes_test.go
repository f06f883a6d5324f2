package mailconn_test

import (
	"bufio"
	"encoding/base64"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// The fakes here stand in for servers the rig cannot be: NTLM (Exchange;
// Cyrus covers it for real in package cyrustest), OAuth 2.0 (Microsoft,
// Google), a POP3 mailbox locked by another client, a POP3 server without
// UIDL or CAPA.

// imapFake serves a scripted IMAP session: greeting with caps, auth for
// AUTHENTICATE/LOGIN, and a small INBOX for the mailbox queries.
func imapFake(caps string, auth func(br *bufio.Reader, c net.Conn, tag, args string) bool) func(*fakeServer, net.Conn) {
	return func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		write := func(lines ...string) { _, _ = c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n")) }
		write("* OK [CAPABILITY " + caps + "] fake")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb, args, _ := strings.Cut(rest, " ")
			switch strings.ToUpper(verb) {
			case "AUTHENTICATE", "LOGIN":
				if !auth(br, c, tag, args) {
					return
				}
			default:
				if !fakeMailbox(write, tag, verb) {
					return
				}
			}
		}
	}
}

// fakeMailbox answers the mailbox queries of a fake IMAP session for a
// small INBOX (2 messages, 1 unseen); false after LOGOUT.
func fakeMailbox(write func(lines ...string), tag, verb string) bool {
	switch strings.ToUpper(verb) {
	case "LIST":
		write(`* LIST (\Noselect) "/" ""`, tag+" OK")
	case "STATUS":
		write(`* STATUS INBOX (UNSEEN 1)`, tag+" OK")
	case "EXAMINE":
		write("* 2 EXISTS", tag+" OK [READ-ONLY] done")
	case "SEARCH":
		write("* SEARCH 2", tag+" OK")
	case "FETCH":
		write(`* 1 FETCH (INTERNALDATE "01-Mar-2024 09:30:00 +0000")`, tag+" OK")
	case "LOGOUT":
		write("* BYE", tag+" OK")
		return false
	default:
		write(tag + " BAD unknown")
	}
	return true
}

// pop3Fake serves a scripted POP3 session; replies maps a command verb to
// its reply (multi-line replies end with "\r\n.").
func pop3Fake(replies map[string]string) func(*fakeServer, net.Conn) {
	return func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		_, _ = c.Write([]byte("+OK fake\r\n"))
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			verb, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb = strings.ToUpper(verb)
			reply, ok := replies[verb]
			if !ok {
				reply = "-ERR unknown command"
			}
			_, _ = c.Write([]byte(reply + "\r\n"))
			if verb == "QUIT" {
				return
			}
		}
	}
}

// fakeRun runs a test against a fake with a short timeout and checks for
// leaks and secrets.
func fakeRun(t *testing.T, handle func(*fakeServer, net.Conn), in config.Incoming, secret string) *run {
	t.Helper()
	srv := startFake(t, handle)
	in.Server, in.Port = "127.0.0.1", srv.port()
	r := runTest(t, in, mailconn.Options{Secret: secret, Timeout: 5 * time.Second})
	srv.close()
	checkNoSecret(t, r, in.Username, secret)
	return r
}

func TestFakeNTLM(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var gotUser, gotDomain, blob string
	auth := func(br *bufio.Reader, c net.Conn, tag, args string) bool {
		if !strings.EqualFold(args, "NTLM") {
			_, _ = c.Write([]byte(tag + " NO want NTLM\r\n"))
			return true
		}
		_, _ = c.Write([]byte("+ \r\n"))
		if _, err := br.ReadString('\n'); err != nil { // negotiate
			return false
		}
		_, _ = c.Write([]byte("+ " + base64.StdEncoding.EncodeToString(mailconn.NTLMChallengeForTest()) + "\r\n"))
		line, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		blob = strings.TrimSpace(line)
		msg, err := base64.StdEncoding.DecodeString(blob)
		if err != nil || len(msg) < 64 {
			_, _ = c.Write([]byte(tag + " BAD not base64\r\n"))
			return false
		}
		gotDomain = mailconn.FromUTF16ForTest(mailconn.NTLMFieldForTest(t, msg, 2))
		gotUser = mailconn.FromUTF16ForTest(mailconn.NTLMFieldForTest(t, msg, 3))
		_, _ = c.Write([]byte(tag + " OK NTLM accepted\r\n"))
		return true
	}
	in := config.Incoming{Protocol: config.ProtocolIMAP, Username: `EXAMPLE\alice`, Auth: config.AuthSPA, Security: config.SecurityNone}
	r := fakeRun(t, imapFake("IMAP4rev1 AUTH=NTLM LOGINDISABLED", auth), in, "Secret-Pa55")
	if !r.res.OK {
		t.Fatalf("failed\n%s", r.dump())
	}
	if gotUser != "alice" || gotDomain != "EXAMPLE" {
		t.Fatalf("type-3 message for %q in %q, want alice in EXAMPLE", gotUser, gotDomain)
	}
	if e, _ := r.final(mailconn.StepAuthenticate); e.Status != mailconn.StatusWarn || !strings.Contains(e.Detail, "NTLM") {
		t.Fatalf("authenticate %+v: want a warning (plain text) naming NTLM", e)
	}
	if blob == "" || strings.Contains(r.trace, blob) {
		t.Fatalf("the NTLM authenticate blob is in the trace\n%s", r.trace)
	}
}

func TestFakeOAuth(t *testing.T) {
	const token = "ya29.a0-the-access-token"
	errChallenge := base64.StdEncoding.EncodeToString([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	tests := []struct {
		name, caps, forced, wantMech string
		accept                       bool
	}{
		{"xoauth2 accepted", "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER", "", "XOAUTH2", true},
		{"oauthbearer forced", "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER", config.MechanismOAUTHBEARER, "OAUTHBEARER", true},
		{"xoauth2 refused", "IMAP4rev1 SASL-IR AUTH=XOAUTH2", "", "XOAUTH2", false},
		{"oauthbearer refused", "IMAP4rev1 SASL-IR AUTH=OAUTHBEARER", "", "OAUTHBEARER", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			var gotMech string
			auth := func(br *bufio.Reader, c net.Conn, tag, args string) bool {
				mech, ir, _ := strings.Cut(args, " ")
				gotMech = strings.ToUpper(mech)
				raw, _ := base64.StdEncoding.DecodeString(ir)
				if !strings.Contains(string(raw), "auth=Bearer "+token) {
					_, _ = c.Write([]byte(tag + " BAD no token\r\n"))
					return true
				}
				if tt.accept {
					_, _ = c.Write([]byte(tag + " OK welcome\r\n"))
					return true
				}
				// The error challenge: the client must answer it.
				_, _ = c.Write([]byte("+ " + errChallenge + "\r\n"))
				if _, err := br.ReadString('\n'); err != nil {
					return false
				}
				_, _ = c.Write([]byte(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"))
				return true
			}
			in := config.Incoming{Protocol: config.ProtocolIMAP, Username: "alice@example.com", Auth: config.AuthOAuth2,
				Security: config.SecurityNone, OAuth2: &config.OAuth2{Provider: config.ProviderGoogle, Mechanism: tt.forced}}
			r := fakeRun(t, imapFake(tt.caps, auth), in, token)
			if gotMech != tt.wantMech {
				t.Fatalf("mechanism %q, want %q\n%s", gotMech, tt.wantMech, r.dump())
			}
			if tt.accept != r.res.OK {
				t.Fatalf("ok = %v, want %v\n%s", r.res.OK, tt.accept, r.dump())
			}
			if !tt.accept && (r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldOAuth2 ||
				r.res.Error != "AUTHENTICATIONFAILED" || !strings.Contains(r.res.Hint, "oauth2 login")) {
				t.Fatalf("result %+v, want authenticate/oauth2 with the token hint\n%s", r.res, r.dump())
			}
		})
	}
}

func TestFakePOP3(t *testing.T) {
	capa := "+OK\r\nUSER\r\nUIDL\r\n."
	tests := []struct {
		name    string
		replies map[string]string
		ok      bool
		step    mailconn.StepID
		field   string
		hintHas string
		check   func(t *testing.T, r *run)
	}{
		{"in use", map[string]string{"CAPA": capa, "USER": "+OK", "PASS": "-ERR [IN-USE] Mailbox is locked by another session"},
			false, mailconn.StepAuthenticate, mailconn.FieldUsername, "holds the mailbox lock", nil},
		{"no uidl", map[string]string{"CAPA": "+OK\r\nUSER\r\n.", "USER": "+OK", "PASS": "+OK", "STAT": "+OK 2 300", "UIDL": "-ERR no UIDL", "QUIT": "+OK"},
			true, "", "", "", func(t *testing.T, r *run) {
				e, _ := r.final(mailconn.StepMailbox)
				if e.Status != mailconn.StatusWarn || !strings.Contains(e.Hint, "cannot tell old messages from new") {
					t.Fatalf("mailbox %+v: want the no-UIDL warning", e)
				}
			}},
		{"no capa", map[string]string{"USER": "+OK", "PASS": "+OK", "STAT": "+OK 0 0", "UIDL": "+OK\r\n.", "QUIT": "+OK"},
			true, "", "", "", func(t *testing.T, r *run) {
				e, _ := r.final(mailconn.StepCapabilities)
				a, _ := r.final(mailconn.StepAuthenticate)
				if e.Status != mailconn.StatusOK || !strings.Contains(e.Detail, "CAPA") || !strings.Contains(a.Detail, "USER/PASS") {
					t.Fatalf("capabilities %+v, authenticate %+v: want USER/PASS without CAPA", e, a)
				}
			}},
		{"wrong password", map[string]string{"CAPA": capa, "USER": "+OK", "PASS": "-ERR [AUTH] Authentication failed."},
			false, mailconn.StepAuthenticate, mailconn.FieldPassword, "rejected the user name or password", nil},
		{"temporary failure", map[string]string{"CAPA": capa, "USER": "+OK", "PASS": "-ERR [SYS/TEMP] try later"},
			false, mailconn.StepAuthenticate, mailconn.FieldServer, "try again later", nil},
		{"greeting refused", nil, false, mailconn.StepGreeting, mailconn.FieldServer, "refused the session", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			handle := pop3Fake(tt.replies)
			if tt.replies == nil {
				handle = func(s *fakeServer, c net.Conn) { _, _ = c.Write([]byte("-ERR too many connections\r\n")) }
			}
			in := config.Incoming{Protocol: config.ProtocolPOP3, Username: "alice", Auth: config.AuthPassword, Security: config.SecurityNone}
			r := fakeRun(t, handle, in, "Secret-Pa55")
			if r.res.OK != tt.ok {
				t.Fatalf("ok = %v, want %v\n%s", r.res.OK, tt.ok, r.dump())
			}
			if !tt.ok && (r.res.FailedStep != tt.step || r.res.Field != tt.field || !strings.Contains(r.res.Hint, tt.hintHas)) {
				t.Fatalf("result %+v, want %s/%s with %q\n%s", r.res, tt.step, tt.field, tt.hintHas, r.dump())
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestFakeIMAPOddities(t *testing.T) {
	login := func(br *bufio.Reader, c net.Conn, tag, args string) bool {
		_, _ = c.Write([]byte(tag + " OK logged in\r\n"))
		return true
	}
	tests := []struct {
		name     string
		security string
		handle   func(*fakeServer, net.Conn)
		ok       bool
		step     mailconn.StepID
		field    string
	}{
		{"preauth", config.SecurityNone, func(s *fakeServer, c net.Conn) {
			_, _ = c.Write([]byte("* PREAUTH [CAPABILITY IMAP4rev1] hello\r\n"))
			imapFake("IMAP4rev1", login)(s, &skipGreeting{Conn: c})
		}, true, "", ""},
		{"preauth refuses starttls", config.SecurityStartTLS, func(s *fakeServer, c net.Conn) {
			_, _ = c.Write([]byte("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hello\r\n"))
			drain(c)
		}, false, mailconn.StepStartTLS, mailconn.FieldSecurity},
		{"garbage after login", config.SecurityNone, func(s *fakeServer, c net.Conn) {
			br := bufio.NewReader(c)
			_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n"))
			line, _ := br.ReadString('\n')
			tag, _, _ := strings.Cut(line, " ")
			_, _ = c.Write([]byte(tag + " OK [CAPABILITY IMAP4rev1] in\r\n"))
			_, _ = br.ReadString('\n')
			_, _ = c.Write([]byte("* LIST ((((\x00\r\n"))
			drain(c)
		}, false, mailconn.StepMailbox, mailconn.FieldServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			in := config.Incoming{Protocol: config.ProtocolIMAP, Username: "alice", Auth: config.AuthPassword, Security: tt.security}
			r := fakeRun(t, tt.handle, in, "Secret-Pa55")
			if r.res.OK != tt.ok || (!tt.ok && (r.res.FailedStep != tt.step || r.res.Field != tt.field)) {
				t.Fatalf("result %+v, want ok=%v or %s/%s\n%s", r.res, tt.ok, tt.step, tt.field, r.dump())
			}
		})
	}
}

// skipGreeting drops the greeting imapFake writes, for a server that has
// already sent its own.
type skipGreeting struct {
	net.Conn
	skipped bool
}

func (s *skipGreeting) Write(p []byte) (int, error) {
	if !s.skipped {
		s.skipped = true
		return len(p), nil
	}
	return s.Conn.Write(p)
}

// TestFakeOAuthFailureHint checks that Options.AuthFailureHint (the causes a
// bare "AUTHENTICATE failed" leaves open) lands in the authenticate step's
// hint when the server refuses the token, and only then.
func TestFakeOAuthFailureHint(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const token, extra = "the-access-token", "Check that IMAP is enabled on the mailbox."
	for _, accept := range []bool{false, true} {
		auth := func(br *bufio.Reader, c net.Conn, tag, args string) bool {
			if accept {
				_, _ = c.Write([]byte(tag + " OK welcome\r\n"))
				return true
			}
			_, _ = c.Write([]byte("+ e30=\r\n"))
			if _, err := br.ReadString('\n'); err != nil {
				return false
			}
			_, _ = c.Write([]byte(tag + " NO AUTHENTICATE failed.\r\n"))
			return true
		}
		srv := startFake(t, imapFake("IMAP4rev1 SASL-IR AUTH=XOAUTH2", auth))
		in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: srv.port(), Username: "alice@example.com",
			Auth: config.AuthOAuth2, Security: config.SecurityNone, OAuth2: &config.OAuth2{Provider: config.ProviderMicrosoft}}
		r := runTest(t, in, mailconn.Options{Secret: token, Timeout: 5 * time.Second, AuthFailureHint: extra})
		srv.close()
		e, _ := r.final(mailconn.StepAuthenticate)
		switch {
		case !accept && (r.res.OK || !strings.HasSuffix(r.res.Hint, extra) || !strings.HasSuffix(e.Hint, extra)):
			t.Errorf("refused: result %+v, event %+v: want the hint to end with %q\n%s", r.res, e, extra, r.dump())
		case accept && (!r.res.OK || strings.Contains(e.Hint, extra)):
			t.Errorf("accepted: result %+v, event %+v\n%s", r.res, e, r.dump())
		}
	}
}
