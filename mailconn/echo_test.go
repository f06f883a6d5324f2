package mailconn_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// An echoing server: it refuses the credentials with a text that repeats
// the secret in every form it knows (raw, base64 alone as SASL LOGIN sends
// it, the PLAIN message with and without authzid, base64 at another
// alignment) and every payload the client sent (the NTLM type-3 message,
// the XOAUTH2 and OAUTHBEARER initial responses). Nothing of it may reach
// an event, the result, a ListFolders error or the trace.

const (
	echoUser   = "alice"
	echoSecret = "P4ss-w0rd!"
	echoToken  = "ya29.the-access-token-Z9"
)

// echoLog collects what the client sent, for the assertions.
type echoLog struct {
	mu       sync.Mutex
	payloads []string
}

func (l *echoLog) add(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p = strings.TrimSpace(p); p != "" && p != "=" && p != "*" {
		l.payloads = append(l.payloads, p)
	}
}

func (l *echoLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.payloads...)
}

// echoForms are the forms of secret a server can echo.
func echoForms(secret string) []string {
	enc := base64.StdEncoding.EncodeToString
	return []string{
		secret,
		enc([]byte(secret)),
		base64.RawStdEncoding.EncodeToString([]byte(secret)),
		enc([]byte("\x00" + echoUser + "\x00" + secret)),
		enc([]byte(echoUser + "\x00" + echoUser + "\x00" + secret)),
		enc([]byte("user=" + echoUser + "\x01auth=Bearer " + secret + "\x01\x01")),
	}
}

// echoItems are what the server repeats: every form of the secret, the
// secret at another alignment inside a longer base64 text, and every
// payload the client sent.
func echoItems(secret string, sent []string) []string {
	items := echoForms(secret)
	items = append(items, base64.StdEncoding.EncodeToString([]byte("xy"+secret+"z")))
	return append(items, sent...)
}

// echoText is the refusal. Variant 0 is a long preamble (so that a form
// straddles the 120-character cut of a detail) and then every item;
// variant k repeats only item k (after the cut, no item would show).
func echoText(variant int, secret string, sent []string) string {
	items := echoItems(secret, sent)
	if variant > 0 && variant <= len(items) {
		return "wrong password: " + items[variant-1] + "."
	}
	return "wrong password for " + echoUser + ", please check the credentials and try again; you sent: " + strings.Join(items, " ")
}

// echoSASL runs a SASL exchange for mech as the server side: ir is the
// initial response ("" when none), read reads a client line, cont sends a
// continuation with a base64 challenge. It returns false when the client
// went away.
func echoSASL(mech, ir string, secret string, log *echoLog, read func() (string, bool), cont func(string)) bool {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	var challenges []string
	secretAt := 0 // the answer that carries the secret (LOGIN's first is the user name, NTLM's the negotiate message)
	switch strings.ToUpper(mech) {
	case "PLAIN":
		challenges = []string{""}
	case "LOGIN":
		challenges, secretAt = []string{b64("Username:"), b64("Password:")}, 1
	case "NTLM":
		challenges, secretAt = []string{"", base64.StdEncoding.EncodeToString(mailconn.NTLMChallengeForTest())}, 1
	case "XOAUTH2", "OAUTHBEARER":
		// The token's error challenge echoes the token in its scope.
		challenges = []string{"", b64(`{"status":"401","schemes":"bearer","scope":"` + secret + `"}`)}
	}
	for i, ch := range challenges {
		line := ir
		if i > 0 || ir == "" {
			cont(ch)
			var ok bool
			if line, ok = read(); !ok {
				return false
			}
		}
		if i == secretAt {
			log.add(line)
		}
	}
	return true
}

// echoIMAP is an IMAP server refusing every sign-in with the echo.
func echoIMAP(caps, secret string, variant int, log *echoLog) func(*fakeServer, net.Conn) {
	return imapFake(caps, func(br *bufio.Reader, c net.Conn, tag, args string) bool {
		read := func() (string, bool) {
			l, err := br.ReadString('\n')
			return strings.TrimRight(l, "\r\n"), err == nil
		}
		cont := func(ch string) { _, _ = c.Write([]byte("+ " + ch + "\r\n")) }
		first, rest, _ := strings.Cut(args, " ")
		switch strings.ToUpper(first) {
		case "PLAIN", "LOGIN", "NTLM", "XOAUTH2", "OAUTHBEARER":
			if !echoSASL(first, rest, secret, log, read, cont) {
				return false
			}
		default: // LOGIN user password
			log.add(rest)
		}
		_, _ = c.Write([]byte(tag + " NO [AUTHENTICATIONFAILED] " + echoText(variant, secret, log.all()) + "\r\n"))
		return true
	})
}

