package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// signInTickMsg redraws the sign-in's spinner and countdown.
type signInTickMsg struct{ run int }

// loginOutcome is what oauth.Login returned, the sign-in stream's last value.
type loginOutcome struct {
	res *oauth.LoginResult
	err error
}

// signInScreen runs oauth.Login in the background and shows what the user
// must do: for the device flow the address and the code, large, with the
// time left; for Google the ssh -L command and the address. Esc cancels.
// After a sign-in the connection test was waiting for, it goes straight on
// to the test.
type signInScreen struct {
	c       *common
	run     int
	running bool
	cancel  context.CancelFunc
	from    screenID // scrOAuth (ctrl+s) or scrTest (no usable sign-in)
	in      config.Incoming
	reason  string // why the test needs a sign-in
	code    *oauth.DeviceCode
	browser *oauth.BrowserSignIn
	warns   []string
	started time.Time
	now     time.Time
	frame   int
	res     *oauth.LoginResult
	err     error
	spin    spinner.Spinner
}

func newSignInScreen(c *common) *signInScreen {
	return &signInScreen{c: c}
}

func (s *signInScreen) inputs() *form      { return nil }
func (s *signInScreen) enter(bool) tea.Cmd { return nil } // signInMsg starts it

// start starts oauth.Login; the root shows the screen (signInMsg).
func (s *signInScreen) start(from screenID, reason string) tea.Cmd {
	c := s.c
	s.stop()
	s.run++
	s.from, s.in, s.reason = from, c.draft.config().Incoming, reason
	s.code, s.browser, s.warns, s.res, s.err, s.frame = nil, nil, nil, nil, nil, 0
	s.now = c.oauth.now()
	s.started = s.now
	s.spin = c.st.spinnerModel().Spinner
	ctx, cancel := context.WithCancel(c.ctx)
	s.cancel, s.running = cancel, true
	deps, path, in := c.oauth, c.path, s.in
	begin := startStream(ctx, &c.bg, 8, scrSignIn, s.run, func(send func(any)) {
		res, err := deps.login(ctx, &in, oauth.LoginOptions{
			Options:      deps.options(path, func(msg string) { send(msg) }),
			OnDeviceCode: func(dc oauth.DeviceCode) { send(dc) },
			OnBrowser:    func(b oauth.BrowserSignIn) { send(b) },
			Now:          deps.now,
		})
		send(loginOutcome{res, err})
	})
	return tea.Batch(begin, s.tick())
}

func (s *signInScreen) tick() tea.Cmd {
	run := s.run
	return tea.Tick(s.spin.FPS, func(time.Time) tea.Msg { return signInTickMsg{run: run} })
}

// stop cancels a running sign-in; its remaining reports are ignored.
func (s *signInScreen) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.running = false
}

func (s *signInScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case signInMsg:
		return s.start(msg.from, msg.reason)
	case streamMsg:
		if msg.owner != scrSignIn {
			return nil
		}
		if msg.run != s.run || !s.running {
			return msg.next()
		}
		switch v := msg.v.(type) {
		case oauth.DeviceCode:
			s.code = &v
		case oauth.BrowserSignIn:
			s.browser = &v
		case string:
			s.warns = append(s.warns, v)
		case loginOutcome:
			s.stop()
			s.res, s.err = v.res, v.err
			if s.err == nil && s.from == scrTest {
				s.toTest()
			}
		}
		return msg.next()
	case signInTickMsg:
		if msg.run != s.run || !s.running {
			return nil
		}
		s.now = s.c.oauth.now()
		s.frame++
		return s.tick()
	}
	return nil
}

// toTest asks for the connection test, whose log starts with the sign-in.
func (s *signInScreen) toTest() {
	res := s.res
	detail := "signed in"
	if res.Account != "" {
		detail += " as " + res.Account
	}
	first := []mailconn.Event{{Step: stepSignIn, Status: mailconn.StatusOK, Title: "OAuth 2.0 sign-in", Detail: detail}}
	if res.TokenFile != "" {
		first = append(first, mailconn.Event{Step: stepSignIn + "_file", Status: mailconn.StatusOK, Title: "Token file", Detail: "stored in " + res.TokenFile})
	}
	s.c.request(testAfterSignInMsg{first: first})
}

// signedInText is "Signed in as X; token stored in F" in short.
func signedInText(res *oauth.LoginResult) string {
	switch {
	case res == nil:
		return "signed in"
	case res.TokenFile == "":
		return "the app's credentials work"
	case res.Account != "":
		return "signed in as " + res.Account + "; token stored in " + res.TokenFile
	}
	return "signed in; token stored in " + res.TokenFile
}

