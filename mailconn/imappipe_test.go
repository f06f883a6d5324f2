package mailconn_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/hostiletest"
	"github.com/mailsetup/mailsetup/mailconn"
)

// pipeFake is an IMAP server over implicit TLS whose greeting carries no
// capabilities, so that the client must ask for them: the case where
// mailsetup sends LOGIN in the same write as CAPABILITY (imappipe.go).
type pipeFake struct {
	caps  string // the CAPABILITY answer
	login string // the reply to LOGIN after the tag: "OK done", "NO …", "BAD …"

	mu        sync.Mutex
	verbs     []string // the commands, in order
	pipelined bool     // LOGIN had arrived when CAPABILITY was answered
}

func (f *pipeFake) handle(cfg *tls.Config) func(*fakeServer, net.Conn) {
	return func(s *fakeServer, raw net.Conn) {
		c := tls.Server(raw, cfg)
		if err := c.Handshake(); err != nil {
			return
		}
		br := bufio.NewReader(c)
		write := func(lines ...string) { _, _ = c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n")) }
		write("* OK fake ready")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb, args, _ := strings.Cut(rest, " ")
			verb = strings.ToUpper(verb)
			f.mu.Lock()
			f.verbs = append(f.verbs, verb)
			if verb == "CAPABILITY" && br.Buffered() > 0 {
				next, _ := br.Peek(br.Buffered())
				if strings.Contains(strings.ToUpper(string(next)), " LOGIN ") {
					f.pipelined = true
				}
			}
			f.mu.Unlock()
			switch verb {
			case "CAPABILITY":
				write("* CAPABILITY "+f.caps, tag+" OK")
			case "LOGIN":
				write(tag + " " + f.login)
			case "AUTHENTICATE":
				if _, ir, ok := strings.Cut(args, " "); !ok || ir == "" {
					write("+ ")
					if _, err := br.ReadString('\n'); err != nil {
						return
					}
				}
				write(tag + " OK signed in")
			default:
				if !fakeMailbox(write, tag, verb) {
					return
				}
			}
		}
	}
}

func (f *pipeFake) seen() ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.verbs), f.pipelined
}

// TestLoginWithCapability: over verified TLS, when the capabilities must
// be asked for, LOGIN goes out with CAPABILITY (one round trip less); a
// LOGIN the server disables or does not know falls back to AUTHENTICATE
// PLAIN; a wrong password is still the password's fault; and nothing is
// pipelined when the password needs a literal, the certificate did not
// verify, or the secret source failed.
func TestLoginWithCapability(t *testing.T) {
	t.Parallel()
	good, wrongHost := hostiletest.NewCerts(t, true), hostiletest.NewCerts(t, false)
	tests := []struct {
		name      string
		fake      *pipeFake
		certs     hostiletest.Certs
		password  string
		secretErr error
		// want
		pipelined bool
		ok        bool
		field     string
		verbs     []string // the commands up to the sign-in
		detail    string   // in the authenticate step's detail
	}{
		{name: "pipelined", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "OK signed in"}, certs: good,
			pipelined: true, ok: true, verbs: []string{"CAPABILITY", "LOGIN"}, detail: "LOGIN as alice (sent with CAPABILITY)"},
		{name: "capabilities in the LOGIN reply", fake: &pipeFake{caps: "IMAP4rev1", login: "OK [CAPABILITY IMAP4rev1 ESEARCH] in"}, certs: good,
			pipelined: true, ok: true, verbs: []string{"CAPABILITY", "LOGIN"}, detail: "(sent with CAPABILITY)"},
		{name: "wrong password", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "NO [AUTHENTICATIONFAILED] Invalid credentials"}, certs: good,
			pipelined: true, field: mailconn.FieldPassword, verbs: []string{"CAPABILITY", "LOGIN"}},
		{name: "LOGINDISABLED falls back", fake: &pipeFake{caps: "IMAP4rev1 LOGINDISABLED AUTH=PLAIN", login: "NO LOGIN is disabled"}, certs: good,
			pipelined: true, ok: true, verbs: []string{"CAPABILITY", "LOGIN", "AUTHENTICATE"}, detail: "LOGIN sent with CAPABILITY refused (NO LOGIN is disabled); AUTHENTICATE PLAIN"},
		{name: "LOGIN unknown falls back", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "BAD unknown command"}, certs: good,
			pipelined: true, ok: true, verbs: []string{"CAPABILITY", "LOGIN", "AUTHENTICATE"}, detail: "AUTHENTICATE PLAIN"},
		{name: "password needs a literal", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "OK"}, certs: good, password: "pässwörd",
			ok: true, verbs: []string{"CAPABILITY", "AUTHENTICATE"}},
		{name: "certificate not verified", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "OK"}, certs: wrongHost,
			ok: true, verbs: []string{"CAPABILITY", "LOGIN"}, detail: "LOGIN as alice; the credentials were sent to a server whose certificate did not verify"},
		{name: "secret source failed", fake: &pipeFake{caps: "IMAP4rev1 AUTH=PLAIN", login: "OK"}, certs: good,
			secretErr: errors.New("vault sealed"), field: mailconn.FieldPassword, verbs: []string{"CAPABILITY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.fake
			srv := startFake(t, f.handle(tc.certs.Server))
			password := tc.password
			if password == "" {
				password = `s3cr"et\pw`
			}
			in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: srv.port(), Username: "alice",
				Auth: config.AuthPassword, Security: config.SecurityTLS, CAFile: tc.certs.CAFile,
				RejectInvalidCertificates: tc.certs.CAFile == good.CAFile}
			opts := mailconn.Options{Secret: password, Timeout: 5 * time.Second}
			if tc.secretErr != nil {
				opts.Secret = ""
				opts.SecretFunc = func(context.Context) (string, error) { return "", tc.secretErr }
			}
			r := runTest(t, in, opts)
			srv.close()
			checkNoSecret(t, r, in.Username, password)
			verbs, pipelined := f.seen()
			if pipelined != tc.pipelined {
				t.Errorf("LOGIN sent with CAPABILITY: %v, want %v\n%s", pipelined, tc.pipelined, r.dump())
			}
			if r.res.OK != tc.ok || (!tc.ok && (r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != tc.field)) {
				t.Fatalf("result %+v, want ok %v (else failed at authenticate on field %q)\n%s", r.res, tc.ok, tc.field, r.dump())
			}
			// Up to the sign-in: imapclient's own CAPABILITY after it
			// races with the mailbox queries.
			for i := len(verbs) - 1; i >= 0; i-- {
				if verbs[i] == "LOGIN" || verbs[i] == "AUTHENTICATE" {
					verbs = verbs[:i+1]
					break
				}
			}
			if !slices.Equal(verbs, tc.verbs) {
				t.Errorf("commands %q, want %q\n%s", verbs, tc.verbs, r.dump())
			}
			auth, _ := r.final(mailconn.StepAuthenticate)
			if !strings.Contains(auth.Detail, tc.detail) {
				t.Errorf("authenticate detail %q, want %q in it", auth.Detail, tc.detail)
			}
			if tc.secretErr != nil && !strings.Contains(r.res.Message+r.res.Hint+auth.Detail+auth.Hint, "vault sealed") {
				t.Errorf("the secret source's failure is not reported: %+v\n%s", r.res, r.dump())
			}
			if tc.ok && r.res.Figures.Unseen == nil {
				t.Errorf("no unseen count\n%s", r.dump())
			}
		})
	}
}
