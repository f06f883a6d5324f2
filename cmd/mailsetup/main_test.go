package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
)

// cli runs the command line in-process and returns the exit code, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := cli(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, "mailsetup ") || !strings.Contains(out, "go1.") {
			t.Errorf("%v: code %d, output %q", args, code, out)
		}
	}
}

// everyKeyArgs sets every config key that init has a flag for.
var everyKeyArgs = []string{
	"--protocol", "imap", "--server", "mail.example.com", "--port", "1993",
	"--mailbox", "INBOX/Support", "--username", `EXAMPLE\support`, "--password-stdin",
	"--auth", "spa", "--security", "starttls", "--reject-invalid-certificates=false",
	"--ca-file", "/etc/ssl/certs/internal-ca.pem",
	"--pinned-certificate-sha256", strings.Repeat("AB:", 31) + "AB",
	"--tls-min-version", "1.3", "--tls-server-name", "imap.example.com", "--timeout", "45s",
}

func TestInitShowRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	const secret = "s3cret pass\"word"
	args := append([]string{"init", "--config", path}, everyKeyArgs...)
	code, out, errs := cli(t, secret+"\n", args...)
	if code != 0 {
		t.Fatalf("init: code %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "Wrote "+path) {
		t.Errorf("init output %q does not name the file", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in := c.Incoming
	want := config.Incoming{
		Protocol: "imap", Server: "mail.example.com", Port: 1993, Mailbox: "INBOX/Support",
		Username: `EXAMPLE\support`, Password: secret, Auth: "spa", Security: "starttls",
		RejectInvalidCertificates: false, CAFile: "/etc/ssl/certs/internal-ca.pem",
		PinnedCertificateSHA256: strings.Repeat("AB:", 31) + "AB", TLSMinVersion: "1.3",
		TLSServerName: "imap.example.com",
	}
	want.Timeout.UnmarshalText([]byte("45s"))
	if in != want {
		t.Errorf("loaded\n%+v\nwant\n%+v", in, want)
	}

	code, out, errs = cli(t, "", "show", "--config", path)
	if code != 0 {
		t.Fatalf("show: code %d, stderr %q", code, errs)
	}
	if strings.Contains(out, secret) || !strings.Contains(out, "<redacted>") {
		t.Errorf("show leaks the password or does not redact it:\n%s", out)
	}
	for _, s := range []string{`server = "mail.example.com"`, "port = 1993", `mailbox = "INBOX/Support"`, `security = "starttls"`, `auth = "spa"`, "reject_invalid_certificates = false", `tls_server_name = "imap.example.com"`} {
		if !strings.Contains(out, s) {
			t.Errorf("show output lacks %q:\n%s", s, out)
		}
	}

	code, out, _ = cli(t, "", "show", "--json", "--config", path)
	if code != 0 {
		t.Fatalf("show --json: code %d", code)
	}
	var js struct {
		Path     string
		Incoming map[string]any
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("show --json is not JSON: %v\n%s", err, out)
	}
	if js.Path != path || js.Incoming["password"] != "<redacted>" || js.Incoming["server"] != "mail.example.com" {
		t.Errorf("show --json: %+v", js)
	}
	if strings.Contains(out, secret) {
		t.Error("show --json leaks the password")
	}
}

func TestInitFromEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	t.Setenv("MAILSETUP_SERVER", "env.example.com")
	t.Setenv("MAILSETUP_PROTOCOL", "pop3")
	t.Setenv("MAILSETUP_USERNAME", "helpdesk")
	t.Setenv("MAILSETUP_PASSWORD_ENV", "MAILCONNECTOR_PASSWORD")
	code, _, errs := cli(t, "", "init", "--config", path, "--security", "starttls")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Incoming.Server != "env.example.com" || c.Incoming.Protocol != "pop3" || c.Incoming.PasswordEnv != "MAILCONNECTOR_PASSWORD" || c.Incoming.Security != "starttls" || c.Incoming.Password != "" {
		t.Errorf("config from env: %+v", c.Incoming)
	}
}

func TestInitGroupMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	code, _, errs := cli(t, "pw", "init", "--config", path, "--server", "m.example.com", "--username", "u", "--password-stdin", "--group", "0")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 with --group", st.Mode().Perm())
	}
}

