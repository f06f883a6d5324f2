package monitor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func i64(n int64) *int64 { return &n }

func okResult(certLeft time.Duration) mailconn.Result {
	return mailconn.Result{OK: true, Elapsed: 112 * time.Millisecond, Figures: mailconn.Figures{
		CertNotAfter: now.Add(certLeft), Messages: i64(12), Unseen: i64(3), Oldest: now.Add(-3 * time.Minute),
	}}
}

func imapIn() config.Incoming {
	return config.Incoming{Protocol: config.ProtocolIMAP, Server: "mail.example.com", Port: 993, Mailbox: "INBOX/Support", Security: config.SecurityTLS}
}

func nagios(t *testing.T, r *Report) (first string, perf []Perf) {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteNagios(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, c := range out {
		if c > 0x7e || (c < 0x20 && c != '\n') {
			t.Fatalf("output is not printable ASCII: %q", out)
		}
	}
	first, _, _ = strings.Cut(out, "\n")
	_, p := SplitStatus(first)
	perf, err := ParsePerfdata(p)
	if err != nil {
		t.Fatalf("perfdata %q: %v", p, err)
	}
	return first, perf
}

func TestEvaluateStates(t *testing.T) {
	def := DefaultThresholds()
	withCrit14 := def
	withCrit14.CertCritical = 14 * Day
	backlog := def
	backlog.BacklogWarning, backlog.BacklogCritical = time.Hour, 4*time.Hour
	msgs := def
	msgs.MessagesWarning, msgs.MessagesCritical = 10, 100
	old := okResult(84 * Day)
	old.Figures.Oldest = now.Add(-2 * time.Hour)
	slow := okResult(84 * Day)
	slow.Elapsed = 6 * time.Second
	failed := mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: "password", Error: "AUTHENTICATIONFAILED", Hint: "The server refused the user name or password.", Elapsed: time.Second}
	tests := []struct {
		name   string
		res    mailconn.Result
		th     Thresholds
		want   State
		reason string
	}{
		{"ok", okResult(84 * Day), def, OK, ""},
		{"cert-10d-default", okResult(10*Day + time.Hour), def, Warning, "certificate expires in 10 days"},
		{"cert-10d-crit14", okResult(10*Day + time.Hour), withCrit14, Critical, "certificate expires in 10 days"},
		{"cert-expired", okResult(-3 * Day), def, Critical, "certificate expired 3 days ago"},
		{"backlog-2h-warn", old, backlog, Warning, "oldest unseen message is 2 h old (warning above 60 min)"},
		{"messages-warn", okResult(84 * Day), msgs, Warning, "12 messages (warning above 10)"},
		{"slow", slow, def, Warning, "took 6.000s"},
		{"failed", failed, def, Critical, "the authenticate step failed: The server refused"},
		{"canceled", mailconn.Result{Canceled: true}, def, Unknown, "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(imapIn(), tt.res, nil, tt.th, now)
			if r.State != tt.want {
				t.Fatalf("state %v, want %v (%q)", r.State, tt.want, r.Reasons)
			}
			first, _ := nagios(t, r)
			if !strings.HasPrefix(first, "MAILSETUP "+tt.want.String()+" - IMAP4 mail.example.com:993 INBOX/Support: ") {
				t.Errorf("status line %q", first)
			}
			if !strings.Contains(first, tt.reason) {
				t.Errorf("status line %q lacks %q", first, tt.reason)
			}
		})
	}
}

func TestNagiosExample(t *testing.T) {
	r := Evaluate(imapIn(), okResult(84*Day+time.Hour), nil, DefaultThresholds(), now)
	first, perf := nagios(t, r)
	want := "MAILSETUP OK - IMAP4 mail.example.com:993 INBOX/Support: 12 messages, 3 unseen, oldest unseen 3 min, certificate 84 days | time=0.112s;5;15;0 cert_days=84;21:;7: messages=12;;;0 unseen=3;;;0 oldest_unseen_age=180s;;;0"
	if first != want {
		t.Fatalf("got  %q\nwant %q", first, want)
	}
	if len(perf) != 5 || perf[0].Label != "time" || perf[0].UOM != "s" || perf[4].Value != "180" {
		t.Fatalf("perf %+v", perf)
	}
}

// TestNagiosHostileText: a mailbox name with '|', control characters and
// non-ASCII cannot break the status line or reach the perfdata.
func TestNagiosHostileText(t *testing.T) {
	in := imapIn()
	in.Mailbox = "Bestätigungen | x=1\r\nMAILSETUP OK"
	res := okResult(84 * Day)
	ev := []mailconn.Event{{Step: mailconn.StepMailbox, Status: mailconn.StatusOK, Title: "Open folder " + in.Mailbox, Detail: "ä|b"}}
	r := Evaluate(in, res, ev, DefaultThresholds(), now)
	var b bytes.Buffer
	_ = r.WriteNagios(&b)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want status line and one step line, got %q", lines)
	}
	for _, l := range lines {
		if strings.Count(l, "|") > 1 || (l != lines[0] && strings.Contains(l, "|")) {
			t.Errorf("line %q has a '|' from the text", l)
		}
	}
	first, perf := nagios(t, r)
	if len(perf) != 5 || !strings.Contains(first, "Best?tigungen / x=1  MAILSETUP OK") {
		t.Fatalf("%q %+v", first, perf)
	}
}

