package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// traceWrittenMsg is the outcome of writing the trace file.
type traceWrittenMsg struct {
	path string
	err  error
}

// signInNeeded is what a test run sends instead of a result when it found
// no usable OAuth 2.0 sign-in.
type signInNeeded struct{ reason string }

// testScreen (step 8) runs the connection test and shows each step the
// moment mailconn reports it. Esc cancels a running test; after a failure
// the hint is shown with a key that jumps to the screen of the field at
// fault; "t" writes the redacted protocol trace to a file.
type testScreen struct {
	c       *common
	run     int
	running bool
	cancel  context.CancelFunc
	steps   []mailconn.Event // the latest event of each step, in order of first report
	result  *mailconn.Result
	target  string // the config the test ran with: "imap://host:port"
	trace   *traceBuffer
	traced  string // the trace file written, or the error writing it
	spinner spinner.Model
	offset  int  // first log line shown
	follow  bool // keep the newest line in view
	details bool // every step's detail in full, wrapped, not cut to one line
}

func newTestScreen(c *common) *testScreen {
	return &testScreen{c: c, spinner: c.st.spinnerModel()}
}

func (t *testScreen) inputs() *form        { return nil }
func (t *testScreen) stop()                { t.cancelRun() }
func (t *testScreen) enter(_ bool) tea.Cmd { return t.start() }

// start validates the config and starts the test in the background.
func (t *testScreen) start() tea.Cmd {
	c := t.c
	t.cancelRun()
	t.run++
	t.steps, t.traced, t.offset, t.follow = nil, "", 0, true
	t.setResult(nil)
	cfg := c.draft.config()
	in := cfg.Incoming
	t.target = fmt.Sprintf("%s://%s:%d", in.Protocol, in.Server, in.Port)
	if _, err := cfg.Validate(); err != nil {
		r := safeResult(settingResult(err))
		t.setResult(&r)
		return nil
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t.cancel, t.running = cancel, true
	tr := &traceBuffer{}
	t.trace = tr
	fn, od, path := c.testFn, c.oauth, c.path
	begin := startStream(ctx, &c.bg, 16, scrTest, t.run, func(send func(any)) { runTest(ctx, fn, od, path, in, tr, send) })
	return tea.Batch(begin, t.spinner.Tick)
}

// setResult records the outcome, for this screen and the review's.
func (t *testScreen) setResult(r *mailconn.Result) {
	t.result = r
	t.c.lastTest = r
}

// runTest gets the OAuth 2.0 token (or leaves the password to the test's
// authenticate step) and runs the test, sending its events and then its
// result. Without a usable OAuth 2.0 sign-in it sends a signInNeededMsg
// instead of running the test.
func runTest(ctx context.Context, fn testFunc, od oauthDeps, path string, in config.Incoming, tr *traceBuffer, send func(any)) {
	opts, report := passwordOptions(in), func(ev mailconn.Event) { send(ev) }
	opts.Trace = tr
	if in.Auth == config.AuthOAuth2 {
		token, failed, signIn := fetchToken(ctx, od, path, in, report)
		switch {
		case signIn != nil:
			send(signInNeeded{reason: signIn.Reason})
			return
		case failed != nil:
			send(*failed)
			return
		}
		opts.Secret, report = token, withAfterFailure(in, report)
	}
	res := fn(ctx, in, opts, report)
	send(oauthResult(in, res))
}

// passwordOptions has the test read the password from its source at the
// authenticate step, as mailsetup test does: a password_file, password_env
// or password_command that fails is a failed authenticate step, field
// password (the key the wizard's credentials screen edits).
func passwordOptions(in config.Incoming) mailconn.Options {
	if in.Auth == config.AuthOAuth2 {
		return mailconn.Options{}
	}
	return mailconn.Options{SecretFunc: in.ResolvePassword}
}

// settingResult turns a validation error into a failed result that points
// to the field.
func settingResult(err error) mailconn.Result {
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		return mailconn.Result{Error: "invalid setting", Field: strings.TrimPrefix(ve.Key, "incoming."), Hint: ve.Message}
	}
	return mailconn.Result{Error: "invalid setting", Hint: err.Error()}
}

