package monitor

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/mailconn"
)

// WriteNagios writes the Monitoring Plugins output: the status line
// "MAILSETUP STATE - target: text | perfdata" and, as long output, one line
// per step. The exit code to go with it is int(r.State).
func (r *Report) WriteNagios(w io.Writer) error {
	var b strings.Builder
	b.WriteString("MAILSETUP ")
	b.WriteString(r.State.String())
	b.WriteString(" - ")
	b.WriteString(r.Target())
	text := strings.Join(r.Reasons, "; ")
	if s := r.Summary(); s != "" {
		if text != "" {
			text += "; "
		}
		text += s
	}
	if text != "" {
		b.WriteString(": ")
		b.WriteString(ascii(text))
	}
	if perf := r.Perfdata(); len(perf) > 0 {
		b.WriteString(" | ")
		b.WriteString(strings.Join(perf, " "))
	}
	b.WriteByte('\n')
	for _, e := range r.Steps {
		b.WriteString(ascii(stepLine(e)))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stepLine is one line of the long output: "[OK] Open folder INBOX
// (0.004s): INBOX: 3 messages" and, on failure or warning, the hint.
func stepLine(e mailconn.Event) string {
	s := "[" + strings.ToUpper(string(e.Status)) + "] " + e.Title
	if e.Status != mailconn.StatusSkipped {
		s += " (" + seconds(e.Elapsed) + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Hint != "" {
		s += " -- " + e.Hint
	}
	return s
}

// Perfdata is the performance data items, each
// "label=value[UOM];warn;crit;min". Labels are fixed words and values
// numbers: nothing the server sent can reach them.
func (r *Report) Perfdata() []string {
	th := r.Thresholds
	var out []string
	out = append(out, perfItem("time", strconv.FormatFloat(r.Result.Elapsed.Seconds(), 'f', 3, 64), "s", secs(th.TimeWarning), secs(th.TimeCritical), "0"))
	if days, ok := r.CertDays(); ok {
		// Below the threshold is the alert: the range "N:" (alert when
		// the value is less than N).
		out = append(out, perfItem("cert_days", strconv.FormatInt(days, 10), "", below(th.CertWarning), below(th.CertCritical), ""))
	}
	f := r.Result.Figures
	if f.Messages != nil {
		out = append(out, perfItem("messages", strconv.FormatInt(*f.Messages, 10), "", count(th.MessagesWarning), count(th.MessagesCritical), "0"))
	}
	if f.Unseen != nil {
		out = append(out, perfItem("unseen", strconv.FormatInt(*f.Unseen, 10), "", "", "", "0"))
	}
	if age, ok := r.OldestAge(); ok {
		out = append(out, perfItem("oldest_unseen_age", strconv.FormatInt(int64(age/time.Second), 10), "s", secs(th.BacklogWarning), secs(th.BacklogCritical), "0"))
	}
	return out
}

func perfItem(label, value, uom, warn, crit, minimum string) string {
	s := fmt.Sprintf("%s=%s%s;%s;%s;%s", label, value, uom, warn, crit, minimum)
	return strings.TrimRight(s, ";")
}

// secs is a threshold in seconds, "" for none.
func secs(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// below is the range "N:" in whole days, "" for none.
func below(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatInt(int64(d/Day), 10) + ":"
}

func count(n int64) string {
	if n <= 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
