package main

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWords are the whole words the help of c may print: those of its
// texts, its subcommands' lines, its flags' names, values and descriptions.
func helpWords(c *cobra.Command) map[string]bool {
	words := map[string]bool{"USAGE": true, "EXAMPLES": true, "COMMANDS": true, "FLAGS": true,
		"[command]": true, "list": true, `\`: true, "(default:": true}
	add := func(s string) {
		for _, w := range strings.Fields(s) {
			words[w] = true
		}
	}
	add(c.Long)
	add(c.Short)
	add(c.Example)
	add(c.UseLine())
	for _, sc := range c.Commands() {
		add(sc.Use)
		add(sc.Short)
	}
	each := func(f *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(f)
		add("--" + f.Name + " -" + f.Shorthand + ", " + name + " " + usage + " " + f.DefValue + ")")
	}
	c.NonInheritedFlags().VisitAll(each)
	c.InheritedFlags().VisitAll(each)
	return words
}

// checkHelp asserts the help text is plain and wrapped: no line over width,
// no trailing spaces, no word split across lines, no doubled blank line.
func checkHelp(t *testing.T, name, out string, width int, words map[string]bool) {
	t.Helper()
	if strings.Contains(out, "\x1b") {
		t.Errorf("%s: escape sequences in help written to a pipe", name)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("%s: help too short: %q", name, out)
	}
	if lines[0] == "" {
		t.Errorf("%s: help starts with a blank line", name)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > width {
			t.Errorf("%s line %d is %d columns, over %d: %q", name, i+1, n, width, l)
		}
		if strings.TrimRight(l, " \t") != l {
			t.Errorf("%s line %d ends in spaces: %q", name, i+1, l)
		}
		if i > 0 && l == "" && lines[i-1] == "" {
			t.Errorf("%s line %d: two blank lines in a row", name, i+1)
		}
		for _, w := range strings.Fields(l) {
			if !words[w] {
				t.Errorf("%s line %d: %q is not a whole word of the help (split?): %q", name, i+1, w, l)
			}
		}
	}
}

// TestHelpPipedPlainAndWrapped: `--help` into a pipe is plain text wrapped
// at word boundaries to 80 columns (or $COLUMNS), with no trailing spaces
// and one blank line between sections (issue 13 item 14).
func TestHelpPipedPlainAndWrapped(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, width := range []int{80, 60} {
		if width == 80 {
			t.Setenv("COLUMNS", "")
		} else {
			t.Setenv("COLUMNS", "60")
		}
		for _, args := range [][]string{{}, {"init"}, {"test"}, {"check"}, {"discover"}, {"oauth2", "login"}, {"show"}} {
			c, _, err := root.Find(args)
			if err != nil {
				t.Fatal(err)
			}
			c.InitDefaultHelpFlag()
			code, out, errs := cli(t, "", append(args, "--help")...)
			if code != 0 || errs != "" {
				t.Fatalf("%v --help: code %d, stderr %q", args, code, errs)
			}
			checkHelp(t, strings.Join(append([]string{"mailsetup"}, args...), " "), out, width, helpWords(c))
		}
	}
}

// TestManPage: the man page (scripts/gen-docs.sh) still comes from `mailsetup man`.
func TestManPage(t *testing.T) {
	code, out, errs := cli(t, "", "man")
	if code != 0 || !strings.Contains(out, ".TH MAILSETUP 1 ") || !strings.Contains(out, "incoming mail server") {
		t.Fatalf("man: code %d, stderr %q, output %.200q", code, errs, out)
	}
}

// TestHelpTerminalWidth: on a terminal the help wraps to the terminal's
// width, whatever $COLUMNS says; the rendered text keeps to it.
func TestHelpTerminalWidth(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ptmx.Close(); _ = tty.Close() }()
	if err := pty.Setsize(tty, &pty.Winsize{Cols: 67, Rows: 20}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COLUMNS", "120")
	if got := helpWidth(tty); got != 67 {
		t.Fatalf("helpWidth on a 67-column terminal = %d", got)
	}
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	c, _, _ := root.Find([]string{"init"})
	c.InitDefaultHelpFlag()
	checkHelp(t, "mailsetup init", renderHelp(c, 67, helpStyles{}), 67, helpWords(c))
}
