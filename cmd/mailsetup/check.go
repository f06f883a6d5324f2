package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	mailoauth "github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/monitor"
)

// exitUnknown is the Monitoring Plugins' UNKNOWN: what check exits with on
// a usage or config error instead of exitUsage.
const exitUnknown = 3

// annotUnknownOnUsage marks a command whose usage errors exit with
// exitUnknown (see run).
const annotUnknownOnUsage = "mailsetup.unknown-on-usage"

type checkFlags struct {
	format  string
	output  string
	timeout time.Duration

	certWarning, certCritical       string
	backlogWarning, backlogCritical string
	timeWarning, timeCritical       string
	messagesWarning, messagesCrit   int64
}

func newCheckCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Test the saved config for monitoring (Nagios/Icinga, Prometheus, JSON)",
		Long: `Run the same connection test as "mailsetup test" and report it the way
monitoring systems read it, after thresholds on the certificate's expiry, the
backlog (the oldest unseen message), the message count and the time taken.
OAuth 2.0 tokens are refreshed as in "test", which keeps a refresh token alive.

--format nagios (default) prints the Monitoring Plugins status line with
performance data and the step log as long output; openmetrics prints the
Prometheus text format for node_exporter's textfile collector; json prints one
object. --output FILE replaces FILE atomically instead (mode 0644).

Exit status: 0 OK, 1 WARNING, 2 CRITICAL (a step failed or a threshold was
crossed), 3 UNKNOWN (usage or config error, or interrupted).`,
		Example: `  mailsetup check
  mailsetup check --backlog-warning 1h --backlog-critical 4h
  mailsetup check --format openmetrics --output /var/lib/prometheus/node-exporter/mailsetup.prom`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{annotUnknownOnUsage: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.Context(), g, f, stdout, stderr)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_, _ = fmt.Fprintf(stdout, "MAILSETUP UNKNOWN - %s\n", strings.ReplaceAll(err.Error(), "|", "/"))
		return c.Root().FlagErrorFunc()(c, err)
	})
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "nagios", "output `format`: nagios, openmetrics or json")
	fl.StringVar(&f.output, "output", "", "replace `FILE` atomically with the output (mode 0644) instead of printing it")
	fl.DurationVar(&f.timeout, "timeout", 0, "bound the whole test (default: the config's timeout, else 30s)")
	fl.StringVar(&f.certWarning, "cert-warning", "21d", "WARNING when the certificate expires within this (e.g. 21d, 36h; 0: never)")
	fl.StringVar(&f.certCritical, "cert-critical", "7d", "CRITICAL when the certificate expires within this")
	fl.StringVar(&f.backlogWarning, "backlog-warning", "0", "WARNING when the oldest unseen message (POP3: the oldest message) is older than this (e.g. 1h)")
	fl.StringVar(&f.backlogCritical, "backlog-critical", "0", "CRITICAL when the oldest unseen message is older than this (e.g. 4h)")
	fl.Int64Var(&f.messagesWarning, "messages-warning", 0, "WARNING above this many messages (0: no threshold)")
	fl.Int64Var(&f.messagesCrit, "messages-critical", 0, "CRITICAL above this many messages (0: no threshold)")
	fl.StringVar(&f.timeWarning, "time-warning", "5s", "WARNING when the test takes longer than this")
	fl.StringVar(&f.timeCritical, "time-critical", "15s", "CRITICAL when the test takes longer than this")
	return cmd
}

// thresholds parses the threshold flags.
func (f checkFlags) thresholds() (monitor.Thresholds, error) {
	th := monitor.Thresholds{MessagesWarning: f.messagesWarning, MessagesCritical: f.messagesCrit}
	for _, d := range []struct {
		flag, value string
		into        *time.Duration
	}{
		{"--cert-warning", f.certWarning, &th.CertWarning},
		{"--cert-critical", f.certCritical, &th.CertCritical},
		{"--backlog-warning", f.backlogWarning, &th.BacklogWarning},
		{"--backlog-critical", f.backlogCritical, &th.BacklogCritical},
		{"--time-warning", f.timeWarning, &th.TimeWarning},
		{"--time-critical", f.timeCritical, &th.TimeCritical},
	} {
		v, err := monitor.ParseDuration(d.value)
		if err != nil {
			return th, fmt.Errorf("%s: %w", d.flag, err)
		}
		*d.into = v
	}
	return th, th.Validate()
}

// runCheck loads the config, runs the test and writes the report. Usage
// and config errors are UNKNOWN (exit 3).
func runCheck(ctx context.Context, g *globals, f checkFlags, stdout, stderr io.Writer) error {
	unknown := func(err error) error {
		if f.format == "json" {
			_, _ = fmt.Fprintf(stdout, "{\"status\":\"UNKNOWN\",\"exit_code\":3,\"error\":%q}\n", err.Error())
		} else if f.format != "openmetrics" {
			_, _ = fmt.Fprintf(stdout, "MAILSETUP UNKNOWN - %s\n", strings.ReplaceAll(firstLine(err.Error()), "|", "/"))
		}
		return &exitError{code: exitUnknown, err: err}
	}
	switch f.format {
	case "nagios", "openmetrics", "json":
	default:
		err := fmt.Errorf("--format %q: use nagios, openmetrics or json", f.format)
		f.format = "nagios"
		return unknown(err)
	}
	th, err := f.thresholds()
	if err != nil {
		return unknown(err)
	}
	c, path, err := loadConfig(g, stderr)
	if err != nil {
		return unknown(err)
	}
	in := &c.Incoming
	now := time.Now()

	var events []mailconn.Event
	// As in test: the secret is got at the authenticate step, so a source
	// that fails there (a revoked OAuth 2.0 sign-in, a password_command
	// that fails) is CRITICAL at authenticate, which is what monitoring is
	// for; only the trust rule's refusal is UNKNOWN.
	var refused error
	opts := mailconn.Options{Timeout: f.timeout, Oldest: th.NeedOldest(), SecretFunc: func(ctx context.Context) (string, error) {
		s, err := resolveSecret(ctx, in, path, stderr)
		var pe *config.PermissionError
		if errors.As(err, &pe) && pe.Untrusted {
			refused = err
		}
		return s, err
	}}
	if in.Auth == config.AuthOAuth2 {
		opts.AuthFailureHint = mailoauth.AfterFailure(in)
	}
	res := mailconn.Test(ctx, *in, opts, func(e mailconn.Event) { events = append(events, e) })
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &exitError{code: exitUnknown}
	case refused != nil && !res.OK:
		return unknown(refused)
	}
	rep := monitor.Evaluate(*in, res, events, th, now)

	var buf bytes.Buffer
	switch f.format {
	case "openmetrics":
		err = rep.WriteOpenMetrics(&buf)
	case "json":
		err = rep.WriteJSON(&buf)
	default:
		err = rep.WriteNagios(&buf)
	}
	if err != nil {
		return unknown(err)
	}
	if f.output != "" {
		if err := monitor.WriteFile(f.output, buf.Bytes(), 0o644); err != nil {
			return unknown(err)
		}
	} else if _, err := stdout.Write(buf.Bytes()); err != nil {
		return &exitError{code: exitUnknown, err: err}
	}
	if rep.State == monitor.OK {
		return nil
	}
	return &exitError{code: int(rep.State)}
}

// isBareExit reports whether err is an exit code with nothing to print:
// how check reports its state (2 is CRITICAL there, not a usage error).
func isBareExit(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.err == nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
