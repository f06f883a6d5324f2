package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/terminal"
	"github.com/mailsetup/mailsetup/mailconn"
)

// ErrInterrupted is returned by Run when the user quits with Ctrl+C
// (discarding any changes). The command maps it to exit status 130.
var ErrInterrupted = errors.New("interrupted")

// ErrNotSaved is returned by the line mode when the user answers no to
// saving (for instance after a failed connection test): nothing was written.
var ErrNotSaved = errors.New("nothing was saved")

// ErrSavedAfterFailure is returned by the line mode when the user saved
// after a failed connection test: the file is written, but the test
// failed, which the command reports with exit status 1.
var ErrSavedAfterFailure = errors.New("saved, but the connection test failed")

// notSavedError is ErrNotSaved for a reason besides the user's no (input
// that ended after a failed test): it says the reason.
type notSavedError struct{ err error }

func (e notSavedError) Error() string        { return e.err.Error() }
func (e notSavedError) Unwrap() error        { return e.err }
func (e notSavedError) Is(target error) bool { return target == ErrNotSaved }

// Options configure Run.
type Options struct {
	ConfigPath string    // where the config is loaded from and saved to (already resolved)
	Accessible bool      // force the plain line mode
	In         io.Reader // os.Stdin when nil
	Out        io.Writer // os.Stdout when nil
	// Env is the environment the wizard judges the terminal by (NO_COLOR,
	// TERM, LC_ALL, LC_CTYPE, LANG); nil means os.Environ().
	Env []string
}

// testFunc is the connection test; mailconn.Test outside tests.
type testFunc func(ctx context.Context, in config.Incoming, opts mailconn.Options, report func(mailconn.Event)) mailconn.Result

// Run runs the wizard until the user saves or quits. It uses the full-screen
// wizard on a terminal, and the line mode when opts.Accessible is set, TERM
// is "dumb", or opts.In is not a terminal. It returns ErrInterrupted when the
// user quits with Ctrl+C.
func Run(ctx context.Context, opts Options) error {
	return run(ctx, opts, mailconn.Test)
}

func run(ctx context.Context, opts Options, test testFunc) error {
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	env := detectEnv(opts.Env)
	start := loadStart(opts.ConfigPath)
	if opts.Accessible || env.dumb || !isTerminal(opts.In) {
		return runLines(ctx, lineOptions{
			path: opts.ConfigPath, in: opts.In, out: opts.Out,
			start: start, test: test, terminal: isTerminal(opts.In),
		})
	}
	m := newModel(opts.ConfigPath, start, env, test)
	m.ctx = ctx
	p := tea.NewProgram(m,
		tea.WithContext(ctx),
		tea.WithInput(opts.In),
		tea.WithOutput(opts.Out),
		tea.WithEnvironment(opts.Env),
		// The renderer writes on its ticker; the first frame waits for
		// the first tick: 8 ms at 120 frames a second instead of 17 at
		// the default 60. Frames are written only when they change.
		tea.WithFPS(120),
	)
	final, err := p.Run()
	if fm, ok := final.(*Model); ok {
		fm.stopRuns()
		fm.bg.wait() // no run's goroutine outlives Run
	}
	switch {
	case errors.Is(err, tea.ErrInterrupted), ctx.Err() != nil && errors.Is(err, tea.ErrProgramKilled):
		return ErrInterrupted
	case err != nil:
		return fmt.Errorf("wizard: %w", err)
	}
	if fm, ok := final.(*Model); ok {
		return fm.err
	}
	return nil
}

// environment is what the wizard reads from the environment.
type environment struct {
	ascii bool // no UTF-8 locale: ASCII icons and rules
	dumb  bool // TERM=dumb: the line mode
	plain bool // NO_COLOR: no colour tells a placeholder from a value, so words do
}

// Colour needs nothing here: Bubble Tea detects the terminal's colour
// profile from the same environment (NO_COLOR included) and downsamples.

func detectEnv(env []string) environment {
	ti := terminal.Detect(nil, env)
	return environment{ascii: !ti.UTF8, dumb: ti.Dumb, plain: terminal.Getenv(env, "NO_COLOR") != ""}
}

func isTerminal(r io.Reader) bool { return terminal.IsTerminal(r) }

