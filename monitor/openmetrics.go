package monitor

import (
	"fmt"
	"io"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/mailsetup/mailsetup/mailconn"
)

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

// Registry builds a Prometheus registry holding the check's metrics. Every
// metric carries the labels protocol, server, port and mailbox (from the
// config); mailsetup_check_success also failed_step and field, set on
// failure.
func (r *Report) Registry() (*prometheus.Registry, error) {
	reg := prometheus.NewPedanticRegistry()
	constLabels := prometheus.Labels{
		"protocol": r.Protocol,
		"server":   r.Server,
		"port":     strconv.Itoa(r.Port),
		"mailbox":  r.Mailbox,
	}
	gauge := func(name, help string, v float64) error {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: constLabels})
		g.Set(v)
		return reg.Register(g)
	}
	res := r.Result
	f := res.Figures
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
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
		add(gauge(MetricUp, "1 when the mail server accepted a connection, 0 when it could not be found or reached.", up))
	}

	success := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name:        MetricCheckSuccess,
		Help:        "1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.",
		ConstLabels: constLabels,
	}, []string{labelFailedStep, labelField})
	if res.OK {
		success.WithLabelValues("", "").Set(1)
	} else {
		success.WithLabelValues(string(res.FailedStep), res.Field).Set(0)
	}
	add(reg.Register(success))

	steps := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name:        MetricStepDuration,
		Help:        "Time each step of the connection test took.",
		ConstLabels: constLabels,
	}, []string{labelStep})
	for _, e := range r.Steps {
		if e.Status != mailconn.StatusSkipped {
			steps.WithLabelValues(string(e.Step)).Set(e.Elapsed.Seconds())
		}
	}
	add(reg.Register(steps))
	add(gauge(MetricCheckDuration, "Time the whole connection test took.", res.Elapsed.Seconds()))
	add(gauge(MetricCheckStatus, "The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", float64(r.State)))

	if !f.CertNotAfter.IsZero() {
		add(gauge(MetricCertExpiry, "When the server's certificate expires, in Unix time.", unix(f.CertNotAfter.Unix())))
	}
	if f.Messages != nil {
		add(gauge(MetricMessages, "Messages in the folder (IMAP) or the mailbox (POP3).", float64(*f.Messages)))
	}
	if f.Unseen != nil {
		add(gauge(MetricUnseen, "Unseen messages in the folder (IMAP).", float64(*f.Unseen)))
	}
	if !f.Oldest.IsZero() {
		add(gauge(MetricOldestUnseen, "Arrival of the oldest unseen message (IMAP) or Date of the oldest message left on the server (POP3), in Unix time.", unix(f.Oldest.Unix())))
	}
	add(gauge(MetricLastCheck, "When this check ran, in Unix time.", float64(r.Now.UnixMilli())/1000))
	if len(errs) > 0 {
		return nil, fmt.Errorf("build the metrics: %w", errs[0])
	}
	return reg, nil
}

func unix(sec int64) float64 { return float64(sec) }

// WriteOpenMetrics writes the metrics in the Prometheus text exposition
// format (version 0.0.4), which node_exporter's textfile collector reads.
func (r *Report) WriteOpenMetrics(w io.Writer) error {
	reg, err := r.Registry()
	if err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather the metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("write the metrics: %w", err)
		}
	}
	return nil
}
