package tui

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// greetingServer is a plain-text IMAP server that greets with its
// capabilities and refuses everything else; it records what it was sent.
func greetingServer(t *testing.T) (port int, got func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen strings.Builder
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n"))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					mu.Lock()
					seen.WriteString(line)
					mu.Unlock()
					tag, _, _ := strings.Cut(line, " ")
					_, _ = c.Write([]byte(tag + " NO fake\r\n"))
				}
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port, func() string {
		mu.Lock()
		defer mu.Unlock()
		return seen.String()
	}
}

// TestWizardPasswordCommandFails: in the wizard, with the real engine, a
// password_command that fails is a failed authenticate step after the
// network steps, field password, and f jumps to the command's input.
func TestWizardPasswordCommandFails(t *testing.T) {
	port, got := greetingServer(t)
	c := config.Default()
	in := &c.Incoming
	in.Server, in.Port, in.Security, in.Username = "127.0.0.1", port, config.SecurityNone, "alice"
	in.PasswordCommand = "echo vault is sealed >&2; exit 3"
	m := newModel(testPath, start{cfg: &c, exists: true}, environment{}, mailconn.Test)
	m.width, m.height = 80, 24
	h := &harness{t: t, m: m}
	h.run(h.m.goTo(scrTest, false))
	h.wantScreen(scrTest)
	r := h.m.test.result
	if r == nil || r.OK || r.FailedStep != mailconn.StepAuthenticate || r.Field != mailconn.FieldPassword ||
		!strings.Contains(r.Hint, "vault is sealed") {
		t.Fatalf("result %+v, want failed at authenticate, field password, with the command's error", r)
	}
	var connected, failed bool
	for _, ev := range h.m.test.steps {
		connected = connected || (ev.Step == mailconn.StepConnect && ev.Status == mailconn.StatusOK)
		failed = failed || (ev.Step == mailconn.StepAuthenticate && ev.Status == mailconn.StatusFail)
	}
	if !connected || !failed {
		t.Fatalf("steps %+v: want connect ok, then authenticate failed", h.m.test.steps)
	}
	h.wantText("vault is sealed")
	if s := got(); s != "" {
		t.Errorf("the server was sent %q after the command failed", s)
	}
	h.press("f")
	h.wantScreen(scrCredentials)
	if h.m.creds.form.current() != field(h.m.creds.command) {
		t.Fatal("f did not focus the password command")
	}
}