// echoPOP3 is a POP3 server offering capa and refusing every sign-in with
// the echo.
func echoPOP3(capa, secret string, variant int, log *echoLog) func(*fakeServer, net.Conn) {
	return func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		write := func(l string) { _, _ = c.Write([]byte(l + "\r\n")) }
		read := func() (string, bool) {
			l, err := br.ReadString('\n')
			return strings.TrimRight(l, "\r\n"), err == nil
		}
		write("+OK echo ready")
		for {
			line, ok := read()
			if !ok {
				return
			}
			verb, args, _ := strings.Cut(line, " ")
			switch strings.ToUpper(verb) {
			case "CAPA":
				write("+OK\r\n" + capa + "\r\n.")
			case "USER":
				write("+OK")
			case "PASS":
				log.add(args)
				write("-ERR [AUTH] " + echoText(variant, secret, log.all()))
			case "AUTH":
				mech, ir, _ := strings.Cut(args, " ")
				if !echoSASL(mech, ir, secret, log, read, func(ch string) { write("+ " + ch) }) {
					return
				}
				write("-ERR [AUTH] " + echoText(variant, secret, log.all()))
			case "QUIT":
				write("+OK")
				return
			default:
				write("-ERR unknown")
			}
		}
	}
}

// assertHidden fails when a form or a sent payload shows in what leaves
// the test: events (JSON and fields), the result, err's text, the trace.
func assertHidden(t *testing.T, r *run, extra string, secret string, sent []string) {
	t.Helper()
	var all strings.Builder
	for _, e := range r.events {
		b, _ := json.Marshal(e)
		all.Write(b)
		all.WriteString("\n" + e.Title + "\n" + e.Detail + "\n" + e.Hint + "\n")
	}
	b, _ := json.Marshal(r.res)
	all.Write(b)
	all.WriteString("\n" + r.res.Error + "\n" + r.res.Hint + "\n" + extra + "\n" + r.trace)
	out := all.String()
	leaks := append(echoForms(secret), sent...)
	leaks = append(leaks, secret[:6]) // a cut form
	for _, p := range sent {
		if len(p) > 24 {
			leaks = append(leaks, p[:24]) // part of a payload
		}
	}
	for _, f := range leaks {
		if strings.Contains(out, f) {
			t.Errorf("%q shows:\n%s", f, out)
		}
	}
	// The markers stay whole, even where a detail is cut short.
	if strings.Contains(strings.ReplaceAll(out, "<redacted>", ""), "<red") {
		t.Errorf("a cut <redacted> marker:\n%s", out)
	}
}

