package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// inlineChoice is a row of exclusive options beside its label, wrapped
// when the line is too narrow, for screens with many settings: left/right
// or a digit choose, up/down move between fields as for text fields. The
// selected option's short text shows under the row.
type inlineChoice struct {
	label    string
	choices  []choice
	sel      int
	onChange func()
	check    func() string // a problem that blocks leaving the screen, or ""
	revealed bool
}

func (f *inlineChoice) focus() tea.Cmd    { return nil }
func (f *inlineChoice) blur()             {}
func (f *inlineChoice) reveal()           { f.revealed = true }
func (f *inlineChoice) setStyles(*styles) {}
func (f *inlineChoice) problem() string {
	if f.check == nil {
		return ""
	}
	return f.check()
}
func (f *inlineChoice) value() string { return f.choices[f.sel].value }

func (f *inlineChoice) set(v string) { f.sel = choiceIndex(f.choices, v, f.sel) }

func (f *inlineChoice) update(m tea.Msg) tea.Cmd {
	k, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	old := f.sel
	f.sel = pickChoice(k.String(), f.sel, len(f.choices), []string{"left"}, []string{"right", "space"})
	if f.sel != old && f.onChange != nil {
		f.onChange()
	}
	return nil
}

func (f *inlineChoice) view(st *styles, width int, focused bool) string {
	indent := strings.Repeat(" ", labelWidth)
	var lines []string
	line := labelCell(st, f.label, focused)
	used := labelWidth
	for i, c := range f.choices {
		radio, name := st.radioOff, st.label.Render(c.label)
		if i == f.sel {
			radio, name = st.accent.Render(st.radioOn), st.labelFocused.Render(c.label)
		}
		item := radio + " " + name
		w := lipgloss.Width(item)
		if i > 0 {
			if used+2+w > width {
				lines = append(lines, line)
				line, used = indent, labelWidth
			} else {
				line += "  "
				used += 2
			}
		}
		line += item
		used += w
	}
	lines = append(lines, line)
	msgWidth := width - labelWidth
	if p := f.problem(); p != "" && f.revealed {
		lines = append(lines, indentBlock(wrap(st.errLine(p), msgWidth), indent))
	} else if short := f.choices[f.sel].short; short != "" {
		lines = append(lines, indentBlock(wrap(st.muted.Render(short), msgWidth), indent))
	}
	return strings.Join(lines, "\n")
}

// lrArrows names the left and right arrow keys in the help line.
func lrArrows(st *styles) string {
	if st.ascii {
		return "left/right"
	}
	return "←/→"
}
