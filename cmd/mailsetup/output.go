package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/mailsetup/mailsetup/internal/terminal"
	"github.com/mailsetup/mailsetup/mailconn"
)

// termInfo says what the output may use: colour, UTF-8 icons, in-place updates.
type termInfo struct {
	tty   bool // an interactive terminal: "running" lines are rewritten in place
	utf8  bool // ✓ ! ✗ instead of [ok] [warn] [FAIL]
	color bool
}

// detectTerm looks at w and the environment (TERM, NO_COLOR, LC_ALL,
// LC_CTYPE, LANG) the way the wizard does: package terminal.
func detectTerm(w io.Writer, env []string) termInfo {
	ti := terminal.Detect(w, env)
	return termInfo{tty: ti.TTY, utf8: ti.UTF8, color: ti.Color}
}

// stepPrinter renders the connection test's events as text or JSON lines.
type stepPrinter struct {
	w                   io.Writer
	json                bool
	ti                  termInfo
	running             bool // a "running" line is on screen, to be replaced
	ok, warn, fail, dim lipgloss.Style
}

func newStepPrinter(w io.Writer, asJSON bool) *stepPrinter {
	ti := detectTerm(w, os.Environ())
	p := &stepPrinter{w: w, json: asJSON, ti: ti}
	if ti.color {
		p.w = colorprofile.NewWriter(w, os.Environ())
		p.ok = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
		p.warn = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
		p.fail = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
		p.dim = lipgloss.NewStyle().Faint(true)
	}
	return p
}

func (p *stepPrinter) icon(s mailconn.Status) string {
	type pair struct{ u, a string }
	icons := map[mailconn.Status]pair{
		mailconn.StatusOK:      {"✓", "[ok]  "},
		mailconn.StatusWarn:    {"!", "[warn]"},
		mailconn.StatusFail:    {"✗", "[FAIL]"},
		mailconn.StatusSkipped: {"-", "[skip]"},
		mailconn.StatusRunning: {"…", "[....]"},
	}
	ic := icons[s]
	txt := ic.a
	if p.ti.utf8 {
		txt = ic.u
	}
	switch s {
	case mailconn.StatusOK:
		return p.ok.Render(txt)
	case mailconn.StatusWarn:
		return p.warn.Render(txt)
	case mailconn.StatusFail:
		return p.fail.Render(txt)
	default:
		return p.dim.Render(txt)
	}
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// jsonStep and jsonResult are the line formats of PRODUCT.md "JSON".
type jsonStep struct {
	Type      string `json:"type"`
	Step      string `json:"step"`
	Status    string `json:"status"`
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Hint      string `json:"hint,omitempty"`
	Field     string `json:"field,omitempty"`
}

type jsonResult struct {
	Type       string `json:"type"`
	OK         bool   `json:"ok"`
	ElapsedMS  int64  `json:"elapsed_ms"`
	FailedStep string `json:"failed_step,omitempty"`
	Field      string `json:"field,omitempty"`
	Error      string `json:"error,omitempty"`
	Message    string `json:"message,omitempty"`
	Hint       string `json:"hint,omitempty"`
	Canceled   bool   `json:"canceled,omitempty"`
}

// Event prints one event. Running events are shown only on a terminal, and
// replaced by the step's final line.
func (p *stepPrinter) Event(e mailconn.Event) {
	if p.json {
		if e.Status == mailconn.StatusRunning {
			return
		}
		p.writeJSON(jsonStep{"step", string(e.Step), string(e.Status), e.Title, e.Detail, ms(e.Elapsed), e.Hint, e.Field})
		return
	}
	if e.Status == mailconn.StatusRunning {
		if p.ti.tty {
			p.clearRunning()
			_, _ = fmt.Fprintf(p.w, "%s %s", p.icon(e.Status), e.Title)
			p.running = true
		}
		return
	}
	p.clearRunning()
	line := fmt.Sprintf("%s %s", p.icon(e.Status), e.Title)
	if e.Detail != "" {
		line += ": " + e.Detail
	}
	if e.Elapsed > 0 {
		line += p.dim.Render(fmt.Sprintf(" (%s)", fmtElapsed(e.Elapsed)))
	}
	_, _ = fmt.Fprintln(p.w, line)
	// A failed step's hint is printed once, with the result.
	if e.Hint != "" && e.Status == mailconn.StatusWarn {
		_, _ = fmt.Fprintf(p.w, "       %s\n", e.Hint)
	}
}

func (p *stepPrinter) clearRunning() {
	if p.running {
		_, _ = fmt.Fprint(p.w, "\r\x1b[K")
		p.running = false
	}
}

// Result prints the final line.
func (p *stepPrinter) Result(r mailconn.Result) {
	if p.json {
		p.writeJSON(jsonResult{"result", r.OK, ms(r.Elapsed), string(r.FailedStep), r.Field, r.Error, r.Sentence(), r.Hint, r.Canceled})
		return
	}
	p.clearRunning()
	switch {
	case r.OK:
		_, _ = fmt.Fprintf(p.w, "\n%s Connection test passed in %s.\n", p.icon(mailconn.StatusOK), fmtElapsed(r.Elapsed))
	case r.Canceled:
		_, _ = fmt.Fprintf(p.w, "\n%s Connection test cancelled after %s.\n", p.icon(mailconn.StatusFail), fmtElapsed(r.Elapsed))
	default:
		_, _ = fmt.Fprintf(p.w, "\n%s Connection test failed at step %s after %s", p.icon(mailconn.StatusFail), r.FailedStep, fmtElapsed(r.Elapsed))
		if msg := r.Sentence(); msg != "" {
			_, _ = fmt.Fprintf(p.w, ": %s", msg)
		}
		_, _ = fmt.Fprintln(p.w)
		switch {
		case r.Hint != "" && r.Field != "":
			_, _ = fmt.Fprintf(p.w, "  Fix %s: %s\n", r.Field, r.Hint)
		case r.Hint != "":
			_, _ = fmt.Fprintf(p.w, "  %s\n", r.Hint)
		}
	}
}

func (p *stepPrinter) writeJSON(v any) {
	b, _ := json.Marshal(v)
	_, _ = fmt.Fprintf(p.w, "%s\n", b)
}

func fmtElapsed(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1 ms"
	case d < 10*time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}
