//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
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

// TestTestCommandSentence (issue 12 item 2): the human summary of
// `mailsetup test` ends in a sentence, never a bare code such as AUTH, and
// `test --json`'s result line keeps the code in error and adds the
// sentence as message. GNU Mailutils' POP3 answers a wrong password with
// "-ERR [AUTH] Bad login".
func TestTestCommandSentence(t *testing.T) {
	t.Parallel()
	mu := mailutilstest.Start(t)
	c := config.Default()
	c.Incoming.Protocol = config.ProtocolPOP3
	c.Incoming.Server = mu.Host
	c.Incoming.Port = mu.POP3S
	c.Incoming.Security = config.SecurityTLS
	c.Incoming.Username = mailtest.Alice.Name
	c.Incoming.Password = "Wrong-Pa55word"
	c.Incoming.CAFile = mu.CAFile
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}

	code, out, errs := cli(t, "", "test", "--config", path)
	if code != exitTestFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	summary := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Connection test failed at step authenticate") {
			summary = l
		}
	}
	if !strings.Contains(summary, `The server refused the sign-in (USER/PASS): the server answered "Bad login".`) ||
		strings.HasSuffix(strings.TrimSpace(summary), ": AUTH") {
		t.Errorf("summary %q: want the sentence, not the code\n%s", summary, out)
	}

	code, jout, _ := cli(t, "", "test", "--json", "--config", path)
	if code != exitTestFailed {
		t.Fatalf("--json: exit %d", code)
	}
	_, res := checkJSONLines(t, jout)
	msg, _ := res["message"].(string)
	if res["error"] != "AUTH" || res["field"] != "password" || !strings.Contains(msg, "Bad login") || !strings.HasSuffix(msg, ".") {
		t.Errorf("result %v: want error AUTH and a sentence in message", res)
	}
}