// start is what the wizard starts from: the config on disk, or the reason it
// could not be used.
type start struct {
	cfg      *config.Config // loaded (possibly despite a permission problem); nil if none
	warnings []config.Warning
	exists   bool  // a file is at the path
	loadErr  error // the file could not be used; the wizard offers defaults
	permErr  *config.PermissionError
	saveMode fs.FileMode // with permErr: the mode saving gives the file (config.SaveMode); 0 if unknown
	dropped  []string    // unknown keys left out to load the rest (lenientStart); saving drops them
}

// saveNote says what saving does about a permission problem: what
// config.Save will do, in its words.
func (s start) saveNote() string {
	switch s.saveMode {
	case 0o600:
		return "Saving rewrites the file with mode 0600 (readable by its owner only), which fixes this."
	case 0o640:
		return "Saving rewrites the file with mode 0640 (its group keeps read access, other users lose it), which fixes this."
	case 0:
		return "Saving rewrites the file without read access for other users, which fixes this."
	}
	return fmt.Sprintf("Saving rewrites the file with mode %04o, which fixes this.", s.saveMode)
}

// loadStart loads the config at path. A file with unsafe permissions is
// still read for editing (saving takes other users' access away) and the
// permission problem is shown on the welcome screen.
func loadStart(path string) start {
	cfg, warnings, err := config.Load(path)
	switch {
	case err == nil:
		return start{cfg: cfg, warnings: warnings, exists: true}
	case errors.Is(err, fs.ErrNotExist):
		return start{}
	}
	s := start{exists: true, loadErr: err}
	if l, ok := lenientStart(path, err); ok {
		return l
	}
	var pe *config.PermissionError
	// A file others could change is not offered for editing: what it says
	// (a password_command, a server) must not steer a test run as root.
	if errors.As(err, &pe) && pe.Path == path && !pe.Untrusted {
		if data, rerr := config.ReadRegularFile("config", path, 1<<20); rerr == nil {
			if c, w, perr := config.Parse(data, path); perr == nil {
				mode, _ := config.SaveMode(path, config.SaveOptions{}) // an error shows when saving
				return start{cfg: c, warnings: w, exists: true, permErr: pe, saveMode: mode}
			}
		}
	}
	return s
}

// lenientStart loads a file whose only faults are unknown keys (a typo
// such as "sever = …") without them, so that a one-key typo does not cost
// every other setting: each unknown key's line is left out, the rest must
// parse and pass the trust rule as Load's would, and each left-out key is
// a warning that saving drops it. ok is false for any other fault.
func lenientStart(path string, loadErr error) (start, bool) {
	var errs []error
	if j, ok := loadErr.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{loadErr}
	}
	drop := map[int]bool{}
	var keys []string
	var warnings []config.Warning
	for _, e := range errs {
		var de *config.DecodeError
		if !errors.As(e, &de) || de.Line <= 0 || de.Key == "" || !strings.HasPrefix(de.Message, "unknown key") {
			return start{}, false
		}
		drop[de.Line] = true
		keys = append(keys, de.Key)
		warnings = append(warnings, config.Warning{Key: de.Key,
			Message: fmt.Sprintf("line %d: %s%s The wizard leaves it out; saving drops that line.", de.Line, de.Message, endStop(de.Message))})
	}
	data, err := config.ReadRegularFile("config", path, 1<<20) // the trust rule on the file
	if err != nil {
		return start{}, false
	}
	lines := strings.Split(string(data), "\n")
	for n := range drop {
		if n > len(lines) {
			return start{}, false
		}
		name := strings.TrimSpace(lines[n-1])
		if strings.HasPrefix(name, "[") || !strings.Contains(name, "=") {
			return start{}, false // a table, not one key = value line
		}
		lines[n-1] = ""
	}
	c, w, err := config.Parse([]byte(strings.Join(lines, "\n")), path)
	if err != nil || config.CheckFiles(&c.Incoming) != nil {
		return start{}, false
	}
	s := start{cfg: c, warnings: append(warnings, w...), exists: true, dropped: keys}
	if err := config.CheckConfigMode(path, c); err != nil { // as Load would say, after the typo
		var pe *config.PermissionError
		if !errors.As(err, &pe) || pe.Untrusted {
			return start{}, false
		}
		s.permErr = pe
		s.saveMode, _ = config.SaveMode(path, config.SaveOptions{})
	}
	return s, true
}

// endStop is the full stop msg lacks, if any.
func endStop(msg string) string {
	if strings.HasSuffix(msg, ".") || strings.HasSuffix(msg, "?") {
		return ""
	}
	return "."
}
