package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
)

// term is a program running in a pseudo-terminal of a fixed size, with
// everything it writes kept, the way an SSH client would receive it.
type term struct {
	cmd     *exec.Cmd
	pty     *os.File
	started time.Time
	silent  bool // answer no terminal query

	mu      sync.Mutex
	out     []byte
	lastAt  time.Time     // when the last bytes arrived
	changed chan struct{} // signalled (non-blocking) on every read
	done    chan struct{} // closed when the reader ends
}

// termEnv is the environment of a UTF-8 256-colour terminal.
func termEnv() []string {
	env := []string{"TERM=xterm-256color", "LANG=C.UTF-8", "COLORTERM="}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TERM", "LANG", "LC_ALL", "COLORTERM", "NO_COLOR", "MAILSETUP_CONFIG":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// startTerm starts bin with args in a cols×rows pty. Unless silent, the
// terminal answers the background-colour query (OSC 11) with black and the
// primary device attributes query (DA1) as a VT220, as xterm does, and
// leaves the mode queries (DECRQM) unanswered, as a terminal that knows
// neither mode.
func startTerm(cols, rows int, silent bool, bin string, args ...string) (*term, error) {
	t := &term{
		silent:  silent,
		cmd:     exec.Command(bin, args...),
		changed: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	t.cmd.Env = termEnv()
	t.started = time.Now()
	f, err := pty.StartWithSize(t.cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, fmt.Errorf("start %s in a pty: %w", bin, err)
	}
	t.pty = f
	go t.read()
	return t, nil
}

func (t *term) read() {
	defer close(t.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := t.pty.Read(buf)
		if n > 0 {
			now := time.Now()
			t.mu.Lock()
			t.out = append(t.out, buf[:n]...)
			t.lastAt = now
			t.mu.Unlock()
			if !t.silent {
				t.answer(buf[:n])
			}
			select {
			case t.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// answer replies to the queries in p. A query split across two reads
// goes unanswered; the programs measured write each query whole.
func (t *term) answer(p []byte) {
	if bytes.Contains(p, []byte("\x1b]11;?")) {
		_, _ = t.pty.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
	}
	if bytes.Contains(p, []byte("\x1b[c")) || bytes.Contains(p, []byte("\x1b[0c")) {
		_, _ = t.pty.Write([]byte("\x1b[?62;22c"))
	}
}

// size is the number of bytes the program has written so far.
func (t *term) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.out)
}

// since returns what the program wrote from offset on.
func (t *term) since(offset int) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.out[offset:]...)
}

// errTermTimeout is a hang guard firing, never a measurement.
var errTermTimeout = errors.New("timed out")

// hangGuard bounds every wait: far above anything measured.
const hangGuard = 30 * time.Second

// waitText waits until the text written from offset on, without escape
// sequences and whitespace, contains each needle (also without
// whitespace), and returns when the completing bytes arrived.
func (t *term) waitText(offset int, needles ...string) (time.Time, error) {
	deadline := time.After(hangGuard)
	for {
		t.mu.Lock()
		text := squash(ansi.Strip(string(t.out[offset:])))
		at := t.lastAt
		t.mu.Unlock()
		all := true
		for _, n := range needles {
			if !strings.Contains(text, squash(n)) {
				all = false
			}
		}
		if all {
			return at, nil
		}
		select {
		case <-t.changed:
		case <-t.done:
			return time.Time{}, fmt.Errorf("the program ended before showing %q:\n%s", needles, text)
		case <-deadline:
			return time.Time{}, fmt.Errorf("%w waiting for %q; the screen got:\n%s", errTermTimeout, needles, text)
		}
	}
}

// squash drops all white space.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// waitQuiet waits until the program has written nothing for quiet.
func (t *term) waitQuiet(quiet time.Duration) error {
	deadline := time.Now().Add(hangGuard)
	for {
		t.mu.Lock()
		idle := time.Since(t.lastAt)
		t.mu.Unlock()
		if idle >= quiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the program never went quiet for %s", errTermTimeout, quiet)
		}
		time.Sleep(quiet - idle)
	}
}

// send types s (raw bytes: "\r" is Enter, "\t" Tab, "\x03" Ctrl+C).
func (t *term) send(s string) error {
	_, err := t.pty.Write([]byte(s))
	return err
}

// close kills the program if it still runs, closes the pty and waits.
func (t *term) close() {
	_ = t.cmd.Process.Kill()
	_ = t.cmd.Wait()
	_ = t.pty.Close()
	<-t.done
}

// exit waits for the program to end by itself, and closes the pty.
func (t *term) exit() error {
	errc := make(chan error, 1)
	go func() { errc <- t.cmd.Wait() }()
	select {
	case err := <-errc:
		_ = t.pty.Close()
		<-t.done
		return err
	case <-time.After(hangGuard):
		_ = t.cmd.Process.Kill()
		<-errc
		_ = t.pty.Close()
		<-t.done
		return fmt.Errorf("%w: the program did not exit", errTermTimeout)
	}
}
