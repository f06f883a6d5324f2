package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/monitor"
)

// checkConfig writes a config for the rig, changed by edit when not nil.
func checkConfig(t *testing.T, srv *mailtest.Server, protocol, security string, port int, password string, edit func(*config.Incoming)) string {
	t.Helper()
	c := config.Default()
	in := &c.Incoming
	in.Protocol, in.Server, in.Port, in.Security = protocol, srv.Host, port, security
	in.Username, in.Password, in.CAFile = mailtest.Alice.Name, password, srv.CAFile
	if edit != nil {
		edit(in)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCheck runs "check" with args and returns the exit code, stdout and
// stderr.
func runCheckCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliHangGuard)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"check"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// nagiosStatus checks the Monitoring Plugins output of check: printable
// ASCII, a status line "MAILSETUP STATE - …" matching the exit code,
// performance data that the strict parser takes. It returns the status
// line's text and the perfdata by label.
func nagiosStatus(t *testing.T, code int, out string) (string, map[string]monitor.Perf) {
	t.Helper()
	for _, c := range out {
		if c > 0x7e || (c < 0x20 && c != '\n') {
			t.Fatalf("output is not printable ASCII: %q", out)
		}
	}
	first, _, _ := strings.Cut(out, "\n")
	state := monitor.State(code).String()
	if !strings.HasPrefix(first, "MAILSETUP "+state+" - ") {
		t.Fatalf("exit %d but status line %q", code, first)
	}
	text, perf := monitor.SplitStatus(first)
	items, err := monitor.ParsePerfdata(perf)
	if err != nil {
		t.Fatalf("perfdata %q: %v", perf, err)
	}
	byLabel := map[string]monitor.Perf{}
	for _, p := range items {
		byLabel[p.Label] = p
	}
	return text, byLabel
}

func TestCheckNagios(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	imaps := func(pw string) string {
		return checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, pw, nil)
	}
	t.Run("ok", func(t *testing.T) {
		code, out, errs := runCheckCLI(t, "--config", imaps(mailtest.Alice.Password))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		text, perf := nagiosStatus(t, code, out)
		days := int64(time.Until(srv.Cert.NotAfter) / (24 * time.Hour))
		want := fmt.Sprintf("MAILSETUP OK - IMAP4 127.0.0.1:%d INBOX: 3 messages, 2 unseen, certificate %d days", srv.IMAPS, days)
		if text != want {
			t.Errorf("status %q\nwant   %q", text, want)
		}
		if p := perf["cert_days"]; p.Value != strconv.FormatInt(days, 10) || p.Warn != "21:" || p.Crit != "7:" {
			t.Errorf("cert_days %+v", p)
		}
		if p := perf["messages"]; p.Value != "3" || p.Min != "0" {
			t.Errorf("messages %+v", p)
		}
		if p := perf["unseen"]; p.Value != "2" {
			t.Errorf("unseen %+v", p)
		}
		if p := perf["time"]; p.UOM != "s" || p.Warn != "5" || p.Crit != "15" {
			t.Errorf("time %+v", p)
		}
		if _, ok := perf["oldest_unseen_age"]; ok {
			t.Errorf("oldest_unseen_age without a backlog threshold (a round trip for nothing)")
		}
		long := strings.Split(strings.TrimSpace(out), "\n")[1:]
		if len(long) < 8 || !strings.HasPrefix(long[0], "[OK] ") || !strings.Contains(out, "[OK] Open folder INBOX") {
			t.Errorf("long output is not the step log:\n%s", out)
		}
		assertNoSecret(t, mailtest.Alice.Name, mailtest.Alice.Password, map[string]string{"stdout": out, "stderr": errs})
	})
	t.Run("wrong-password", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", imaps("wrong-"+mailtest.Alice.Password))
		if code != 2 {
			t.Fatalf("exit %d, want 2 (CRITICAL)\n%s", code, out)
		}
		text, _ := nagiosStatus(t, code, out)
		if !strings.Contains(text, "the authenticate step failed: ") || !strings.Contains(text, "password") {
			t.Errorf("status %q does not name the step and the hint", text)
		}
		if strings.Contains(text, "AUTHENTICATIONFAILED") {
			t.Errorf("status %q carries a protocol code, not a sentence", text)
		}
		if !strings.Contains(out, "[FAIL] ") {
			t.Errorf("long output has no failed step:\n%s", out)
		}
	})
	t.Run("server-down", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, port, mailtest.Alice.Password, nil)
		code, out, _ := runCheckCLI(t, "--config", path)
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s", code, out)
		}
		if text, _ := nagiosStatus(t, code, out); !strings.Contains(text, "the connect step failed") {
			t.Errorf("status %q", text)
		}
		code, out, _ = runCheckCLI(t, "--config", path, "--format", "openmetrics")
		if code != 2 || !strings.Contains(out, `mailsetup_up{mailbox="INBOX",port="`+strconv.Itoa(port)+`",protocol="IMAP4",server="127.0.0.1"} 0`+"\n") || !strings.Contains(out, `mailsetup_check_success{failed_step="connect",field="port"`) {
			t.Errorf("exit %d; want mailsetup_up 0 and the failed connect:\n%s", code, out)
		}
	})
	t.Run("password-command-fails", func(t *testing.T) {
		// A secret source that fails is what monitoring is for: CRITICAL
		// at the sign-in, naming the command's failure, not UNKNOWN.
		path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, "", func(in *config.Incoming) {
			in.Password, in.PasswordCommand = "", "echo vault is sealed >&2; exit 3"
		})
		code, out, errs := runCheckCLI(t, "--config", path)
		if code != 2 {
			t.Fatalf("exit %d, want 2 (CRITICAL)\n%s%s", code, out, errs)
		}
		if text, _ := nagiosStatus(t, code, out); !strings.Contains(text, "the authenticate step failed") || !strings.Contains(text, "vault is sealed") {
			t.Errorf("status %q does not name the sign-in and the command's failure", text)
		}
	})
	t.Run("untrusted-password-file", func(t *testing.T) {
		// The trust rule refuses before anything runs: UNKNOWN.
		dir := t.TempDir()
		pwFile := filepath.Join(dir, "secret")
		if err := os.WriteFile(pwFile, []byte(mailtest.Alice.Password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, "", func(in *config.Incoming) {
			in.Password, in.PasswordFile = "", pwFile
		})
		if err := os.Chmod(pwFile, 0o620); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCheckCLI(t, "--config", path)
		if code != 3 || !strings.Contains(out, "chmod go-w") {
			t.Fatalf("exit %d, want 3 (UNKNOWN) with the fix\n%s%s", code, out, errs)
		}
	})
	t.Run("broken-config", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(path, []byte("[incoming\nserver = \n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCheckCLI(t, "--config", path)
		if code != 3 {
			t.Fatalf("exit %d, want 3 (UNKNOWN)\n%s%s", code, out, errs)
		}
		nagiosStatus(t, code, out)
	})
	t.Run("bad-threshold", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", imaps(mailtest.Alice.Password), "--cert-warning", "soon")
		if code != 3 || !strings.Contains(out, "--cert-warning") {
			t.Fatalf("exit %d, want 3 naming the flag\n%s", code, out)
		}
	})
	t.Run("unknown-flag", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", imaps(mailtest.Alice.Password), "--no-such-flag")
		if code != 3 {
			t.Fatalf("exit %d, want 3\n%s", code, out)
		}
		nagiosStatus(t, code, out)
	})
	t.Run("too-slow", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", imaps(mailtest.Alice.Password), "--time-warning", "1ns", "--time-critical", "1h")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, out)
		}
		nagiosStatus(t, code, out)
	})
	t.Run("messages", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", imaps(mailtest.Alice.Password), "--messages-warning", "1", "--messages-critical", "2")
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s", code, out)
		}
		if _, perf := nagiosStatus(t, code, out); perf["messages"].Warn != "1" || perf["messages"].Crit != "2" {
			t.Errorf("messages perfdata %+v", perf["messages"])
		}
	})
}

