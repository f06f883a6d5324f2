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
		once    []string // in the output exactly once
		not     []string // not in the output
		calls   int      // connection tests run, when not 0
	}{
		{
			name: "the documented IMAPS example",
			// The same answers as the example in runLines' doc comment.
			input: answers("imap", "mail.example.com", "", "INBOX/Support", "support@example.com",
				"1", "s3cret", "n", "tls", "y", "", "", "", "y", "y"),
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX/Support",
				Username: "support@example.com", Password: "s3cret", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Account type:", "  1) IMAP4", "Choose 1-2 [1]: imap", "Server name: mail.example.com", "Port:", "Mail Box [INBOX]:",
				"User name: support@example.com", "Keep password:", "Password: (hidden)", "Authentication:", "2) Require Secure Password Authentication (SPA)",
				"Secure connection:", "4) SSL/TLS - SSL/TLS from the start", "Reject invalid certificates? [Y/n]",
				"CA file (optional):", "Pin SHA-256 (optional):", "Verify name (optional):",
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
			name:    "a failed test asks what now; n quits and saves nothing",
			input:   answers("imap", "mail.example.com", "", "", "alice", "1", "wrong", "n", "4", "y", "", "", "", "y", "n"),
			runs:    []scriptRun{wrongPasswordMessageRun()},
			wantErr: ErrNotSaved,
			out: []string{"[FAIL] Authenticate: AUTHENTICATIONFAILED", "The server rejected the user name or password.",
				wrongPasswordSentence, "The setting at fault: Password (User name and password).",
				"The connection test failed. What now?\n", "1) Test again", "2) Change a setting - Password first", "3) Save anyway",
				"4) Quit without saving", "Choose 1-4 [2]: n", "Nothing was saved."},
			once: []string{"Nothing was saved.", "The server rejected the user name or password."},
		},
		{
			name: "after a failed test: test again, then save",
			input: answers("imap", "mail.example.com", "", "", "alice", "1", "pw", "n", "4", "y", "", "", "", "y",
				"retry", "y"),
			runs:  []scriptRun{wrongPasswordRun(), passingRun()},
			calls: 2,
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX",
				Username: "alice", Password: "pw", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"The connection test failed. What now?", "Choose 1-4 [2]: retry", "Testing IMAP4", "Connection test passed",
				"Save to ", "Saved "},
		},
		{
			name: "after a failed test: change the setting at fault (the default), which tests again",
			input: answers("imap", "mail.example.com", "", "", "alice", "1", "wrong", "n", "4", "y", "", "", "", "y",
				"", "", "right", "y"),
			runs:  []scriptRun{wrongPasswordRun(), passingRun()},
			calls: 2,
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX",
				Username: "alice", Password: "right", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Choose 1-4 [2]: ", "Which setting?", "  1) Account type\n", "2) Server name - Server name and port",
				"7) Password - User name and password", "Choose 1-13 [7]: ", "Password: (hidden)", "Testing IMAP4",
				"Connection test passed", "Saved "},
		},
		{
			name: "after a failed test: change another setting by its label; a choice asks what it shows",
			input: answers("imap", "mail.example.com", "", "", "alice", "1", "pw", "n", "4", "y", "", "", "", "y",
				"change", "keep password", "command", "echo secret", "y"),
			runs:  []scriptRun{wrongPasswordRun(), passingRun()},
			calls: 2,
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX",
				Username: "alice", PasswordCommand: "echo secret", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Which setting?", "Keep password:", "Command: echo secret", "Testing IMAP4", "Saved "},
		},
		{
			name: "after a failed test a piped y is no answer; save saves anyway and reports the failure",
			input: answers("imap", "mail.example.com", "", "", "alice", "1", "pw", "n", "4", "y", "", "", "", "y",
				"y", "save"),
			runs:    []scriptRun{wrongPasswordRun()},
			wantErr: ErrSavedAfterFailure,
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX",
				Username: "alice", Password: "pw", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Choose 1-4 [2]: y", "Answer with a number from 1 to 4.", "Choose 1-4 [2]: save", "Saved ",
				"The connection test failed: the connector will fail the same way"},
		},
		{
			name: "input that ends after a failed test saves nothing",
			input: answers("imap", "mail.example.com", "", "", "alice", "1", "pw", "n", "4", "y", "", "", "", "y",
				"y"),
			runs:    []scriptRun{wrongPasswordRun()},
			wantErr: ErrNotSaved,
			errText: `input ended at the question "Choose 1-4 [2]"`,
			once:    []string{"Nothing was saved."},
		},
		{
			name:  "POP3 skips the mail box",
			input: answers("2", "pop.example.com", "995", "alice", "", "pw", "", "tls", "", "", "", "", "n", "y"),
			want: &config.Incoming{Protocol: "pop3", Server: "pop.example.com", Port: 995, Mailbox: "INBOX",
				Username: "alice", Password: "pw", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Port: 995", "User name and password", "User name: alice"},
			not: []string{"Mail Box", "Mailbox"},
		},
		{
			name: "editing keeps every value, the password unchanged",
			file: "version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nport = 10993\nmailbox = \"INBOX.Support\"\n" +
				"username = \"alice\"\npassword = \"old pw\"\nauth = \"password\"\nsecurity = \"tls\"\nreject_invalid_certificates = true\n",
			// From a pipe "Edit the existing settings?" is not asked.
			input: answers("", "", "", "", "", "", "", "", "", "", "", "", "", "n", "y"),
			want: &config.Incoming{Protocol: "imap", Server: "mail.example.com", Port: 10993, Mailbox: "INBOX.Support",
				Username: "alice", Password: "old pw", Auth: "password", Security: "tls", RejectInvalidCertificates: true},
			out: []string{"Editing the existing settings in ", "Server name [mail.example.com]:", "Port (optional, - for the default) [10993]:",
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
			for _, s := range tt.not {
				if strings.Contains(text, s) {
					t.Errorf("the output has %q:\n%s", s, text)
				}
			}
			for _, s := range tt.once {
				if n := strings.Count(text, s); n != 1 {
					t.Errorf("%q is in the output %d times, want once:\n%s", s, n, text)
				}
			}
			if tt.calls != 0 && len(sc.calls) != tt.calls {
				t.Errorf("%d connection tests, want %d", len(sc.calls), tt.calls)
			}

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
