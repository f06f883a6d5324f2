package tui

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/hostiletest"
	"github.com/mailsetup/mailsetup/mailconn"
)

// hostileTarget is a hostile server and how to reach it.
type hostileTarget struct {
	name     string
	protocol string
	security string
	port     int
	caFile   string
}

// startHostileTargets starts the hostile servers the wizard and the line
// mode are tested against: IMAP and POP3, plain text failing at the
// sign-in and at the mailbox, TLS with a certificate that verifies, and
// TLS with a wrong-host certificate.
func startHostileTargets(t *testing.T) []hostileTarget {
	var out []hostileTarget
	for _, proto := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		start := hostiletest.StartIMAP
		if proto == config.ProtocolPOP3 {
			start = hostiletest.StartPOP3
		}
		for _, f := range []hostiletest.Fail{hostiletest.FailLogin, hostiletest.FailMailbox} {
			out = append(out, hostileTarget{fmt.Sprintf("%s/none/fail-%s", proto, f), proto, config.SecurityNone,
				start(t, hostiletest.Options{Fail: f}).Port(), ""})
		}
		for _, ip := range []bool{true, false} {
			certs := hostiletest.NewCerts(t, ip)
			name := fmt.Sprintf("%s/tls/cert-verified", proto)
			if !ip {
				name = fmt.Sprintf("%s/tls/cert-wrong-host", proto)
			}
			out = append(out, hostileTarget{name, proto, config.SecurityTLS,
				start(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(), certs.CAFile})
		}
	}
	return out
}

// test is a testFunc that runs the real connection test against the
// hostile server, whatever server the answers named.
func (h hostileTarget) test(ctx context.Context, in config.Incoming, o mailconn.Options, report func(mailconn.Event)) mailconn.Result {
	in.Protocol, in.Server, in.Port, in.Security, in.CAFile = h.protocol, "127.0.0.1", h.port, h.security, h.caFile
	in.RejectInvalidCertificates = true
	o.Timeout = 5 * time.Second
	return mailconn.Test(ctx, in, o, report)
}

// hostileScript reports events and a result with the payload in every
// text, as a source that does not clean would: the wizard's and the line
// mode's own net must catch it.
func hostileScript() *script {
	p := hostiletest.Payload
	ev := []mailconn.Event{
		{Step: mailconn.StepGreeting, Status: mailconn.StatusRunning, Title: "Greeting " + p},
		{Step: mailconn.StepGreeting, Status: mailconn.StatusOK, Title: "Greeting " + p, Detail: "hello " + p, Elapsed: time.Millisecond},
		{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Title: "Authenticate " + p, Detail: "NO " + p,
			Hint: "Check " + p, Field: mailconn.FieldPassword, Elapsed: time.Millisecond},
	}
	return &script{runs: []scriptRun{{events: ev, result: mailconn.Result{FailedStep: mailconn.StepAuthenticate,
		Field: mailconn.FieldPassword, Error: "refused " + p, Hint: "Hint " + p}}}}
}

// sgr matches the colour and style sequences the wizard's own styles
// write; anything else that starts with ESC in a frame came from outside.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// assertSafeFrame fails when a rendered frame carries anything but the
// wizard's own styling that a terminal could act on.
func assertSafeFrame(t *testing.T, name, frame string) {
	t.Helper()
	if bad := hostiletest.Unsafe(sgr.ReplaceAllString(frame, "")); bad != "" {
		t.Errorf("%s: %s\n%s", name, bad, frame)
	}
}

func hostileAnswers(protocol string) string {
	if protocol == config.ProtocolPOP3 {
		return answers("pop3", "mail.example.com", "", "user", "1", "secret", "n", "tls", "y", "", "", "", "y", "n", "")
	}
	return answers("imap", "mail.example.com", "", "INBOX", "user", "1", "secret", "n", "tls", "y", "", "", "", "y", "n", "")
}

