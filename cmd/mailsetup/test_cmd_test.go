package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// cliHangGuard bounds a CLI run against a hang; it is not a measurement.
const cliHangGuard = 60 * time.Second

// rigConfig writes a config (mode 0600, as config.Save does) for the rig
// with the user's password inline, and returns its path.
func rigConfig(t *testing.T, srv *mailtest.Server, protocol, security string, port int, user, password string) string {
	t.Helper()
	c := config.Default()
	c.Incoming.Protocol = protocol
	c.Incoming.Server = srv.Host
	c.Incoming.Port = port
	c.Incoming.Security = security
	c.Incoming.Username = user
	c.Incoming.Password = password
	c.Incoming.CAFile = srv.CAFile
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// secretForms are the password and the wire forms that carry it.
func secretForms(user, password string) []string {
	enc := base64.StdEncoding.EncodeToString
	return []string{
		password,
		enc([]byte(password)),
		enc([]byte("\x00" + user + "\x00" + password)),
		enc([]byte(user + "\x00" + user + "\x00" + password)),
	}
}

// assertNoSecret fails when any form of the password is in any output.
func assertNoSecret(t *testing.T, user, password string, outputs map[string]string) {
	t.Helper()
	for name, out := range outputs {
		for _, f := range secretForms(user, password) {
			if strings.Contains(out, f) {
				t.Errorf("%s carries the secret form %q:\n%s", name, f, out)
			}
		}
	}
}

// asciiLocale makes the output's locale non-UTF-8.
func asciiLocale(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_CTYPE", "")
	t.Setenv("LANG", "C")
}

var (
	stepKeys     = []string{"type", "step", "status", "title", "detail", "elapsed_ms"}
	stepFailKeys = []string{"type", "step", "status", "title", "detail", "elapsed_ms", "hint", "field"}
	resultKeys   = []string{"type", "ok", "elapsed_ms", "failed_step", "field", "error", "message", "hint"}
)

// keysOf returns m's keys, sorted.
func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// checkJSONLines checks the --json output of PRODUCT.md: one "step" object
// per finished step, in order, with exactly the step keys (hint and field
// on failure, and on a warning that has them), then one "result" object.
// It returns the steps' titles and the result.
func checkJSONLines(t *testing.T, out string) (titles []string, result map[string]any) {
	t.Helper()
	lines := jsonLines(t, out)
	if len(lines) < 2 {
		t.Fatalf("want steps and a result, got:\n%s", out)
	}
	for i, l := range lines[:len(lines)-1] {
		if l["type"] != "step" {
			t.Fatalf("line %d is not a step:\n%s", i+1, out)
		}
		got := keysOf(l)
		switch l["status"] {
		case "ok", "skipped":
			if !slices.Equal(got, sorted(stepKeys)) {
				t.Errorf("step %v has keys %v, want %v", l["step"], got, stepKeys)
			}
		case "fail":
			if !slices.Equal(got, sorted(stepFailKeys)) {
				t.Errorf("failed step %v has keys %v, want %v", l["step"], got, stepFailKeys)
			}
		case "warn":
			if !slices.Equal(got, sorted(stepKeys)) && !slices.Equal(got, sorted(stepFailKeys)) {
				t.Errorf("warn step %v has keys %v", l["step"], got)
			}
		default:
			t.Errorf("step %v has status %v: only finished steps are printed", l["step"], l["status"])
		}
		if _, ok := l["elapsed_ms"].(float64); !ok {
			t.Errorf("step %v: elapsed_ms %v is not a number", l["step"], l["elapsed_ms"])
		}
		titles = append(titles, l["title"].(string))
	}
	result = lines[len(lines)-1]
	if result["type"] != "result" {
		t.Fatalf("the last line is not the result:\n%s", out)
	}
	got := keysOf(result)
	if result["ok"] == true {
		if !slices.Equal(got, sorted([]string{"type", "ok", "elapsed_ms"})) {
			t.Errorf("passing result has keys %v", got)
		}
	} else if result["canceled"] == nil && !slices.Equal(got, sorted(resultKeys)) {
		t.Errorf("failing result has keys %v, want %v", got, resultKeys)
	}
	return titles, result
}

// stepLines are the text output's step lines (up to the blank line before
// the result) with any indented hint lines dropped.
func stepLines(out string) []string {
	head, _, _ := strings.Cut(out, "\n\n")
	var lines []string
	for _, l := range strings.Split(head, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestTestCommand(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	alice := mailtest.Alice

	t.Run("passes/text and json agree", func(t *testing.T) {
		asciiLocale(t)
		for _, tc := range []struct {
			name, protocol string
			port           int
		}{
			{"imaps", config.ProtocolIMAP, srv.IMAPS},
			{"pop3s", config.ProtocolPOP3, srv.POP3S},
		} {
			t.Run(tc.name, func(t *testing.T) {
				path := rigConfig(t, srv, tc.protocol, config.SecurityTLS, tc.port, alice.Name, alice.Password)
				code, out, errs := cli(t, "", "test", "--config", path)
				if code != exitOK {
					t.Fatalf("exit %d\n%s\n%s", code, out, errs)
				}
				code, jout, errs := cli(t, "", "test", "--json", "--config", path)
				if code != exitOK {
					t.Fatalf("--json: exit %d\n%s\n%s", code, jout, errs)
				}
				titles, res := checkJSONLines(t, jout)
				if res["ok"] != true {
					t.Fatalf("result %v", res)
				}
				lines := stepLines(out)
				if len(lines) != len(titles) {
					t.Fatalf("%d text step lines, %d JSON steps:\n%s\n%s", len(lines), len(titles), out, jout)
				}
				for i, title := range titles {
					if !strings.Contains(lines[i], " "+title) {
						t.Errorf("text line %d %q is not step %q", i+1, lines[i], title)
					}
				}
				jl := jsonLines(t, jout)
				var steps []string
				for _, l := range jl[:len(jl)-1] {
					steps = append(steps, l["step"].(string))
				}
				want := []string{"resolve", "connect", "tls", "greeting", "capabilities", "starttls", "capabilities_tls", "authenticate", "mailbox", "logout"}
				if !slices.Equal(steps, want) {
					t.Errorf("steps %v, want %v", steps, want)
				}
				if !strings.Contains(out, "[ok]") || !strings.Contains(out, "Connection test passed") || strings.Contains(out, "✓") {
					t.Errorf("LANG=C output is not the ASCII form:\n%s", out)
				}
				if !isASCII(out) {
					t.Errorf("LANG=C output is not ASCII:\n%s", out)
				}
				assertNoSecret(t, alice.Name, alice.Password, map[string]string{"stdout": out, "stderr": errs, "json": jout})
			})
		}
	})

	t.Run("utf-8 locale has icons", func(t *testing.T) {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_CTYPE", "")
		t.Setenv("LANG", "C.UTF-8")
		t.Setenv("TERM", "xterm")
		path := rigConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, alice.Name, alice.Password)
		code, out, _ := cli(t, "", "test", "--config", path)
		if code != exitOK || !strings.Contains(out, "✓") || strings.Contains(out, "[ok]") {
			t.Fatalf("exit %d, UTF-8 output without ✓:\n%s", code, out)
		}
		if strings.Contains(out, "\x1b[") {
			t.Errorf("colour escapes in output that is not a terminal:\n%q", out)
		}
		t.Setenv("TERM", "dumb")
		_, out, _ = cli(t, "", "test", "--config", path)
		if strings.Contains(out, "✓") || !strings.Contains(out, "[ok]") {
			t.Errorf("TERM=dumb output is not ASCII:\n%s", out)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		asciiLocale(t)
		const wrong = "Wrong-Pa55word"
		path := rigConfig(t, srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, alice.Name, wrong)
		code, out, errs := cli(t, "", "test", "--config", path)
		if code != exitTestFailed {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
		}
		for _, want := range []string{"[FAIL]", "failed at step authenticate", "Fix password:", "The server rejected the user name or password"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "✗") {
			t.Errorf("LANG=C output has ✗:\n%s", out)
		}
		code, jout, _ := cli(t, "", "test", "--json", "--config", path)
		if code != exitTestFailed {
			t.Fatalf("--json: exit %d", code)
		}
		_, res := checkJSONLines(t, jout)
		if res["ok"] != false || res["failed_step"] != "authenticate" || res["field"] != "password" || res["hint"] == "" {
			t.Errorf("result %v", res)
		}
		lines := jsonLines(t, jout)
		if last := lines[len(lines)-2]; last["status"] != "fail" || last["step"] != "authenticate" || last["field"] != "password" {
			t.Errorf("last step %v, want authenticate fail with field password", last)
		}
		assertNoSecret(t, alice.Name, wrong, map[string]string{"stdout": out, "stderr": errs, "json": jout})
	})

	t.Run("trace", func(t *testing.T) {
		for _, tc := range []struct {
			name, protocol string
			port           int
		}{
			{"imaps", config.ProtocolIMAP, srv.IMAPS},
			{"pop3s", config.ProtocolPOP3, srv.POP3S},
		} {
			t.Run(tc.name, func(t *testing.T) {
				path := rigConfig(t, srv, tc.protocol, config.SecurityTLS, tc.port, alice.Name, alice.Password)
				tracePath := filepath.Join(t.TempDir(), "trace.txt")
				code, out, errs := cli(t, "", "test", "--config", path, "--trace", tracePath)
				if code != exitOK {
					t.Fatalf("exit %d\n%s\n%s", code, out, errs)
				}
				st, err := os.Stat(tracePath)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != 0o600 {
					t.Errorf("trace mode %v, want 0600", st.Mode().Perm())
				}
				data, err := os.ReadFile(tracePath)
				if err != nil {
					t.Fatal(err)
				}
				trace := string(data)
				if !strings.Contains(trace, "C: ") || !strings.Contains(trace, "S: ") || !strings.Contains(trace, "<redacted>") {
					t.Errorf("trace lacks C:/S: lines or a redaction:\n%s", trace)
				}
				assertNoSecret(t, alice.Name, alice.Password, map[string]string{"stdout": out, "stderr": errs, "trace": trace})
			})
		}
	})

	t.Run("secret hygiene matrix", func(t *testing.T) {
		modes := []struct {
			protocol, security, listener string
			port                         int
		}{
			{config.ProtocolIMAP, config.SecurityNone, "imap", srv.IMAP},
			{config.ProtocolIMAP, config.SecurityStartTLSIfAvailable, "imap", srv.IMAP},
			{config.ProtocolIMAP, config.SecurityStartTLSIfAvailable, "plain-only", srv.IMAPPlainOnly},
			{config.ProtocolIMAP, config.SecurityStartTLS, "imap", srv.IMAP},
			{config.ProtocolIMAP, config.SecurityTLS, "imaps", srv.IMAPS},
			{config.ProtocolPOP3, config.SecurityNone, "pop3", srv.POP3},
			{config.ProtocolPOP3, config.SecurityStartTLSIfAvailable, "pop3", srv.POP3},
			{config.ProtocolPOP3, config.SecurityStartTLSIfAvailable, "plain-only", srv.POP3PlainOnly},
			{config.ProtocolPOP3, config.SecurityStartTLS, "pop3", srv.POP3},
			{config.ProtocolPOP3, config.SecurityTLS, "pop3s", srv.POP3S},
		}
		type cred struct {
			name      string
			user      mailtest.User
			password  string
			wantExit  int
			wantField string
		}
		creds := []cred{{"wrong password", alice, "Wrong-Pa55word", exitTestFailed, "password"}}
		for _, u := range mailtest.Users {
			creds = append(creds, cred{u.Name, u, u.Password, exitOK, ""})
		}
		for _, m := range modes {
			for _, c := range creds {
				t.Run(m.protocol+"/"+m.security+"/"+m.listener+"/"+c.name, func(t *testing.T) {
					path := rigConfig(t, srv, m.protocol, m.security, m.port, c.user.Name, c.password)
					tracePath := filepath.Join(t.TempDir(), "trace.txt")
					code, out, errs := cli(t, "", "test", "--config", path)
					if code != c.wantExit {
						t.Fatalf("exit %d, want %d\n%s\n%s", code, c.wantExit, out, errs)
					}
					jcode, jout, jerrs := cli(t, "", "test", "--json", "--config", path, "--trace", tracePath)
					if jcode != c.wantExit {
						t.Fatalf("--json: exit %d, want %d\n%s\n%s", jcode, c.wantExit, jout, jerrs)
					}
					_, res := checkJSONLines(t, jout)
					if c.wantField != "" && res["field"] != c.wantField {
						t.Errorf("result %v, want field %s", res, c.wantField)
					}
					trace, err := os.ReadFile(tracePath)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(string(trace), "C: ") {
						t.Errorf("empty trace:\n%s", trace)
					}
					assertNoSecret(t, c.user.Name, c.password, map[string]string{
						"stdout": out, "stderr": errs + jerrs, "json": jout, "trace": string(trace),
					})
				})
			}
		}
	})

	t.Run("init --test", func(t *testing.T) {
		initArgs := func(path string) []string {
			return []string{"init", "--config", path, "--server", srv.Host, "--port", strconv.Itoa(srv.IMAPS),
				"--security", "tls", "--ca-file", srv.CAFile, "--username", alice.Name, "--password-stdin", "--test"}
		}
		path := filepath.Join(t.TempDir(), "config.toml")
		code, out, errs := cli(t, "Wrong-Pa55word\n", initArgs(path)...)
		if code != exitTestFailed {
			t.Fatalf("failing init --test: exit %d, want 1\n%s\n%s", code, out, errs)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatal("init --test wrote the file although the test failed")
		}
		if !strings.Contains(errs, "was not written") || !strings.Contains(out, "Fix password") {
			t.Errorf("the failure does not say why and that nothing was written:\n%s\n%s", out, errs)
		}
		code, out, errs = cli(t, alice.Password+"\n", initArgs(path)...)
		if code != exitOK {
			t.Fatalf("passing init --test: exit %d\n%s\n%s", code, out, errs)
		}
		c, _, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Incoming.Password != alice.Password || c.Incoming.Port != srv.IMAPS {
			t.Errorf("written config %+v", c.Incoming)
		}
		if !strings.Contains(out, "Connection test passed") || !strings.Contains(out, "Wrote "+path) {
			t.Errorf("stdout:\n%s", out)
		}
		assertNoSecret(t, alice.Name, alice.Password, map[string]string{"stdout": out, "stderr": errs})
	})
}

// silentListener accepts connections and never says anything; t.Cleanup
// closes it and every connection it accepted.
func silentListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// silentConfig is a config for a plain-text IMAP server on port.
func silentConfig(t *testing.T, port int) string {
	t.Helper()
	c := config.Default()
	c.Incoming.Server = "127.0.0.1"
	c.Incoming.Port = port
	c.Incoming.Security = config.SecurityNone
	c.Incoming.Username = "alice"
	c.Incoming.Password = "Silent-Pa55"
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAsync runs the CLI in a goroutine; the returned channel yields the
// exit code.
func runAsync(ctx context.Context, args []string, stdout, stderr *bytes.Buffer) <-chan int {
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), stdout, stderr)
	}()
	return done
}

func TestTestCommandTimeout(t *testing.T) {
	asciiLocale(t)
	port := silentListener(t)
	path := silentConfig(t, port)
	var out, errs bytes.Buffer
	done := runAsync(context.Background(), []string{"test", "--timeout", "2s", "--config", path}, &out, &errs)
	select {
	case code := <-done:
		if code != exitTestFailed {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out.String(), errs.String())
		}
	case <-time.After(cliHangGuard):
		t.Fatal("--timeout 2s did not end the test against a silent server")
	}
	if !strings.Contains(out.String(), "failed at step greeting") {
		t.Errorf("the silent server's failure is not at the greeting:\n%s", out.String())
	}
}