// cancelRun stops a running test; its remaining events are ignored.
func (t *testScreen) cancelRun() {
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	if t.running {
		t.running = false
		t.setResult(&mailconn.Result{Canceled: true, Error: "cancelled"})
		for i := range t.steps { // no spinner left turning on a step that will not end
			if t.steps[i].Status == mailconn.StatusRunning {
				t.steps[i].Status, t.steps[i].Detail, t.steps[i].Elapsed = mailconn.StatusSkipped, "cancelled", 0
			}
		}
	}
}

func (t *testScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamMsg:
		if msg.owner != scrTest {
			return nil
		}
		if msg.run == t.run && t.running {
			switch v := msg.v.(type) {
			case mailconn.Event:
				t.record(v)
			case mailconn.Result:
				t.running = false
				res := safeResult(v)
				t.setResult(&res)
				t.cancel()
				t.cancel = nil
			case signInNeeded: // the sign-in comes first; it runs the test again
				t.running = false
				t.cancel()
				t.cancel = nil
				t.c.request(signInMsg{from: scrTest, reason: v.reason})
			}
		}
		return msg.next() // until the channel closes
	case testAfterSignInMsg:
		for _, ev := range msg.first {
			t.record(ev)
		}
		return nil
	case spinner.TickMsg:
		if !t.running {
			return nil
		}
		var cmd tea.Cmd
		t.spinner, cmd = t.spinner.Update(msg)
		return cmd
	case traceWrittenMsg:
		if msg.err != nil {
			t.traced = t.c.st.errLine("Cannot write the trace: " + msg.err.Error())
		} else {
			t.traced = t.c.st.ok.Render(t.c.st.iconOK) + " Trace written to " + msg.path
		}
	}
	return nil
}

// record adds or updates a step's line.
func (t *testScreen) record(ev mailconn.Event) {
	ev = safeEvent(ev)
	for i := range t.steps {
		if t.steps[i].Step == ev.Step {
			t.steps[i] = ev
			return
		}
	}
	t.steps = append(t.steps, ev)
}

func (t *testScreen) passed() bool { return t.result != nil && t.result.OK }

// fixField is the field the failure points to, when a screen edits it.
func (t *testScreen) fixField() string {
	if t.running || t.result == nil || t.result.OK || t.result.Canceled {
		return ""
	}
	return t.c.draft.editable(t.result.Field)
}

// canSignInAgain: the test failed with OAuth 2.0 and a user's sign-in.
func (t *testScreen) canSignInAgain() bool {
	d := t.c.draft
	return d.oauth2() && !d.clientCredentials() && !t.running && t.result != nil && !t.result.OK
}

func (t *testScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := t.c.keys
	switch {
	case key.Matches(msg, k.Up):
		t.scroll(-1)
		return nil
	case key.Matches(msg, k.Down):
		t.scroll(1)
		return nil
	case key.Matches(msg, k.PageUp):
		t.scroll(-5)
		return nil
	case key.Matches(msg, k.PageDown):
		t.scroll(5)
		return nil
	case key.Matches(msg, k.Details):
		t.details = !t.details
		return nil
	}
	if t.running {
		if key.Matches(msg, k.Cancel) {
			t.cancelRun()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Esc, k.Back):
		t.c.request(backMsg{})
	case key.Matches(msg, k.Fix) && t.fixField() != "":
		t.c.request(fixFieldMsg{field: t.fixField()})
	case key.Matches(msg, k.BrowseTest) && t.fixField() == mailconn.FieldMailbox:
		t.c.request(fixFieldMsg{field: mailconn.FieldMailbox, browse: true}) // choosing a folder and going on tests again
	case key.Matches(msg, k.Retry):
		return t.start()
	case key.Matches(msg, k.Pin) && t.pinOffered() != "":
		t.c.draft.pin.setValue(t.pinOffered()) // the certificate the test saw; test again with it pinned
		return t.start()
	case key.Matches(msg, signInAgainKey) && t.canSignInAgain():
		t.c.request(signInMsg{from: scrTest})
	case key.Matches(msg, k.Trace) && t.trace != nil:
		return writeTraceCmd(t.c.path, t.target, t.trace.Bytes())
	case key.Matches(msg, k.Continue):
		if t.passed() {
			t.c.request(goToMsg{to: scrReview})
			return nil
		}
		t.c.request(confirmMsg{kind: confirmFailedTest, question: t.failedQuestion()})
	}
	return nil
}

