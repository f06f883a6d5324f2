package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
)

// Welcome choices.
const (
	startEdit = "edit"
	startNew  = "new"
)

// welcomeScreen (step 0) says what will be configured and where the file
// goes, and offers to edit the existing config or to start anew. A config
// that cannot be loaded is reported with its line and column; the wizard
// then starts from defaults and leaves the file alone until save.
type welcomeScreen struct {
	c      *common
	choice *choiceField // nil when there is nothing to edit
}

func newWelcomeScreen(c *common) *welcomeScreen {
	w := &welcomeScreen{c: c}
	if c.start.cfg != nil {
		w.choice = &choiceField{choices: []choice{
			{value: startEdit, label: "Edit the existing settings", short: ""},
			{value: startNew, label: "Start anew from the defaults", short: ""},
		}}
	}
	return w
}

func (w *welcomeScreen) inputs() *form          { return nil }
func (w *welcomeScreen) stop()                  {}
func (w *welcomeScreen) enter(bool) tea.Cmd     { return nil }
func (w *welcomeScreen) update(tea.Msg) tea.Cmd { return nil }

func (w *welcomeScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := w.c.keys
	switch {
	case key.Matches(msg, k.Start):
		if w.choice != nil && w.choice.value() == startNew {
			w.c.draft.load(config.Default().Incoming)
		}
		w.c.request(goToMsg{to: scrAccount})
		return nil
	case w.choice != nil:
		return w.choice.update(msg)
	}
	return nil
}

func (w *welcomeScreen) help() []key.Binding {
	k := w.c.keys
	if w.choice != nil {
		return []key.Binding{k.Up, k.Start, k.Quit}
	}
	return []key.Binding{k.Start, k.Quit}
}

func (w *welcomeScreen) view(width, _ int) page {
	st := w.c.st
	s := w.c.start
	intro := para("This wizard sets up where the Mail Connector picks up incoming mail: "+
		"the account type (POP3 or IMAP4), server and port, mailbox, user name and password, "+
		"Secure Password Authentication, and the secure connection. It tests the connection "+
		"and shows the file before saving. Nothing is written until you save.", width)
	var b strings.Builder
	b.WriteString(labelCell(st, "Config file", false) + st.code.Render(w.c.path) + "\n")
	var state string
	switch {
	case len(s.dropped) > 0:
		state = "found; every setting but the unknown key below fills in the screens"
	case s.cfg != nil && s.permErr == nil:
		state = "found; its settings fill in every screen"
	case s.cfg != nil:
		state = "found"
	case s.loadErr != nil:
		state = "found, but it cannot be used"
	default:
		state = "not there yet; it will be created (mode 0600)"
	}
	b.WriteString(indentBlock(para(st.muted.Render(state), width-labelWidth), strings.Repeat(" ", labelWidth)))

	switch {
	case s.permErr != nil:
		b.WriteString("\n\n" + para(st.warnLine(s.permErr.Message+"."), width))
		b.WriteString("\n" + para(st.muted.Render(s.saveNote()), width))
	case s.loadErr != nil:
		b.WriteString("\n\n" + para(st.errLine(describeLoadError(s.loadErr)), width))
		b.WriteString("\n\n" + para("Press enter to start from the defaults. The file stays as it is until you save.", width))
	}
	if n := len(s.warnings); n > 0 && s.loadErr == nil {
		b.WriteString("\n")
		for i, wn := range s.warnings {
			if i == 2 {
				b.WriteString("\n" + st.muted.Render(fmt.Sprintf("  and %d more", n-2)))
				break
			}
			b.WriteString("\n" + para(st.warnLine(wn.String()), width))
		}
	}
	if w.choice != nil {
		b.WriteString("\n\n" + w.choice.view(st, width, true))
	}
	return page{intro: intro, main: b.String()}
}

// describeLoadError says what is wrong with the file, leading with its line
// and column when the error has them.
func describeLoadError(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, describeLoadError(e))
		}
		return strings.Join(lines, "\n")
	}
	var de *config.DecodeError
	if errors.As(err, &de) && de.Line > 0 {
		return fmt.Sprintf("Line %d, column %d: %s", de.Line, de.Column, de.Message)
	}
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		return ve.Message
	}
	return err.Error()
}