// TestHostileLineMode runs the line mode's connection test against
// hostile servers (and a source that does not clean) and checks the bytes
// it prints.
func TestHostileLineMode(t *testing.T) {
	t.Parallel() // owns its servers and ports
	targets := startHostileTargets(t)
	type run struct {
		name     string
		protocol string
		test     testFunc
	}
	runs := []run{{"script/imap", config.ProtocolIMAP, hostileScript().test}}
	for _, h := range targets {
		runs = append(runs, run{h.name, h.protocol, h.test})
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			var out bytes.Buffer
			_ = runLines(context.Background(), lineOptions{path: path, in: strings.NewReader(hostileAnswers(r.protocol)), out: &out,
				start: loadStart(path), test: r.test})
			text := out.String()
			if !strings.Contains(text, "Testing ") {
				t.Fatalf("the test did not run:\n%s", text)
			}
			if bad := hostiletest.Unsafe(text); bad != "" {
				t.Errorf("line mode output: %s\n%s", bad, text)
			}
			if !strings.Contains(strings.ToLower(text), `\x1b`) {
				t.Errorf("the payload is not shown escaped:\n%s", text)
			}
		})
	}
}

// TestHostileWizard runs the wizard's connection test against hostile
// servers (and a source that does not clean) and checks the rendered
// frames: the step log, the details, the hint and the result.
func TestHostileWizard(t *testing.T) {
	t.Parallel() // owns its servers and ports
	targets := startHostileTargets(t)
	type run struct {
		name string
		test testFunc
	}
	runs := []run{{"script", hostileScript().test}}
	for _, h := range targets {
		if h.protocol == config.ProtocolIMAP { // the screens are the same for POP3
			runs = append(runs, run{h.name, h.test})
		}
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, start{}, nil)
			h.m = newModel(testPath, start{}, environment{}, r.test)
			h.m.width, h.m.height = 100, 40
			fillIMAP(h)
			frame := h.m.View().Content
			assertSafeFrame(t, "test screen", frame)
			if !strings.Contains(strings.ToLower(frame), `\x1b`) {
				t.Errorf("the payload is not shown escaped:\n%s", frame)
			}
			h.m.width, h.m.height = 60, 20 // narrower: wrapped lines
			assertSafeFrame(t, "test screen, 60x20", h.m.View().Content)
		})
	}
}

// TestHostileDetect runs the server screen's Detect with the real
// mailconn.ProbeHost against hostile servers and checks each frame as the
// selection moves over the candidates (the selected line's details show
// the mechanisms and the certificate's problem).
func TestHostileDetect(t *testing.T) {
	t.Parallel() // owns its servers and ports
	for _, cert := range []string{"verified", "wrong-host"} {
		t.Run(cert, func(t *testing.T) {
			certs := hostiletest.NewCerts(t, cert == "verified")
			ports := map[string]int{
				mailconn.KindIMAPS: hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				mailconn.KindIMAP:  hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server}).Port(),
				mailconn.KindPOP3S: hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				mailconn.KindPOP3:  hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server}).Port(),
			}
			h := newHarness(t, start{}, nil)
			h.m.width, h.m.height = 100, 40
			h.m.probeFn = func(ctx context.Context, host string, o mailconn.DiscoverOptions, report func(mailconn.ProbeResult)) ([]mailconn.ProbeResult, error) {
				o.Ports, o.ExtraPorts, o.CAFile, o.Timeout = ports, nil, certs.CAFile, 10*time.Second
				return mailconn.ProbeHost(ctx, "127.0.0.1", o, report)
			}
			h.press("enter", "enter")
			h.wantScreen(scrServer)
			h.typeText("127.0.0.1")
			h.press("ctrl+d")
			h.wantText("answered")
			seen := ""
			for i := 0; i < 7; i++ {
				frame := h.m.View().Content
				assertSafeFrame(t, fmt.Sprintf("detect frame %d", i), frame)
				seen += frame
				h.press("down")
			}
			if !strings.Contains(strings.ToLower(seen), `\x1b`) {
				t.Errorf("the payload is not shown escaped:\n%s", seen)
			}
		})
	}
}
