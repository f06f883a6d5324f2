package monitor

import (
	"bufio"
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/mailsetup/mailsetup/mailconn"
)

type omCase struct {
	name string
	r    *Report
}

// omCases are reports whose exposition was captured from the
// client_golang + expfmt writer this package used before (see
// TestOpenMetricsGolden).
func omCases() []omCase {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	okSteps := []mailconn.Event{
		{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Elapsed: 1500 * time.Microsecond},
		{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Elapsed: ms(2)},
		{Step: mailconn.StepTLS, Status: mailconn.StatusOK, Elapsed: ms(31)},
		{Step: mailconn.StepGreeting, Status: mailconn.StatusOK, Elapsed: 3 * time.Microsecond},
		{Step: mailconn.StepCapabilities, Status: mailconn.StatusOK, Elapsed: 250 * time.Microsecond},
		{Step: mailconn.StepStartTLS, Status: mailconn.StatusSkipped},
		{Step: mailconn.StepAuthenticate, Status: mailconn.StatusWarn, Elapsed: ms(40)},
		{Step: mailconn.StepMailbox, Status: mailconn.StatusOK, Elapsed: ms(7)},
		{Step: mailconn.StepLogout, Status: mailconn.StatusOK, Elapsed: 1234567 * time.Nanosecond},
	}
	ok := okResult(84 * Day)
	return []omCase{
		{"success", &Report{
			Protocol: "IMAP4", Server: "mail.example.com", Port: 993, Mailbox: "INBOX/Support",
			Result: ok, Steps: okSteps, Now: now.Add(123 * time.Millisecond), State: OK,
		}},
		{"auth-failed", &Report{
			Protocol: "IMAP4", Server: "mail.example.com", Port: 143, Mailbox: "INBOX",
			Result: mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: "password", Hint: "h", Elapsed: 2500 * time.Millisecond,
				Figures: mailconn.Figures{CertNotAfter: now.Add(10 * Day)}},
			Steps: []mailconn.Event{
				{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Elapsed: ms(1)},
				{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Elapsed: ms(2)},
				{Step: mailconn.StepStartTLS, Status: mailconn.StatusOK, Elapsed: ms(20)},
				{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Elapsed: 3 * time.Second},
			},
			Now: now, State: Critical,
		}},
		{"connect-refused", &Report{
			Protocol: "POP3", Server: "pop.example.com", Port: 995,
			Result: mailconn.Result{FailedStep: mailconn.StepConnect, Field: "port", Elapsed: ms(5)},
			Steps: []mailconn.Event{
				{Step: mailconn.StepResolve, Status: mailconn.StatusOK, Elapsed: ms(1)},
				{Step: mailconn.StepConnect, Status: mailconn.StatusFail, Elapsed: ms(4)},
			},
			Now: now, State: Critical,
		}},
		{"resolve-failed", &Report{
			Protocol: "IMAP4", Server: "nx.invalid", Port: 993, Mailbox: "INBOX",
			Result: mailconn.Result{FailedStep: mailconn.StepResolve, Field: "server"},
			Steps:  []mailconn.Event{{Step: mailconn.StepResolve, Status: mailconn.StatusFail, Elapsed: 30 * time.Second}},
			Now:    now, State: Critical,
		}},
		{"never-tried", &Report{
			Protocol: "IMAP4", Server: "outlook.office365.com", Port: 993, Mailbox: "INBOX",
			Result: mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: "oauth"},
			Now:    time.Time{}, State: Unknown,
		}},
		{"hostile-labels", &Report{
			Protocol: "IMAP4", Server: "mäil.\"quoted\"\\back\nslash.example",
			Port: 65535, Mailbox: "Bestätigungen \"q\" \\n \\ back\nnew\r\n\tline 日本 \u2028 \x7f",
			Result: mailconn.Result{FailedStep: mailconn.StepMailbox, Field: "mailbox \"x\"\\\n", Elapsed: ms(90),
				Figures: mailconn.Figures{CertNotAfter: time.Unix(-5, 0), Messages: i64(0), Unseen: i64(1 << 40), Oldest: time.Unix(4102444800, 0)}},
			Steps: []mailconn.Event{
				{Step: "weird \"step\"\\\n", Status: mailconn.StatusOK, Elapsed: ms(1)},
				{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Elapsed: ms(2)},
				{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Elapsed: ms(9)},
				{Step: mailconn.StepMailbox, Status: mailconn.StatusFail, Elapsed: ms(3)},
				{Step: "", Status: mailconn.StatusOK, Elapsed: ms(4)},
				{Step: "Zeta", Status: mailconn.StatusOK, Elapsed: ms(5)},
			},
			Now: now, State: Warning,
		}},
	}
}

