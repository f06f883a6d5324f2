package mailconn_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// ListFolders signs in as the connection test does and lists the folders
// as a tree; a failure carries the test's step, field and hint.
func ExampleListFolders() {
	in := config.Default().Incoming
	in.Server, in.Username = "mail.example.com", "support@example.com"
	list, err := mailconn.ListFolders(context.Background(), in, mailconn.Options{Secret: "…"}, nil)
	var le *mailconn.ListError
	if errors.As(err, &le) {
		fmt.Printf("%s failed: %s (fix %s)\n", le.Result.FailedStep, le.Result.Hint, le.Result.Field)
		return
	}
	for _, f := range list.Folders {
		indent := strings.Repeat("  ", list.Depth(f.Name))
		if f.NoSelect {
			fmt.Println(indent + list.Leaf(f.Name) + " (folders only)")
			continue
		}
		fmt.Printf("%s%s: %d messages, %d unseen\n", indent, list.Leaf(f.Name), f.Messages, f.Unseen)
	}
}

// A folder typed with the wrong separator, offered in the server's.
func ExampleSuggestSeparator() {
	fmt.Println(mailconn.SuggestSeparator("INBOX.Support", "/"))
	fmt.Println(mailconn.SuggestSeparator("INBOX/Support", "/"))
	// Output:
	// INBOX/Support true
	// INBOX/Support false
}
