// This file holds the root command, the global flags and the one place where
// errors become exit codes: 0 success, 1 the connection test failed, 2 usage
// or config error, 130 interrupted; check uses the Monitoring Plugins' 0-3.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// Set by the release build: -ldflags "-X main.Version=… -X main.Commit=… -X main.Date=…".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Exit codes.
const (
	exitOK          = 0
	exitTestFailed  = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitError carries an exit code through cobra to main. A nil err with a
// code prints nothing (the command already said what happened).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage or config error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

// usageErrf is usageErr(fmt.Errorf(…)).
func usageErrf(format string, args ...any) error {
	return usageErr(fmt.Errorf(format, args...))
}

// globals are the flags every command takes.
type globals struct {
	configPath string
	accessible bool
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := rootFor(args, stdin, stdout, stderr)
	root.SetArgs(args)
	// The commands' errors are kept here, and printed once below, plain
	// when stderr is not a terminal.
	var box errBox
	box.wrap(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		box.set(usageErrf("%v (see --help)", err))
		return nil
	})
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = box.err
	}
	if err == nil {
		return exitOK
	}
	printError(stderr, err)
	code := exitCode(ctx, err)
	if c, _, ferr := root.Find(args); ferr == nil && code == exitUsage && c.Annotations[annotUnknownOnUsage] != "" && !isBareExit(err) {
		code = exitUnknown // check: a usage error is the Monitoring Plugins' UNKNOWN
	}
	return code
}

// errBox keeps the first error of a command, for run to report.
type errBox struct{ err error }

func (b *errBox) set(err error) {
	if b.err == nil {
		b.err = err
	}
}

// wrap makes c and its subcommands store their errors in b and return nil.
// After an argument error the command does not run.
func (b *errBox) wrap(c *cobra.Command) {
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				b.set(usageErrf("%v (see --help)", err))
			}
			return nil
		}
	}
	for _, hook := range []*func(*cobra.Command, []string) error{&c.PreRunE, &c.RunE} {
		if f := *hook; f != nil {
			*hook = func(cmd *cobra.Command, a []string) error {
				if b.err == nil {
					b.set(f(cmd, a))
				}
				return nil
			}
		}
	}
	for _, sub := range c.Commands() {
		b.wrap(sub)
	}
}

// exitCode maps an error to the exit code documented in PRODUCT.md.
func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return exitInterrupted
	default:
		// Anything cobra itself rejects (unknown flag, bad argument count)
		// is a usage error.
		return exitUsage
	}
}

// printError prints err as one line, "mailsetup: …": plain when stderr is
// not a terminal, so scripts and logs get clean text; in red on a terminal.
// An exitError without an error prints nothing (the command already said
// what happened).
func printError(stderr io.Writer, err error) {
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	// The error may quote outside text (a server's, a provider's, a
	// command's stderr): safetext keeps its lines and escapes the rest.
	msg := "mailsetup: " + safetext.CleanLines(strings.TrimSuffix(err.Error(), "."))
	if detectTerm(stderr, os.Environ()).color {
		msg = "\x1b[31m" + msg + "\x1b[0m"
	}
	_, _ = fmt.Fprintln(stderr, msg)
}

// rootFor builds the root command for run; tests set it to build every
// command.
var rootFor = newRootCmdFor

// newRootCmd is the root command with every subcommand.
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return newRootCmdFor(nil, stdin, stdout, stderr)
}