// TestOpenMetricsGolden: the hand-written writer gives byte for byte the
// exposition that client_golang's registry and expfmt's encoder gave for
// the same reports (omGolden was captured from them).
func TestOpenMetricsGolden(t *testing.T) {
	cases := omCases()
	if len(cases) != len(omGolden) {
		t.Fatalf("%d cases, %d golden outputs", len(cases), len(omGolden))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.r.WriteOpenMetrics(&b); err != nil {
				t.Fatal(err)
			}
			if got, want := b.String(), omGolden[c.name]; got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d:\ngot  %q\nwant %q", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("got %d lines, want %d:\n%s", len(gl), len(wl), got)
			}
		})
	}
}

// TestOpenMetricsInvalidUTF8: a label value that is not UTF-8 is an
// error, as it was with client_golang, and nothing is written.
func TestOpenMetricsInvalidUTF8(t *testing.T) {
	for _, r := range []*Report{
		{Protocol: "IMAP4", Server: "a\xffb", Port: 1, Mailbox: "INBOX", Now: now},
		{Protocol: "IMAP4", Server: "a", Port: 1, Mailbox: "m\xfe", Now: now},
		{Protocol: "IMAP4", Server: "a", Port: 1, Now: now, Result: mailconn.Result{FailedStep: "x\xff"}},
		{Protocol: "IMAP4", Server: "a", Port: 1, Now: now, Result: mailconn.Result{OK: true}, Steps: []mailconn.Event{{Step: "\xc0", Status: mailconn.StatusOK}}},
	} {
		var b bytes.Buffer
		err := r.WriteOpenMetrics(&b)
		if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") || b.Len() != 0 {
			t.Errorf("%+v: err %v, wrote %q", r, err, b.String())
		}
	}
}

// TestOpenMetricsEscapingLikeExpfmt: HELP text, label values and sample
// values are spelled as expfmt spells them, for text a server or config
// could hold and for the values Prometheus names.
func TestOpenMetricsEscapingLikeExpfmt(t *testing.T) {
	texts := []string{"", "plain", `back\slash`, "new\nline", `"quoted"`, `\n literal`, "tab\tcr\r", "Bestätigungen 日本 \u2028", "\\\n\"\\", "\x00\x7f"}
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-7, 123456789012345678, 1.8035568e+09, -6.21355968e+10, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for _, s := range texts {
		for _, v := range values {
			name, gauge := "mailsetup_x", dto.MetricType_GAUGE
			mf := &dto.MetricFamily{Name: &name, Help: &s, Type: &gauge, Metric: []*dto.Metric{{
				Label: []*dto.LabelPair{{Name: new("a"), Value: &s}, {Name: new("b"), Value: new("x")}},
				Gauge: &dto.Gauge{Value: &v},
			}}}
			var want bytes.Buffer
			if _, err := expfmt.MetricFamilyToText(&want, mf); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			w := bufio.NewWriter(&got)
			writeFamily(w, omFamily{name: name, help: s, samples: []omSample{{labels: []omLabel{{"a", s}, {"b", "x"}}, value: v}}})
			_ = w.Flush()
			if got.String() != want.String() {
				t.Errorf("text %q value %v:\ngot  %q\nwant %q", s, v, got.String(), want.String())
			}
		}
	}
}

