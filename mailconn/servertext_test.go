package mailconn

import "testing"

func TestServerText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"dovecot timing with three figures", "Mailbox doesn't exist: Archive (0.013 + 0.000 + 0.012 secs).", "Mailbox doesn't exist: Archive"},
		{"dovecot timing with two figures", "Mailbox doesn't exist: INBOX.Support (0.001 + 0.000 secs)", "Mailbox doesn't exist: INBOX.Support"},
		{"no timing", "Authentication failed.", "Authentication failed."},
		{"parenthesis that is not a timing", "Mailbox is locked (try later)", "Mailbox is locked (try later)"},
		{"timing not at the end stays", "took (0.1 secs) then failed", "took (0.1 secs) then failed"},
		{"control characters", "bad\x1b[31m text", `bad\x1b[31m text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serverText(tt.in); got != tt.want {
				t.Fatalf("serverText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFolderErrorQuotesTheServer(t *testing.T) {
	e := &FolderError{Name: "INBOX.Support", Text: serverText("Mailbox doesn't exist: INBOX.Support (0.013 + 0.000 + 0.012 secs).")}
	want := `cannot open folder "INBOX.Support": the server answered: "Mailbox doesn't exist: INBOX.Support"`
	if got := e.Error(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
