package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// rigPortsFlag maps every candidate kind to the rig's listener for it.
func rigPortsFlag(srv *mailtest.Server) string {
	return fmt.Sprintf("imaps=%d,imap=%d,imap-plain=%d,pop3s=%d,pop3=%d,pop3-plain=%d",
		srv.IMAPS, srv.IMAP, srv.IMAPPlainOnly, srv.POP3S, srv.POP3, srv.POP3PlainOnly)
}

// closedPortsFlag maps every kind to a loopback port nothing listens on.
func closedPortsFlag(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var kv []string
	for _, k := range mailconn.Kinds {
		kv = append(kv, fmt.Sprintf("%s=%d", k, port))
	}
	return strings.Join(kv, ",")
}

// jsonLines decodes each line of out into a map.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func hasKeys(m map[string]any, keys ...string) []string {
	var missing []string
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	return missing
}

var probeKeys = []string{"type", "protocol", "port", "security", "answered", "tls_version", "certificate_ok", "certificate_error", "mechanisms", "elapsed_ms"}

func TestDiscoverJSON(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	code, out, errs := cli(t, "", "discover", srv.Host, "--json", "--ports", rigPortsFlag(srv), "--ca-file", srv.CAFile, "--timeout", "20s")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	lines := jsonLines(t, out)
	if len(lines) != len(mailconn.Kinds)+1 {
		t.Fatalf("%d lines, want %d probes and a recommendation:\n%s", len(lines), len(mailconn.Kinds), out)
	}
	seen := map[string]bool{}
	for _, m := range lines[:len(lines)-1] {
		if m["type"] != "probe" {
			t.Errorf("line %v: type %v", m, m["type"])
		}
		if miss := hasKeys(m, probeKeys...); len(miss) > 0 {
			t.Errorf("probe line lacks %v: %v", miss, m)
		}
		if m["answered"] != true {
			t.Errorf("not answered: %v", m)
		}
		mechs, _ := m["mechanisms"].([]any)
		if !slices.Contains(mechs, any("PLAIN")) {
			t.Errorf("mechanisms %v", m["mechanisms"])
		}
		if m["security"] != config.SecurityNone && (m["tls_version"] != "TLS 1.3" || m["certificate_ok"] != true || m["certificate_error"] != "") {
			t.Errorf("TLS line %v", m)
		}
		if kex, _ := m["key_exchange"].(string); m["security"] != config.SecurityNone &&
			(!strings.HasPrefix(kex, "X25519") || m["hello_retry_request"] != false) {
			t.Errorf("TLS line %v: want an X25519 key exchange and no HelloRetryRequest", m)
		}
		seen[fmt.Sprintf("%v %v", m["protocol"], m["security"])] = true
	}
	if len(seen) != len(mailconn.Kinds) {
		t.Errorf("candidates seen: %v", seen)
	}
	rec := lines[len(lines)-1]
	if miss := hasKeys(rec, "type", "protocol", "port", "security", "certificate_ok"); len(miss) > 0 {
		t.Errorf("recommendation lacks %v: %v", miss, rec)
	}
	if rec["type"] != "recommendation" || rec["protocol"] != "imap" || rec["security"] != "tls" ||
		rec["port"] != float64(srv.IMAPS) || rec["certificate_ok"] != true {
		t.Errorf("recommendation %v", rec)
	}
}

