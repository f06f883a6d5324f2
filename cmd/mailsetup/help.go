package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	mango "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// The help of every command, printed by helpFunc: the description, usage,
// examples, commands and flags, each text exactly as written (no
// capitalised first word: a flag's allowed values are shown as accepted),
// wrapped at word boundaries to the terminal's width, or when the output
// is not a terminal to $COLUMNS, else 80 columns. No line ends in spaces
// and sections are one blank line apart. Colour only on a terminal.

// helpWidth is the width to wrap the help to.
func helpWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return max(cols, 40)
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return max(n, 40)
	}
	return 80
}

// helpStyles colour the help's titles, commands and flags on a terminal;
// the zero value prints plain text.
type helpStyles struct {
	title, name, flag lipgloss.Style
	on                bool
}

func (s helpStyles) render(st lipgloss.Style, text string) string {
	if !s.on {
		return text
	}
	return st.Render(text)
}

// helpFunc prints c's help to its output.
func helpFunc(c *cobra.Command, _ []string) {
	out := c.OutOrStdout()
	var st helpStyles
	w := out
	if detectTerm(out, os.Environ()).color {
		w = colorprofile.NewWriter(out, os.Environ())
		st = helpStyles{
			title: lipgloss.NewStyle().Bold(true),
			name:  lipgloss.NewStyle().Foreground(lipgloss.Color("6")),
			flag:  lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
			on:    true,
		}
	}
	_, _ = io.WriteString(w, renderHelp(c, helpWidth(out), st))
}

// renderHelp is the help text of c for a width.
func renderHelp(c *cobra.Command, width int, st helpStyles) string {
	var sections []string
	if text := c.Long; text != "" || c.Short != "" {
		if text == "" {
			text = c.Short
		}
		sections = append(sections, wrapText(text, width, 2))
	}

	usage := []string{c.UseLine()}
	if c.HasAvailableSubCommands() {
		usage = append(usage, c.CommandPath()+" [command]")
	}
	sections = append(sections, st.render(st.title, "USAGE")+"\n"+wrapText(strings.Join(usage, "\n"), width, 2))

	if c.Example != "" {
		sections = append(sections, st.render(st.title, "EXAMPLES")+"\n"+wrapExamples(c.Example, width))
	}

	var cmds [][2]string
	for _, sc := range c.Commands() {
		if sc.IsAvailableCommand() || sc.Name() == "help" {
			cmds = append(cmds, [2]string{sc.Use, sc.Short})
		}
	}
	if len(cmds) > 0 {
		sections = append(sections, st.render(st.title, "COMMANDS")+"\n"+twoColumns(cmds, width, func(s string) string { return st.render(st.name, s) }))
	}

	var flags [][2]string
	add := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		key := "--" + f.Name
		if f.Shorthand != "" {
			key = "-" + f.Shorthand + ", " + key
		}
		switch name {
		case "", "bool":
		case "strings", "stringToInt":
			key += " list" // pflag's type names, for comma-separated values
		default:
			key += " " + name
		}
		if showDefault(f) {
			usage += " (default: " + f.DefValue + ")"
		}
		flags = append(flags, [2]string{key, usage})
	}
	c.NonInheritedFlags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	if len(flags) > 0 {
		sections = append(sections, st.render(st.title, "FLAGS")+"\n"+twoColumns(flags, width, func(s string) string { return st.render(st.flag, s) }))
	}
	return strings.Join(sections, "\n\n") + "\n"
}

// showDefault says whether a flag's default is worth printing: not the
// zero value of its type (a zero default means "see the description").
func showDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "false", "0", "[]", "0s":
		return false
	}
	return true
}

// twoColumns lays out name/description pairs: the descriptions start in one
// column and wrap within it; a name too long for the column, or a width too
// narrow for two columns, puts the description on the lines below.
func twoColumns(rows [][2]string, width int, style func(string) string) string {
	const indent, gap, maxKey = 2, 2, 30
	keyW := 0
	for _, r := range rows {
		if n := utf8.RuneCountInString(r[0]); n <= maxKey {
			keyW = max(keyW, n)
		}
	}
	col := indent + keyW + gap
	stacked := width-col < 30
	if stacked {
		col = indent + 4
	}
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		key := r[0]
		n := utf8.RuneCountInString(key)
		b.WriteString(strings.Repeat(" ", indent) + style(key))
		if strings.TrimSpace(r[1]) == "" {
			continue
		}
		at := col
		if longestWord(r[1]) > width-col {
			at = indent + 4 // a long path or list: below the name, on wider lines
		}
		desc := wrapWords(r[1], width-at)
		first := 0
		if !stacked && n <= keyW && at == col {
			b.WriteString(strings.Repeat(" ", col-indent-n) + desc[0])
			first = 1
		}
		for _, l := range desc[first:] {
			b.WriteString("\n" + strings.Repeat(" ", at) + l)
		}
	}
	return b.String()
}

