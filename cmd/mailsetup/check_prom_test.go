package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// EnvRequirePrometheus, set to 1 (by .ci/run), makes a missing Prometheus,
// node_exporter or promtool fail the test instead of skipping it.
const envRequirePrometheus = "MAILSETUP_REQUIRE_PROMETHEUS"

// monitoringBinary finds one of names on $PATH, or skips (fails in CI)
// naming the Debian package.
func monitoringBinary(t *testing.T, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found: install the Debian package %s (apt-get install %s)", names[0], pkg, pkg)
	if os.Getenv(envRequirePrometheus) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// startDaemon starts bin with args as a child process, stopped at cleanup.
func startDaemon(t *testing.T, bin string, args ...string) *lockedBuffer {
	t.Helper()
	out := &lockedBuffer{seen: make(chan struct{}), want: "\x00never"}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return out
}

// promSample is one sample of a Prometheus instant query.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func promQuery(base, query string) ([]promSample, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %s: status %s", query, body.Status)
	}
	return body.Data.Result, nil
}

// TestCheckPrometheusEndToEnd: check writes the textfile, a real
// node_exporter exposes it, a real Prometheus scrapes it, and the query API
// returns mailsetup_up and the certificate's expiry with the labels.
func TestCheckPrometheusEndToEnd(t *testing.T) {
	nodeExporter := monitoringBinary(t, "prometheus-node-exporter", "prometheus-node-exporter", "node_exporter")
	prometheus := monitoringBinary(t, "prometheus", "prometheus")
	promtool := monitoringBinary(t, "prometheus", "promtool")

	srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertExpiresSoon})
	path := checkConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, mailtest.Alice.Password, nil)
	textDir := t.TempDir()
	prom := filepath.Join(textDir, "mailsetup.prom")
	code, out, errs := runCheckCLI(t, "--config", path, "--format", "openmetrics", "--output", prom)
	if code != 1 { // WARNING: the certificate expires in 10 days
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	data, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(data)
	if msg, err := check.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\n%s", err, msg, data)
	}

	nePort := freeLoopbackPort(t)
	neLog := startDaemon(t, nodeExporter,
		"--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+textDir,
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(nePort))

	promDir := t.TempDir()
	promConf := filepath.Join(promDir, "prometheus.yml")
	conf := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n", nePort)
	if err := os.WriteFile(promConf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	promPort := freeLoopbackPort(t)
	promLog := startDaemon(t, prometheus,
		"--config.file="+promConf,
		"--storage.tsdb.path="+filepath.Join(promDir, "data"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(promPort))
	base := "http://127.0.0.1:" + strconv.Itoa(promPort)

	wantLabels := map[string]string{
		"protocol": "IMAP4", "server": "127.0.0.1", "port": strconv.Itoa(srv.IMAPS), "mailbox": "INBOX", "job": "node",
	}
	wantExpiry := strconv.FormatInt(srv.Cert.NotAfter.Unix(), 10)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var last string
	for {
		up, err1 := promQuery(base, "mailsetup_up")
		exp, err2 := promQuery(base, "mailsetup_certificate_expiry_timestamp_seconds")
		last = fmt.Sprintf("mailsetup_up: %v %v; expiry: %v %v", up, err1, exp, err2)
		if err1 == nil && err2 == nil && len(up) == 1 && len(exp) == 1 {
			for k, v := range wantLabels {
				if up[0].Metric[k] != v || exp[0].Metric[k] != v {
					t.Fatalf("label %s: got %q and %q, want %q", k, up[0].Metric[k], exp[0].Metric[k], v)
				}
			}
			if up[0].Value[1] != "1" {
				t.Fatalf("mailsetup_up = %v, want 1", up[0].Value[1])
			}
			got, _ := strconv.ParseFloat(fmt.Sprint(exp[0].Value[1]), 64)
			if strconv.FormatFloat(got, 'f', 0, 64) != wantExpiry {
				t.Fatalf("certificate expiry = %v, want %s", exp[0].Value[1], wantExpiry)
			}
			// And the alert expression of the README fires for it.
			soon, err := promQuery(base, "mailsetup_certificate_expiry_timestamp_seconds - time() < 14 * 86400")
			if err != nil || len(soon) != 1 {
				t.Fatalf("certificate alert expression: %v %v", soon, err)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Prometheus never showed the metrics within 60 s: %s\nnode_exporter:\n%s\nprometheus:\n%s", last, neLog, promLog)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
