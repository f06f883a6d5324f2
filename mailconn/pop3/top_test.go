package pop3

import (
	"errors"
	"strings"
	"testing"
)

// TestTop: TOP's reply comes back with dot-stuffing undone; a reply larger
// than maxTopBytes is read to its end but kept only up to the bound, and
// the session stays usable; -ERR is an *Error.
func TestTop(t *testing.T) {
	big := strings.Repeat("X-Filler: "+strings.Repeat("a", 90)+"\r\n", 1000) // ~100 KiB
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK ready\r\n")
		f.expect("TOP 1 0")
		f.send("+OK\r\nDate: Mon, 2 Dec 2026 10:00:00 +0000\r\n..dotted\r\n\r\n.\r\n")
		f.expect("TOP 2 0")
		f.send("+OK\r\nDate: Tue, 3 Dec 2026 10:00:00 +0000\r\n" + big + ".\r\n")
		f.expect("TOP 3 0")
		f.send("-ERR no such message\r\n")
	})
	ctx := testContext(t)
	head, err := c.Top(ctx, 1, 0)
	if err != nil || string(head) != "Date: Mon, 2 Dec 2026 10:00:00 +0000\r\n.dotted\r\n\r\n" {
		t.Fatalf("Top 1: %q, %v", head, err)
	}
	head, err = c.Top(ctx, 2, 0)
	if err != nil || len(head) > maxTopBytes || !strings.HasPrefix(string(head), "Date: Tue") {
		t.Fatalf("Top 2: %d bytes, %v", len(head), err)
	}
	_, err = c.Top(ctx, 3, 0)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Top 3: %v, want *Error", err)
	}
	if _, err := c.Top(ctx, 0, 0); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("Top 0: %v", err)
	}
}
