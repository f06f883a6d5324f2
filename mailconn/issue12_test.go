//go:build linux

package mailconn_test

// Issue 12, "Found" items 1–3, against every real server of the rig where
// the behaviour exists: Courier, GNU Mailutils, Dovecot (and Cyrus).

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/cyrustest"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
)

// requiresTLSHint is the hint issue 12 asks for when a server refuses
// passwords before TLS.
const requiresTLSHint = "requires TLS before sign-in"

// issue12Rigs are the servers of the issue 12 tests, each started once.
type issue12Rigs struct {
	co *couriertest.Server
	mu *mailutilstest.Server
	dv *mailtest.Server
}

func startIssue12Rigs(t *testing.T) issue12Rigs {
	return issue12Rigs{co: couriertest.Start(t), mu: mailutilstest.Start(t), dv: mailtest.Start(t, mailtest.Options{})}
}

func (g issue12Rigs) courier(protocol, security string, port int) config.Incoming {
	return config.Incoming{Protocol: protocol, Server: g.co.Host, Port: port, Username: mailtest.Alice.Name,
		Auth: config.AuthPassword, Security: security, RejectInvalidCertificates: true, CAFile: g.co.CAFile}
}

func (g issue12Rigs) mailutils(protocol, security string, port int) config.Incoming {
	return config.Incoming{Protocol: protocol, Server: g.mu.Host, Port: port, Username: mailtest.Alice.Name,
		Auth: config.AuthPassword, Security: security, RejectInvalidCertificates: true, CAFile: g.mu.CAFile}
}

func (g issue12Rigs) dovecot(protocol, security string, port int) config.Incoming {
	return incoming(g.dv, protocol, security, port, mailtest.Alice)
}

// TestIssue12TLSRequired (item 1): a TLS-required server with security =
// "none" is a security problem, not a wrong password, in each protocol's
// own words.
func TestIssue12TLSRequired(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	a := mailtest.Alice
	tests := []struct {
		name    string
		in      config.Incoming
		errWant string // in Result.Error: the server's own word
		errNot  string
		noSend  bool // the capabilities said it: no credentials sent
	}{
		// Courier POP3_TLS_REQUIRED lists USER, then answers "-ERR TLS
		// required to log in." (was: field password).
		{"courier pop3", g.courier(config.ProtocolPOP3, config.SecurityNone, g.co.POP3TLSRequired), "TLS required", "LOGINDISABLED", false},
		// Courier IMAP_TLS_REQUIRED announces LOGINDISABLED.
		{"courier imap", g.courier(config.ProtocolIMAP, config.SecurityNone, g.co.IMAPTLSRequired), "LOGINDISABLED", "", true},
		// Mailutils IMAP announces XTLSREQUIRED and answers LOGIN "NO LOGIN
		// Command disabled" (was: field password, after sending LOGIN).
		{"mailutils imap", g.mailutils(config.ProtocolIMAP, config.SecurityNone, g.mu.IMAPTLSRequired), "XTLSREQUIRED", "", true},
		// Mailutils POP3 announces XTLSREQUIRED and no USER (was: field
		// security but the error an IMAP word, "LOGINDISABLED").
		{"mailutils pop3", g.mailutils(config.ProtocolPOP3, config.SecurityNone, g.mu.POP3TLSRequired), "XTLSREQUIRED", "LOGINDISABLED", true},
		// Dovecot refusing plaintext auth to a remote client: IMAP
		// LOGINDISABLED, POP3 hides USER and SASL until STLS.
		{"dovecot imap", g.dovecot(config.ProtocolIMAP, config.SecurityNone, g.dv.IMAPRemote), "LOGINDISABLED", "", true},
		{"dovecot pop3", g.dovecot(config.ProtocolPOP3, config.SecurityNone, g.dv.POP3Remote), "STLS", "LOGINDISABLED", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runTest(t, tc.in, opts(a))
			res := r.res
			if res.OK || res.FailedStep != mailconn.StepAuthenticate || res.Field != mailconn.FieldSecurity ||
				!strings.Contains(res.Hint, requiresTLSHint) {
				t.Fatalf("got %s/%s %q %q, want authenticate/security with %q\n%s",
					res.FailedStep, res.Field, res.Error, res.Hint, requiresTLSHint, r.dump())
			}
			if !strings.Contains(res.Error, tc.errWant) || (tc.errNot != "" && strings.Contains(res.Error, tc.errNot)) {
				t.Fatalf("error %q: want the protocol's own words %q, not %q\n%s", res.Error, tc.errWant, tc.errNot, r.dump())
			}
			if tc.noSend && (strings.Contains(r.trace, "C: T1 LOGIN") || strings.Contains(r.trace, "C: PASS") ||
				strings.Contains(r.trace, "AUTHENTICATE")) {
				t.Fatalf("credentials sent although the capabilities refuse them:\n%s", r.trace)
			}
			checkNoSecret(t, r, a.Name, a.Password)
		})
	}
}

