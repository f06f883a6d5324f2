package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// script is a scripted connection test: each call plays the next run (the
// last one repeats) and records what it was called with.
type script struct {
	mu    sync.Mutex
	runs  []scriptRun
	calls []scriptCall
}

type scriptRun struct {
	events []mailconn.Event
	result mailconn.Result
	block  bool // wait for the context to end, then report cancelled
}

type scriptCall struct {
	in     config.Incoming
	secret string
}

func (s *script) test(ctx context.Context, in config.Incoming, o mailconn.Options, report func(mailconn.Event)) mailconn.Result {
	s.mu.Lock()
	n := len(s.calls)
	secret, err := secretOf(ctx, o)
	s.calls = append(s.calls, scriptCall{in: in, secret: secret})
	run := s.runs[min(n, len(s.runs)-1)]
	s.mu.Unlock()
	if err != nil {
		// As mailconn.Test does: the source fails the authenticate step.
		report(mailconn.Event{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Title: "Sign in as " + in.Username,
			Detail: "cannot read the password", Hint: err.Error(), Field: mailconn.FieldPassword})
		return mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: mailconn.FieldPassword, Error: "cannot read the password", Hint: err.Error()}
	}
	if o.Trace != nil {
		_, _ = o.Trace.Write([]byte("S: * OK ready\nC: a1 LOGIN \"alice\" <redacted>\n"))
	}
	for _, ev := range run.events {
		report(ev)
	}
	if run.block {
		<-ctx.Done()
		return mailconn.Result{Canceled: true, Error: "cancelled"}
	}
	return run.result
}

// secretOf is the secret a test or listing gets: from SecretFunc when set.
func secretOf(ctx context.Context, o mailconn.Options) (string, error) {
	if o.SecretFunc != nil {
		return o.SecretFunc(ctx)
	}
	return o.Secret, nil
}

func (s *script) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *script) call(i int) scriptCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[i]
}

// The events of a passing and a failing IMAP test.
func passingEvents() []mailconn.Event {
	return []mailconn.Event{
		{Step: mailconn.StepResolve, Status: mailconn.StatusRunning, Title: "Resolve"},
		{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Title: "Resolve", Detail: "mail.example.com: 192.0.2.10", Elapsed: 3 * time.Millisecond},
		{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Title: "Connect", Detail: "192.0.2.10:993 answered", Elapsed: 12 * time.Millisecond},
		{Step: mailconn.StepTLS, Status: mailconn.StatusOK, Title: "TLS handshake", Detail: "TLS 1.3, TLS_AES_128_GCM_SHA256, CN=mail.example.com, expires 2027-03-01", Elapsed: 20 * time.Millisecond},
		{Step: mailconn.StepGreeting, Status: mailconn.StatusOK, Title: "Greeting", Detail: "* OK IMAP4rev1 ready", Elapsed: 1 * time.Millisecond},
		{Step: mailconn.StepCapabilities, Status: mailconn.StatusOK, Title: "Capabilities", Detail: "IMAP4rev1 AUTH=PLAIN IDLE", Elapsed: 1 * time.Millisecond},
		{Step: mailconn.StepAuthenticate, Status: mailconn.StatusOK, Title: "Authenticate", Detail: "AUTHENTICATE PLAIN as support@example.com", Elapsed: 30 * time.Millisecond},
		{Step: mailconn.StepMailbox, Status: mailconn.StatusOK, Title: "Mailbox", Detail: "INBOX/Support: 2 messages, 2 unseen", Elapsed: 4 * time.Millisecond},
		{Step: mailconn.StepLogout, Status: mailconn.StatusOK, Title: "Logout", Elapsed: 1 * time.Millisecond},
	}
}

func passingRun() scriptRun {
	return scriptRun{events: passingEvents(), result: mailconn.Result{OK: true, Elapsed: 72 * time.Millisecond}}
}

func wrongPasswordRun() scriptRun {
	ev := passingEvents()[:6]
	ev = append(ev, mailconn.Event{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Title: "Authenticate",
		Detail: "AUTHENTICATIONFAILED Authentication failed.", Elapsed: 25 * time.Millisecond,
		Hint: "The server rejected the user name or password.", Field: mailconn.FieldPassword})
	return scriptRun{events: ev, result: mailconn.Result{
		Elapsed: 62 * time.Millisecond, FailedStep: mailconn.StepAuthenticate, Field: mailconn.FieldPassword,
		Error: "AUTHENTICATIONFAILED", Hint: "The server rejected the user name or password.",
	}}
}

// wrongPasswordMessageRun is wrongPasswordRun with the result's sentence
// for people, as the engine gives it (issue 12 item 2).
func wrongPasswordMessageRun() scriptRun {
	r := wrongPasswordRun()
	r.result.Message = `The server refused the sign-in (PLAIN): the server answered "Authentication failed."`
	return r
}

