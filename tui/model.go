package tui

import (
	"context"
	"reflect"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// screenID is a screen of the wizard; the numbered ones are the help page's steps.
type screenID int

const (
	scrWelcome screenID = iota
	scrAccount
	scrServer
	scrMailbox
	scrCredentials
	scrSPA
	scrSecurity
	scrCerts
	scrTest
	scrReview
	scrDone
	scrOAuth  // after scrSPA when auth = "oauth2" (oauth.go)
	scrSignIn // the OAuth 2.0 sign-in, not a numbered step (devicecode.go)
)

var screenTitles = map[screenID]string{
	scrWelcome:     "Welcome",
	scrAccount:     "Account type",
	scrServer:      "Server name and port",
	scrMailbox:     "Mailbox",
	scrCredentials: "User name and password",
	scrSPA:         "Secure Password Authentication (SPA)",
	scrSecurity:    "Secure connection",
	scrCerts:       "Certificates",
	scrTest:        "Test connection",
	scrReview:      "Review and save",
	scrDone:        "Saved",
	scrOAuth:       "OAuth 2.0",
	scrSignIn:      "OAuth 2.0 sign-in",
}

// The smallest terminal the wizard draws in.
const (
	minWidth  = 60
	minHeight = 20
	maxWidth  = 100 // wider terminals get a centred column no wider than this
)

// confirmKind is a pending yes/no question on the status line.
type confirmKind int

const (
	confirmNone       confirmKind = iota
	confirmDiscard                // Ctrl+C with unsaved changes
	confirmFailedTest             // going on to save after a failed or cancelled test
)

// Model is the root model of the wizard. It owns the screens (one map,
// each a screen), the window size, the styles and the global keys, and is
// the only one that moves between screens: screens ask with navigation
// messages (screen.go), which the root acts on.
type Model struct {
	*common
	help help.Model

	screen  screenID
	screens map[screenID]screen

	// The screens, typed, for what only the root does with them.
	welcome  *welcomeScreen
	account  *accountScreen
	server   *serverScreen
	mailbox  *mailboxScreen
	creds    *credentialsScreen
	spa      *spaScreen
	security *securityScreen
	certs    *certsScreen
	test     *testScreen
	review   *reviewScreen
	oauthScr *oauthScreen
	signIn   *signInScreen

	baseline     config.Incoming // "nothing changed" for Ctrl+C
	confirm      confirmKind
	question     string // the confirmFailedTest question
	browseReturn bool   // after a jump from the folder browser: leaving the screen forward lists the folders
	saved        bool
	err          error // what Run returns
}

func newModel(path string, s start, env environment, test testFunc) *Model {
	c := &common{
		ctx: context.Background(), path: path, env: env, start: s, testFn: test,
		listFn: mailconn.ListFolders, probeFn: mailconn.ProbeHost, oauth: defaultOAuthDeps(),
		dark: true, width: 80, height: 24, draft: newDraft(path),
	}
	c.st = newStyles(c.dark, env.ascii)
	c.st.plain = env.plain
	c.keys = newKeyMap(c.st.arrows)
	m := &Model{common: c, help: c.st.helpModel(c.dark)}
	m.welcome = newWelcomeScreen(c)
	m.account = newAccountScreen(c)
	m.server = newServerScreen(c)
	m.mailbox = newMailboxScreen(c)
	m.creds = newCredentialsScreen(c)
	m.spa = newSPAScreen(c)
	m.security = newSecurityScreen(c)
	m.certs = newCertsScreen(c)
	m.test = newTestScreen(c)
	m.review = newReviewScreen(c)
	m.oauthScr = newOAuthScreen(c)
	m.signIn = newSignInScreen(c)
	m.screens = map[screenID]screen{
		scrWelcome: m.welcome, scrAccount: m.account, scrServer: m.server, scrMailbox: m.mailbox,
		scrCredentials: m.creds, scrSPA: m.spa, scrSecurity: m.security, scrCerts: m.certs,
		scrTest: m.test, scrReview: m.review, scrDone: &doneScreen{c: c}, scrOAuth: m.oauthScr, scrSignIn: m.signIn,
	}
	in := config.Default().Incoming
	if s.cfg != nil {
		in = s.cfg.Incoming
	}
	c.draft.load(in)
	m.baseline = m.incoming()
	m.applyStyles()
	return m
}

// incoming is the config the screens describe now.
func (m *Model) incoming() config.Incoming { return m.draft.incoming() }

// config is the whole file to save.
func (m *Model) config() config.Config { return m.draft.config() }

// fieldTarget is the screen and input that edit a config key (draft.target).
func (m *Model) fieldTarget(name string) (screenID, field) { return m.draft.target(name) }

// changed reports whether quitting now would lose anything.
func (m *Model) changed() bool {
	if m.saved {
		return false
	}
	return !reflect.DeepEqual(m.incoming(), m.baseline)
}

func (m *Model) applyStyles() {
	for _, s := range m.screens {
		if f := s.inputs(); f != nil {
			f.setStyles(m.st)
		}
	}
	m.test.spinner.Style = m.st.accent
	m.mailbox.browser.spinner.Style = m.st.accent
	m.server.detect.spinner.Style = m.st.accent
	m.help = m.st.helpModel(m.dark)
}

// steps are the numbered screens for the chosen protocol: POP3 has no mailbox.
func (m *Model) steps() []screenID { return m.draft.steps() }

// neighbour is the screen after (dir 1) or before (dir -1) from.
func (m *Model) neighbour(from screenID, dir int) screenID {
	steps := m.steps()
	for i, s := range steps {
		if s == from {
			j := i + dir
			switch {
			case j < 0:
				return scrWelcome
			case j >= len(steps):
				return scrDone
			}
			return steps[j]
		}
	}
	return scrAccount // from the welcome screen
}

// goTo shows screen s; back focuses its last field instead of its first.
// Every other screen stops what it runs.
func (m *Model) goTo(s screenID, back bool) tea.Cmd {
	m.confirm = confirmNone
	for id, scr := range m.screens {
		if id != s {
			scr.stop()
		}
	}
	m.screen = s
	if s == scrTest {
		m.fixReturn = false
	}
	return m.screens[s].enter(back)
}

func (m *Model) goBack() tea.Cmd {
	m.fixReturn, m.browseReturn = false, false
	if m.screen == scrWelcome {
		return nil
	}
	return m.goTo(m.neighbour(m.screen, -1), true)
}

// next leaves screen from forward: back to the folder browser or the test
// after a jump, else to the next step.
func (m *Model) next(from screenID) tea.Cmd {
	switch {
	case m.browseReturn:
		m.browseReturn = false
		return tea.Batch(m.goTo(scrMailbox, false), m.mailbox.update(openBrowserMsg{}))
	case m.fixReturn:
		return m.goTo(scrTest, false)
	}
	return m.goTo(m.neighbour(from, 1), false)
}

// fix jumps to the input of a field at fault.
func (m *Model) fix(msg fixFieldMsg) tea.Cmd {
	scr, target := m.draft.target(msg.field)
	if target == nil {
		return nil
	}
	cmd := m.goTo(scr, false)
	if f := m.screens[scr].inputs(); f != nil {
		for i, fl := range f.fields {
			if fl == target && f.visible(i) {
				cmd = f.focusAt(i)
			}
		}
	}
	if target == field(m.draft.password) && !msg.forList {
		m.draft.password.setValue("") // a new try after the server rejected it
	}
	if msg.forList {
		m.browseReturn = true
	} else {
		m.fixReturn = true
	}
	if msg.browse {
		cmd = tea.Batch(cmd, m.mailbox.update(openBrowserMsg{}))
	}
	return cmd
}

// act carries out a navigation message, reporting false for other messages.
func (m *Model) act(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case goToMsg:
		return m.goTo(msg.to, msg.back), true
	case nextMsg:
		return m.next(msg.from), true
	case backMsg:
		return m.goBack(), true
	case fixFieldMsg:
		return m.fix(msg), true
	case confirmMsg:
		m.confirm, m.question = msg.kind, msg.question
		return nil, true
	case signInMsg:
		cmd := m.goTo(scrSignIn, false)
		return tea.Batch(cmd, m.signIn.update(msg)), true
	case testAfterSignInMsg:
		cmd := m.goTo(scrTest, false)
		return tea.Batch(cmd, m.test.update(msg)), true
	}
	return nil, false
}

