package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestTestCommandSecretSourceFails: a password source that fails after the
// config loaded — a password_command that fails or runs out of time, a
// password_file missing or empty, a password_env not set — is a failed
// test (exit 1) at step authenticate, field password, after the network
// steps, with the source's own sentence as the hint; text and JSON alike.
func TestTestCommandSecretSourceFails(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	alice := mailtest.Alice
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty-password")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MAILSETUP_TEST_SURELY_UNSET", "")
	if err := os.Unsetenv("MAILSETUP_TEST_SURELY_UNSET"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		set     func(in *config.Incoming)
		args    []string
		hint    []string
		maxTime time.Duration
	}{
		{"command fails", func(in *config.Incoming) { in.PasswordCommand = "echo vault is sealed >&2; exit 3" }, nil,
			[]string{"incoming.password_command failed (exit status 3)", "vault is sealed"}, 0},
		{"command runs out of time", func(in *config.Incoming) { in.PasswordCommand = "sleep 60; echo pw" },
			[]string{"--timeout", "3s"}, []string{"incoming.password_command did not finish in time"}, 8 * time.Second},
		{"password_file missing", func(in *config.Incoming) { in.PasswordFile = filepath.Join(dir, "no-such-file") }, nil,
			[]string{"cannot read incoming.password_file " + filepath.Join(dir, "no-such-file")}, 0},
		{"password_file empty", func(in *config.Incoming) { in.PasswordFile = empty }, nil,
			[]string{"is empty; write the secret into it"}, 0},
		{"password_env not set", func(in *config.Incoming) { in.PasswordEnv = "MAILSETUP_TEST_SURELY_UNSET" }, nil,
			[]string{"MAILSETUP_TEST_SURELY_UNSET", "is not set"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asciiLocale(t)
			c := config.Default()
			in := &c.Incoming
			in.Protocol, in.Server, in.Port, in.Security = config.ProtocolIMAP, srv.Host, srv.IMAPS, config.SecurityTLS
			in.Username, in.CAFile = alice.Name, srv.CAFile
			tt.set(in)
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
				t.Fatal(err)
			}

			start := time.Now()
			code, out, errs := cli(t, "", append([]string{"test", "--json", "--config", path}, tt.args...)...)
			took := time.Since(start)
			if code != exitTestFailed {
				t.Fatalf("--json: exit %d, want 1\nstdout:\n%s\nstderr: %q", code, out, errs)
			}
			if tt.maxTime > 0 && took > tt.maxTime {
				t.Errorf("took %s: the test's --timeout did not bound the command", took)
			}
			_, res := checkJSONLines(t, out)
			hint, _ := res["hint"].(string)
			if res["ok"] != false || res["failed_step"] != "authenticate" || res["field"] != "password" ||
				res["error"] != "cannot read the password" {
				t.Fatalf("result %v, want failed at authenticate, field password\n%s", res, out)
			}
			for _, w := range tt.hint {
				if !strings.Contains(hint, w) {
					t.Errorf("hint %q lacks %q", hint, w)
				}
			}
			for _, step := range []string{`"step":"connect","status":"ok"`, `"step":"tls","status":"ok"`,
				`"step":"capabilities","status":"ok"`, `"step":"authenticate","status":"fail"`} {
				if !strings.Contains(out, step) {
					t.Errorf("no %s line:\n%s", step, out)
				}
			}

			code, text, errs := cli(t, "", append([]string{"test", "--config", path}, tt.args...)...)
			if code != exitTestFailed || !strings.Contains(text, "failed at step authenticate") ||
				!strings.Contains(text, "Fix password: ") || !strings.Contains(text, tt.hint[0]) {
				t.Fatalf("text: exit %d, want 1 with the step and the fix\nstdout:\n%s\nstderr: %q", code, text, errs)
			}
		})
	}
}
