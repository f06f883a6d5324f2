//go:build linux

package mailconn_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/cyrustest"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
)

// turnsAfterSignIn counts, in a trace, the times the client starts writing
// again after reading, from the sign-in reply (the first tagged OK after
// AUTHENTICATE or LOGIN) to LOGOUT: 1 when every mailbox query goes out
// in one round trip.
func turnsAfterSignIn(t *testing.T, trace string) int {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(trace, "\n") {
		// "hh:mm:ss.mmm C: …" / "… S: …"
		if _, rest, ok := strings.Cut(l, " "); ok && (strings.HasPrefix(rest, "C: ") || strings.HasPrefix(rest, "S: ")) {
			lines = append(lines, rest)
		}
	}
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "C: ") && (strings.Contains(l, " AUTHENTICATE ") || strings.Contains(l, " LOGIN ")) {
			tag := strings.Fields(l)[1]
			for j := i + 1; j < len(lines); j++ {
				if strings.HasPrefix(lines[j], "S: "+tag+" OK") {
					start = j
					break
				}
			}
			break
		}
	}
	if start < 0 {
		t.Fatalf("no sign-in reply in the trace:\n%s", trace)
	}
	turns, reading := 0, true
	for _, l := range lines[start+1:] {
		switch {
		case strings.HasPrefix(l, "C: ") && strings.HasSuffix(strings.Fields(l)[len(strings.Fields(l))-1], "LOGOUT"):
			return turns
		case strings.HasPrefix(l, "C: ") && reading:
			turns++
			reading = false
		case strings.HasPrefix(l, "S: "):
			reading = true
		}
	}
	return turns
}

// TestPipelinedAfterSignIn: Courier and Mailutils offer no SASL-IR, and end
// sign-in with a plain OK (no capabilities). Sign-in takes one round trip
// (LOGIN). The mailbox queries go out in the same round trip
// as the CAPABILITY that imapclient then asks, not after its answer (issue
// 12 item 6: one round trip less), and the unseen count still comes back.
func TestPipelinedAfterSignIn(t *testing.T) {
	t.Parallel()
	a := mailtest.Alice
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (host, caFile string, port int)
	}{
		{"courier", func(t *testing.T) (string, string, int) {
			s := couriertest.Start(t)
			return s.Host, s.CAFile, s.IMAPS
		}},
		{"mailutils", func(t *testing.T) (string, string, int) {
			s := mailutilstest.Start(t)
			return s.Host, s.CAFile, s.IMAPS
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host, caFile, port := tc.start(t)
			in := config.Incoming{Protocol: config.ProtocolIMAP, Server: host, Port: port, Username: a.Name,
				Auth: config.AuthPassword, Security: config.SecurityTLS, RejectInvalidCertificates: true, CAFile: caFile}
			// Replies reach the client 30 ms late, as on a real link: a
			// client that pipelines has written every query before the
			// first reply arrives, whatever the scheduler does on a busy
			// machine; one that waits cannot.
			r := runTest(t, in, mailconn.Options{Secret: a.Password, Dial: slowReplies(30 * time.Millisecond)})
			if !r.res.OK {
				t.Fatalf("test failed: %+v\n%s", r.res, r.trace)
			}
			if !strings.Contains(r.trace, "S: * CAPABILITY") {
				t.Fatalf("no CAPABILITY after sign-in: the case this test is about did not happen\n%s", r.trace)
			}
			// No SASL-IR: LOGIN signs in with one round trip, where
			// AUTHENTICATE PLAIN would wait for a "+" first.
			if strings.Contains(r.trace, "S: +") || !strings.Contains(r.trace, " LOGIN ") {
				t.Errorf("sign-in took a continuation round trip, want LOGIN in one\n%s", r.trace)
			}
			if n := turnsAfterSignIn(t, r.trace); n != 1 {
				t.Errorf("the client wrote in %d turns between sign-in and LOGOUT, want 1 (one round trip)\n%s", n, r.trace)
			}
			if r.res.Figures.Unseen == nil {
				t.Errorf("no unseen count in the figures\n%s", r.trace)
			}
			e, _ := r.final(mailconn.StepMailbox)
			if !strings.Contains(e.Detail, " unseen") || strings.Contains(e.Detail, "unseen unknown") {
				t.Errorf("mailbox step detail %q: want the unseen count", e.Detail)
			}
		})
	}
}