// TestDiscoverExtraPort probes the rig's listeners as --port, the usual
// candidates pointed at a closed port.
func TestDiscoverExtraPort(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	closed := closedPortsFlag(t)
	tests := []struct {
		name      string
		ports     []string // the --port flags
		extra     []int    // the ports they name
		wantPort  int
		wantProto string
		wantSec   string
	}{
		{"POP3 with STLS", []string{"--port", fmt.Sprint(srv.POP3)}, []int{srv.POP3}, srv.POP3, config.ProtocolPOP3, config.SecurityStartTLS},
		{"repeated", []string{"--port", fmt.Sprint(srv.POP3), "--port", fmt.Sprint(srv.IMAPS)}, []int{srv.POP3, srv.IMAPS},
			srv.IMAPS, config.ProtocolIMAP, config.SecurityTLS},
		{"comma list", []string{"--port", fmt.Sprintf("%d,%d", srv.IMAPS, srv.POP3)}, []int{srv.IMAPS, srv.POP3},
			srv.IMAPS, config.ProtocolIMAP, config.SecurityTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"discover", srv.Host, "--json", "--ports", closed, "--ca-file", srv.CAFile, "--timeout", "20s"}, tt.ports...)
			code, out, errs := cli(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
			}
			lines := jsonLines(t, out)
			want := len(mailconn.Kinds) * (1 + len(tt.extra))
			if len(lines) != want+1 {
				t.Fatalf("%d lines, want %d probes and a recommendation:\n%s", len(lines), want, out)
			}
			perPort := map[float64]int{}
			for _, m := range lines[:want] {
				if miss := hasKeys(m, probeKeys...); len(miss) > 0 || m["type"] != "probe" {
					t.Errorf("probe line lacks %v: %v", miss, m)
				}
				perPort[m["port"].(float64)]++
			}
			for _, p := range tt.extra {
				if perPort[float64(p)] != len(mailconn.Kinds) {
					t.Errorf("%d probes on port %d, want %d", perPort[float64(p)], p, len(mailconn.Kinds))
				}
			}
			rec := lines[want]
			if rec["type"] != "recommendation" || rec["port"] != float64(tt.wantPort) || rec["protocol"] != tt.wantProto || rec["security"] != tt.wantSec {
				t.Errorf("recommendation %v, want %s %s on %d", rec, tt.wantProto, tt.wantSec, tt.wantPort)
			}
		})
	}
}