// TestIssue12DiscoverTLSRequired (item 1): discover lists no password
// mechanism as usable in plain text on a TLS-required port, and says why
// in the server's words.
func TestIssue12DiscoverTLSRequired(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	tests := []struct {
		cand mailconn.ProbeCandidate
		note string
	}{
		{mailconn.ProbeCandidate{Host: g.mu.Host, Protocol: config.ProtocolIMAP, Port: g.mu.IMAPTLSRequired, Security: config.SecurityNone}, "XTLSREQUIRED"},
		{mailconn.ProbeCandidate{Host: g.mu.Host, Protocol: config.ProtocolPOP3, Port: g.mu.POP3TLSRequired, Security: config.SecurityNone}, "XTLSREQUIRED"},
		{mailconn.ProbeCandidate{Host: g.co.Host, Protocol: config.ProtocolPOP3, Port: g.co.POP3TLSRequired, Security: config.SecurityNone}, "TLS required to log in."},
		{mailconn.ProbeCandidate{Host: g.co.Host, Protocol: config.ProtocolIMAP, Port: g.co.IMAPTLSRequired, Security: config.SecurityNone}, "LOGINDISABLED"},
		{mailconn.ProbeCandidate{Host: g.dv.Host, Protocol: config.ProtocolIMAP, Port: g.dv.IMAPRemote, Security: config.SecurityNone}, "LOGINDISABLED"},
	}
	cands := make([]mailconn.ProbeCandidate, len(tests))
	for i, tc := range tests {
		cands[i] = tc.cand
	}
	res, err := mailconn.ProbeCandidates(context.Background(), cands, mailconn.DiscoverOptions{Timeout: testTimeout}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(tests) {
		t.Fatalf("%d results for %d candidates", len(res), len(tests))
	}
	for i, r := range res {
		tc := tests[i]
		if r.Candidate.Port != tc.cand.Port {
			t.Fatalf("result %d is for port %d, want %d", i, r.Candidate.Port, tc.cand.Port)
		}
		if !r.Answered || slices.Contains(r.Mechanisms, "LOGIN") || slices.Contains(r.Mechanisms, "USER") ||
			slices.Contains(r.Mechanisms, "PLAIN") || !r.StartTLSOffered || !r.LoginDisabled {
			t.Errorf("%s:%d: mechanisms %v, login disabled %v (%q), STARTTLS %v: want no usable password mechanism in plain text",
				r.Candidate.Protocol, r.Candidate.Port, r.Mechanisms, r.LoginDisabled, r.LoginDisabledBy, r.StartTLSOffered)
		}
		notes := r.Notes()
		if !slices.Contains(notes, tc.note) || !slices.Contains(notes, "STARTTLS offered") ||
			!strings.Contains(r.MechanismsText(), tc.note+"; STARTTLS offered") {
			t.Errorf("%s:%d: notes %q, text %q: want %q and STARTTLS offered", r.Candidate.Protocol, r.Candidate.Port, notes, r.MechanismsText(), tc.note)
		}
	}
}

// TestIssue12Sentences (item 2): a failed result speaks in a sentence for
// people (Message, with the server's own text where it says more) and
// keeps the protocol's code in Error, on every server of the rig.
func TestIssue12Sentences(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	cy := cyrustest.Start(t)
	a := mailtest.Alice
	missing := func(in config.Incoming, name string) config.Incoming { in.Mailbox = name; return in }
	tests := []struct {
		name   string
		in     config.Incoming
		secret string
		field  string
		says   string // in Message: the server's text or the sentence's gist
	}{
		// Mailutils POP3: "-ERR [AUTH] Bad login" gave error "AUTH" alone.
		{"mailutils pop3 wrong password", g.mailutils(config.ProtocolPOP3, config.SecurityTLS, g.mu.POP3S), "wrong", mailconn.FieldPassword, "refused the sign-in"},
		{"mailutils imap wrong password", g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), "wrong", mailconn.FieldPassword, "refused the sign-in"},
		{"mailutils imap missing folder", missing(g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), "Nowhere"), a.Password, mailconn.FieldMailbox, `Cannot open folder "Nowhere"`},
		{"courier pop3 wrong password", g.courier(config.ProtocolPOP3, config.SecurityTLS, g.co.POP3S), "wrong", mailconn.FieldPassword, "refused the sign-in"},
		{"courier imap missing folder", missing(g.courier(config.ProtocolIMAP, config.SecurityTLS, g.co.IMAPS), "INBOX.Nowhere"), a.Password, mailconn.FieldMailbox, `Cannot open folder "INBOX.Nowhere"`},
		{"courier imap tls required", g.courier(config.ProtocolIMAP, config.SecurityNone, g.co.IMAPTLSRequired), a.Password, mailconn.FieldSecurity, "announces LOGINDISABLED"},
		// Dovecot: "[AUTHENTICATIONFAILED] Authentication failed." and
		// "[NONEXISTENT] Mailbox doesn't exist".
		{"dovecot imap wrong password", g.dovecot(config.ProtocolIMAP, config.SecurityTLS, g.dv.IMAPS), "wrong", mailconn.FieldPassword, "Authentication failed"},
		{"dovecot pop3 wrong password", g.dovecot(config.ProtocolPOP3, config.SecurityTLS, g.dv.POP3S), "wrong", mailconn.FieldPassword, "refused the sign-in"},
		{"dovecot imap missing folder", missing(g.dovecot(config.ProtocolIMAP, config.SecurityTLS, g.dv.IMAPS), "Nowhere"), a.Password, mailconn.FieldMailbox, `Cannot open folder "Nowhere"`},
		{"cyrus imap wrong password", cyrusIncoming(cy, config.ProtocolIMAP, config.SecurityStartTLS, config.AuthPassword, cy.User), "wrong", mailconn.FieldPassword, "refused the sign-in"},
		{"cyrus pop3 wrong password", cyrusIncoming(cy, config.ProtocolPOP3, config.SecurityStartTLS, config.AuthPassword, cy.User), "wrong", mailconn.FieldPassword, "refused the sign-in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runTest(t, tc.in, mailconn.Options{Secret: tc.secret, Timeout: testTimeout})
			res := r.res
			m := res.Message
			if res.OK || res.Field != tc.field || res.Error == "" || m == "" || m == res.Error || !strings.Contains(m, " ") ||
				!(strings.HasSuffix(m, ".") || strings.HasSuffix(m, `."`)) || !strings.Contains(m, tc.says) || res.Sentence() != m {
				t.Fatalf("got field %q error %q message %q, want a sentence with %q in message and the code in error\n%s",
					res.Field, res.Error, m, tc.says, r.dump())
			}
			checkNoSecret(t, r, "", tc.secret)
		})
	}
}

