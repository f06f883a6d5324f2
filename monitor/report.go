package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// State is a Monitoring Plugins state; its value is the exit code.
type State int

// The states, in order of severity except Unknown.
const (
	OK       State = 0
	Warning  State = 1
	Critical State = 2
	Unknown  State = 3
)

func (s State) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// worse returns the more severe of a and b (Critical over Warning over OK).
func worse(a, b State) State {
	if b > a {
		return b
	}
	return a
}

// Report is a finished check: the test's result, its final step events and
// the state the thresholds give.
type Report struct {
	// Protocol ("IMAP4", "POP3"), Server, Port and Mailbox (empty for
	// POP3) come from the config, not from the server.
	Protocol string
	Server   string
	Port     int
	Mailbox  string

	Result     mailconn.Result
	Steps      []mailconn.Event // final events, in order
	Thresholds Thresholds
	Now        time.Time // when the check ran

	State   State
	Reasons []string // why the state is not OK, one sentence each
}

// Evaluate applies th to a finished test of in. events are the test's
// events as reported (running ones are dropped); now is when it ran.
func Evaluate(in config.Incoming, res mailconn.Result, events []mailconn.Event, th Thresholds, now time.Time) *Report {
	r := &Report{
		Protocol:   "IMAP4",
		Server:     in.Server,
		Port:       in.Port,
		Mailbox:    in.EffectiveMailbox(),
		Result:     res,
		Thresholds: th,
		Now:        now,
	}
	if r.Port == 0 {
		r.Port = in.EffectivePort()
	}
	if strings.EqualFold(in.Protocol, config.ProtocolPOP3) {
		r.Protocol, r.Mailbox = "POP3", ""
	}
	for _, e := range events {
		if e.Status != mailconn.StatusRunning {
			r.Steps = append(r.Steps, e)
		}
	}
	switch {
	case res.Canceled:
		r.raise(Unknown, "the check was interrupted")
		return r
	case !res.OK:
		msg := fmt.Sprintf("the %s step failed", res.FailedStep)
		if res.Hint != "" {
			msg += ": " + strings.TrimSuffix(res.Hint, ".")
		}
		r.raise(Critical, msg)
	}
	f := res.Figures
	if days, ok := r.CertDays(); ok {
		left := f.CertNotAfter.Sub(now)
		switch {
		case left <= 0:
			r.raise(Critical, fmt.Sprintf("the certificate expired %s ago", human(-left)))
		case th.CertCritical > 0 && left < th.CertCritical:
			r.raise(Critical, fmt.Sprintf("the certificate expires in %d days (critical below %s)", days, human(th.CertCritical)))
		case th.CertWarning > 0 && left < th.CertWarning:
			r.raise(Warning, fmt.Sprintf("the certificate expires in %d days (warning below %s)", days, human(th.CertWarning)))
		}
	}
	if age, ok := r.OldestAge(); ok {
		what := "the oldest unseen message"
		if r.Protocol == "POP3" {
			what = "the oldest message on the server"
		}
		switch {
		case th.BacklogCritical > 0 && age > th.BacklogCritical:
			r.raise(Critical, fmt.Sprintf("%s is %s old (critical above %s): is the connector picking mail up?", what, human(age), human(th.BacklogCritical)))
		case th.BacklogWarning > 0 && age > th.BacklogWarning:
			r.raise(Warning, fmt.Sprintf("%s is %s old (warning above %s): is the connector picking mail up?", what, human(age), human(th.BacklogWarning)))
		}
	}
	if f.Messages != nil {
		n := *f.Messages
		switch {
		case th.MessagesCritical > 0 && n > th.MessagesCritical:
			r.raise(Critical, fmt.Sprintf("%d messages (critical above %d)", n, th.MessagesCritical))
		case th.MessagesWarning > 0 && n > th.MessagesWarning:
			r.raise(Warning, fmt.Sprintf("%d messages (warning above %d)", n, th.MessagesWarning))
		}
	}
	if res.OK {
		switch t := res.Elapsed; {
		case th.TimeCritical > 0 && t > th.TimeCritical:
			r.raise(Critical, fmt.Sprintf("the test took %s (critical above %s)", seconds(t), th.TimeCritical))
		case th.TimeWarning > 0 && t > th.TimeWarning:
			r.raise(Warning, fmt.Sprintf("the test took %s (warning above %s)", seconds(t), th.TimeWarning))
		}
	}
	return r
}