// wrapText wraps each line of s to width, indented by indent. A line that
// starts with spaces (a list, an example) keeps its own indent, and its
// continuation lines line up with its text after the first gap of two
// spaces, as in "  --flag   what it does".
func wrapText(s string, width, indent int) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		body := strings.TrimLeft(strings.TrimRight(line, " \t"), " ")
		if body == "" {
			out = append(out, "")
			continue
		}
		own := len(line) - len(strings.TrimLeft(line, " "))
		hang := own
		if i := strings.Index(body, "  "); i > 0 {
			j := len(body) - len(strings.TrimLeft(body[i:], " "))
			if own+j <= width/2 && longestWord(body[j:]) <= width-indent-own-j {
				hang = own + j
			}
		}
		for i, l := range wrapLines(body, width-indent-own, width-indent-hang) {
			pad := indent + hang
			if i == 0 {
				pad = indent + own
			}
			out = append(out, strings.Repeat(" ", pad)+l)
		}
	}
	// One blank line at most between paragraphs, none at the ends.
	var kept []string
	for i, l := range out {
		if l == "" && (len(kept) == 0 || out[i-1] == "") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.TrimRight(strings.Join(kept, "\n"), "\n")
}

// longestWord is the width of the longest word of s.
func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

// wrapLines wraps s into a first line of at most first columns and further
// lines of at most rest, breaking only between words: a word longer than
// the line stands alone on its line, whole. The spaces between two words
// on one line are kept as written (a list's alignment); at a break they
// are dropped.
func wrapLines(s string, first, rest int) []string {
	var lines []string
	var cur strings.Builder
	curW := 0
	limit := first
	for s != "" {
		sp := len(s) - len(strings.TrimLeft(s, " "))
		s = s[sp:]
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		s = s[end:]
		if word == "" {
			break
		}
		ww := utf8.RuneCountInString(word)
		if curW > 0 && curW+sp+ww > limit {
			lines = append(lines, cur.String())
			cur.Reset()
			curW = 0
			limit = rest
		}
		if curW > 0 {
			cur.WriteString(strings.Repeat(" ", sp))
			curW += sp
		}
		cur.WriteString(word)
		curW += ww
	}
	if curW > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// wrapExamples lays out a command's examples, indented by two. A shell
// line too long for the width is broken between words with a trailing
// backslash, never inside quotes, and its trailing "# comment" goes on
// the line above it, so every line still pastes into a shell.
func wrapExamples(ex string, width int) string {
	const indent = 2
	var out []string
	for _, line := range strings.Split(strings.Trim(ex, "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		body := strings.TrimLeft(line, " ")
		own := len(line) - len(body)
		if len(line) <= width || body == "" {
			out = append(out, line)
			continue
		}
		pad := strings.Repeat(" ", own)
		if code, comment, ok := cutComment(body); ok {
			out = append(out, pad+comment)
			body = code
			if own+len(body) <= width {
				out = append(out, pad+body)
				continue
			}
		}
		for i, l := range splitShell(body, width-own-2, width-own-indent-2) {
			if i > 0 {
				out = append(out, pad+strings.Repeat(" ", indent)+l)
			} else {
				out = append(out, pad+l)
			}
		}
	}
	return strings.Join(out, "\n")
}

// cutComment splits a shell line at a "  # " comment outside quotes.
func cutComment(s string) (code, comment string, ok bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && i > 0 && s[i-1] == ' ':
			return strings.TrimRight(s[:i], " "), s[i:], true
		}
	}
	return "", "", false
}

// splitShell breaks a shell command between words outside quotes into
// lines that end in " \" (the first at most first columns with it, the
// rest at most rest).
func splitShell(s string, first, rest int) []string {
	var words []string
	var quote byte
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || (s[i] == ' ' && quote == 0) {
			if i > start {
				words = append(words, s[start:i])
			}
			start = i + 1
			continue
		}
		switch {
		case quote != 0 && s[i] == quote:
			quote = 0
		case quote == 0 && (s[i] == '\'' || s[i] == '"'):
			quote = s[i]
		}
	}
	var lines []string
	var cur []string
	limit := first
	for _, w := range words {
		n := len(strings.Join(append(cur, w), " "))
		if len(cur) > 0 && n > limit {
			lines = append(lines, strings.Join(cur, " ")+" \\")
			cur = nil
			limit = rest
		}
		cur = append(cur, w)
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}

// newManCmd is the hidden `man` command: the man page, from the commands'
// own help (scripts/gen-docs.sh builds the release's page with it).
func newManCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the man page (roff)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mango.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("man page: %w", err)
			}
			_, err = io.WriteString(stdout, page.Build(roff.NewDocument()))
			return err
		},
	}
}