func TestDiscoverNothingAnswers(t *testing.T) {
	ports := closedPortsFlag(t)
	t.Run("json", func(t *testing.T) {
		code, out, _ := cli(t, "", "discover", "127.0.0.1", "--json", "--ports", ports)
		if code != exitTestFailed {
			t.Errorf("exit %d, want %d", code, exitTestFailed)
		}
		lines := jsonLines(t, out)
		if len(lines) != len(mailconn.Kinds) {
			t.Fatalf("%d lines, want %d probes and no recommendation:\n%s", len(lines), len(mailconn.Kinds), out)
		}
		for _, m := range lines {
			if m["type"] != "probe" || m["answered"] != false || m["error"] != "connection refused" {
				t.Errorf("line %v", m)
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		code, out, _ := cli(t, "", "discover", "127.0.0.1", "--ports", ports)
		if code != exitTestFailed || !strings.Contains(out, "Nothing answered on 127.0.0.1") || strings.Contains(out, "Recommended") {
			t.Errorf("exit %d, output:\n%s", code, out)
		}
	})
}

func TestDiscoverText(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	tests := []struct {
		name, lang, term string
		ascii            bool
		want, notWant    []string
	}{
		{"utf-8", "C.UTF-8", "xterm", false, []string{"✓  IMAP", "!  IMAP", "✓ Recommended: IMAP over TLS"}, []string{"[ok]"}},
		{"non-utf-8 locale", "C", "xterm", true, []string{"[ok]    IMAP", "[warn]  IMAP", "[ok]   Recommended: IMAP over TLS"}, []string{"✓", "!  "}},
		{"dumb terminal", "C.UTF-8", "dumb", true, []string{"[ok]    IMAP", "[ok]   Recommended"}, []string{"✓"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LANG", tt.lang)
			t.Setenv("LC_ALL", "")
			t.Setenv("LC_CTYPE", "")
			t.Setenv("TERM", tt.term)
			code, out, errs := cli(t, "", "discover", srv.Host, "--ports", rigPortsFlag(srv), "--ca-file", srv.CAFile, "--timeout", "20s")
			if code != 0 {
				t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
			}
			for _, w := range append(tt.want,
				"PROTOCOL", "CERTIFICATE", "MECHANISMS", "verified", "TLS 1.3", "PLAIN LOGIN USER",
				fmt.Sprintf("mailsetup init --protocol imap --server 127.0.0.1 --port %d", srv.IMAPS), "--security tls", "--ca-file "+srv.CAFile) {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(out, nw) {
					t.Errorf("output has %q:\n%s", nw, out)
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(l); n > 80 {
					t.Errorf("line of %d columns: %q", n, l)
				}
				if tt.ascii && !isASCII(l) {
					t.Errorf("non-ASCII line: %q", l)
				}
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestDiscoverUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"discover"}, "arg"},
		{"two targets", []string{"discover", "a", "b"}, "arg"},
		{"unknown kind", []string{"discover", "h", "--ports", "smtp=25"}, "smtp"},
		{"port out of range", []string{"discover", "h", "--ports", "imaps=0"}, "imaps=0"},
		{"extra port out of range", []string{"discover", "h", "--port", "70000"}, "--port: 70000"},
		{"extra port not a number", []string{"discover", "h", "--port", "pop3"}, "pop3"},
		{"extra port with an address", []string{"discover", "user@example.com", "--port", "44115"}, "HOST"},
		{"unreadable CA file", []string{"discover", "127.0.0.1", "--ca-file", "/nonexistent/ca.pem"}, "ca_file"},
		{"address without domain", []string{"discover", "user@"}, "not an email address"},
		{"init: bad discover ports", []string{"init", "--from-discover", "h", "--discover-ports", "x=1", "--server", "h", "--username", "u", "--password-env", "X"}, "--discover-ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), "--config", filepath.Join(t.TempDir(), "c.toml"))
			code, out, errs := cli(t, "", args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q (want %q), stdout %q", code, errs, tt.want, out)
			}
		})
	}
}

func TestInitFromDiscover(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	ports := rigPortsFlag(srv)
	tests := []struct {
		name     string
		extra    []string
		protocol string
		security string
		port     int
	}{
		{"the recommendation", nil, "imap", "tls", srv.IMAPS},
		{"explicit protocol wins", []string{"--protocol", "pop3"}, "pop3", "tls", srv.POP3S},
		{"explicit security wins", []string{"--security", "starttls"}, "imap", "starttls", srv.IMAP},
		{"both explicit", []string{"--protocol", "pop3", "--security", "none"}, "pop3", "none", srv.POP3PlainOnly},
		{"--allow-plaintext still takes TLS", []string{"--allow-plaintext"}, "imap", "tls", srv.IMAPS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			args := append([]string{"init", "--config", path, "--from-discover", srv.Host, "--discover-ports", ports,
				"--ca-file", srv.CAFile, "--username", "alice", "--password-env", "MAILSETUP_TEST_PW"}, tt.extra...)
			code, out, errs := cli(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
			}
			c, _, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			in := c.Incoming
			if in.Server != srv.Host || in.Protocol != tt.protocol || in.Security != tt.security || in.EffectivePort() != tt.port {
				t.Errorf("config %+v, want %s %s port %d", in, tt.protocol, tt.security, tt.port)
			}
			want := fmt.Sprintf("discover chose %s on %s, port %d, security %s", strings.ToUpper(tt.protocol), srv.Host, tt.port, tt.security)
			if !strings.Contains(errs, want) {
				t.Errorf("stderr %q lacks %q", errs, want)
			}
		})
	}

	t.Run("invalid certificate warned", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		code, _, errs := cli(t, "", "init", "--config", path, "--from-discover", srv.Host, "--discover-ports", ports,
			"--username", "alice", "--password-env", "MAILSETUP_TEST_PW")
		if code != 0 || !strings.Contains(errs, "warning: certificate signed by an unknown authority") || !strings.Contains(errs, srv.CertSHA256) {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})

	t.Run("nothing answers", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		code, _, errs := cli(t, "", "init", "--config", path, "--from-discover", "127.0.0.1", "--discover-ports", closedPortsFlag(t),
			"--username", "alice", "--password-env", "MAILSETUP_TEST_PW")
		if code != exitTestFailed || !strings.Contains(errs, "no server answered") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a config was written: %v", err)
		}
	})
}

// strippedPortsFlag is what an attacker on the path leaves of the rig: the
// TLS ports closed (blocked) and no STARTTLS offered on 143 and 110 (the
// plain-only listeners, as if STARTTLS were removed from the capabilities).
func strippedPortsFlag(t *testing.T, srv *mailtest.Server) string {
	closed := strings.Split(strings.Split(closedPortsFlag(t), ",")[0], "=")[1]
	return fmt.Sprintf("imaps=%s,imap=%d,imap-plain=%d,pop3s=%s,pop3=%d,pop3-plain=%d",
		closed, srv.IMAPPlainOnly, srv.IMAPPlainOnly, closed, srv.POP3PlainOnly, srv.POP3PlainOnly)
}