func TestCheckCertificate(t *testing.T) {
	soon := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertExpiresSoon})
	expired := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertExpired})
	tests := []struct {
		name string
		srv  *mailtest.Server
		edit func(*config.Incoming)
		args []string
		want int
		text string
	}{
		{"10-days/default", soon, nil, nil, 1, "certificate expires in 10 days (warning below 21 days)"},
		{"10-days/critical-14d", soon, nil, []string{"--cert-critical", "14d"}, 2, "certificate expires in 10 days (critical below 14 days)"},
		{"10-days/pinned", soon, func(in *config.Incoming) { in.CAFile, in.PinnedCertificateSHA256 = "", soon.CertSHA256 }, nil, 1, "certificate expires in 10 days"},
		{"expired", expired, nil, nil, 2, "the tls step failed"},
		{"expired/not-rejected", expired, func(in *config.Incoming) { in.RejectInvalidCertificates = false }, nil, 2, "the certificate expired 30 days ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := checkConfig(t, tt.srv, config.ProtocolIMAP, config.SecurityTLS, tt.srv.IMAPS, mailtest.Alice.Password, tt.edit)
			code, out, errs := runCheckCLI(t, append([]string{"--config", path}, tt.args...)...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.want, out, errs)
			}
			text, perf := nagiosStatus(t, code, out)
			if !strings.Contains(text, tt.text) {
				t.Errorf("status %q lacks %q", text, tt.text)
			}
			if _, ok := perf["cert_days"]; !ok {
				t.Errorf("no cert_days in the perfdata: %q", out)
			}
		})
	}
}