func TestPerfdataParserStrict(t *testing.T) {
	good := map[string]int{
		"time=0.112s;5;15;0":               1,
		"'disk usage'=5%;80;90 'it''s'=1c": 2,
		"a=U b=-1.5ms;~:10;@5:10;0;100":    2,
		"x=1KB;;;;":                        1,
		"cert_days=84;21:;7:":              1,
	}
	for s, n := range good {
		p, err := ParsePerfdata(s)
		if err != nil || len(p) != n {
			t.Errorf("%q: %v, %d items", s, err, len(p))
		}
	}
	p, _ := ParsePerfdata("'it''s'=1c")
	if p[0].Label != "it's" || p[0].UOM != "c" {
		t.Errorf("quoted label: %+v", p)
	}
	bad := []string{
		"time=0.1sec", "time=abc", "two words=1", "a=1;2;3;4;5;6", "'open=1", "a=1;x", "a=1;;;z", "=1", "a=1 b",
	}
	for _, s := range bad {
		if _, err := ParsePerfdata(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}

func TestOpenMetrics(t *testing.T) {
	ev := []mailconn.Event{
		{Step: mailconn.StepResolve, Status: mailconn.StatusRunning},
		{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Elapsed: time.Millisecond},
		{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Elapsed: 2 * time.Millisecond},
		{Step: mailconn.StepStartTLS, Status: mailconn.StatusSkipped},
		{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Elapsed: 3 * time.Millisecond},
	}
	res := mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: "password", Hint: "secret hint text", Figures: mailconn.Figures{CertNotAfter: now.Add(10 * Day)}}
	r := Evaluate(imapIn(), res, ev, DefaultThresholds(), now)
	var b bytes.Buffer
	if err := r.WriteOpenMetrics(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "secret hint") {
		t.Fatalf("hint text in the metrics:\n%s", b.String())
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b.String())
	}
	get := func(name string) float64 {
		t.Helper()
		mf, ok := mfs[name]
		if !ok || len(mf.Metric) == 0 {
			t.Fatalf("no %s in\n%s", name, b.String())
		}
		return mf.Metric[0].GetGauge().GetValue()
	}
	if get(MetricUp) != 1 || get(MetricCheckSuccess) != 0 || get(MetricCertExpiry) != float64(now.Add(10*Day).Unix()) || get(MetricLastCheck) != float64(now.Unix()) || get(MetricCheckStatus) != 2 {
		t.Fatalf("values:\n%s", b.String())
	}
	labels := map[string]string{}
	for _, l := range mfs[MetricCheckSuccess].Metric[0].Label {
		labels[l.GetName()] = l.GetValue()
	}
	want := map[string]string{"protocol": "IMAP4", "server": "mail.example.com", "port": "993", "mailbox": "INBOX/Support", "failed_step": "authenticate", "field": "password"}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	if n := len(mfs[MetricStepDuration].Metric); n != 3 {
		t.Errorf("%d step durations, want 3 (skipped and running left out)", n)
	}
	if _, ok := mfs[MetricMessages]; ok {
		t.Error("messages reported though the test never reached the folder")
	}
	for name := range mfs {
		if !model.LegacyValidation.IsValidMetricName(name) {
			t.Errorf("bad name %s", name)
		}
	}
}

func TestJSON(t *testing.T) {
	r := Evaluate(imapIn(), okResult(10*Day+time.Hour), []mailconn.Event{{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Title: "Resolve"}}, DefaultThresholds(), now)
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(b.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if o["status"] != "WARNING" || o["exit_code"] != 1.0 || o["cert_days"] != 10.0 || o["messages"] != 12.0 || o["unseen"] != 3.0 || o["oldest_unseen_age_seconds"] != 180.0 {
		t.Fatalf("%s", b.String())
	}
	if steps, _ := o["steps"].([]any); len(steps) != 1 {
		t.Fatalf("steps: %s", b.String())
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"21d": 21 * Day, "7d": 7 * Day, "36h": 36 * time.Hour, "5s": 5 * time.Second, "1h30m": 90 * time.Minute, "0": 0} {
		if got, err := ParseDuration(s); err != nil || got != want {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"21", "d", "-1h", "2.5d", "soon"} {
		if _, err := ParseDuration(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	bad := DefaultThresholds()
	bad.CertCritical = 30 * Day
	if bad.Validate() == nil {
		t.Error("critical farther than warning accepted")
	}
}