func TestEchoingServerEveryMechanism(t *testing.T) {
	imapIn := func(auth string, oauth *config.OAuth2) config.Incoming {
		return config.Incoming{Protocol: config.ProtocolIMAP, Username: echoUser, Auth: auth, Security: config.SecurityNone, OAuth2: oauth}
	}
	pop3In := func(auth string, oauth *config.OAuth2) config.Incoming {
		in := imapIn(auth, oauth)
		in.Protocol = config.ProtocolPOP3
		return in
	}
	google := func(mech string) *config.OAuth2 {
		return &config.OAuth2{Provider: config.ProviderGoogle, Mechanism: mech}
	}
	tests := []struct {
		name, caps string
		pop3       bool
		in         config.Incoming
		secret     string
		wantMech   string // in the authenticate step's detail
	}{
		{"imap LOGIN", "IMAP4rev1", false, imapIn(config.AuthPassword, nil), echoSecret, "LOGIN"},
		{"imap AUTHENTICATE PLAIN SASL-IR", "IMAP4rev1 SASL-IR AUTH=PLAIN", false, imapIn(config.AuthPassword, nil), echoSecret, "PLAIN"},
		// Without SASL-IR, PLAIN only for a password LOGIN would send as a
		// literal (two round trips either way); else the LOGIN command.
		{"imap AUTHENTICATE PLAIN", "IMAP4rev1 AUTH=PLAIN", false, imapIn(config.AuthPassword, nil), echoSecret + "ü", "PLAIN"},
		{"imap LOGIN for PLAIN without SASL-IR", "IMAP4rev1 AUTH=PLAIN", false, imapIn(config.AuthPassword, nil), echoSecret, "LOGIN"},
		{"imap XOAUTH2", "IMAP4rev1 SASL-IR AUTH=XOAUTH2", false, imapIn(config.AuthOAuth2, google(config.MechanismXOAUTH2)), echoToken, "XOAUTH2"},
		{"imap OAUTHBEARER", "IMAP4rev1 SASL-IR AUTH=OAUTHBEARER", false, imapIn(config.AuthOAuth2, google(config.MechanismOAUTHBEARER)), echoToken, "OAUTHBEARER"},
		{"imap NTLM", "IMAP4rev1 AUTH=NTLM", false, imapIn(config.AuthSPA, nil), echoSecret, "NTLM"},
		{"pop3 USER PASS", "USER", true, pop3In(config.AuthPassword, nil), echoSecret, "USER/PASS"},
		{"pop3 AUTH PLAIN", "SASL PLAIN", true, pop3In(config.AuthPassword, nil), echoSecret, "PLAIN"},
		{"pop3 AUTH LOGIN", "SASL LOGIN", true, pop3In(config.AuthPassword, nil), echoSecret, "LOGIN"},
		{"pop3 AUTH XOAUTH2", "SASL XOAUTH2", true, pop3In(config.AuthOAuth2, google(config.MechanismXOAUTH2)), echoToken, "XOAUTH2"},
		{"pop3 AUTH NTLM", "SASL NTLM", true, pop3In(config.AuthSPA, nil), echoSecret, "NTLM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			for variant, n := 0, 1; variant < n; variant++ {
				sent := echoRun(t, tt.pop3, tt.caps, tt.in, tt.secret, tt.wantMech, variant)
				n = len(echoItems(tt.secret, sent)) + 1
			}
		})
	}
}

// echoRun runs Test (and, for IMAP, ListFolders) against an echoing server
// and checks that nothing shows; it returns the payloads the client sent.
func echoRun(t *testing.T, pop3 bool, caps string, in config.Incoming, secret, wantMech string, variant int) []string {
	t.Helper()
	log := &echoLog{}
	handle := echoIMAP(caps, secret, variant, log)
	if pop3 {
		handle = echoPOP3(caps, secret, variant, log)
	}
	srv := startFake(t, handle)
	defer srv.close()
	in.Server, in.Port = "127.0.0.1", srv.port()
	opts := mailconn.Options{Secret: secret, Timeout: 5 * time.Second}
	r := runTest(t, in, opts)
	if r.res.OK || r.res.FailedStep != mailconn.StepAuthenticate {
		t.Fatalf("variant %d: want an authentication failure\n%s", variant, r.dump())
	}
	e, _ := r.final(mailconn.StepAuthenticate)
	if !strings.Contains(e.Detail, wantMech) || !strings.Contains(e.Detail, "<redacted>") {
		t.Errorf("variant %d: authenticate detail %q: want %s and the echo redacted", variant, e.Detail, wantMech)
	}
	if !strings.Contains(e.Detail, "wrong password") {
		t.Errorf("variant %d: authenticate detail %q lost the server's own words", variant, e.Detail)
	}
	sent := log.all()
	if len(sent) == 0 {
		t.Fatalf("the server saw no payload")
	}
	assertHidden(t, r, "", secret, sent)
	if pop3 {
		return sent
	}
	// ListFolders: the same exchange (on a server of its own, which echoes
	// what this session sent); its error and events too.
	log = &echoLog{}
	lsrv := startFake(t, echoIMAP(caps, secret, variant, log))
	defer lsrv.close()
	in.Port = lsrv.port()
	var events []mailconn.Event
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	_, err := mailconn.ListFolders(ctx, in, opts, func(e mailconn.Event) { events = append(events, e) })
	if err == nil {
		t.Fatal("ListFolders: want an error")
	}
	text := err.Error()
	if le, ok := err.(*mailconn.ListError); ok {
		b, _ := json.Marshal(le.Event)
		text += "\n" + string(b) + "\n" + le.Result.Error + "\n" + le.Result.Hint
	}
	assertHidden(t, &run{events: events}, text, secret, append(sent, log.all()...))
	return sent
}

