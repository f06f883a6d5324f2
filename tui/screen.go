package tui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/mailconn"
)

// screen is one page of the wizard (soft-serve's common.Component shape).
// Every screen implements it; the root keeps them in a map by screenID,
// shows one, and is the only one that moves between them: a screen asks to
// navigate by posting a message (goToMsg, nextMsg, fixFieldMsg, …) with
// common.request, which the root acts on before it returns from Update.
type screen interface {
	// enter is called when the root shows the screen; back is true when
	// the user came back from the next screen.
	enter(back bool) tea.Cmd
	// key handles a key press while the screen is shown.
	key(msg tea.KeyPressMsg) tea.Cmd
	// update handles any other message (its runs' streams, spinner ticks);
	// every screen sees them and ignores what is not its own.
	update(msg tea.Msg) tea.Cmd
	// view is the content under the header for width×height cells.
	view(width, height int) page
	// help is the keys that work now, for the help line.
	help() []key.Binding
	// inputs is the screen's form, or nil when it has none.
	inputs() *form
	// stop cancels what the screen runs in the background; the root calls
	// it when the screen is left and when the wizard ends.
	stop()
}

// common is what every screen shares (soft-serve's common.Common): the
// styles, keys and size, the config being edited (draft), what the wizard
// started from, and the engine calls. Screens never hold the root.
type common struct {
	ctx    context.Context
	bg     background // the runs' goroutines
	path   string
	env    environment
	st     *styles
	dark   bool
	keys   keyMap
	width  int
	height int
	start  start
	draft  *draft

	testFn  testFunc
	listFn  listFoldersFunc // the folder browser's list; mailconn.ListFolders
	probeFn probeHostFunc   // the server screen's Detect; mailconn.ProbeHost
	oauth   oauthDeps       // the OAuth 2.0 sign-in and token; package oauth

	// Set by the root, read by screens.
	fixReturn bool             // after a jump from a failed test: leaving the screen forward tests again
	lastTest  *mailconn.Result // the outcome of the last connection test, nil before one ends

	requests []tea.Msg // navigation asked for by screens, acted on by the root
}

// request asks the root to act on msg (goToMsg, nextMsg, backMsg,
// fixFieldMsg, confirmMsg, signInMsg, testAfterSignInMsg). The root acts
// at once, before the next key is read, so keys typed ahead reach the
// screen they were meant for.
func (c *common) request(msg tea.Msg) { c.requests = append(c.requests, msg) }

// Navigation messages: only the root acts on them.
type (
	// goToMsg shows a screen; back focuses its last field.
	goToMsg struct {
		to   screenID
		back bool
	}
	// nextMsg leaves screen from forward: to the next step, or back to
	// the test (after a fix) or the folder browser (after a jump from it).
	nextMsg struct{ from screenID }
	// backMsg goes to the previous step.
	backMsg struct{}
	// fixFieldMsg jumps to the input of a config key at fault. Leaving
	// its screen forward tests again; or, with forList, lists the folders
	// again. browse opens the folder browser once there.
	fixFieldMsg struct {
		field   string
		browse  bool
		forList bool
	}
	// confirmMsg asks a yes/no question on the status line.
	confirmMsg struct {
		kind     confirmKind
		question string
	}
	// signInMsg shows the OAuth 2.0 sign-in and starts it; from is where
	// it returns to, reason why the test needs it.
	signInMsg struct {
		from   screenID
		reason string
	}
	// testAfterSignInMsg shows the test screen and runs the test, its log
	// starting with the sign-in's lines.
	testAfterSignInMsg struct{ first []mailconn.Event }
	// openBrowserMsg opens the mailbox screen's folder browser.
	openBrowserMsg struct{}
)

// formScreen is the part every form screen shares: moving between its
// fields and on to the neighbouring screens (by request), the help line.
type formScreen struct {
	c    *common
	id   screenID
	form *form
}

func (s *formScreen) inputs() *form { return s.form }
func (s *formScreen) stop()         {}
func (s *formScreen) update(tea.Msg) tea.Cmd {
	return nil
}

func (s *formScreen) enter(back bool) tea.Cmd {
	if back {
		return s.form.focusLast()
	}
	return s.form.focusFirst()
}

// key moves between the fields and on to the neighbouring screens; other
// keys go to the focused field.
func (s *formScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k, f := s.c.keys, s.form
	switch {
	case key.Matches(msg, k.Next):
		if ok, cmd := f.move(1); ok {
			return cmd
		}
		if bad, cmd := f.firstProblem(); bad {
			return cmd
		}
		s.c.request(nextMsg{from: s.id})
		return nil
	case key.Matches(msg, k.Back):
		if ok, cmd := f.move(-1); ok {
			return cmd
		}
		s.c.request(backMsg{})
		return nil
	case key.Matches(msg, k.Esc):
		s.c.request(backMsg{})
		return nil
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

func (s *formScreen) help() []key.Binding { return s.formHelp() }

// formHelp is the form's keys; extra go first.
func (s *formScreen) formHelp(extra ...key.Binding) []key.Binding {
	k := s.c.keys
	bs := append([]key.Binding(nil), extra...)
	switch s.form.current().(type) {
	case *choiceField:
		bs = append(bs, k.Up)
	case *checkField:
		bs = append(bs, k.Toggle)
	}
	next := k.Next
	// shift+tab goes to the previous field, esc to the previous screen;
	// on the first field both go back a screen.
	back := []key.Binding{with(k.Back, "shift+tab", "prev field"), with(k.Esc, "esc", "back")}
	if s.form.atFirst() {
		back = []key.Binding{with(k.Back, "shift+tab/esc", "back")}
	}
	if s.c.width < 76 { // keep the line short on a narrow terminal
		next, back = with(next, "enter", "next"), []key.Binding{with(k.Esc, "esc", "back")}
	}
	if s.form.atLast() && s.c.fixReturn {
		next = with(next, "enter", "test again")
	}
	bs = append(bs, next)
	bs = append(bs, back...)
	return append(bs, k.Quit)
}

// atFirst reports whether no visible field comes before the focused one.
func (f *form) atFirst() bool {
	for i := f.idx - 1; i >= 0; i-- {
		if f.visible(i) {
			return false
		}
	}
	return true
}