// TestDiscoverPlainTextOnly: a host that answers only in plain text (or a
// connection whose TLS was stripped) gets no recommendation, and discover
// says why.
func TestDiscoverPlainTextOnly(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	ports := strippedPortsFlag(t, srv)
	t.Run("json", func(t *testing.T) {
		code, out, errs := cli(t, "", "discover", srv.Host, "--json", "--ports", ports, "--timeout", "20s")
		if code != 0 {
			t.Fatalf("exit %d, want 0 (candidates answered); stderr %q\n%s", code, errs, out)
		}
		lines := jsonLines(t, out)
		if len(lines) != len(mailconn.Kinds)+1 {
			t.Fatalf("%d lines, want %d probes and one no_recommendation line:\n%s", len(lines), len(mailconn.Kinds), out)
		}
		plain := 0
		for _, m := range lines[:len(lines)-1] {
			if m["type"] != "probe" {
				t.Errorf("line %v: want a probe", m)
			}
			if m["answered"] == true {
				if m["security"] != config.SecurityNone {
					t.Errorf("answered with security %v on a stripped connection: %v", m["security"], m)
				}
				plain++
			}
		}
		if plain != 2 {
			t.Errorf("%d plain-text candidates answered, want 2 (IMAP and POP3):\n%s", plain, out)
		}
		last := lines[len(lines)-1]
		msg, _ := last["message"].(string)
		if last["type"] != "no_recommendation" || last["reason"] != "plain_text_only" ||
			!strings.Contains(msg, "No candidate offered TLS or STARTTLS") || !strings.Contains(msg, "strips TLS") {
			t.Errorf("last line %v, want no_recommendation saying why", last)
		}
	})
	t.Run("text", func(t *testing.T) {
		code, out, errs := cli(t, "", "discover", srv.Host, "--ports", ports, "--timeout", "20s")
		if code != 0 {
			t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, w := range []string{"No candidate offered TLS or STARTTLS, only plain text.", "an attacker on the network strips TLS",
			"nothing is recommended", "--allow-plaintext"} {
			if !strings.Contains(flat, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		for _, nw := range []string{"Recommended", "Set it up with", "mailsetup init --protocol"} {
			if strings.Contains(out, nw) {
				t.Errorf("output has %q:\n%s", nw, out)
			}
		}
	})
}

// TestInitFromDiscoverPlainText: init --from-discover never writes a
// plain-text config unless told to.
func TestInitFromDiscoverPlainText(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	ports := strippedPortsFlag(t, srv)
	tests := []struct {
		name     string
		extra    []string
		code     int
		wantErr  string // in stderr
		protocol string // of the written config, when code is 0
		wantPort int
	}{
		{"refused without a flag", nil, exitTestFailed, "no candidate offered TLS or STARTTLS, only plain text", "", 0},
		{"refused with starttls-if-available", []string{"--security", "starttls-if-available"}, exitTestFailed, "--allow-plaintext", "", 0},
		{"--allow-plaintext", []string{"--allow-plaintext"}, 0, "no TLS: passwords and mail cross the network in plain text", "imap", srv.IMAPPlainOnly},
		{"--security none", []string{"--security", "none"}, 0, "security none", "imap", srv.IMAPPlainOnly},
		{"--security none, POP3", []string{"--security", "none", "--protocol", "pop3"}, 0, "security none", "pop3", srv.POP3PlainOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			args := append([]string{"init", "--config", path, "--from-discover", srv.Host, "--discover-ports", ports,
				"--username", "alice", "--password-env", "MAILSETUP_TEST_PW"}, tt.extra...)
			code, out, errs := cli(t, "", args...)
			if code != tt.code || !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q), stdout %q", code, tt.code, errs, tt.wantErr, out)
			}
			if tt.code != 0 {
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a config was written: %v", err)
				}
				return
			}
			c, _, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			in := c.Incoming
			if in.Protocol != tt.protocol || in.Security != config.SecurityNone || in.EffectivePort() != tt.wantPort {
				t.Errorf("config %s %s port %d, want %s none port %d", in.Protocol, in.Security, in.EffectivePort(), tt.protocol, tt.wantPort)
			}
		})
	}
	t.Run("--allow-plaintext without --from-discover", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		code, _, errs := cli(t, "", "init", "--config", path, "--server", "h.test", "--username", "alice", "--password-env", "X", "--allow-plaintext")
		if code != exitUsage || !strings.Contains(errs, "--allow-plaintext only applies with --from-discover") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

// TestDiscoverPrinterEmail renders an email discovery without a network:
// lookups as they come, the provider note, hosts grouped with their
// sources, the out-of-domain flag, and the recommendation with the user
// name from the autoconfig file.
func TestDiscoverPrinterEmail(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("TERM", "xterm")
	var buf bytes.Buffer
	p := newDiscoverPrinter(&buf, false)
	lookups := []mailconn.Lookup{
		{Source: mailconn.SourceSRV, Query: "_imaps._tcp.example.test", Found: []string{"mail.example.test:993 (priority 0, weight 1)"}},
		{Source: mailconn.SourceSRV, Query: "_pop3s._tcp.example.test", Found: []string{"pop.other.test:995 (priority 5, weight 1)"},
			Notes: []string{"pop.other.test is outside example.test: confirm it is your provider's server"}},
		{Source: mailconn.SourceSRV, Query: "_pop3._tcp.example.test", Notes: []string{`not offered (target ".")`}},
		{Source: mailconn.SourceAutoconfig, Query: "https://autoconfig.example.test/mail/config-v1.1.xml", Err: errors.New("HTTP 404 Not Found")},
	}
	for i := range lookups {
		p.event(mailconn.DiscoverEvent{Lookup: &lookups[i]})
	}
	prov := mailconn.KnownProvider("outlook.office365.com")
	p.event(mailconn.DiscoverEvent{Provider: prov})
	results := []mailconn.ProbeResult{
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.test", Protocol: "imap", Port: 993, Security: "tls", Source: "SRV _imaps._tcp"},
			Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.3", Verified: true}, CertificateOK: true, Mechanisms: []string{"PLAIN", "LOGIN", "NTLM"}},
		{Candidate: mailconn.ProbeCandidate{Host: "pop.other.test", Protocol: "pop3", Port: 995, Security: "tls", Source: "SRV _pop3s._tcp", OutsideDomain: true},
			Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.2", Verified: true}, CertificateOK: true, Mechanisms: []string{"USER"}},
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.test", Protocol: "imap", Port: 143, Security: "starttls", Source: "usual name"},
			Problem: "timed out"},
	}
	for _, r := range results {
		p.event(mailconn.DiscoverEvent{Probe: &r})
	}
	disc := &mailconn.Discovery{Email: "a@example.test", Domain: "example.test", Username: "a@example.test", Provider: prov, Results: results}
	d := &discovered{target: "a@example.test", domain: "example.test", disc: disc, results: results}
	d.best, d.ok = mailconn.Recommend(results)
	p.finish(d, discoverFlags{}, "")
	out := buf.String()
	for _, w := range []string{
		"✓ _imaps._tcp.example.test: mail.example.test:993",
		"! _pop3s._tcp.example.test: pop.other.test:995 (priority 5, weight 1);",
		"pop.other.test is outside example.test",
		`- _pop3._tcp.example.test: not offered (target ".")`,
		"- autoconfig https://autoconfig.example.test/mail/config-v1.1.xml: HTTP 404",
		"! Microsoft 365 (outlook.office365.com): OAuth 2.0 required",
		"mail.example.test (SRV _imaps._tcp, usual name)",
		"pop.other.test (SRV _pop3s._tcp) - outside example.test",
		"PLAIN LOGIN NTLM",
		"✗  IMAP       143  starttls  timed out",
		"✓ Recommended: IMAP over TLS, port 993 on mail.example.test",
		"--auth oauth2 --oauth2-provider microsoft",
		"--username a@example.test",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
}

func TestWrapWords(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"", 20, []string{""}},
		{"a b c", 20, []string{"a b c"}},
		{"alpha beta gamma delta", 11, []string{"alpha beta", "gamma delta"}},
		{"averyveryverylongword x", 10, []string{"averyveryverylongword", "x"}},
		{"ünïcödé wörds här", 12, []string{"ünïcödé", "wörds här"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := wrapWords(tt.in, tt.width); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