func (s *signInScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case key.Matches(msg, k.Esc):
		s.stop()
		s.c.request(goToMsg{to: scrOAuth})
	case s.running:
		return nil
	case s.err != nil && key.Matches(msg, k.Retry):
		s.c.request(signInMsg{from: s.from, reason: s.reason})
	case s.err == nil && key.Matches(msg, k.Continue):
		if s.from == scrTest {
			s.toTest()
			return nil
		}
		s.c.request(nextMsg{from: scrOAuth})
	}
	return nil
}

func (s *signInScreen) help() []key.Binding {
	k := s.c.keys
	back := with(k.Esc, "esc", "back to the settings")
	switch {
	case s.running:
		return []key.Binding{with(k.Esc, "esc", "cancel"), k.Quit}
	case s.err != nil:
		return []key.Binding{with(k.Retry, "r", "try again"), back, k.Quit}
	}
	return []key.Binding{k.Continue, back, k.Quit}
}

func (s *signInScreen) providerName() string {
	if o := s.in.OAuth2; o != nil {
		switch o.Provider {
		case config.ProviderMicrosoft:
			return "Microsoft 365"
		case config.ProviderGoogle:
			return "Google"
		}
	}
	return "your provider"
}

func (s *signInScreen) view(width, _ int) page {
	switch {
	case s.err != nil:
		return s.errorView(width)
	case s.res != nil:
		return s.successView(width)
	case s.code != nil:
		return s.codeView(width)
	case s.browser != nil:
		return s.browserView(width)
	}
	st := s.c.st
	msg := "Asking " + s.providerName() + " for a sign-in code"
	if o := s.in.OAuth2; o != nil && o.EffectiveFlow() == config.FlowClientCredentials {
		msg = "Fetching a token for the app " + o.ClientID + " with its client secret"
	}
	p := page{main: para(s.spinnerView()+" "+msg+st.ellipsis, width)}
	if s.reason != "" {
		p.intro = para(st.muted.Render("The connection test needs a sign-in first: "+s.reason+"."), width)
	}
	return p
}

func (s *signInScreen) spinnerView() string {
	f := s.spin.Frames
	if len(f) == 0 {
		return ""
	}
	return s.c.st.accent.Render(f[s.frame%len(f)])
}

// codeView is the device flow: the address and the code, large.
func (s *signInScreen) codeView(width int) page {
	st := s.c.st
	dc := s.code
	status := s.spinnerView() + " Waiting for the sign-in" + st.ellipsis
	if !dc.ExpiresAt.IsZero() {
		if left := dc.ExpiresAt.Sub(s.now); left > 0 {
			status += " The code expires in " + mmss(left) + "."
		} else {
			status += " " + st.warnText.Render("The code has expired.")
		}
	}
	main := []string{
		para("Open this address on any device and enter the code:", width),
		"",
		linkLines(st.code.Inherit(st.accent), dc.VerificationURI, width-4, "    "),
		"",
		indentBlock(codeBox(st, dc.UserCode), "    "),
		"",
		status,
	}
	return page{
		intro: para(fmt.Sprintf("Sign in to %s for %s.", s.providerName(), orDash(s.in.Username)), width),
		main:  strings.Join(main, "\n"),
		outro: para(st.muted.Render("Sign in with the mailbox's account, or one with access to it, and accept. "+
			"You sign in once: the token is then refreshed on its own."), width),
	}
}

// codeBox is the user code spaced out, bold, in a box (ASCII off UTF-8).
func codeBox(st *styles, code string) string {
	b := lipgloss.RoundedBorder()
	if st.ascii {
		b = lipgloss.ASCIIBorder()
	}
	spaced := strings.Join(strings.Split(code, ""), " ")
	return lipgloss.NewStyle().Border(b).BorderForeground(st.accent.GetForeground()).
		Padding(1, 4).Bold(true).Render(spaced)
}

// linkLines hard-wraps an address to width and makes every line a link
// to the whole address (OSC 8): a terminal that opens links on a click
// opens it in the admin's own browser.
func linkLines(style lipgloss.Style, url string, width int, indent string) string {
	lines := strings.Split(ansi.Hardwrap(url, max(10, width), false), "\n")
	style = style.Hyperlink(url)
	for i, l := range lines {
		lines[i] = indent + style.Render(l)
	}
	return strings.Join(lines, "\n")
}

