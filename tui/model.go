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

// Model is the root model of the wizard. It owns the screens, the window
// size, the styles and the global keys, and turns the screens' inputs into
// a config.Incoming.
type Model struct {
	ctx    context.Context
	bg     background // the runs' goroutines
	path   string
	env    environment
	st     *styles
	dark   bool
	keys   keyMap
	help   help.Model
	width  int
	height int

	screen   screenID
	start    start
	base     config.Incoming // what the wizard started from: keeps the keys no screen edits
	baseline config.Incoming // "nothing changed" for Ctrl+C

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

	confirm      confirmKind
	fixReturn    bool // after a jump from a failed test: leaving the screen forward re-runs the test
	browseReturn bool // after a jump from the folder browser: leaving the screen forward lists the folders
	saved        bool
	err          error // what Run returns
	testFn       testFunc
	listFn       listFoldersFunc // the folder browser's list; mailconn.ListFolders
	probeFn      probeHostFunc   // the server screen's Detect; mailconn.ProbeHost
	oauth        oauthDeps       // the OAuth 2.0 sign-in and token; package oauth
}

func newModel(path string, s start, env environment, test testFunc) *Model {
	m := &Model{
		ctx: context.Background(), path: path, env: env, start: s, testFn: test,
		listFn: mailconn.ListFolders, probeFn: mailconn.ProbeHost, oauth: defaultOAuthDeps(),
		dark: true, width: 80, height: 24,
	}
	m.st = newStyles(m.dark, env.ascii)
	m.keys = newKeyMap(m.st.arrows)
	m.help = m.st.helpModel(m.dark)
	m.welcome = newWelcomeScreen(m)
	m.account = newAccountScreen(m)
	m.server = newServerScreen(m)
	m.mailbox = newMailboxScreen(m)
	m.creds = newCredentialsScreen(m)
	m.spa = newSPAScreen(m)
	m.security = newSecurityScreen(m)
	m.certs = newCertsScreen(m)
	m.test = newTestScreen(m)
	m.review = newReviewScreen(m)
	m.oauthScr = newOAuthScreen(m)
	m.signIn = newSignInScreen(m)
	in := config.Default().Incoming
	if s.cfg != nil {
		in = s.cfg.Incoming
	}
	m.load(in)
	m.baseline = m.incoming()
	m.applyStyles()
	return m
}

// load fills every screen from in.
func (m *Model) load(in config.Incoming) {
	m.base = in
	m.account.load(in)
	m.server.load(in)
	m.mailbox.load(in)
	m.creds.load(in)
	m.spa.load(in)
	m.security.load(in)
	m.certs.load(in)
}

// incoming is the config the screens describe now.
func (m *Model) incoming() config.Incoming {
	in := m.base
	m.account.apply(&in)
	m.server.apply(&in)
	m.mailbox.apply(&in)
	m.creds.apply(&in)
	m.spa.apply(&in)
	m.security.apply(&in)
	m.certs.apply(&in)
	return in
}

// config is the whole file to save.
func (m *Model) config() config.Config {
	in := m.incoming()
	finishPort(&in)
	return config.Config{Version: config.SchemaVersion, Incoming: in}
}

// changed reports whether quitting now would lose anything.
func (m *Model) changed() bool {
	if m.saved {
		return false
	}
	return !reflect.DeepEqual(m.incoming(), m.baseline)
}

func (m *Model) applyStyles() {
	for _, f := range m.forms() {
		f.setStyles(m.st)
	}
	m.test.spinner.Style = m.st.accent
	m.mailbox.browser.spinner.Style = m.st.accent
	m.server.detect.spinner.Style = m.st.accent
	m.help = m.st.helpModel(m.dark)
}

func (m *Model) forms() []*form {
	return []*form{m.account.form, m.server.form, m.mailbox.form, m.creds.form, m.spa.form, m.security.form, m.certs.form, m.oauthScr.form}
}

// formOf is the form of a form screen, or nil.
func (m *Model) formOf(s screenID) *form {
	switch s {
	case scrAccount:
		return m.account.form
	case scrServer:
		return m.server.form
	case scrMailbox:
		return m.mailbox.form
	case scrCredentials:
		return m.creds.form
	case scrSPA:
		return m.spa.form
	case scrSecurity:
		return m.security.form
	case scrCerts:
		return m.certs.form
	case scrOAuth:
		return m.oauthScr.form
	}
	return nil
}