// drain acts on what the screens asked for, in order, until nothing is left.
func (m *Model) drain(cmd tea.Cmd) tea.Cmd {
	cmds := []tea.Cmd{cmd}
	for len(m.requests) > 0 {
		r := m.requests[0]
		m.requests = m.requests[1:]
		if c, ok := m.act(r); ok {
			cmds = append(cmds, c)
		}
	}
	return tea.Batch(cmds...)
}

// Init asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	return tea.RequestBackgroundColor
}

// Update is the state machine.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = newStyles(m.dark, m.env.ascii)
		m.st.plain = m.env.plain
		m.applyStyles()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.drain(m.handleKey(msg))
	case tea.PasteMsg:
		if f := m.screens[m.screen].inputs(); f != nil && !m.tooSmall() {
			return m, f.current().update(msg)
		}
		return m, nil
	case savedMsg:
		if msg.err == nil {
			m.saved = true
			return m, m.goTo(scrDone, false)
		}
		return m, m.review.update(msg)
	case streamMsg:
		return m, m.drain(m.screens[msg.owner].update(msg))
	}
	if cmd, ok := m.act(msg); ok {
		return m, m.drain(cmd)
	}
	cmds := make([]tea.Cmd, 0, len(m.screens))
	for _, s := range m.screens { // spinner ticks, the trace written: each screen takes its own
		cmds = append(cmds, s.update(msg))
	}
	return m, m.drain(tea.Batch(cmds...))
}

