package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/mailsetup/mailsetup/mailconn"
)

// styles is every style and glyph the wizard draws with. It is rebuilt when
// the terminal reports its background colour (light or dark). Colour is
// removed later by Bubble Tea's renderer under NO_COLOR or a terminal
// without colour; glyphs fall back to ASCII under a non-UTF-8 locale.
type styles struct {
	ascii bool
	plain bool // NO_COLOR: placeholders read "e.g. …" (plainPlaceholder)

	header, step, rule, heading  lipgloss.Style
	label, labelFocused, text    lipgloss.Style
	muted, errText, warnText, ok lipgloss.Style
	accent, code, keyHint        lipgloss.Style
	inputText, placeholder       lipgloss.Style

	// glyphs
	pointer, radioOn, radioOff, checkOn, checkOff string
	iconOK, iconWarn, iconFail, iconSkip          string
	ruleChar, dash, ellipsis, times, arrows       string
}

func newStyles(isDark, ascii bool) *styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	accent := c("#5A4FCF", "#8F87F1")
	red := c("#C0262D", "#FF6B81")
	yellow := c("#9A6700", "#F2C94C")
	green := c("#1E7F3A", "#5FD787")
	muted := c("#5F5F5F", "#9A9A9A")
	faint := c("#9E9E9E", "#585858")

	s := &styles{ascii: ascii}
	s.header = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.step = lipgloss.NewStyle().Foreground(muted)
	s.rule = lipgloss.NewStyle().Foreground(faint)
	s.heading = lipgloss.NewStyle().Bold(true)
	s.label = lipgloss.NewStyle()
	s.labelFocused = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.text = lipgloss.NewStyle()
	s.muted = lipgloss.NewStyle().Foreground(muted)
	s.errText = lipgloss.NewStyle().Foreground(red)
	s.warnText = lipgloss.NewStyle().Foreground(yellow)
	s.ok = lipgloss.NewStyle().Foreground(green)
	s.accent = lipgloss.NewStyle().Foreground(accent)
	s.code = lipgloss.NewStyle().Bold(true)
	s.keyHint = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.inputText = lipgloss.NewStyle()
	s.placeholder = lipgloss.NewStyle().Foreground(muted)

	if ascii {
		s.pointer, s.radioOn, s.radioOff = ">", "(*)", "( )"
		s.checkOn, s.checkOff = "[x]", "[ ]"
		s.iconOK, s.iconWarn, s.iconFail, s.iconSkip = "[ok]", "[warn]", "[FAIL]", "[skip]"
		s.ruleChar, s.dash, s.ellipsis, s.times, s.arrows = "-", "-", "...", "x", "up/down"
	} else {
		s.pointer, s.radioOn, s.radioOff = "›", "(•)", "( )"
		s.checkOn, s.checkOff = "[x]", "[ ]"
		s.iconOK, s.iconWarn, s.iconFail, s.iconSkip = "✓", "!", "✗", "–"
		s.ruleChar, s.dash, s.ellipsis, s.times, s.arrows = "─", "—", "…", "×", "↑/↓"
	}
	return s
}

// statusIcon is the styled icon of a step status.
func (s *styles) statusIcon(st mailconn.Status) string {
	switch st {
	case mailconn.StatusOK:
		return s.ok.Render(s.iconOK)
	case mailconn.StatusWarn:
		return s.warnText.Render(s.iconWarn)
	case mailconn.StatusFail:
		return s.errText.Render(s.iconFail)
	case mailconn.StatusSkipped:
		return s.muted.Render(s.iconSkip)
	}
	return " "
}

// errLine and warnLine prefix a message with its icon.
func (s *styles) errLine(msg string) string  { return s.errText.Render(s.iconFail + " " + msg) }
func (s *styles) warnLine(msg string) string { return s.warnText.Render(s.iconWarn + " " + msg) }

// inputStyles are the text input styles: a steady (non-blinking) cursor, so
// that a screen's text does not change while nobody types.
func (s *styles) inputStyles() textinput.Styles {
	st := textinput.DefaultStyles(true)
	st.Focused.Text = s.inputText
	st.Blurred.Text = s.inputText
	st.Focused.Placeholder = s.placeholder
	st.Blurred.Placeholder = s.placeholder
	st.Focused.Prompt = lipgloss.NewStyle()
	st.Blurred.Prompt = lipgloss.NewStyle()
	st.Cursor.Blink = false
	return st
}

// helpModel is a bubbles help model in these styles.
func (s *styles) helpModel(isDark bool) help.Model {
	h := help.New()
	h.Styles = help.DefaultStyles(isDark)
	if s.ascii {
		h.ShortSeparator = " | "
		h.Ellipsis = "..."
	}
	return h
}

// spinnerModel is a spinner in these glyphs.
func (s *styles) spinnerModel() spinner.Model {
	kind := spinner.MiniDot
	if s.ascii {
		kind = spinner.Line
	}
	return spinner.New(spinner.WithSpinner(kind), spinner.WithStyle(s.accent))
}