var omGolden = map[string]string{
	"success": "" +
		"# HELP mailsetup_certificate_expiry_timestamp_seconds When the server's certificate expires, in Unix time.\n" +
		"# TYPE mailsetup_certificate_expiry_timestamp_seconds gauge\n" +
		"mailsetup_certificate_expiry_timestamp_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1.8035568e+09\n" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 0.112\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 0\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"\",field=\"\",mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1.796299200123e+09\n" +
		"# HELP mailsetup_messages Messages in the folder (IMAP) or the mailbox (POP3).\n" +
		"# TYPE mailsetup_messages gauge\n" +
		"mailsetup_messages{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 12\n" +
		"# HELP mailsetup_oldest_unseen_timestamp_seconds Arrival of the oldest unseen message (IMAP) or Date of the oldest message left on the server (POP3), in Unix time.\n" +
		"# TYPE mailsetup_oldest_unseen_timestamp_seconds gauge\n" +
		"mailsetup_oldest_unseen_timestamp_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1.79629902e+09\n" +
		"# HELP mailsetup_step_duration_seconds Time each step of the connection test took.\n" +
		"# TYPE mailsetup_step_duration_seconds gauge\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"authenticate\"} 0.04\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"capabilities\"} 0.00025\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"connect\"} 0.002\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"greeting\"} 3e-06\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"logout\"} 0.001234567\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"mailbox\"} 0.007\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"resolve\"} 0.0015\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"tls\"} 0.031\n" +
		"# HELP mailsetup_unseen Unseen messages in the folder (IMAP).\n" +
		"# TYPE mailsetup_unseen gauge\n" +
		"mailsetup_unseen{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 3\n" +
		"# HELP mailsetup_up 1 when the mail server accepted a connection, 0 when it could not be found or reached.\n" +
		"# TYPE mailsetup_up gauge\n" +
		"mailsetup_up{mailbox=\"INBOX/Support\",port=\"993\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1\n",
	"auth-failed": "" +
		"# HELP mailsetup_certificate_expiry_timestamp_seconds When the server's certificate expires, in Unix time.\n" +
		"# TYPE mailsetup_certificate_expiry_timestamp_seconds gauge\n" +
		"mailsetup_certificate_expiry_timestamp_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1.7971632e+09\n" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 2.5\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 2\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"authenticate\",field=\"password\",mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 0\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1.7962992e+09\n" +
		"# HELP mailsetup_step_duration_seconds Time each step of the connection test took.\n" +
		"# TYPE mailsetup_step_duration_seconds gauge\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"authenticate\"} 3\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"connect\"} 0.002\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"resolve\"} 0.001\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\",step=\"starttls\"} 0.02\n" +
		"# HELP mailsetup_up 1 when the mail server accepted a connection, 0 when it could not be found or reached.\n" +
		"# TYPE mailsetup_up gauge\n" +
		"mailsetup_up{mailbox=\"INBOX\",port=\"143\",protocol=\"IMAP4\",server=\"mail.example.com\"} 1\n",
	"connect-refused": "" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\"} 0.005\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\"} 2\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"connect\",field=\"port\",mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\"} 0\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\"} 1.7962992e+09\n" +
		"# HELP mailsetup_step_duration_seconds Time each step of the connection test took.\n" +
		"# TYPE mailsetup_step_duration_seconds gauge\n" +
		"mailsetup_step_duration_seconds{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\",step=\"connect\"} 0.004\n" +
		"mailsetup_step_duration_seconds{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\",step=\"resolve\"} 0.001\n" +
		"# HELP mailsetup_up 1 when the mail server accepted a connection, 0 when it could not be found or reached.\n" +
		"# TYPE mailsetup_up gauge\n" +
		"mailsetup_up{mailbox=\"\",port=\"995\",protocol=\"POP3\",server=\"pop.example.com\"} 0\n",
	"resolve-failed": "" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\"} 0\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\"} 2\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"resolve\",field=\"server\",mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\"} 0\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\"} 1.7962992e+09\n" +
		"# HELP mailsetup_step_duration_seconds Time each step of the connection test took.\n" +
		"# TYPE mailsetup_step_duration_seconds gauge\n" +
		"mailsetup_step_duration_seconds{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\",step=\"resolve\"} 30\n" +
		"# HELP mailsetup_up 1 when the mail server accepted a connection, 0 when it could not be found or reached.\n" +
		"# TYPE mailsetup_up gauge\n" +
		"mailsetup_up{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"nx.invalid\"} 0\n",
	"never-tried": "" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"outlook.office365.com\"} 0\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"outlook.office365.com\"} 3\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"authenticate\",field=\"oauth\",mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"outlook.office365.com\"} 0\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"INBOX\",port=\"993\",protocol=\"IMAP4\",server=\"outlook.office365.com\"} -6.21355968e+10\n",
	"hostile-labels": "" +
		"# HELP mailsetup_certificate_expiry_timestamp_seconds When the server's certificate expires, in Unix time.\n" +
		"# TYPE mailsetup_certificate_expiry_timestamp_seconds gauge\n" +
		"mailsetup_certificate_expiry_timestamp_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} -5\n" +
		"# HELP mailsetup_check_duration_seconds Time the whole connection test took.\n" +
		"# TYPE mailsetup_check_duration_seconds gauge\n" +
		"mailsetup_check_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 0.09\n" +
		"# HELP mailsetup_check_status The Monitoring Plugins state after thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n" +
		"# TYPE mailsetup_check_status gauge\n" +
		"mailsetup_check_status{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 1\n" +
		"# HELP mailsetup_check_success 1 when every step of the connection test passed; on 0 failed_step and field say where it stopped.\n" +
		"# TYPE mailsetup_check_success gauge\n" +
		"mailsetup_check_success{failed_step=\"mailbox\",field=\"mailbox \\\"x\\\"\\\\\\n\",mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 0\n" +
		"# HELP mailsetup_last_check_timestamp_seconds When this check ran, in Unix time.\n" +
		"# TYPE mailsetup_last_check_timestamp_seconds gauge\n" +
		"mailsetup_last_check_timestamp_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 1.7962992e+09\n" +
		"# HELP mailsetup_messages Messages in the folder (IMAP) or the mailbox (POP3).\n" +
		"# TYPE mailsetup_messages gauge\n" +
		"mailsetup_messages{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 0\n" +
		"# HELP mailsetup_oldest_unseen_timestamp_seconds Arrival of the oldest unseen message (IMAP) or Date of the oldest message left on the server (POP3), in Unix time.\n" +
		"# TYPE mailsetup_oldest_unseen_timestamp_seconds gauge\n" +
		"mailsetup_oldest_unseen_timestamp_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 4.1024448e+09\n" +
		"# HELP mailsetup_step_duration_seconds Time each step of the connection test took.\n" +
		"# TYPE mailsetup_step_duration_seconds gauge\n" +
		"mailsetup_step_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\",step=\"\"} 0.004\n" +
		"mailsetup_step_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\",step=\"Zeta\"} 0.005\n" +
		"mailsetup_step_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\",step=\"connect\"} 0.009\n" +
		"mailsetup_step_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\",step=\"mailbox\"} 0.003\n" +
		"mailsetup_step_duration_seconds{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\",step=\"weird \\\"step\\\"\\\\\\n\"} 0.001\n" +
		"# HELP mailsetup_unseen Unseen messages in the folder (IMAP).\n" +
		"# TYPE mailsetup_unseen gauge\n" +
		"mailsetup_unseen{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 1.099511627776e+12\n" +
		"# HELP mailsetup_up 1 when the mail server accepted a connection, 0 when it could not be found or reached.\n" +
		"# TYPE mailsetup_up gauge\n" +
		"mailsetup_up{mailbox=\"Bestätigungen \\\"q\\\" \\\\n \\\\ back\\nnew\r\\n\tline 日本 \u2028 \x7f\",port=\"65535\",protocol=\"IMAP4\",server=\"mäil.\\\"quoted\\\"\\\\back\\nslash.example\"} 1\n",
}