// stopRuns cancels whatever runs in the background: the test, the folder
// list, the probe, the sign-in.
func (m *Model) stopRuns() {
	for _, s := range m.screens {
		s.stop()
	}
}

// tooSmall reports whether the terminal is too small to draw the wizard:
// then only Ctrl+C and its confirmation act, so no key works unseen.
func (m *Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.tooSmall() {
		switch {
		case m.confirm == confirmDiscard:
			return m.answer(msg)
		case !key.Matches(msg, k.Quit):
			return nil
		}
		m.confirm = confirmNone // a hidden question (save after a failed test) is not answered
	}
	if m.confirm != confirmNone {
		return m.answer(msg)
	}
	if key.Matches(msg, k.Quit) {
		if m.screen == scrDone || !m.changed() {
			m.stopRuns()
			m.err = ErrInterrupted
			if m.screen == scrDone {
				m.err = nil
			}
			return tea.Quit
		}
		m.confirm = confirmDiscard
		return nil
	}
	return m.screens[m.screen].key(msg)
}

// answer handles y/n for a pending question.
func (m *Model) answer(msg tea.KeyPressMsg) tea.Cmd {
	c := m.confirm
	yes := key.Matches(msg, m.keys.Yes) || c == confirmDiscard && key.Matches(msg, m.keys.Quit)
	if !yes && !key.Matches(msg, m.keys.No, m.keys.Quit) {
		return nil // another key: keep asking
	}
	m.confirm = confirmNone
	if !yes {
		return nil
	}
	switch c {
	case confirmDiscard:
		m.stopRuns()
		m.err = ErrInterrupted
		return tea.Quit
	case confirmFailedTest:
		return m.goTo(scrReview, false)
	}
	return nil
}