// pinOffered is the fingerprint of the certificate the failed test saw,
// when its hint offers to pin it, as the Pin SHA-256 field takes it.
func (t *testScreen) pinOffered() string {
	if t.running || t.result == nil || t.result.OK {
		return ""
	}
	hints := []string{t.result.Hint}
	for _, ev := range t.steps {
		hints = append(hints, ev.Hint)
	}
	for _, h := range hints {
		if _, pin := screenHint(h, false); pin != "" && pin != strings.ToUpper(strings.ReplaceAll(t.c.draft.pin.value(), ":", "")) {
			return pin
		}
	}
	return ""
}

func (t *testScreen) scroll(n int) {
	t.follow = false
	t.offset = max(0, t.offset+n)
}

func (t *testScreen) failedQuestion() string {
	if t.result != nil && t.result.Canceled {
		return "The connection test did not finish. Go on to save anyway? [y/N]"
	}
	return "The connection test failed. Go on to save anyway? [y/N]"
}

func (t *testScreen) help() []key.Binding {
	k := t.c.keys
	scroll := with(k.Up, t.c.st.arrows, "scroll")
	details := k.Details
	if t.details {
		details = with(details, "d", "less")
	}
	if t.running {
		return []key.Binding{k.Cancel, scroll, details, k.Quit}
	}
	var bs []key.Binding
	if t.pinOffered() != "" {
		bs = append(bs, k.Pin)
	}
	if f := t.fixField(); f != "" {
		bs = append(bs, with(k.Fix, "f", "fix "+fieldLabel(f)))
	}
	if t.fixField() == mailconn.FieldMailbox {
		bs = append(bs, k.BrowseTest)
	}
	cont := k.Continue
	if !t.passed() {
		cont = with(cont, "enter", "save anyway")
	}
	bs = append(bs, cont, k.Retry)
	if t.canSignInAgain() {
		bs = append(bs, signInAgainKey)
	}
	bs = append(bs, details)
	if t.trace != nil {
		bs = append(bs, k.Trace)
	}
	return append(bs, with(k.Back, "esc", "back"), k.Quit)
}

func (t *testScreen) view(width, height int) page {
	height-- // a line of room under the content
	st := t.c.st
	in := t.c.draft.config().Incoming
	head := fmt.Sprintf("%s %s:%d, %s, as %s", protocolName(in.Protocol), in.Server, in.Port,
		securityLabel[in.Security], orDash(in.Username))
	result := t.resultView(width)
	logH := height - lipgloss.Height(head) - 2
	if result != "" {
		logH -= lipgloss.Height(result) + 1
	}
	log := t.logLines(width)
	logH = max(3, logH)
	if t.follow || t.offset > len(log)-logH {
		t.offset = max(0, len(log)-logH)
	}
	end := min(len(log), t.offset+logH)
	shown := slices.Clone(log[t.offset:end])
	if t.offset > 0 { // say that the log goes on above
		shown[0] = st.muted.Render(fmt.Sprintf("%s %d more line(s) above", scrollUpMark(st), t.offset+1))
	}
	main := st.muted.Render(ansi.Truncate(head, width, st.ellipsis)) + "\n\n" + strings.Join(shown, "\n")
	if len(log) == 0 && t.running {
		main += t.spinner.View() + " Starting" + st.ellipsis
	}
	if result != "" {
		main += "\n\n" + result
	}
	return page{main: main}
}

