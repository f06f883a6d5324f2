package monitor

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailsetup/mailsetup/mailconn"
)

// This file writes the Prometheus text exposition format (version 0.0.4)
// by hand rather than with github.com/prometheus/client_golang: that
// library's package init (its default Go and process collectors, protobuf,
// procfs, expvar) cost about 2 ms on every run of every mailsetup command,
// while the part of the format used here is small and specified. The
// output is byte for byte what client_golang's Gather and expfmt's text
// encoder wrote (openmetrics_golden_test.go holds their output); see
// docs/DESIGN.md "Start-up time".

// The metric names are part of the contract (README "Monitoring").
const (
	MetricUp            = "mailsetup_up"
	MetricCheckSuccess  = "mailsetup_check_success"
	MetricStepDuration  = "mailsetup_step_duration_seconds"
	MetricCertExpiry    = "mailsetup_certificate_expiry_timestamp_seconds"
	MetricMessages      = "mailsetup_messages"
	MetricUnseen        = "mailsetup_unseen"
	MetricOldestUnseen  = "mailsetup_oldest_unseen_timestamp_seconds"
	MetricLastCheck     = "mailsetup_last_check_timestamp_seconds"
	MetricCheckDuration = "mailsetup_check_duration_seconds"
	MetricCheckStatus   = "mailsetup_check_status"
	labelFailedStep     = "failed_step"
	labelField          = "field"
	labelStep           = "step"
)

// omLabel is one label pair of a sample.
type omLabel struct{ name, value string }

// omSample is one line of a family, its labels sorted by name.
type omSample struct {
	labels []omLabel
	value  float64
}

// omFamily is one metric: a gauge with its HELP text and samples.
type omFamily struct {
	name, help string
	samples    []omSample
}

// families builds the check's metrics, sorted as client_golang's Gather
// sorted them: families by name, samples by their label values. Every
// metric carries the labels protocol, server, port and mailbox (from the
// config); mailsetup_check_success also failed_step and field, set on
// failure; mailsetup_step_duration_seconds also step. A label value that
// is not UTF-8 is an error, as it was with client_golang.
func (r *Report) families() ([]omFamily, error) {
	// Sorted by name: mailbox, port, protocol, server.
	constLabels := []omLabel{
		{"mailbox", r.Mailbox},
		{"port", strconv.Itoa(r.Port)},
		{"protocol", r.Protocol},
		{"server", r.Server},
	}
	// with returns the const labels plus extra, sorted by name.
	with := func(extra ...omLabel) []omLabel {
		ls := append(slices.Clone(constLabels), extra...)
		slices.SortFunc(ls, func(a, b omLabel) int { return strings.Compare(a.name, b.name) })
		return ls
	}
	var fams []omFamily
	gauge := func(name, help string, v float64) {
		fams = append(fams, omFamily{name: name, help: help, samples: []omSample{{labels: constLabels, value: v}}})
	}
	res := r.Result
	f := res.Figures

	// Up is 0 when the server could not be found or reached, 1 when it
	// accepted the connection, and absent when the check never tried
	// (the OAuth token could not be had): that is no outage.
	up, tried := 0.0, res.FailedStep == mailconn.StepResolve
	for _, e := range r.Steps {
		if e.Step == mailconn.StepConnect {
			tried = true
			if e.Status != mailconn.StatusFail {
				up = 1
			}
		}
	}
	if tried {
		gauge(MetricUp, "1 when the mail server accepted a connection, 0 when it could not be found or reached.", up)
	}

	success := omSample{labels: with(omLabel{labelFailedStep, ""}, omLabel{labelField, ""}), value: 1}
	if !res.OK {
		success = omSample{labels: with(omLabel{labelFailedStep, string(res.FailedStep)}, omLabel{labelField, res.Field})}
	}
	fams = append(fams, omFamily{
		name:    MetricCheckSuccess,
		help:    "1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.",
		samples: []omSample{success},
	})

	// One sample per step that ran; a step reported twice keeps its last
	// time. A family without samples is left out.
	steps := omFamily{name: MetricStepDuration, help: "Time each step of the connection test took."}
	seen := map[mailconn.StepID]int{}
	for _, e := range r.Steps {
		if e.Status == mailconn.StatusSkipped {
			continue
		}
		if i, ok := seen[e.Step]; ok {
			steps.samples[i].value = e.Elapsed.Seconds()
			continue
		}
		seen[e.Step] = len(steps.samples)
		steps.samples = append(steps.samples, omSample{labels: with(omLabel{labelStep, string(e.Step)}), value: e.Elapsed.Seconds()})
	}
	if len(steps.samples) > 0 {
		fams = append(fams, steps)
	}
	gauge(MetricCheckDuration, "Time the whole connection test took.", res.Elapsed.Seconds())
	gauge(MetricCheckStatus, "The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", float64(r.State))

	if !f.CertNotAfter.IsZero() {
		gauge(MetricCertExpiry, "When the server's certificate expires, in Unix time.", float64(f.CertNotAfter.Unix()))
	}
	if f.Messages != nil {
		gauge(MetricMessages, "Messages in the folder (IMAP) or the mailbox (POP3).", float64(*f.Messages))
	}
	if f.Unseen != nil {
		gauge(MetricUnseen, "Unseen messages in the folder (IMAP).", float64(*f.Unseen))
	}
	if !f.Oldest.IsZero() {
		gauge(MetricOldestUnseen, "Arrival of the oldest unseen message (IMAP) or Date of the oldest message left on the server (POP3), in Unix time.", float64(f.Oldest.Unix()))
	}
	gauge(MetricLastCheck, "When this check ran, in Unix time.", float64(r.Now.UnixMilli())/1000)

	for _, fam := range fams {
		for _, s := range fam.samples {
			for _, l := range s.labels {
				if !utf8.ValidString(l.value) {
					return nil, fmt.Errorf("build the metrics: the %s label of %s, %q, is not valid UTF-8", l.name, fam.name, l.value)
				}
			}
		}
		slices.SortFunc(fam.samples, func(a, b omSample) int {
			for i := range min(len(a.labels), len(b.labels)) {
				if c := cmp.Compare(a.labels[i].value, b.labels[i].value); c != 0 {
					return c
				}
			}
			return cmp.Compare(len(a.labels), len(b.labels))
		})
	}
	slices.SortFunc(fams, func(a, b omFamily) int { return strings.Compare(a.name, b.name) })
	return fams, nil
}