// lockedBuffer is a bytes.Buffer that says when a string was written.
type lockedBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *lockedBuffer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(b)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestTestCommandInterrupted(t *testing.T) {
	port := silentListener(t)
	path := silentConfig(t, port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The connect step's line is printed when the test waits for the
	// silent server's greeting: cancel then (Ctrl+C).
	out := &lockedBuffer{want: `"step":"connect"`, seen: make(chan struct{})}
	var errs bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"test", "--json", "--timeout", "50s", "--config", path}, strings.NewReader(""), out, &errs)
	}()
	select {
	case <-out.seen:
		cancel()
	case code := <-done:
		t.Fatalf("the test ended (exit %d) before it was cancelled:\n%s", code, out.String())
	case <-time.After(cliHangGuard):
		t.Fatal("the connect step was never printed")
	}
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Fatalf("exit %d, want 130\n%s\n%s", code, out.String(), errs.String())
		}
	case <-time.After(cliHangGuard):
		t.Fatal("a cancelled test did not end")
	}
	if !strings.Contains(out.String(), `"canceled":true`) {
		t.Errorf("no cancelled result:\n%s", out.String())
	}
}

// TestTestCommandUnverifiedCertificate: with reject_invalid_certificates =
// false and a certificate that did not verify, the sign-in step warns that
// the credentials went to that server, and no hint asks to turn off the
// check that is already off.
func TestTestCommandUnverifiedCertificate(t *testing.T) {
	asciiLocale(t)
	srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertSelfSigned})
	alice := mailtest.Alice
	const sentTo = "credentials were sent to a server whose certificate did not verify"
	for _, tc := range []struct {
		name, protocol, security string
		port                     int
		pin                      bool
	}{
		{"imap tls", config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, false},
		{"pop3 starttls", config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3, false},
		{"imap tls, pinned", config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := rigConfig(t, srv, tc.protocol, tc.security, tc.port, alice.Name, alice.Password)
			c, _, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			c.Incoming.RejectInvalidCertificates = false
			if tc.pin {
				c.Incoming.PinnedCertificateSHA256 = srv.CertSHA256
			}
			if err := config.Save(path, c, config.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			code, out, errs := cli(t, "", "test", "--config", path)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			flat := strings.Join(strings.Fields(out), " ")
			if strings.Contains(flat, "turn off reject_invalid_certificates") {
				t.Errorf("a hint asks to turn off the check that is off:\n%s", out)
			}
			var authLine string
			for _, l := range stepLines(out) {
				if strings.Contains(l, "Sign in as") {
					authLine = l
				}
			}
			if tc.pin {
				if strings.Contains(flat, sentTo) || !strings.HasPrefix(authLine, "[ok]") {
					t.Errorf("a matching pin is verified; the sign-in line is %q:\n%s", authLine, out)
				}
				return
			}
			if !strings.HasPrefix(authLine, "[warn]") || !strings.Contains(flat, sentTo) || !strings.Contains(flat, "self-signed") {
				t.Errorf("sign-in line %q; want a warning that the %s:\n%s", authLine, sentTo, out)
			}
			_, jout, _ := cli(t, "", "test", "--json", "--config", path)
			for _, l := range jsonLines(t, jout) {
				if l["step"] == "authenticate" && l["status"] != "running" {
					if l["status"] != "warn" || !strings.Contains(l["hint"].(string), sentTo) {
						t.Errorf("JSON authenticate %v", l)
					}
				}
			}
		})
	}
}
