package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the current screen with the header, status and help lines.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "mailsetup"
	return v
}

func (m *Model) render() string {
	w, h := m.width, m.height
	if m.tooSmall() {
		msg := fmt.Sprintf("Terminal too small: need at least %d%s%d (now %d%s%d). Enlarge the window, or press Ctrl+C to quit and run mailsetup --accessible for plain line-by-line prompts. No other key works until then.",
			minWidth, m.st.times, minHeight, w, m.st.times, h)
		if m.confirm == confirmDiscard {
			msg += "\n\n" + m.st.warnText.Render("Discard changes? [y/N]")
		}
		return lipgloss.NewStyle().Width(max(w, 10)).Render(msg)
	}
	cw := min(w, maxWidth) - 2
	margin := " "

	left := m.st.heading.Render(screenTitles[m.screen])
	right := ""
	steps := m.steps()
	for i, s := range steps {
		if s == m.screen {
			right = m.st.step.Render(fmt.Sprintf("Step %d of %d", i+1, len(steps)))
		}
	}
	if m.screen == scrWelcome {
		left = m.st.header.Render("mailsetup " + m.st.dash + " Mail Connector incoming mail")
	}
	gap := max(1, cw-lipgloss.Width(left)-lipgloss.Width(right))
	header := margin + left + strings.Repeat(" ", gap) + right
	rule := m.st.rule.Render(strings.Repeat(m.st.ruleChar, min(w, maxWidth)))

	helpLines := m.helpLines(cw)
	bodyH := h - 3 - len(helpLines) // header, rule, status, help
	lines := m.screens[m.screen].view(cw, bodyH).fit(bodyH)
	if len(lines) > bodyH {
		lines = append(lines[:bodyH-1], m.st.muted.Render(m.st.ellipsis))
	}
	for len(lines) < bodyH {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if l != "" {
			lines[i] = margin + l
		}
	}

	status := m.statusLine(cw)
	for i, l := range helpLines {
		helpLines[i] = margin + l
	}
	return header + "\n" + rule + "\n" + strings.Join(lines, "\n") + "\n" + status + "\n" + strings.Join(helpLines, "\n")
}

// helpLines is the help line, or two when the keys do not fit on one: no
// key that works is left out (what still does not fit is cut).
func (m *Model) helpLines(width int) []string {
	bs := m.helpBindings()
	m.help.SetWidth(0)
	// help truncates only when its ellipsis fits: cut what it leaves too long
	line := func(bs []key.Binding) string { return ansi.Truncate(m.help.ShortHelpView(bs), width, "") }
	if helpWidth(bs) <= width {
		return []string{line(bs)}
	}
	split := 1
	for split < len(bs) && helpWidth(bs[:split+1]) <= width {
		split++
	}
	return []string{line(bs[:split]), line(bs[split:])}
}

// page is a screen's content: intro and outro are dropped, in that order,
// when the terminal is too short for all of it.
type page struct {
	intro, main, outro string
}

// fit joins the parts that fit in height lines, with a blank line at the
// top and between parts.
func (p page) fit(height int) []string {
	parts := []string{p.intro, p.main, p.outro}
	for {
		var nonEmpty []string
		for _, s := range parts {
			if s != "" {
				nonEmpty = append(nonEmpty, s)
			}
		}
		lines := strings.Split("\n"+strings.Join(nonEmpty, "\n\n"), "\n")
		switch {
		case len(lines) <= height:
			return lines
		case parts[0] != "":
			parts[0] = ""
		case parts[2] != "":
			parts[2] = ""
		case lines[0] == "" && len(lines) > 1:
			return lines[1:] // no top margin either
		default:
			return lines
		}
	}
}

func (m *Model) statusLine(width int) string {
	var s string
	switch m.confirm {
	case confirmDiscard:
		s = m.st.warnText.Render("Discard changes? [y/N]")
	case confirmFailedTest:
		s = m.st.warnText.Render(m.question)
	}
	if lipgloss.Width(s) > width {
		s = lipgloss.NewStyle().MaxWidth(width).Render(s)
	}
	if s == "" {
		return ""
	}
	return " " + s
}

// helpBindings are the keys that work now.
func (m *Model) helpBindings() []key.Binding {
	k := m.keys
	if m.confirm != confirmNone {
		return []key.Binding{k.Yes, with(k.No, "n/enter", "no")}
	}
	return m.screens[m.screen].help()
}

// helpWidth is how wide the help line of bs is (each "key desc", " • "
// between them).
func helpWidth(bs []key.Binding) int {
	w := 0
	for i, b := range bs {
		if !b.Enabled() {
			continue
		}
		if i > 0 {
			w += 3
		}
		w += lipgloss.Width(b.Help().Key) + 1 + lipgloss.Width(b.Help().Desc)
	}
	return w
}