// newRootCmdFor is the root command for running args. When args name one
// of the commands whose runs never look at the others (onlyCommand), the
// root gets that one alone and no default completion command: building
// every command's flags and help, and cobra's completion command, cost
// about 1 ms of each run's start-up (cold code and memory), for nothing
// that run prints (docs/DESIGN.md "Start-up time"). Any other command
// line (no command, help, man, completion, a typo for its suggestions)
// gets all of them.
func newRootCmdFor(args []string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "mailsetup",
		Short: "Set up and test the Mail Connector's incoming mail server (POP3 or IMAP4)",
		Long: `mailsetup configures the incoming mail server of the help-desk Mail Connector:
POP3 or IMAP4, server and port, IMAP folder, user name and password, Secure
Password Authentication (SPA), the secure-connection mode and certificate
checking, and tests the connection step by step.

Run it with no command for the setup wizard. Scripts use init, test and show.`,
		Example: `  mailsetup                      # the wizard
  mailsetup test                 # test the saved config
  printf '%s' "$PW" | mailsetup init --server mail.example.com \
      --username support@example.com --password-stdin --test`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWizard(cmd.Context(), g, stdin, stdout)
		},
	}
	root.SetHelpFunc(helpFunc)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "config file `path` (default: $MAILSETUP_CONFIG, else /etc/mailsetup/config.toml as root, else ~/.config/mailsetup/config.toml)")
	root.Flags().BoolVar(&g.accessible, "accessible", false, "plain line-by-line prompts instead of the full-screen wizard (screen readers, serial consoles, scripts)")
	root.Flags().BoolP("version", "v", false, "print the version and exit")
	root.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if v, _ := cmd.Flags().GetBool("version"); v {
			printVersion(stdout)
			return &exitError{code: exitOK}
		}
		return nil
	}

	defer reflowLong(root)
	subs := []struct {
		name string
		cmd  func() *cobra.Command
	}{
		{"version", func() *cobra.Command { return newVersionCmd(stdout) }},
		{"show", func() *cobra.Command { return newShowCmd(g, stdout, stderr) }},
		{"init", func() *cobra.Command { return newInitCmd(g, stdin, stdout, stderr) }},
		{"test", func() *cobra.Command { return newTestCmd(g, stdout, stderr) }},
		{"discover", func() *cobra.Command { return newDiscoverCmd(g, stdout, stderr) }},
		{"oauth2", func() *cobra.Command { return newOAuth2Cmd(g, stdout, stderr) }},
		{"check", func() *cobra.Command { return newCheckCmd(g, stdout, stderr) }},
		{"man", func() *cobra.Command { return newManCmd(stdout) }},
	}
	if name := onlyCommand(args); name != "" {
		for _, sub := range subs {
			if sub.name == name {
				root.AddCommand(sub.cmd())
				root.CompletionOptions.DisableDefaultCmd = true
				return root
			}
		}
	}
	for _, sub := range subs {
		root.AddCommand(sub.cmd())
	}
	return root
}

// onlyCommand is the command args run when it needs no other command: the
// first argument after any --config PATH or --config=PATH (the one flag
// that may come first in scripts), if it is not "man" (whose page shows
// every command). Cobra finds the same command in the full tree: it skips
// --config's value as well. "" means build them all.
func onlyCommand(args []string) string {
	for len(args) > 0 {
		switch a := args[0]; {
		case a == "--config" && len(args) > 1:
			args = args[2:]
		case strings.HasPrefix(a, "--config="):
			args = args[1:]
		case a == "man":
			return ""
		default:
			return a
		}
	}
	return ""
}

// resolveConfigPath applies --config, $MAILSETUP_CONFIG and the defaults.
func (g *globals) resolveConfigPath() (string, error) {
	p, err := config.ResolvePath(g.configPath)
	if err != nil {
		return "", usageErr(err)
	}
	return p, nil
}

// loadConfig loads the config strictly, printing warnings to stderr. Any
// failure is a config error (exit 2).
func loadConfig(g *globals, stderr io.Writer) (*config.Config, string, error) {
	path, err := g.resolveConfigPath()
	if err != nil {
		return nil, "", err
	}
	c, warnings, err := config.Load(path)
	if err != nil {
		return nil, path, usageErr(err)
	}
	printWarnings(stderr, warnings)
	return c, path, nil
}

func printWarnings(w io.Writer, warnings []config.Warning) {
	for _, warn := range warnings {
		_, _ = fmt.Fprintf(w, "mailsetup: warning: %s\n", warn.String())
	}
}

// versionString is "v1.2.3 (commit abcdef0, built 2026-11-25)" from the
// release ldflags, else from the module's build info.
func versionString() string {
	v, c, d := Version, Commit, Date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	v = strings.TrimPrefix(v, "v") // release builds and go install builds alike: 1.2.3
	if len(c) > 12 {
		c = c[:12]
	}
	s := v
	var extra []string
	if c != "" {
		extra = append(extra, "commit "+c)
	}
	if d != "" {
		extra = append(extra, "built "+d)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// reflowLong joins the hard-wrapped lines of every command's Long text into
// one line per paragraph: the man page generator starts a new paragraph at
// each newline, and the help (help.go) wraps it to the output's width.
// Indented lines (lists, examples) keep their line breaks.
func reflowLong(c *cobra.Command) {
	c.Long = reflow(c.Long)
	for _, sub := range c.Commands() {
		reflowLong(sub)
	}
}

func reflow(s string) string {
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		b.WriteString(l)
		if i == len(lines)-1 {
			break
		}
		next := lines[i+1]
		joinable := l != "" && next != "" && !strings.HasPrefix(next, " ") && !strings.HasPrefix(next, "\t") && !strings.HasPrefix(l, " ")
		if joinable {
			b.WriteByte(' ')
		} else {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