func (r *Report) raise(s State, reason string) {
	if r.State == Unknown && len(r.Reasons) > 0 {
		return
	}
	if s == Unknown {
		r.State = Unknown
	} else {
		r.State = worse(r.State, s)
	}
	r.Reasons = append(r.Reasons, reason)
}

// CertDays is the number of whole days until the certificate expires
// (negative once expired); ok is false when the test saw no certificate.
func (r *Report) CertDays() (days int64, ok bool) {
	na := r.Result.Figures.CertNotAfter
	if na.IsZero() {
		return 0, false
	}
	left := na.Sub(r.Now)
	d := int64(left / Day)
	if left < 0 && left%Day != 0 {
		d-- // floor: expired an hour ago is day -1
	}
	return d, true
}

// OldestAge is the age of the oldest unseen message (IMAP) or of the
// oldest message left (POP3), never negative; ok is false when the test
// did not measure it. A folder with no unseen message has age 0.
func (r *Report) OldestAge() (time.Duration, bool) {
	f := r.Result.Figures
	if !f.Oldest.IsZero() {
		return max(r.Now.Sub(f.Oldest), 0), true
	}
	if !r.Result.OK || !r.Thresholds.NeedOldest() {
		return 0, false
	}
	if (f.Unseen != nil && *f.Unseen == 0) || (r.Protocol == "POP3" && f.Messages != nil && *f.Messages == 0) {
		return 0, true
	}
	return 0, false
}

// Target is "IMAP4 mail.example.com:993 INBOX/Support" (no mailbox for
// POP3), ASCII.
func (r *Report) Target() string {
	s := r.Protocol + " " + hostPort(r.Server, r.Port)
	if r.Mailbox != "" {
		s += " " + r.Mailbox
	}
	return ascii(s)
}

func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// Summary is the figures as words: "12 messages, 3 unseen, oldest unseen
// 3 min, certificate 84 days".
func (r *Report) Summary() string {
	var parts []string
	f := r.Result.Figures
	if f.Messages != nil {
		parts = append(parts, plural(*f.Messages, "message"))
	}
	if f.Unseen != nil {
		parts = append(parts, fmt.Sprintf("%d unseen", *f.Unseen))
	}
	if age, ok := r.OldestAge(); ok {
		switch {
		case r.Protocol == "POP3" && !f.Oldest.IsZero():
			parts = append(parts, "oldest "+human(age))
		case f.Oldest.IsZero():
			parts = append(parts, "no unseen message")
		default:
			parts = append(parts, "oldest unseen "+human(age))
		}
	}
	if days, ok := r.CertDays(); ok {
		if days < 0 {
			parts = append(parts, "certificate expired")
		} else {
			parts = append(parts, "certificate "+plural(days, "day"))
		}
	}
	return strings.Join(parts, ", ")
}

// human is a duration in one rounded unit: "40 s", "3 min", "5 h",
// "12 days".
func human(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int64(d/time.Second))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	case d < 2*Day:
		return fmt.Sprintf("%d h", int64(d/time.Hour))
	}
	return plural(int64(d/Day), "day")
}

// seconds is "0.112s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
}

func plural(n int64, what string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// ascii makes s safe for a status or long-output line: printable ASCII
// only ('?' for anything else), and no '|', which starts the performance
// data.
func ascii(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '|':
			b.WriteByte('/')
		case c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
			b.WriteByte(' ')
		case c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
