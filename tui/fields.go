package tui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// labelWidth is the column where inputs start, after "› " and the label.
const labelWidth = 16

// field is one input of a form screen.
type field interface {
	focus() tea.Cmd
	blur()
	// update handles a key or paste while the field has the focus.
	update(msg tea.Msg) tea.Cmd
	view(st *styles, width int, focused bool) string
	// problem is the message that blocks leaving the screen, or "".
	problem() string
	// reveal makes a blocking problem visible even on an empty field.
	reveal()
	setStyles(st *styles)
}

// textField is a labelled one-line input with validation as you type: a
// problem of a non-empty value shows at once beside the field; the
// "required" problem of an empty one shows once the user tries to go on.
type textField struct {
	label    string
	input    textinput.Model
	check    func(string) string // a problem that blocks, or ""
	warn     func(string) string // a warning that does not block, or ""
	note     func() string       // muted advice under the field, or ""
	revealed bool
}

func newTextField(label, placeholder string, check func(string) string) *textField {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = 1024
	in.KeyMap.Paste.SetEnabled(false) // no clipboard over SSH; bracketed paste still works
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	return &textField{label: label, input: in, check: check}
}

func (f *textField) value() string        { return strings.TrimSpace(f.input.Value()) }
func (f *textField) setValue(v string)    { f.input.SetValue(v); f.input.CursorEnd() }
func (f *textField) focus() tea.Cmd       { return f.input.Focus() }
func (f *textField) blur()                { f.input.Blur() }
func (f *textField) reveal()              { f.revealed = true }
func (f *textField) setStyles(st *styles) { f.input.SetStyles(st.inputStyles()) }
func (f *textField) problem() string      { return callCheck(f.check, f.value()) }
func (f *textField) update(m tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(m)
	return cmd
}

func callCheck(fn func(string) string, v string) string {
	if fn == nil {
		return ""
	}
	return fn(v)
}

func (f *textField) view(st *styles, width int, focused bool) string {
	inputWidth := max(8, width-labelWidth-1)
	f.input.SetWidth(inputWidth)
	var b strings.Builder
	b.WriteString(labelCell(st, f.label, focused))
	if ph := f.input.Placeholder; st.plain && ph != "" {
		f.input.Placeholder = plainPlaceholder(ph)
		b.WriteString(f.input.View())
		f.input.Placeholder = ph
	} else {
		b.WriteString(f.input.View())
	}
	msgWidth := width - labelWidth
	indent := strings.Repeat(" ", labelWidth)
	v := f.value()
	if p := f.problem(); p != "" && (v != "" || f.revealed) {
		b.WriteString("\n" + indentBlock(wrap(st.errLine(p), msgWidth), indent))
	} else if w := callCheck(f.warn, v); w != "" {
		b.WriteString("\n" + indentBlock(wrap(st.warnLine(w), msgWidth), indent))
	}
	if f.note != nil {
		if n := f.note(); n != "" {
			b.WriteString("\n" + indentBlock(wrap(st.muted.Render(n), msgWidth), indent))
		}
	}
	return b.String()
}

// labelCell is "› Label" padded to labelWidth.
func labelCell(st *styles, label string, focused bool) string {
	ptr := "  "
	style := st.label
	if focused {
		ptr = st.accent.Render(st.pointer) + " "
		style = st.labelFocused
	}
	pad := max(1, labelWidth-2-lipgloss.Width(label))
	return ptr + style.Render(label) + strings.Repeat(" ", pad)
}

// choice is one option of a choiceField.
type choice struct {
	value string
	label string
	short string // the one-line meaning beside the label
}

// choiceIndex is the index of the choice whose value is v, or cur when no
// choice has it.
func choiceIndex(choices []choice, v string, cur int) int {
	for i, c := range choices {
		if c.value == v {
			return i
		}
	}
	return cur
}

// pickChoice is the selection among n options after the key s: a key in
// back or fwd steps one option back or forward (wrapping around), a digit
// 1…n picks that option, any other key leaves sel as it is.
func pickChoice(s string, sel, n int, back, fwd []string) int {
	switch {
	case slices.Contains(back, s):
		return (sel + n - 1) % n
	case slices.Contains(fwd, s):
		return (sel + 1) % n
	}
	if d, err := strconv.Atoi(s); err == nil && d >= 1 && d <= n {
		return d - 1
	}
	return sel
}

// choiceField is a list of exclusive options (radio buttons): up/down or a
// digit choose.
type choiceField struct {
	label    string // shown above the options; may be empty
	choices  []choice
	sel      int
	onChange func()
}

func (f *choiceField) focus() tea.Cmd    { return nil }
func (f *choiceField) blur()             {}
func (f *choiceField) reveal()           {}
func (f *choiceField) problem() string   { return "" }
func (f *choiceField) setStyles(*styles) {}
func (f *choiceField) value() string     { return f.choices[f.sel].value }

func (f *choiceField) set(v string) { f.sel = choiceIndex(f.choices, v, f.sel) }

func (f *choiceField) update(m tea.Msg) tea.Cmd {
	k, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	old := f.sel
	f.sel = pickChoice(k.String(), f.sel, len(f.choices), []string{"up", "left"}, []string{"down", "right"})
	if f.sel != old && f.onChange != nil {
		f.onChange()
	}
	return nil
}