// wrongPasswordSentence is what a person reads after wrongPasswordRun: the
// result's message, never its code (issue 12 item 2).
const wrongPasswordSentence = `The test failed at authenticate: The server refused the sign-in (PLAIN): the server answered "Authentication failed."`

// longRun reports more steps than a 60x20 screen shows.
func longRun() scriptRun {
	var ev []mailconn.Event
	for i := 1; i <= 20; i++ {
		ev = append(ev, mailconn.Event{Step: mailconn.StepID(fmt.Sprintf("s%02d", i)), Status: mailconn.StatusOK,
			Title: fmt.Sprintf("Step %02d", i), Detail: "fine", Elapsed: time.Millisecond})
	}
	return scriptRun{events: ev, result: mailconn.Result{OK: true, Elapsed: 20 * time.Millisecond}}
}

// harness drives a Model through Update, running the commands it returns
// the way Bubble Tea would (spinner ticks aside).
type harness struct {
	t    *testing.T
	m    *Model
	quit bool
}

const testPath = "/etc/mailsetup/config.toml"

func newHarness(t *testing.T, s start, sc *script) *harness {
	t.Helper()
	return newHarnessPath(t, testPath, s, sc)
}

func newHarnessPath(t *testing.T, path string, s start, sc *script) *harness {
	t.Helper()
	if sc == nil {
		sc = &script{runs: []scriptRun{passingRun()}}
	}
	m := newModel(path, s, environment{}, sc.test)
	m.width, m.height = 80, 24
	return &harness{t: t, m: m}
}

// run executes cmd and everything that follows from it.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(10 * time.Second):
			h.t.Fatal("a command did not return within 10s")
		}
		switch msg := msg.(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true
		default:
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// press sends keys by name ("enter", "shift+tab", "ctrl+c", "space", "a").
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		_, cmd := h.m.Update(keyPress(k))
		h.run(cmd)
	}
}

// typeText types s one rune at a time.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		_, cmd := h.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		h.run(cmd)
	}
}

// screenText is the current view without styles.
func (h *harness) screenText() string { return viewText(h.m) }

func (h *harness) wantScreen(s screenID) {
	h.t.Helper()
	wantScreen(h.t, h.m, s)
}

func (h *harness) wantText(parts ...string) {
	h.t.Helper()
	wantText(h.t, h.m, parts...)
}

// viewText is m's current view without styles.
func viewText(m *Model) string { return ansi.Strip(m.View().Content) }

// wantScreen checks that m is on screen s.
func wantScreen(t testing.TB, m *Model, s screenID) {
	t.Helper()
	if m.screen != s {
		t.Fatalf("on screen %q, want %q\n%s", screenTitles[m.screen], screenTitles[s], viewText(m))
	}
}

// wantText checks that m's screen shows each part (whitespace-insensitive).
func wantText(t testing.TB, m *Model, parts ...string) {
	t.Helper()
	text := viewText(m)
	flat := strings.Join(strings.Fields(text), " ")
	for _, p := range parts {
		if !strings.Contains(flat, strings.Join(strings.Fields(p), " ")) {
			t.Fatalf("screen lacks %q:\n%s", p, text)
		}
	}
}

// wantInOrder checks that text holds each of parts, one after the other.
func wantInOrder(t testing.TB, text string, parts []string) {
	t.Helper()
	pos := 0
	for _, o := range parts {
		i := strings.Index(text[pos:], o)
		if i < 0 {
			t.Fatalf("output lacks %q after position %d:\n%s", o, pos, text)
		}
		pos += i + len(o)
	}
}

func keyPress(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	if c, ok := strings.CutPrefix(name, "ctrl+"); ok && len(c) == 1 {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(name)
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// existing is a loaded IMAP config with an inline password.
func existing() start {
	c := config.Default()
	c.Incoming.Server = "mail.example.com"
	c.Incoming.Mailbox = "INBOX/Support"
	c.Incoming.Username = "support@example.com"
	c.Incoming.Password = "old-secret"
	c.Incoming.Port = 993
	return start{cfg: &c, exists: true}
}

func oauthStart() start {
	s := existing()
	s.cfg.Incoming.Password = ""
	s.cfg.Incoming.Auth = config.AuthOAuth2
	s.cfg.Incoming.OAuth2 = &config.OAuth2{Provider: config.ProviderMicrosoft, ClientID: "app-id"}
	return s
}

var decodeErr = config.DecodeError{File: testPath, Line: 3, Column: 1, Key: "incoming.prot",
	Message: `unknown key "prot" in [incoming]; did you mean "protocol"?`}
