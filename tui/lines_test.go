package tui

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
)

// answers joins one answer per line, as a script would pipe them.
func answers(a ...string) string { return strings.Join(a, "\n") + "\n" }

func TestLineMode(t *testing.T) {
	tests := []struct {
		name    string
		file    string // an existing config file's content
		input   string
		runs    []scriptRun
		wantErr error  // errors.Is
		errText string // in the error
		want    *config.Incoming
		out     []string // in the output, in this order
	}{
		{
			name: "the documented IMAPS example",
			// The same answers as the example in runLines' doc comment.
			input: answers("imap", "mail.example.com", "", "INBOX/Support", "support@example.com",
				"1", "s3cret", "n", "tls", "y", "", "", "", "y", "y"),
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX/Support",
				Username: "support@example.com", Password: "s3cret", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Account type:", "  1) IMAP4", "Choose 1-2 [1]:", "Server name:", "Port:", "Mail Box [INBOX]:",
				"User name:", "Keep the password:", "Password:", "Authentication:", "2) Require Secure Password Authentication (SPA)",
				"Secure connection:", "4) SSL/TLS - The Mail Connector will attempt", "Reject invalid certificates? [Y/n]",
				"CA file (optional):", "Pinned certificate SHA-256 (optional):", "Name to verify on the certificate (optional):",
				"Test the connection now? [Y/n]", "Testing IMAP4 mail.example.com:993 (SSL/TLS) as support@example.com",
				"[ok]   Resolve: mail.example.com: 192.0.2.10 (3 ms)", "[ok]   Mailbox: INBOX/Support: 2 messages",
				"Connection test passed in 72 ms.", "Save to ", "Saved ", "mailsetup test --config "},
		},
		{
			name:  "POP3 STARTTLS with the password in an environment variable, no test",
			input: answers("pop3", "pop.example.com", "", "alice", "env", "MAIL_PW", "", "starttls", "", "", "", "", "n", ""),
			want: &config.Incoming{Protocol: "pop3", Server: "pop.example.com", Port: 110, Mailbox: "INBOX", // Load's default
				Username: "alice", PasswordEnv: "MAIL_PW", Auth: "password", Security: "starttls", RejectInvalidCertificates: true},
			out: []string{"Server name:", "Port:", "User name:"},
		},
		{
			name: "unusable answers are asked again",
			input: answers("3", "imap", "imaps://mail.example.com", "mail.example.com", "99999", "abc", "143",
				"", "bob", "1", "", "pw", "maybe", "y", "none", "n", "y"),
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 143, Mailbox: "INBOX",
				Username: "bob", Password: "pw", Auth: "spa", Security: "none", RejectInvalidCertificates: true},
			out: []string{"Answer with a number from 1 to 2.", `Leave out "imaps://"`, "A port is 1-65535.",
				"Digits only, 1-65535.", "Type the password.", "Answer with a number from 1 to 3.", "[warn] The password and all mail cross the network in plain text"},
		},
		{
			name:    "input that ends early fails and writes nothing",
			input:   answers("imap", "mail.example.com"),
			errText: `input ended at the question "Port"`,
		},
		{
			name:    "a failed test asks before saving; no saves nothing",
			input:   answers("imap", "mail.example.com", "", "", "alice", "1", "wrong", "n", "4", "y", "", "", "", "y", ""),
			runs:    []scriptRun{wrongPasswordMessageRun()},
			wantErr: ErrNotSaved,
			out: []string{"[FAIL] Authenticate: AUTHENTICATIONFAILED", wrongPasswordSentence,
				"Hint: The server rejected the user name or password.", "The setting at fault: password.",
				"The connection test failed. Save anyway? [y/N]", "Nothing was saved."},
		},
		{
			name: "editing keeps every value, the password unchanged",
			file: "version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nport = 10993\nmailbox = \"INBOX.Support\"\n" +
				"username = \"alice\"\npassword = \"old pw\"\nauth = \"password\"\nsecurity = \"tls\"\nreject_invalid_certificates = true\n",
			input: answers("", "", "", "", "", "", "", "", "", "", "", "", "", "", "n", "y"),
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 10993, Mailbox: "INBOX.Support",
				Username: "alice", Password: "old pw", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Edit the existing settings in ", "Server name [mail.example.com]:", "Port [10993]:",
				"Mail Box [INBOX.Support]:", "User name [alice]:", "Password [unchanged]:"},
		},
		{
			name:    "a file that cannot be loaded: start from the defaults",
			file:    "version = 1\n[incoming]\nprot = \"imap\"\n",
			input:   answers("n"),
			out:     []string{"cannot be used: Line 3, column 1", "Start from the defaults?"},
			errText: "prot",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if tt.file != "" {
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			sc := &script{runs: tt.runs}
			if sc.runs == nil {
				sc.runs = []scriptRun{passingRun()}
			}
			var out bytes.Buffer
			err := run(context.Background(), Options{
				ConfigPath: path, In: strings.NewReader(tt.input), Out: &out, Env: []string{"LANG=C.UTF-8"},
			}, sc.test)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v\n%s", err, tt.wantErr, out.String())
			case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
				t.Fatalf("err = %v, want one with %q\n%s", err, tt.errText, out.String())
			case tt.wantErr == nil && tt.errText == "" && err != nil:
				t.Fatalf("err = %v\n%s", err, out.String())
			}
			text := out.String()
			wantInOrder(t, text, tt.out)
			if tt.want == nil {
				data, rerr := os.ReadFile(path)
				switch {
				case tt.file == "" && !errors.Is(rerr, fs.ErrNotExist):
					t.Errorf("a file was written: %v", rerr)
				case tt.file != "" && string(data) != tt.file:
					t.Errorf("the file changed:\n%s", data)
				}
				return
			}
			c, _, err := config.Load(path)
			if err != nil {
				t.Fatalf("load the saved file: %v\n%s", err, text)
			}
			if c.Incoming != *tt.want {
				t.Errorf("saved\n%+v\nwant\n%+v", c.Incoming, *tt.want)
			}
			if strings.Contains(text, "s3cret") || strings.Contains(text, "old pw") {
				t.Error("the output shows a password")
			}
		})
	}
}