func (f *choiceField) view(st *styles, width int, focused bool) string {
	var lines []string
	if f.label != "" {
		lines = append(lines, labelCell(st, f.label, focused))
	}
	nameWidth := 0
	for _, c := range f.choices {
		nameWidth = max(nameWidth, lipgloss.Width(c.label))
	}
	for i, c := range f.choices {
		ptr := "  "
		if focused && i == f.sel {
			ptr = st.accent.Render(st.pointer) + " "
		}
		radio := st.radioOff
		name := st.label.Render(c.label)
		if i == f.sel {
			radio = st.accent.Render(st.radioOn)
			name = st.labelFocused.Render(c.label)
		}
		prefix := ptr + radio + " " + name + strings.Repeat(" ", nameWidth-lipgloss.Width(c.label)+2)
		col := lipgloss.Width(prefix)
		short := ""
		if c.short != "" {
			short = indentBlock(wrap(st.muted.Render(c.short), max(10, width-col)), strings.Repeat(" ", col))
			short = strings.TrimLeft(short, " ")
		}
		lines = append(lines, prefix+short)
	}
	return strings.Join(lines, "\n")
}

// checkField is a check box: space toggles it.
type checkField struct {
	label    string
	checked  bool
	note     func() string
	onChange func()
}

func (f *checkField) focus() tea.Cmd    { return nil }
func (f *checkField) blur()             {}
func (f *checkField) reveal()           {}
func (f *checkField) problem() string   { return "" }
func (f *checkField) setStyles(*styles) {}

func (f *checkField) update(m tea.Msg) tea.Cmd {
	if k, ok := m.(tea.KeyPressMsg); ok && (k.String() == "space" || k.String() == "x") {
		f.checked = !f.checked
		if f.onChange != nil {
			f.onChange()
		}
	}
	return nil
}

func (f *checkField) view(st *styles, width int, focused bool) string {
	ptr := "  "
	box := st.checkOff
	label := st.label.Render(f.label)
	if focused {
		ptr = st.accent.Render(st.pointer) + " "
		label = st.labelFocused.Render(f.label)
	}
	if f.checked {
		box = st.accent.Render(st.checkOn)
	}
	out := ptr + box + " " + label
	if f.note != nil {
		if n := f.note(); n != "" {
			out += "\n" + indentBlock(wrap(st.muted.Render(n), width-6), "      ")
		}
	}
	return out
}

// form is the ordered fields of a screen and which one has the focus.
type form struct {
	fields []field
	idx    int
	hidden func(i int) bool // fields that do not apply now; nil: all shown
}

func (f *form) visible(i int) bool { return f.hidden == nil || !f.hidden(i) }
func (f *form) current() field     { return f.fields[f.idx] }

// move focuses the next (dir 1) or previous (dir -1) visible field. It
// returns false when there is none in that direction.
func (f *form) move(dir int) (bool, tea.Cmd) {
	for i := f.idx + dir; i >= 0 && i < len(f.fields); i += dir {
		if f.visible(i) {
			return true, f.focusAt(i)
		}
	}
	return false, nil
}

// atLast reports whether no visible field follows the focused one.
func (f *form) atLast() bool {
	for i := f.idx + 1; i < len(f.fields); i++ {
		if f.visible(i) {
			return false
		}
	}
	return true
}

func (f *form) focusAt(i int) tea.Cmd {
	f.fields[f.idx].blur()
	f.idx = i
	return f.fields[i].focus()
}

func (f *form) focusFirst() tea.Cmd {
	for i := range f.fields {
		if f.visible(i) {
			return f.focusAt(i)
		}
	}
	return nil
}

func (f *form) focusLast() tea.Cmd {
	for i := len(f.fields) - 1; i >= 0; i-- {
		if f.visible(i) {
			return f.focusAt(i)
		}
	}
	return nil
}

// firstProblem focuses and reveals the first visible field with a blocking
// problem, and reports whether there was one.
func (f *form) firstProblem() (bool, tea.Cmd) {
	for i, fl := range f.fields {
		if f.visible(i) && fl.problem() != "" {
			fl.reveal()
			return true, f.focusAt(i)
		}
	}
	return false, nil
}

// view renders the visible fields with a blank line between them.
func (f *form) view(st *styles, width int) string {
	var parts []string
	for i, fl := range f.fields {
		if f.visible(i) {
			parts = append(parts, fl.view(st, width, i == f.idx))
		}
	}
	return strings.Join(parts, "\n\n")
}

func (f *form) setStyles(st *styles) {
	for _, fl := range f.fields {
		fl.setStyles(st)
	}
}

// wrap wraps s (which may hold styles) to width cells.
func wrap(s string, width int) string {
	if width < 10 {
		width = 10
	}
	return lipgloss.NewStyle().Width(width).Render(s)
}

// indentBlock prefixes every line of s with indent and drops trailing
// spaces lipgloss pads with.
func indentBlock(s, indent string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = indent + strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// para wraps a paragraph of plain or styled text to width.
func para(s string, width int) string { return indentBlock(wrap(s, width), "") }

// plainPlaceholder is a placeholder that reads as one without colour
// (NO_COLOR), where "mail.example.com" or "993" would look typed: an
// example gets "e.g.", a default port "default"; "optional: …" and
// "(unchanged)" already say what they are.
func plainPlaceholder(p string) string {
	switch {
	case strings.HasPrefix(p, "optional:"), strings.HasPrefix(p, "("):
		return p
	case strings.Trim(p, "0123456789") == "":
		return "default " + p
	}
	return "e.g. " + p
}