// logLines are the step lines: one per step, with the detail and hint of
// a warning or failure wrapped under it.
func (t *testScreen) logLines(width int) []string {
	st := t.c.st
	titleW := 0
	for _, ev := range t.steps {
		titleW = max(titleW, lipgloss.Width(ev.Title))
	}
	if t.details { // whole titles ("Capabilities after STARTTLS"); details wrap under them
		titleW = min(titleW, width/2)
	} else {
		titleW = min(titleW, max(16, width/3))
	}
	iconW := lipgloss.Width(st.iconFail)
	var lines []string
	for _, ev := range t.steps {
		icon := st.statusIcon(ev.Status)
		if ev.Status == mailconn.StatusRunning {
			icon = t.spinner.View()
		}
		icon += strings.Repeat(" ", max(0, iconW-lipgloss.Width(icon)))
		title := ansi.Truncate(ev.Title, titleW, st.ellipsis)
		title += strings.Repeat(" ", titleW-lipgloss.Width(title))
		elapsed := ""
		if ev.Status != mailconn.StatusRunning && ev.Elapsed > 0 {
			elapsed = fmtDuration(ev.Elapsed)
		}
		detailW := width - iconW - 1 - titleW - 2 - 9
		long := ev.Status == mailconn.StatusWarn || ev.Status == mailconn.StatusFail
		detail := ev.Detail
		switch {
		case (long || t.details) && lipgloss.Width(detail) > detailW:
			detail, long = "", true // in full under the line
		default:
			detail = ansi.Truncate(detail, max(0, detailW), st.ellipsis)
			long = long && ev.Hint != ""
		}
		line := icon + " " + st.label.Render(title) + "  " + st.muted.Render(detail)
		pad := max(1, width-lipgloss.Width(line)-lipgloss.Width(elapsed))
		lines = append(lines, line+strings.Repeat(" ", pad)+st.muted.Render(elapsed))
		if long {
			indent := strings.Repeat(" ", iconW+1)
			if detail == "" && ev.Detail != "" {
				lines = append(lines, strings.Split(indentBlock(wrap(ev.Detail, width-iconW-1), indent), "\n")...)
			}
			if ev.Hint != "" && (ev.Status == mailconn.StatusWarn || ev.Status == mailconn.StatusFail) &&
				(t.result == nil || ev.Hint != t.result.Hint) { // the result repeats the final hint
				lines = append(lines, strings.Split(hintBlock(st, ev.Hint, width, indent, true), "\n")...)
			}
		}
	}
	return lines
}

// resultView is the outcome under the log.
func (t *testScreen) resultView(width int) string {
	st := t.c.st
	r := t.result
	if r == nil {
		return ""
	}
	var parts []string
	switch {
	case r.OK:
		msg := "Connection test passed"
		if r.Elapsed > 0 {
			msg += " in " + fmtDuration(r.Elapsed)
		}
		parts = append(parts, st.ok.Render(st.iconOK+" "+msg+"."))
	case r.Canceled:
		parts = append(parts, st.warnLine("Test cancelled. Press r to run it again."))
	default:
		msg := "The test failed"
		if r.FailedStep != "" {
			msg += " at " + string(r.FailedStep)
		}
		if e := r.Sentence(); e != "" {
			msg += ": " + e
		}
		parts = append(parts, para(st.errLine(msg), width))
		if r.Hint != "" {
			parts = append(parts, hintBlock(st, r.Hint, width, "  ", false))
		}
		if f := t.fixField(); f != "" {
			scr, _ := t.c.draft.target(f)
			msg := fmt.Sprintf("Press f to fix the %s on the %s screen.", fieldLabel(f), screenTitles[scr])
			if f == mailconn.FieldMailbox {
				msg = "Press f to fix the mailbox, or b to choose from the server's folders."
			}
			parts = append(parts, indentBlock(para(st.muted.Render(msg), width-2), "  "))
		}
		if t.pinOffered() != "" {
			parts = append(parts, indentBlock(para(st.muted.Render("Press p to pin this certificate (Certificates "+arrow(st)+" Pin SHA-256) and test again."), width-2), "  "))
		}
	}
	if t.traced != "" {
		parts = append(parts, para(t.traced, width))
	}
	return strings.Join(parts, "\n")
}

func scrollUpMark(st *styles) string {
	if st.ascii {
		return "^"
	}
	return "↑"
}

func protocolName(p string) string {
	if p == config.ProtocolPOP3 {
		return "POP3"
	}
	return "IMAP4"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fmtDuration is "12 ms" or "1.3 s".
func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