// WriteOpenMetrics writes the metrics in the Prometheus text exposition
// format (version 0.0.4), which node_exporter's textfile collector reads.
func (r *Report) WriteOpenMetrics(w io.Writer) error {
	fams, err := r.families()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		writeFamily(bw, f)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write the metrics: %w", err)
	}
	return nil
}

// writeFamily writes one gauge family as expfmt's text encoder does: the
// HELP and TYPE lines, then one line per sample. The metric and label
// names here are all valid legacy Prometheus names, so they need no
// quoting. bufio.Writer keeps the first error for Flush.
func writeFamily(w *bufio.Writer, f omFamily) {
	w.WriteString("# HELP ")
	w.WriteString(f.name)
	w.WriteByte(' ')
	helpEscaper.WriteString(w, f.help)
	w.WriteString("\n# TYPE ")
	w.WriteString(f.name)
	w.WriteString(" gauge\n")
	for _, s := range f.samples {
		w.WriteString(f.name)
		for i, l := range s.labels {
			if i == 0 {
				w.WriteByte('{')
			} else {
				w.WriteByte(',')
			}
			w.WriteString(l.name)
			w.WriteString(`="`)
			labelEscaper.WriteString(w, l.value)
			w.WriteByte('"')
		}
		if len(s.labels) > 0 {
			w.WriteByte('}')
		}
		w.WriteByte(' ')
		w.WriteString(formatFloat(s.value))
		w.WriteByte('\n')
	}
}

// The exposition format escapes '\' and newline in HELP text, and '\',
// '"' and newline in label values. (A Replacer builds its tables on first
// use, not at init.)
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// formatFloat spells a sample value as Prometheus does: the shortest 'g'
// form, with 0 (also -0), 1 and -1 short and +Inf, -Inf and NaN by name.
func formatFloat(v float64) string {
	switch {
	case v == 1:
		return "1"
	case v == 0:
		return "0"
	case v == -1:
		return "-1"
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
