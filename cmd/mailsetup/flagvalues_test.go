package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInitHelpShowsValuesAsAccepted: the allowed values in `init --help`
// are printed exactly as init accepts them (the help renderer used to
// capitalise each description's first word: "Imap", "Password", "None",
// "Xoauth2"), and each one is accepted (issue 13 item 3).
func TestInitHelpShowsValuesAsAccepted(t *testing.T) {
	t.Setenv("COLUMNS", "1000") // one line per flag
	code, out, errs := cli(t, "", "init", "--help")
	if code != 0 {
		t.Fatalf("init --help: code %d, stderr %q", code, errs)
	}
	quoted := regexp.MustCompile(`"([^"]*)"`)
	flags := map[string]int{"--protocol": 2, "--auth": 3, "--security": 4, "--oauth2-provider": 3, "--oauth2-flow": 2, "--oauth2-mechanism": 2}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		n, ok := flags[fields[0]]
		if !ok {
			continue
		}
		delete(flags, fields[0])
		values := quoted.FindAllStringSubmatch(line, -1)
		if len(values) != n {
			t.Errorf("%s: %d quoted values, want %d: %q", fields[0], len(values), n, line)
		}
		for _, v := range values {
			if v[1] != strings.ToLower(v[1]) {
				t.Errorf("%s: help shows %q, but the value is written in lower case: %q", fields[0], v[1], line)
			}
			if fields[0] == "--protocol" || fields[0] == "--auth" || fields[0] == "--security" {
				args := map[string]string{"--protocol": "imap", "--auth": "password", "--security": "tls"}
				args[fields[0]] = v[1]
				path := filepath.Join(t.TempDir(), "config.toml")
				c, _, e := cli(t, "", "init", "--config", path, "--server", "mail.example.com", "--username", "u",
					"--password-env", "PW", "--protocol", args["--protocol"], "--auth", args["--auth"], "--security", args["--security"])
				if c != 0 && !strings.Contains(e, "oauth2") {
					t.Errorf("%s %s, as the help shows it: code %d, %s", fields[0], v[1], c, e)
				}
			}
		}
	}
	for f := range flags {
		t.Errorf("%s is not in init --help", f)
	}
}

// TestInitChoiceFlagsAnyCase: --protocol IMAP is taken as "imap" (and so
// the other choice flags); the file gets the lower-case spelling, the only
// one the config file itself takes.
func TestInitChoiceFlagsAnyCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	code, _, errs := cli(t, "", "init", "--config", path, "--server", "mail.example.com", "--username", "u",
		"--password-env", "PW", "--protocol", "IMAP", "--auth", "Password", "--security", "STARTTLS")
	if code != 0 {
		t.Fatalf("init: code %d, stderr %q", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`protocol = "imap"`, `auth = "password"`, `security = "starttls"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("file lacks %s:\n%s", want, b)
		}
	}
	// The file stays strict: a hand-edited "IMAP" is refused, naming the values.
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), `protocol = "imap"`, `protocol = "IMAP"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = cli(t, "", "show", "--config", path)
	if code != exitUsage || !strings.Contains(errs, `"imap", "pop3"`) {
		t.Errorf("show of protocol = \"IMAP\": code %d, stderr %q", code, errs)
	}
}

// TestInitErrorsNameTheirFlags: with several bad values each error line
// names its own flag (the "(flag --protocol)" label used to land on the
// last line, the auth one).
func TestInitErrorsNameTheirFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	code, _, errs := cli(t, "", "init", "--config", path, "--server", "mail.example.com", "--username", "u",
		"--password-env", "PW", "--protocol", "imapx", "--auth", "passwd", "--security", "nada")
	if code != exitUsage {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		for _, key := range []string{"protocol", "auth", "security"} {
			if strings.Contains(line, "incoming."+key+" ") {
				seen++
				if !strings.HasSuffix(line, "(flag --"+key+")") || strings.Count(line, "(flag") != 1 {
					t.Errorf("the %s error does not name --%s alone: %q", key, key, line)
				}
			}
		}
	}
	if seen != 3 {
		t.Errorf("want 3 error lines, got %d:\n%s", seen, errs)
	}
}