// TestIssue12Folders (item 3): a folder typed in modified UTF-7, as logs
// show it, gets the name it encodes as suggestion; a case-only mismatch
// gets its suggestion without a separator hint when the separator is
// right. On Courier ("."), Mailutils ("/", top level) and Dovecot ("/").
func TestIssue12Folders(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	a := mailtest.Alice
	tests := []struct {
		name, mailbox string
		in            config.Incoming
		want          string // quoted in the hint
		sepHint       bool   // the hint names the separator
	}{
		{"courier modified UTF-7", "INBOX.K&APw-che", g.courier(config.ProtocolIMAP, config.SecurityTLS, g.co.IMAPS), "INBOX.Küche", false},
		{"mailutils modified UTF-7", "K&APw-che", g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), "Küche", false},
		{"dovecot modified UTF-7", "INBOX/Best&AOQ-tigungen", g.dovecot(config.ProtocolIMAP, config.SecurityTLS, g.dv.IMAPS), "INBOX/Bestätigungen", false},
		{"courier case only", "inbox.support", g.courier(config.ProtocolIMAP, config.SecurityTLS, g.co.IMAPS), "INBOX.Support", false},
		{"mailutils case only", "support", g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), "Support", false},
		{"dovecot case only", "INBOX/support", g.dovecot(config.ProtocolIMAP, config.SecurityTLS, g.dv.IMAPS), "INBOX/Support", false},
		// A real separator swap still says so.
		{"courier separator and case", "inbox/support", g.courier(config.ProtocolIMAP, config.SecurityTLS, g.co.IMAPS), "INBOX.Support", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Mailbox = tc.mailbox
			r := runTest(t, in, opts(a))
			h := r.res.Hint
			if r.res.Field != mailconn.FieldMailbox || !strings.Contains(h, `did you mean "`+tc.want+`"`) ||
				strings.Contains(h, "separator") != tc.sepHint ||
				strings.Contains(tc.mailbox, "&") != strings.Contains(h, `that is "`+tc.want+`" in IMAP's wire encoding`) {
				t.Fatalf("hint %q, want the suggestion %q (separator hint: %v)\n%s", h, tc.want, tc.sepHint, r.dump())
			}
		})
	}
}