// TestBadInput checks that each bad input is one sentence on stderr naming
// what to fix, exit 2, and that no file was written or changed.
func TestBadInput(t *testing.T) {
	base := []string{"--server", "mail.example.com", "--username", "u"}
	tests := []struct {
		name     string
		stdin    string
		args     []string
		existing string // content of the config before the command; "" = none
		wantErr  []string
	}{
		{"port too big", "pw", append([]string{"init", "--password-stdin", "--port", "70000"}, base...), "", []string{"port", "65535"}},
		{"port not a number", "pw", append([]string{"init", "--password-stdin", "--port", "abc"}, base...), "", []string{"port", "abc"}},
		{"unknown protocol", "pw", append([]string{"init", "--password-stdin", "--protocol", "smtp"}, base...), "", []string{"protocol", "imap", "pop3"}},
		{"unknown security", "pw", append([]string{"init", "--password-stdin", "--security", "ssl"}, base...), "", []string{"security", "starttls-if-available"}},
		{"unknown auth", "pw", append([]string{"init", "--password-stdin", "--auth", "kerberos"}, base...), "", []string{"auth", "spa"}},
		{"two password sources", "pw", append([]string{"init", "--password-stdin", "--password-env", "X"}, base...), "", []string{"only one"}},
		{"no password source", "", append([]string{"init"}, base...), "", []string{"password"}},
		{"empty server", "pw", []string{"init", "--password-stdin", "--username", "u"}, "", []string{"server"}},
		{"password as a flag", "", append([]string{"init", "--password", "x"}, base...), "", []string{"unknown flag", "--password"}},
		{"init over existing file", "pw", append([]string{"init", "--password-stdin"}, base...), "version = 1\n", []string{"already exists", "--force"}},
		{"show malformed toml", "", []string{"show"}, "version = 1\n[incoming\n", []string{"config.toml:2"}},
		{"show unknown key", "", []string{"show"}, "version = 1\n[incoming]\nsever = \"x\"\n", []string{"config.toml:3", "sever", "server"}},
		{"show wrong type", "", []string{"show"}, "version = 1\n[incoming]\nport = \"abc\"\n", []string{"config.toml:3", "port"}},
		{"show missing config", "", []string{"show"}, "", []string{"mailsetup init"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := append(append([]string{}, tt.args...), "--config", path)
			code, out, errs := cli(t, tt.stdin, args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stdout %q stderr %q", code, out, errs)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.HasPrefix(errs, "mailsetup: ") {
				t.Errorf("stderr is not one line starting with \"mailsetup: \": %q", errs)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			got, err := os.ReadFile(path)
			switch {
			case tt.existing == "" && err == nil:
				t.Errorf("a file was written: %q", got)
			case tt.existing != "" && string(got) != tt.existing:
				t.Errorf("the file changed: %q", got)
			}
		})
	}
}

func TestConfigPathIsADirectory(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := cli(t, "pw", "init", "--config", dir, "--server", "m", "--username", "u", "--password-stdin", "--force")
	if code != 2 || !strings.Contains(errs, dir) {
		t.Errorf("code %d, stderr %q", code, errs)
	}
	code, _, errs = cli(t, "", "show", "--config", dir)
	if code != 2 || !strings.Contains(errs, dir) {
		t.Errorf("show: code %d, stderr %q", code, errs)
	}
}

func TestConfigFolderNotWritable(t *testing.T) {
	// A folder that cannot be created: its parent is a regular file. (Root
	// ignores permission bits, so a 0500 folder would not do.)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "config.toml")
	code, _, errs := cli(t, "pw", "init", "--config", path, "--server", "m", "--username", "u", "--password-stdin")
	if code != 2 || !strings.Contains(errs, file) {
		t.Errorf("code %d, stderr %q", code, errs)
	}
}

func TestWorldReadableInlinePassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("version = 1\n[incoming]\nserver = \"m\"\nusername = \"u\"\npassword = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := cli(t, "", "show", "--config", path)
	if code != 2 || !strings.Contains(errs, "chmod 6") || !strings.Contains(errs, path) {
		t.Errorf("code %d, stderr %q", code, errs)
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	code, _, errs := cli(t, "", "frobnicate")
	if code != 2 || errs == "" {
		t.Errorf("code %d, stderr %q", code, errs)
	}
}
