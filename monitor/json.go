package monitor

import (
	"encoding/json"
	"io"
	"time"
)

// jsonReport is the --format json object.
type jsonReport struct {
	Status       string         `json:"status"` // OK, WARNING, CRITICAL, UNKNOWN
	ExitCode     int            `json:"exit_code"`
	Reasons      []string       `json:"reasons"`
	Summary      string         `json:"summary"`
	Protocol     string         `json:"protocol"`
	Server       string         `json:"server"`
	Port         int            `json:"port"`
	Mailbox      string         `json:"mailbox,omitempty"`
	OK           bool           `json:"ok"`
	FailedStep   string         `json:"failed_step,omitempty"`
	Field        string         `json:"field,omitempty"`
	Hint         string         `json:"hint,omitempty"`
	ElapsedMS    int64          `json:"elapsed_ms"`
	CheckedAt    time.Time      `json:"checked_at"`
	CertNotAfter *time.Time     `json:"cert_not_after,omitempty"`
	CertDays     *int64         `json:"cert_days,omitempty"`
	Messages     *int64         `json:"messages,omitempty"`
	Unseen       *int64         `json:"unseen,omitempty"`
	Oldest       *time.Time     `json:"oldest_unseen,omitempty"`
	OldestAge    *int64         `json:"oldest_unseen_age_seconds,omitempty"`
	Thresholds   jsonThresholds `json:"thresholds"`
	Steps        []jsonStep     `json:"steps"`
}

type jsonThresholds struct {
	CertWarningDays  float64 `json:"cert_warning_days,omitempty"`
	CertCriticalDays float64 `json:"cert_critical_days,omitempty"`
	BacklogWarningS  float64 `json:"backlog_warning_seconds,omitempty"`
	BacklogCriticalS float64 `json:"backlog_critical_seconds,omitempty"`
	MessagesWarning  int64   `json:"messages_warning,omitempty"`
	MessagesCritical int64   `json:"messages_critical,omitempty"`
	TimeWarningS     float64 `json:"time_warning_seconds,omitempty"`
	TimeCriticalS    float64 `json:"time_critical_seconds,omitempty"`
}

type jsonStep struct {
	Step      string `json:"step"`
	Status    string `json:"status"`
	Title     string `json:"title"`
	Detail    string `json:"detail,omitempty"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Hint      string `json:"hint,omitempty"`
	Field     string `json:"field,omitempty"`
}

// WriteJSON writes the check as one JSON object and a newline: the state,
// the figures, the thresholds and the step events.
func (r *Report) WriteJSON(w io.Writer) error {
	res, f, th := r.Result, r.Result.Figures, r.Thresholds
	o := jsonReport{
		Status:     r.State.String(),
		ExitCode:   int(r.State),
		Reasons:    append([]string{}, r.Reasons...),
		Summary:    r.Summary(),
		Protocol:   r.Protocol,
		Server:     r.Server,
		Port:       r.Port,
		Mailbox:    r.Mailbox,
		OK:         res.OK,
		FailedStep: string(res.FailedStep),
		Field:      res.Field,
		Hint:       res.Hint,
		ElapsedMS:  res.Elapsed.Milliseconds(),
		CheckedAt:  r.Now.UTC(),
		Messages:   f.Messages,
		Unseen:     f.Unseen,
		Thresholds: jsonThresholds{
			CertWarningDays:  th.CertWarning.Hours() / 24,
			CertCriticalDays: th.CertCritical.Hours() / 24,
			BacklogWarningS:  th.BacklogWarning.Seconds(),
			BacklogCriticalS: th.BacklogCritical.Seconds(),
			MessagesWarning:  th.MessagesWarning,
			MessagesCritical: th.MessagesCritical,
			TimeWarningS:     th.TimeWarning.Seconds(),
			TimeCriticalS:    th.TimeCritical.Seconds(),
		},
		Steps: []jsonStep{},
	}
	if days, ok := r.CertDays(); ok {
		na := f.CertNotAfter.UTC()
		o.CertNotAfter, o.CertDays = &na, &days
	}
	if !f.Oldest.IsZero() {
		od := f.Oldest.UTC()
		o.Oldest = &od
	}
	if age, ok := r.OldestAge(); ok {
		s := int64(age / time.Second)
		o.OldestAge = &s
	}
	for _, e := range r.Steps {
		o.Steps = append(o.Steps, jsonStep{string(e.Step), string(e.Status), e.Title, e.Detail, e.Elapsed.Milliseconds(), e.Hint, e.Field})
	}
	enc := json.NewEncoder(w)
	return enc.Encode(o)
}