// TestIssue12SPAHint (item 3): the SPA hint says NTLM is not there and
// names what a password sign-in can use, each mechanism once: not the 16
// mechanisms GNU Mailutils lists (GSSAPI twice).
func TestIssue12SPAHint(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	a := mailtest.Alice
	tests := []struct {
		name string
		in   config.Incoming
		want string
	}{
		{"mailutils imap", g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), "it offers LOGIN PLAIN:"},
		{"mailutils pop3", g.mailutils(config.ProtocolPOP3, config.SecurityTLS, g.mu.POP3S), "it offers USER:"},
		{"courier imap", g.courier(config.ProtocolIMAP, config.SecurityTLS, g.co.IMAPS), "it offers PLAIN LOGIN:"},
		{"courier pop3", g.courier(config.ProtocolPOP3, config.SecurityTLS, g.co.POP3S), "it offers"},
		{"dovecot imap", g.dovecot(config.ProtocolIMAP, config.SecurityTLS, g.dv.IMAPS), "it offers PLAIN LOGIN:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Auth = config.AuthSPA
			r := runTest(t, in, opts(a))
			h := r.res.Hint
			if r.res.Field != mailconn.FieldAuth || !strings.Contains(h, "does not offer SPA (NTLM)") || !strings.Contains(h, tc.want) ||
				strings.Contains(h, "GSSAPI") || strings.Contains(h, "SCRAM") || strings.Count(h, "PLAIN") > 1 {
				t.Fatalf("SPA hint %q: want NTLM's absence and %q, each mechanism once, not all of them\n%s", h, tc.want, r.dump())
			}
			if d := r.res.Message + " " + r.events[len(r.events)-1].Detail; strings.Count(d, "GSSAPI") > 1 {
				t.Fatalf("GSSAPI twice in %q", d)
			}
		})
	}
}
