package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/shellquote"
)

// savedMsg is the outcome of config.Save.
type savedMsg struct{ err error }

// reviewScreen (step 9) shows the TOML that will be written, secrets
// masked, and what differs from the file on disk; Enter saves it with
// config.Save (atomic, mode 0600, or 0640 when the file it replaces was group-readable). The done screen then shows the path and
// the command to test it later.
type reviewScreen struct {
	c       *common
	vp      viewport.Model
	problem string // a setting that blocks saving
	field   string // its key
	err     error  // the last save error
	saving  bool
	content string // what the viewport shows, before fitting to width
	width   int    // the width content was last fitted to
}

func newReviewScreen(c *common) *reviewScreen {
	vp := viewport.New()
	vp.SoftWrap = false // fitLines wraps, at word boundaries
	return &reviewScreen{c: c, vp: vp}
}

func (r *reviewScreen) inputs() *form { return nil }
func (r *reviewScreen) stop()         {}

func (r *reviewScreen) enter(bool) tea.Cmd {
	r.prepare()
	return nil
}

// update shows why saving failed (the root moves on after a save).
func (r *reviewScreen) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(savedMsg); ok {
		r.saving = false
		r.err = msg.err
	}
	return nil
}

// prepare renders the file and the changes for the current settings.
func (r *reviewScreen) prepare() {
	st := r.c.st
	c := r.c.draft.config()
	r.problem, r.field, r.err, r.saving = "", "", nil, false
	if _, err := c.Validate(); err != nil {
		res := settingResult(err)
		r.problem, r.field = res.Hint, res.Field
	}
	redacted := config.Redact(c)
	data, err := config.Marshal(&redacted)
	if err != nil {
		r.problem = err.Error()
	}
	text := string(data)
	if st.ascii {
		text = strings.ReplaceAll(text, "—", "-")
	}

	var b strings.Builder
	s := r.c.start
	switch {
	case s.cfg != nil:
		old := config.Redact(*s.cfg)
		oldData, _ := config.Marshal(&old)
		ops := changes(string(oldData), string(data))
		pwChanged := c.Incoming.Password != "" && s.cfg.Incoming.Password != "" && c.Incoming.Password != s.cfg.Incoming.Password
		switch {
		case len(ops) == 0 && !pwChanged:
			b.WriteString(st.muted.Render("No changes from the file on disk."))
		default:
			b.WriteString(st.heading.Render("Changes from the file on disk:"))
			for _, op := range ops {
				style := st.ok
				if op.kind == '-' {
					style = st.errText
				}
				b.WriteString("\n" + style.Render(string(op.kind)+" "+strings.TrimSpace(op.text)))
			}
			if pwChanged {
				b.WriteString("\n" + st.warnText.Render("~ the password changed (not shown)"))
			}
		}
		if len(s.dropped) > 0 {
			b.WriteString("\n" + st.warnLine("Saving drops the unknown key "+strings.Join(s.dropped, ", ")+" (its line in the file)."))
		}
	case s.loadErr != nil:
		b.WriteString(st.warnLine("The file on disk could not be read (see the welcome screen); saving replaces it."))
	default:
		b.WriteString(st.muted.Render("A new file: there is none on disk yet."))
	}
	b.WriteString("\n\n" + st.heading.Render("The file to write (secrets masked):") + "\n")
	b.WriteString(strings.TrimRight(text, "\n"))
	r.content, r.width = b.String(), 0
	r.vp.GotoTop()
}

// fitLines wraps the lines wider than width at word boundaries, each
// continuation marked (↪) so that the rest of a comment never reads like a
// setting of its own: every byte of the file stays on the screen.
func fitLines(st *styles, text string, width int) string {
	mark := "  ↪ "
	if st.ascii {
		mark = "  > "
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if lipgloss.Width(l) <= width {
			out = append(out, l)
			continue
		}
		l = ansi.Strip(l)
		first, rest := cutAtSpace(l, width)
		out = append(out, first)
		for rest != "" {
			var c string
			c, rest = cutAtSpace(rest, max(10, width-lipgloss.Width(mark)))
			out = append(out, st.muted.Render(mark+c))
		}
	}
	return strings.Join(out, "\n")
}

// cutAtSpace splits s (plain text) at the last space that leaves the head
// at most width wide (at width itself when there is none), dropping the
// spaces around the cut.
func cutAtSpace(s string, width int) (head, rest string) {
	if ansi.StringWidth(s) <= width {
		return s, ""
	}
	cut := ansi.Truncate(s, width+1, "")
	i := strings.LastIndex(strings.TrimRight(cut, " "), " ")
	if j := strings.LastIndex(cut, " "); j == len(cut)-1 {
		i = j // the space right after the width
	}
	if i <= 0 {
		head = ansi.Truncate(s, width, "")
		return head, strings.TrimLeft(s[len(head):], " ")
	}
	return strings.TrimRight(s[:i], " "), strings.TrimLeft(s[i:], " ")
}

func (r *reviewScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	switch {
	case r.saving:
		return nil
	case key.Matches(msg, k.Esc, k.Back):
		r.c.request(backMsg{})
	case key.Matches(msg, k.Up):
		r.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		r.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		r.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		r.vp.PageDown()
	case key.Matches(msg, k.Fix) && r.problem != "" && r.field != "":
		r.c.request(fixFieldMsg{field: r.field})
	case key.Matches(msg, k.Save) && r.problem == "":
		r.saving, r.err = true, nil
		c := r.c.draft.config()
		path := r.c.path
		return func() tea.Msg { return savedMsg{err: config.Save(path, &c, config.SaveOptions{})} }
	}
	return nil
}