// steps are the numbered screens for the chosen protocol: POP3 has no mailbox.
func (m *Model) steps() []screenID {
	s := []screenID{scrAccount, scrServer}
	if m.account.protocol() == config.ProtocolIMAP {
		s = append(s, scrMailbox)
	}
	s = append(s, scrCredentials, scrSPA)
	if m.spa.oauth2() {
		s = append(s, scrOAuth)
	}
	return append(s, scrSecurity, scrCerts, scrTest, scrReview)
}

// neighbour is the screen after (dir 1) or before (dir -1) the current one.
func (m *Model) neighbour(dir int) screenID {
	steps := m.steps()
	for i, s := range steps {
		if s == m.screen {
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
func (m *Model) goTo(s screenID, back bool) tea.Cmd {
	m.confirm = confirmNone
	m.signIn.stop()
	if s != scrTest {
		m.test.cancelRun()
	}
	if s != m.screen {
		m.mailbox.browser.close()
		m.server.detect.close()
	}
	m.screen = s
	if f := m.formOf(s); f != nil {
		if back {
			return f.focusLast()
		}
		return f.focusFirst()
	}
	switch s {
	case scrTest:
		m.fixReturn = false
		return m.startTest()
	case scrReview:
		m.review.prepare()
	}
	return nil
}

func (m *Model) goBack() tea.Cmd {
	m.fixReturn, m.browseReturn = false, false
	if m.screen == scrWelcome {
		return nil
	}
	return m.goTo(m.neighbour(-1), true)
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
		m.applyStyles()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.PasteMsg:
		if f := m.formOf(m.screen); f != nil {
			return m, f.current().update(msg)
		}
		return m, nil
	case savedMsg:
		return m, m.review.saved(msg)
	case foldersEventMsg, foldersDoneMsg, foldersClosedMsg:
		return m, m.mailbox.browser.update(msg)
	case probeResultMsg, probeDoneMsg, probeClosedMsg:
		return m, m.server.detect.update(msg)
	case signInEventMsg, signInDoneMsg, signInTickMsg, signInNeededMsg:
		return m, m.signIn.update(msg)
	}
	return m, tea.Batch(m.test.update(msg), m.mailbox.browser.update(msg), m.server.detect.update(msg))
}

// stopRuns cancels whatever runs in the background: the test, the folder
// list, the probe.
func (m *Model) stopRuns() {
	m.test.cancelRun()
	m.signIn.stop()
	m.mailbox.browser.close()
	m.server.detect.close()
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
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
	switch m.screen {
	case scrWelcome:
		return m.welcome.update(msg)
	case scrTest:
		return m.test.key(msg)
	case scrReview:
		return m.review.key(msg)
	case scrDone:
		if key.Matches(msg, k.Done) {
			return tea.Quit
		}
		return nil
	case scrMailbox:
		if cmd, ok := m.mailbox.key(msg); ok {
			return cmd
		}
	case scrServer:
		if cmd, ok := m.server.key(msg); ok {
			return cmd
		}
	case scrOAuth:
		return m.oauthScr.key(msg)
	case scrSignIn:
		return m.signIn.key(msg)
	}
	return m.updateForm(m.formOf(m.screen), msg)
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

// updateForm moves between the fields of a form screen and on to the
// neighbouring screens; other keys go to the focused field.
func (m *Model) updateForm(f *form, msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Next):
		if ok, cmd := f.move(1); ok {
			return cmd
		}
		if bad, cmd := f.firstProblem(); bad {
			return cmd
		}
		if m.browseReturn {
			m.browseReturn = false
			return tea.Batch(m.goTo(scrMailbox, false), m.mailbox.browser.open())
		}
		if m.fixReturn {
			return m.goTo(scrTest, false)
		}
		return m.goTo(m.neighbour(1), false)
	case key.Matches(msg, k.Back):
		if ok, cmd := f.move(-1); ok {
			return cmd
		}
		return m.goBack()
	case key.Matches(msg, k.Esc):
		return m.goBack()
	case key.Matches(msg, k.Up, k.Down):
		if _, choosing := f.current().(*choiceField); !choosing {
			dir := 1
			if key.Matches(msg, k.Up) {
				dir = -1
			}
			_, cmd := f.move(dir)
			return cmd
		}
	}
	return f.current().update(msg)
}
