package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validDoc = `version = 1
[incoming]
protocol = "imap"
server = "mail.example.com"
username = "support@example.com"
password = "secret"
`

// doc returns validDoc with extra lines appended to [incoming].
func doc(extra ...string) string {
	return validDoc + strings.Join(extra, "\n") + "\n"
}

func TestParseDefaults(t *testing.T) {
	c, warnings, err := Parse([]byte(validDoc), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %v, want none", warnings)
	}
	in := c.Incoming
	if in.Mailbox != "INBOX" || in.Auth != AuthPassword || in.Security != SecurityTLS || !in.RejectInvalidCertificates {
		t.Errorf("defaults not kept: %+v", in)
	}
	if in.EffectivePort() != 993 || in.EffectiveTimeout() != 30*time.Second {
		t.Errorf("EffectivePort = %d, EffectiveTimeout = %v; want 993, 30s", in.EffectivePort(), in.EffectiveTimeout())
	}
	if c.Version != 1 {
		t.Errorf("Version = %d", c.Version)
	}
}

func TestParseMissingVersionIsOne(t *testing.T) {
	c, _, err := Parse([]byte(strings.TrimPrefix(validDoc, "version = 1\n")), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 1 {
		t.Errorf("Version = %d, want 1", c.Version)
	}
}

func TestParseByteOrderMarkAndCRLF(t *testing.T) {
	data := "\xef\xbb\xbf" + strings.ReplaceAll(validDoc, "\n", "\r\n")
	c, _, err := Parse([]byte(data), "c.toml")
	if err != nil || c.Incoming.Server != "mail.example.com" {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	_, _, err = Parse([]byte("\xef\xbb\xbfsever = 1\n"), "c.toml")
	if err == nil || !strings.HasPrefix(err.Error(), "c.toml:1:1: ") {
		t.Errorf("err = %v, want the position without the byte order mark", err)
	}
}

func TestParseDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		line, col int
		key       string
		want      []string
	}{
		{"malformed table header", "version = 1\n[incoming\n", 2, 10, "",
			[]string{"c.toml:2:10: invalid TOML:", "']'"}},
		{"malformed value", "version = 1\n[incoming]\nserver = mail.example.com\n", 3, 10, "",
			[]string{"c.toml:3:", "invalid TOML"}},
		{"unknown key sever", "version = 1\n[incoming]\nprotocol = \"imap\"\nsever = \"x\"\n", 4, 1, "incoming.sever",
			[]string{`c.toml:4:1: unknown key "sever" in [incoming]; did you mean "server"?`}},
		{"unknown key with dash", doc(`password-file = "/x"`), 7, 1, "incoming.password-file",
			[]string{`did you mean "password_file"?`}},
		{"key in the wrong table", "version = 1\nserver = \"x\"\n[incoming]\n", 2, 1, "server",
			[]string{`unknown key "server" at the top level; "server" belongs in [incoming]`}},
		{"oauth2 key in incoming", doc(`client_id = "x"`), 7, 1, "incoming.client_id",
			[]string{`"client_id" belongs in [incoming.oauth2]`}},
		{"unknown key without suggestion", doc(`colour = "blue"`), 7, 1, "incoming.colour",
			[]string{`unknown key "colour" in [incoming]; remove it`}},
		{"unknown table", "version = 1\n[incomming]\nserver = \"x\"\n", 2, 2, "incomming",
			[]string{"unknown table [incomming]; did you mean [incoming]?"}},
		{"array of tables", "version = 1\n[[incoming]]\n", 2, 3, "incoming",
			[]string{"[[incoming]] is an array of tables; write [incoming]"}},
		{"port is a string", doc(`port = "abc"`), 7, 8, "incoming.port",
			[]string{`c.toml:7:8: incoming.port must be a number without quotes, like 993, not a string`}},
		{"port is a float", doc(`port = 99.5`), 7, 8, "incoming.port",
			[]string{"must be a number", "not a decimal number"}},
		{"version is a string", "version = \"1\"\n", 1, 11, "version",
			[]string{"version must be a number"}},
		{"bool is a string", doc(`reject_invalid_certificates = "yes"`), 7, 31, "incoming.reject_invalid_certificates",
			[]string{"must be true or false, without quotes, not a string"}},
		{"timeout is not a duration", doc(`timeout = "abc"`), 7, 11, "incoming.timeout",
			[]string{`c.toml:7:11: incoming.timeout = "abc" is not a duration; use a number with a unit, like "30s"`}},
		{"timeout is a number", doc(`timeout = 30`), 7, 11, "incoming.timeout",
			[]string{`c.toml:7:11: incoming.timeout must be a duration in quotes, like "30s" or "2m", not a number`}},
		{"timeout is a number in an inline table", "version = 1\nincoming = { server = \"x\", timeout = 5 }\n", 2, 38, "incoming.timeout",
			[]string{"not a number"}},
		{"scopes not strings", doc("auth = \"oauth2\"", "[incoming.oauth2]", "scopes = [1]"), 9, 11, "incoming.oauth2.scopes",
			[]string{`incoming.oauth2.scopes must be an array of strings`}},
		{"incoming is a number", "version = 1\nincoming = 3\n", 2, 12, "incoming",
			[]string{"incoming must be a table, not a number"}},
		{"duplicate key", doc(`server = "y"`), 7, 1, "",
			[]string{"invalid TOML", "already defined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.doc), "c.toml")
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want *DecodeError", err, err)
			}
			if de.Line != tt.line || de.Column != tt.col {
				t.Errorf("position = %d:%d, want %d:%d (%v)", de.Line, de.Column, tt.line, tt.col, err)
			}
			if tt.key != "" && de.Key != tt.key {
				t.Errorf("Key = %q, want %q", de.Key, tt.key)
			}
			if de.File != "c.toml" {
				t.Errorf("File = %q", de.File)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), " toml: ") {
				t.Errorf("error is not one clean line: %q", err)
			}
		})
	}
}