// mmss is a duration as minutes:seconds, rounded up.
func mmss(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// browserView is Google's loopback flow, finished through an SSH forward.
func (s *signInScreen) browserView(width int) page {
	st := s.c.st
	b := s.browser
	main := []string{
		para("1. On your own computer, in a new terminal, run:", width),
		indentBlock(wrap(st.code.Render(b.SSHCommand), width-4), "    "),
		para("2. In a browser on that computer, open (all lines, as one address):", width),
		linkLines(st.accent, b.URL, width, ""),
		"",
		s.spinnerView() + " Waiting for the browser" + st.ellipsis + " " + mmss(s.now.Sub(s.started)),
	}
	return page{
		intro: para("Google does not allow mail access with a device code: finish the sign-in in a browser "+
			"on your own computer, through an SSH port forward.", width),
		main: strings.Join(main, "\n"),
		outro: para(st.muted.Render("3. Sign in and allow access: the browser comes back to "+b.RedirectURI+
			" through the forward, and this screen goes on."), width),
	}
}

func (s *signInScreen) successView(width int) page {
	st := s.c.st
	res := s.res
	var lines []string
	switch {
	case res.TokenFile == "":
		lines = append(lines, st.ok.Render(st.iconOK+" The app's credentials work: the provider issued a token."))
	case res.Account != "":
		lines = append(lines, st.ok.Render(st.iconOK+" Signed in as "+res.Account+"."))
	default:
		lines = append(lines, st.ok.Render(st.iconOK+" Signed in."))
	}
	if res.TokenFile != "" {
		lines = append(lines, "  The token is stored in "+res.TokenFile)
	}
	if res.Refresh {
		lines = append(lines, "  It is refreshed automatically; sign in again only if it is revoked.")
	}
	for _, w := range s.warns {
		lines = append(lines, st.warnLine(sentence(w)))
	}
	for _, f := range res.Findings {
		lines = append(lines, st.warnLine("The token: "+sentence(f.Message)), hintBlock(st, sentence(f.Hint), width, "  ", true))
	}
	if cl := oauth.AppChecklist(&s.in); len(cl) > 0 {
		lines = append(lines, "", "Exchange Online must also know the app; if the test fails at authenticate, check that the tenant admin has done this:")
		lines = append(lines, checklistLines(cl, width)...)
	}
	next := "Press enter to go on."
	if s.from == scrTest {
		next = "Press enter to run the connection test."
	}
	return page{main: para(strings.Join(lines, "\n"), width), outro: para(st.muted.Render(next), width)}
}

func (s *signInScreen) errorView(width int) page {
	st := s.c.st
	head, hint := signInFailure(s.err)
	lines := []string{para(st.errLine("The sign-in failed: "+head), width)}
	if hint != "" {
		lines = append(lines, indentBlock(para(hint, width-2), "  "))
	}
	if cl := oauth.AppChecklist(&s.in); len(cl) > 0 {
		lines = append(lines, "", "For client credentials the tenant admin must have done this:")
		lines = append(lines, checklistLines(cl, width)...)
	}
	if o := s.in.OAuth2; o != nil && o.Provider == config.ProviderGoogle {
		lines = append(lines, "", para(st.muted.Render(strings.Join(strings.Fields(oauth.GoogleAppPassword), " ")), width))
	}
	return page{main: strings.Join(lines, "\n"),
		outro: para(st.muted.Render("Press r to try again, or esc to go back to the OAuth 2.0 settings."), width)}
}

// signInFailure splits a Login error into what happened and the hint.
func signInFailure(err error) (head, hint string) {
	var pe *oauth.ProviderError
	if errors.As(err, &pe) {
		head = pe.Op + ": the provider answered " + pe.Code
		if pe.Code == "" {
			head = fmt.Sprintf("%s: the provider answered HTTP %d", pe.Op, pe.Status)
		}
		if pe.Description != "" {
			head += " (" + pe.Description + ")"
		}
		return sentence(head), sentence(pe.Hint)
	}
	return sentence(err.Error()), ""
}

// checklistLines numbers the steps of oauth.AppChecklist, wrapped.
func checklistLines(steps []string, width int) []string {
	var out []string
	for i, c := range steps {
		prefix := fmt.Sprintf("  %d. ", i+1)
		body := indentBlock(wrap(c, width-len(prefix)), strings.Repeat(" ", len(prefix)))
		out = append(out, prefix+strings.TrimLeft(body, " "))
	}
	return out
}

// sentence capitalises s and ends it with a full stop; s is cleaned
// (safetext), since it is often an error's text.
func sentence(s string) string {
	s = safetext.Clean(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
