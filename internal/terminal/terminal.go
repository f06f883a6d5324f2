// Package terminal decides what output may use — colour, UTF-8 glyphs,
// in-place updates, the full-screen wizard — from the stream and the
// environment (TERM, NO_COLOR, LC_ALL, LC_CTYPE, LANG). The commands
// (cmd/mailsetup) and the wizard (tui) both ask it, so they judge a
// terminal the same way.
package terminal

import (
	"os"
	"strings"

	"golang.org/x/term"
)

// Info is what a stream in an environment allows.
type Info struct {
	TTY   bool // an interactive terminal, not TERM=dumb: lines may be rewritten in place
	Dumb  bool // TERM=dumb
	UTF8  bool // a UTF-8 locale and not TERM=dumb: glyphs such as ✓ and …
	Color bool // TTY and NO_COLOR unset
}

// Detect judges f (an *os.File, or anything else, which is no terminal)
// in env (os.Environ() style: KEY=VALUE, the last one wins).
func Detect(f any, env []string) Info {
	dumb := Getenv(env, "TERM") == "dumb"
	tty := IsTerminal(f) && !dumb
	return Info{
		TTY:   tty,
		Dumb:  dumb,
		UTF8:  !dumb && LocaleIsUTF8(env),
		Color: tty && Getenv(env, "NO_COLOR") == "",
	}
}

// IsTerminal reports whether f is an *os.File open on a terminal.
func IsTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// Getenv is the value of k in env ("" when unset); the last entry wins.
func Getenv(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v
		}
	}
	return ""
}

// LocaleIsUTF8 applies POSIX precedence: the first of LC_ALL, LC_CTYPE,
// LANG that is set decides.
func LocaleIsUTF8(env []string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := strings.ToLower(Getenv(env, k)); v != "" {
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}