// slowReplies dials TCP connections whose reads return only after delay:
// the server's answers arrive late, the client's writes go out at once.
func slowReplies(delay time.Duration) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		return slowReadConn{c, delay}, nil
	}
}

type slowReadConn struct {
	net.Conn
	delay time.Duration
}

func (c slowReadConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	time.Sleep(c.delay)
	return n, err
}

// loginWithCapability reports whether, in a trace, a LOGIN went out in the
// same write as the CAPABILITY before it: the two client lines adjacent,
// no server line between.
func loginWithCapability(trace string) bool {
	var prev string
	for _, l := range strings.Split(trace, "\n") {
		_, rest, ok := strings.Cut(l, " ")
		if !ok || !(strings.HasPrefix(rest, "C: ") || strings.HasPrefix(rest, "S: ")) {
			continue
		}
		f := strings.Fields(rest)
		if len(f) >= 3 && f[0] == "C:" && strings.EqualFold(f[2], "LOGIN") && strings.HasSuffix(prev, " CAPABILITY") &&
			strings.HasPrefix(prev, "C: ") {
			return true
		}
		prev = rest
	}
	return false
}

// TestLoginWithCapabilityRigs: on every real server, when the capabilities
// must be asked for (after STARTTLS everywhere; on Mailutils IMAPS, whose
// greeting has none), LOGIN goes out with the CAPABILITY, the sign-in
// works, the mailbox figures come back, and a wrong password is still
// reported on field password. The servers answer both from their pre-login
// process, which is why nothing goes behind the LOGIN itself (see
// imappipe.go).
func TestLoginWithCapabilityRigs(t *testing.T) {
	t.Parallel()
	g := startIssue12Rigs(t)
	cy := cyrustest.Start(t)
	a := mailtest.Alice
	cyrusIn := cyrusIncoming(cy, config.ProtocolIMAP, config.SecurityStartTLS, config.AuthPassword, cy.User)
	tests := []struct {
		name     string
		in       config.Incoming
		password string
	}{
		{"dovecot/starttls", g.dovecot(config.ProtocolIMAP, config.SecurityStartTLS, g.dv.IMAP), a.Password},
		{"cyrus/starttls", cyrusIn, cy.Password},
		{"courier/starttls", g.courier(config.ProtocolIMAP, config.SecurityStartTLS, g.co.IMAP), a.Password},
		{"mailutils/starttls", g.mailutils(config.ProtocolIMAP, config.SecurityStartTLS, g.mu.IMAP), a.Password},
		{"mailutils/tls", g.mailutils(config.ProtocolIMAP, config.SecurityTLS, g.mu.IMAPS), a.Password},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runTest(t, tc.in, mailconn.Options{Secret: tc.password, Timeout: testTimeout})
			if !r.res.OK {
				t.Fatalf("test failed: %+v\n%s", r.res, r.dump())
			}
			if !loginWithCapability(r.trace) {
				t.Errorf("LOGIN did not go out with CAPABILITY\n%s", r.trace)
			}
			auth, _ := r.final(mailconn.StepAuthenticate)
			if !strings.Contains(auth.Detail, "(sent with CAPABILITY)") {
				t.Errorf("authenticate detail %q", auth.Detail)
			}
			if r.res.Figures.Messages == nil || r.res.Figures.Unseen == nil {
				t.Errorf("figures %+v: want the message and unseen counts\n%s", r.res.Figures, r.trace)
			}
			checkNoSecret(t, r, tc.in.Username, tc.password)

			bad := runTest(t, tc.in, mailconn.Options{Secret: "wrong-" + tc.password, Timeout: testTimeout})
			if bad.res.OK || bad.res.FailedStep != mailconn.StepAuthenticate || bad.res.Field != mailconn.FieldPassword {
				t.Errorf("wrong password: %+v, want a failure at authenticate on field password\n%s", bad.res, bad.dump())
			}
			if !loginWithCapability(bad.trace) {
				t.Errorf("wrong password: LOGIN did not go out with CAPABILITY\n%s", bad.trace)
			}
		})
	}
}