// appendOld creates folder and APPENDs one unseen message whose
// INTERNALDATE is age ago.
func appendOld(t *testing.T, srv *mailtest.Server, folder string, age time.Duration) {
	t.Helper()
	c, err := imapclient.DialTLS(srv.Addr(srv.IMAPS), &imapclient.Options{TLSConfig: srv.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(folder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	when := time.Now().Add(-age)
	msg := "Date: " + when.Format(time.RFC1123Z) + "\r\nFrom: a@example.com\r\nSubject: stuck\r\n\r\nhello\r\n"
	cmd := c.Append(folder, int64(len(msg)), &imap.AppendOptions{Time: when})
	if _, err := cmd.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	_ = c.Logout().Wait()
}

func TestCheckBacklog(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	appendOld(t, srv, "Stuck", 2*time.Hour)
	path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, mailtest.Alice.Password, func(in *config.Incoming) { in.Mailbox = "Stuck" })
	t.Run("warning-1h", func(t *testing.T) {
		code, out, errs := runCheckCLI(t, "--config", path, "--backlog-warning", "1h")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
		}
		text, perf := nagiosStatus(t, code, out)
		if !strings.Contains(text, "the oldest unseen message is 2 h old (warning above 60 min)") {
			t.Errorf("status %q", text)
		}
		p := perf["oldest_unseen_age"]
		age, _ := strconv.Atoi(p.Value)
		if p.UOM != "s" || age < 7200 || age > 7200+120 || p.Warn != "3600" {
			t.Errorf("oldest_unseen_age %+v", p)
		}
	})
	t.Run("critical-90m", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", path, "--backlog-warning", "1h", "--backlog-critical", "90m")
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s", code, out)
		}
	})
	t.Run("ok-3h", func(t *testing.T) {
		code, out, _ := runCheckCLI(t, "--config", path, "--backlog-warning", "3h")
		if code != 0 {
			t.Fatalf("exit %d, want 0\n%s", code, out)
		}
	})
	t.Run("pop3-top", func(t *testing.T) {
		// POP3: the Date of message 1 (2024) by TOP 1 0.
		p3 := checkConfig(t, srv, config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, mailtest.Alice.Password, nil)
		code, out, _ := runCheckCLI(t, "--config", p3, "--backlog-warning", "1h", "--backlog-critical", "30d")
		if code != 2 {
			t.Fatalf("exit %d, want 2\n%s", code, out)
		}
		if text, _ := nagiosStatus(t, code, out); !strings.Contains(text, "the oldest message on the server is") {
			t.Errorf("status %q", text)
		}
	})
}

func TestCheckJSONAndOutput(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, mailtest.Alice.Password, nil)
	code, out, _ := runCheckCLI(t, "--config", path, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(out), &o); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if o["status"] != "OK" || o["messages"] != 3.0 || o["unseen"] != 2.0 || o["cert_not_after"] == nil {
		t.Errorf("%s", out)
	}
	if steps, _ := o["steps"].([]any); len(steps) < 8 {
		t.Errorf("steps: %v", o["steps"])
	}

	dir := t.TempDir()
	prom := filepath.Join(dir, "mailsetup.prom")
	if err := os.WriteFile(prom, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCheckCLI(t, "--config", path, "--format", "openmetrics", "--output", prom)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	fi, err := os.Stat(prom)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("%v %v, want mode 0644", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	data, _ := os.ReadFile(prom)
	for _, want := range []string{
		`mailsetup_up{mailbox="INBOX",port="` + strconv.Itoa(srv.IMAPS) + `",protocol="IMAP4",server="127.0.0.1"} 1`,
		`mailsetup_check_success{failed_step="",field="",mailbox="INBOX"`,
		`mailsetup_certificate_expiry_timestamp_seconds{`,
		`mailsetup_messages{mailbox="INBOX",port="` + strconv.Itoa(srv.IMAPS) + `",protocol="IMAP4",server="127.0.0.1"} 3`,
		`mailsetup_step_duration_seconds{mailbox="INBOX",port="` + strconv.Itoa(srv.IMAPS) + `",protocol="IMAP4",server="127.0.0.1",step="authenticate"}`,
		`mailsetup_last_check_timestamp_seconds{`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %q:\n%s", want, data)
		}
	}
	assertNoSecret(t, mailtest.Alice.Name, mailtest.Alice.Password, map[string]string{"metrics": string(data), "json": out})
}