// TestEchoShortSecretStaysReadable: with a one-character password the
// echo standing alone is hidden, and the step's own words (which hold the
// letter everywhere) are left alone.
func TestEchoShortSecretStaysReadable(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const secret = "e"
	handle := imapFake("IMAP4rev1 SASL-IR AUTH=PLAIN", func(br *bufio.Reader, c net.Conn, tag, args string) bool {
		_, _ = c.Write([]byte(tag + " NO [AUTHENTICATIONFAILED] Authentication failed; wrong password e\r\n"))
		return true
	})
	srv := startFake(t, handle)
	defer srv.close()
	in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: srv.port(), Username: echoUser,
		Auth: config.AuthPassword, Security: config.SecurityNone}
	r := runTest(t, in, mailconn.Options{Secret: secret, Timeout: 5 * time.Second})
	e, _ := r.final(mailconn.StepAuthenticate)
	if want := "Authentication failed; wrong password <redacted>"; !strings.HasSuffix(e.Detail, want) {
		t.Errorf("detail %q, want it to end with %q", e.Detail, want)
	}
	if e.Title != "Sign in as "+echoUser || e.Hint != "The server rejected the user name or password." {
		t.Errorf("title %q, hint %q: our own words were scrubbed", e.Title, e.Hint)
	}
	if g, _ := r.final(mailconn.StepGreeting); !strings.Contains(r.trace, "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] fake") || g.Status != mailconn.StatusOK {
		t.Errorf("the greeting is not readable in the trace:\n%s", r.trace)
	}
}

// TestEchoAfterSignIn: the server accepts the credentials, then echoes
// them in its refusal to open the folder (IMAP EXAMINE, and LIST for
// ListFolders) or to STAT (POP3).
func TestEchoAfterSignIn(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	text := echoText(0, echoSecret, nil)
	imapHandle := func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		write := func(l string) { _, _ = c.Write([]byte(l + "\r\n")) }
		write("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] echo")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb, _, _ := strings.Cut(rest, " ")
			switch strings.ToUpper(verb) {
			case "AUTHENTICATE":
				write(tag + " OK in")
			case "LOGOUT":
				write("* BYE")
				write(tag + " OK")
				return
			default:
				write(tag + " NO " + text)
			}
		}
	}
	pop3Handle := pop3Fake(map[string]string{"CAPA": "+OK\r\nUSER\r\n.", "USER": "+OK", "PASS": "+OK", "STAT": "-ERR " + text, "QUIT": "+OK"})
	for _, tc := range []struct {
		protocol string
		handle   func(*fakeServer, net.Conn)
	}{{config.ProtocolIMAP, imapHandle}, {config.ProtocolPOP3, pop3Handle}} {
		t.Run(tc.protocol, func(t *testing.T) {
			srv := startFake(t, tc.handle)
			defer srv.close()
			in := config.Incoming{Protocol: tc.protocol, Server: "127.0.0.1", Port: srv.port(), Username: echoUser,
				Auth: config.AuthPassword, Security: config.SecurityNone, Mailbox: "INBOX"}
			opts := mailconn.Options{Secret: echoSecret, Timeout: 5 * time.Second}
			r := runTest(t, in, opts)
			if r.res.OK || r.res.FailedStep != mailconn.StepMailbox {
				t.Fatalf("want a mailbox failure\n%s", r.dump())
			}
			if e, _ := r.final(mailconn.StepMailbox); !strings.Contains(e.Detail, "wrong password for") {
				t.Errorf("mailbox detail %q: want the server's text", e.Detail)
			}
			assertHidden(t, r, "", echoSecret, nil)
			if tc.protocol == config.ProtocolPOP3 {
				return
			}
			var events []mailconn.Event
			ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
			defer cancel()
			_, err := mailconn.ListFolders(ctx, in, opts, func(e mailconn.Event) { events = append(events, e) })
			if err == nil || !strings.Contains(err.Error(), "wrong password for") {
				t.Fatalf("ListFolders: %v, want the LIST refusal", err)
			}
			assertHidden(t, &run{events: events}, err.Error(), echoSecret, nil)
		})
	}
}
