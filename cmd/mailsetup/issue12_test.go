package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
)

// TestDiscoverJSONNotesTLSRequired (issue 12 item 1): on GNU Mailutils'
// TLS-required ports, `discover --json` carries the notes the text table
// shows ("XTLSREQUIRED; STARTTLS offered"), not `"mechanisms":[]` alone,
// and lists no password mechanism as usable in plain text.
func TestDiscoverJSONNotesTLSRequired(t *testing.T) {
	t.Parallel()
	mu := mailutilstest.Start(t)
	closed := strings.Split(closedPortsFlag(t), ",")[0]
	closedPort := strings.SplitN(closed, "=", 2)[1]
	ports := fmt.Sprintf("imaps=%s,imap=%s,imap-plain=%d,pop3s=%s,pop3=%s,pop3-plain=%d",
		closedPort, closedPort, mu.IMAPTLSRequired, closedPort, closedPort, mu.POP3TLSRequired)

	code, out, errs := cli(t, "", "discover", mu.Host, "--json", "--ports", ports, "--ca-file", mu.CAFile, "--timeout", "20s")
	if code != 0 && code != 1 {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	seen := 0
	for _, m := range jsonLines(t, out) {
		if m["type"] != "probe" || m["security"] != config.SecurityNone {
			continue
		}
		seen++
		mechs, _ := m["mechanisms"].([]any)
		notes, _ := m["notes"].([]any)
		if slices.Contains(mechs, any("LOGIN")) || slices.Contains(mechs, any("USER")) {
			t.Errorf("%v: password mechanisms usable in plain text on a TLS-required port: %v", m["protocol"], mechs)
		}
		if !slices.Contains(notes, any("XTLSREQUIRED")) || !slices.Contains(notes, any("STARTTLS offered")) {
			t.Errorf("%v: notes %v, want XTLSREQUIRED and STARTTLS offered\n%s", m["protocol"], m["notes"], out)
		}
	}
	if seen != 2 {
		t.Fatalf("%d plain-text probe lines, want 2:\n%s", seen, out)
	}

	_, text, _ := cli(t, "", "discover", mu.Host, "--ports", ports, "--ca-file", mu.CAFile, "--timeout", "20s")
	if flat := strings.Join(strings.Fields(text), " "); strings.Count(flat, "none; XTLSREQUIRED; STARTTLS offered") != 2 {
		t.Errorf("text table lacks the note:\n%s", text)
	}
}