func (r *reviewScreen) help() []key.Binding {
	k := r.c.keys
	var bs []key.Binding
	if r.problem == "" {
		bs = append(bs, k.Save)
	} else if r.field != "" {
		bs = append(bs, with(k.Fix, "f", "fix "+fieldLabel(r.field)))
	}
	return append(bs, with(k.Up, r.c.st.arrows, "scroll"), with(k.Back, "esc", "back"), k.Quit)
}

func (r *reviewScreen) view(width, height int) page {
	height-- // a line of room under the content
	st := r.c.st
	var top []string
	switch t := r.c.lastTest; {
	case t != nil && t.OK:
	case r.problem != "": // saving is not possible: no "save anyway"
		top = append(top, para(st.warnLine("The connection test did not pass."), width))
	default:
		top = append(top, para(st.warnLine("The connection test did not pass; you may save anyway."), width))
	}
	if r.problem != "" {
		top = append(top, para(st.errLine("Cannot save: "+r.screenWords(r.problem)), width))
	}
	var bottom []string
	switch {
	case r.saving:
		bottom = append(bottom, st.muted.Render("Saving"+st.ellipsis))
	case r.err != nil:
		bottom = append(bottom, para(st.errLine(saveErrorText(r.err)), width))
	case r.problem == "":
		bottom = append(bottom, para("Press enter to save to "+st.code.Render(r.c.path)+".", width))
	}
	head := strings.Join(top, "\n")
	foot := strings.Join(bottom, "\n")
	vh := height - 1 - lipgloss.Height(foot) - 1
	if head != "" {
		vh -= lipgloss.Height(head) + 1
	}
	vh-- // the line that says more is above or below
	r.vp.SetWidth(width)
	r.vp.SetHeight(max(3, vh))
	if r.width != width {
		r.width = width
		r.vp.SetContent(fitLines(st, r.content, width))
	}
	main := r.vp.View() + "\n" + r.moreMark() + "\n\n" + foot
	if head != "" {
		main = head + "\n\n" + main
	}
	return page{main: main}
}

// screenWords is a validation message in the wizard's words: each
// "incoming.key" it names becomes the screen and field that set it.
func (r *reviewScreen) screenWords(msg string) string {
	msg = configKey().ReplaceAllStringFunc(msg, func(k string) string {
		if scr, f := r.c.draft.target(k); f != nil {
			return onScreen(scr, arrow(r.c.st), screenLabel(f, k))
		}
		return k
	})
	text, _ := screenHint(msg, r.c.st.ascii)
	return text
}

// screenLabel is the label the screen shows for the field f that sets the
// config key k (fieldLabel's words for a field without one).
func screenLabel(f field, k string) string {
	var l string
	switch f := f.(type) {
	case *textField:
		l = f.label
	case *checkField:
		l = f.label
	case *choiceField:
		l = f.label
	case *inlineChoice:
		l = f.label
	}
	if l == "" {
		l = fieldLabel(k)
		l = strings.ToUpper(l[:1]) + l[1:]
	}
	return l
}

// configKey is a dotted config key in a message.
var configKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bincoming\.[a-z0-9_]+(\.[a-z0-9_]+)?\b`) })

// moreMark says how much of the file is below (or above) the view.
func (r *reviewScreen) moreMark() string {
	st := r.c.st
	below := r.vp.TotalLineCount() - r.vp.YOffset() - r.vp.VisibleLineCount()
	switch {
	case below > 0:
		down := "↓"
		if st.ascii {
			down = "v"
		}
		return st.muted.Render(fmt.Sprintf("%s %d more line(s) below: %s to scroll", down, below, st.arrows))
	case r.vp.YOffset() > 0:
		return st.muted.Render(fmt.Sprintf("%s %d line(s) above", scrollUpMark(st), r.vp.YOffset()))
	}
	return ""
}

func saveErrorText(err error) string {
	var pe *config.PermissionError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return "Not saved: " + err.Error()
}

// doneScreen shows the path saved to and the command to test it later.
type doneScreen struct{ c *common }

func (s *doneScreen) inputs() *form          { return nil }
func (s *doneScreen) stop()                  {}
func (s *doneScreen) enter(bool) tea.Cmd     { return nil }
func (s *doneScreen) update(tea.Msg) tea.Cmd { return nil }
func (s *doneScreen) help() []key.Binding    { return []key.Binding{s.c.keys.Done} }

func (s *doneScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, s.c.keys.Done) {
		return tea.Quit
	}
	return nil
}

func (s *doneScreen) view(width, _ int) page {
	st := s.c.st
	cmd := fmt.Sprintf("mailsetup test --config %s", shellquote.Quote(s.c.path))
	// Long paths wrap (mid-word if need be) rather than run off the screen.
	main := para(st.ok.Render(st.iconOK+" Saved ")+st.code.Render(s.c.path), width) + "\n\n" +
		para("Test the connection again at any time with:", width) + "\n\n" +
		indentBlock(para(st.code.Render(cmd), width-4), "    ") + "\n\n" +
		para(st.muted.Render("Press enter to quit."), width)
	return page{main: main}
}