func TestParseSeveralUnknownKeys(t *testing.T) {
	_, _, err := Parse([]byte(doc(`sever = "x"`, `usrname = "y"`)), "c.toml")
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "c.toml:7:1: ") || !strings.HasPrefix(lines[1], "c.toml:8:1: ") ||
		!strings.Contains(lines[1], `did you mean "username"?`) {
		t.Errorf("err = %q, want one line per unknown key", err)
	}
	var de *DecodeError
	if !errors.As(err, &de) || de.Key != "incoming.sever" {
		t.Errorf("errors.As gives %+v, want the first unknown key", de)
	}
}

func TestParseValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		key  string
		want string
	}{
		{"version 2", strings.Replace(validDoc, "version = 1", "version = 2", 1), "version",
			"c.toml: version = 2 is not supported; this mailsetup reads version 1"},
		{"version 0", strings.Replace(validDoc, "version = 1", "version = 0", 1), "version", "version = 0 is not supported"},
		{"unknown security", doc(`security = "ssl"`), "incoming.security",
			`c.toml: incoming.security = "ssl" is not valid; use one of "none", "starttls-if-available", "starttls", "tls"`},
		{"port 70000", doc(`port = 70000`), "incoming.port", "incoming.port = 70000 is out of range; use 1-65535"},
		{"two password sources", doc(`password_env = "PW"`), "incoming.password_env",
			"both password and password_env are set; keep exactly one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.doc), "c.toml")
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *ValidationError", err, err)
			}
			if ve.Key != tt.key || ve.File != "c.toml" {
				t.Errorf("Key, File = %q, %q; want %q, c.toml", ve.Key, ve.File, tt.key)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseJoinsValidationErrorsWithFile(t *testing.T) {
	_, _, err := Parse([]byte(doc(`security = "ssl"`, `auth = "kerberos"`)), "c.toml")
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("err = %q, want two lines", err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "c.toml: incoming.") {
			t.Errorf("line %q does not name the file and key", l)
		}
	}
}

func TestParsePortZeroIsDefault(t *testing.T) {
	c, _, err := Parse([]byte(strings.Replace(doc(`port = 0`), `"imap"`, `"pop3"`, 1)), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Incoming.Port != 0 || c.Incoming.EffectivePort() != 995 {
		t.Errorf("Port = %d, EffectivePort = %d; want 0, 995", c.Incoming.Port, c.Incoming.EffectivePort())
	}
}

// writeFile writes a file with a mode, whatever the umask.
func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	_, _, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	for _, w := range []string{path, "mailsetup init"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	_, _, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("err = %v, want 'is a directory'", err)
	}
}

func TestLoadPermissions(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	clientSecretFile := filepath.Join(dir, "client-secret")
	byFile := strings.Replace(validDoc, `password = "secret"`, `password_file = "`+secret+`"`, 1)
	byEnv := strings.Replace(validDoc, `password = "secret"`, `password_env = "PW"`, 1)
	oauthInline := strings.Replace(validDoc, `password = "secret"`, `auth = "oauth2"
[incoming.oauth2]
provider = "microsoft"
client_id = "app"
client_secret = "s3cret"`, 1)
	oauthFile := strings.Replace(oauthInline, `client_secret = "s3cret"`, `client_secret_file = "`+clientSecretFile+`"`, 1)
	tests := []struct {
		name       string
		doc        string
		mode       os.FileMode
		secretMode os.FileMode // of both secret files
		wantFix    string      // "" = loads
	}{
		{"inline password 0600", validDoc, 0o600, 0o600, ""},
		{"inline password 0640 group", validDoc, 0o640, 0o600, ""},
		{"inline password world-readable", validDoc, 0o644, 0o600, "chmod 640 "},
		{"inline password world-readable no group", validDoc, 0o604, 0o600, "chmod 600 "},
		{"no inline secret world-readable", byEnv, 0o644, 0o600, ""},
		{"world-writable", byEnv, 0o666, 0o600, "chmod go-w "},
		{"password_file 0640", byFile, 0o644, 0o640, ""},
		{"password_file world-readable", byFile, 0o644, 0o644, "chmod 640 " + secret},
		{"inline client secret world-readable", oauthInline, 0o644, 0o600, "chmod 640 "},
		{"client_secret_file world-readable", oauthFile, 0o600, 0o604, "chmod 600 " + clientSecretFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "config.toml")
			writeFile(t, path, tt.doc, tt.mode)
			writeFile(t, secret, "pw\n", tt.secretMode)
			writeFile(t, clientSecretFile, "cs\n", tt.secretMode)
			_, _, err := Load(path)
			if tt.wantFix == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var pe *PermissionError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PermissionError", err)
			}
			if !strings.HasPrefix(pe.Fix, tt.wantFix) || !strings.Contains(err.Error(), pe.Fix) {
				t.Errorf("Fix = %q, want prefix %q; error %q must carry it", pe.Fix, tt.wantFix, err)
			}
		})
	}
}

func TestLoadSchemaErrorsBeforePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, doc(`sever = "x"`), 0o644)
	_, _, err := Load(path)
	var de *DecodeError
	if !errors.As(err, &de) || de.File != path || de.Line != 7 {
		t.Fatalf("err = %v, want the unknown key at %s:7 before the permission problem", err, path)
	}
	writeFile(t, path, doc(`port = 70000`), 0o644)
	_, _, err = Load(path)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want the validation error before the permission problem", err)
	}
}

func TestLoadReturnsWarnings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, doc(`security = "starttls-if-available"`), 0o600)
	_, warnings, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Key != "incoming.security" || !strings.Contains(warnings[0].String(), "downgraded to plain text") {
		t.Errorf("warnings = %v", warnings)
	}
}
