package mailconn

import (
	"strings"
	"testing"
)

// TestTraceShortSecrets: a secret of any length stays off the client's
// lines (hidden by position), a server's echo of it standing alone is
// hidden, and the rest of the trace stays readable: a one- or
// two-character secret inside a word ("ready") is shown, and a <redacted>
// marker is never cut, even by a secret that is part of it.
func TestTraceShortSecrets(t *testing.T) {
	for _, secret := range []string{"e", "re", "d>", "<red", "acted", "Tr0ub4dor&3 horse"} {
		t.Run(secret, func(t *testing.T) {
			plain := b64("\x00" + testUser + "\x00" + secret)
			imap := runScript(t, "imap", testUser, []string{secret}, []step{
				{'S', "* OK IMAP ready\r\n"},
				{'C', "A1 LOGIN alice " + quoteIMAP(secret) + "\r\n"},
				{'S', "A1 NO [AUTHENTICATIONFAILED] wrong password " + secret + "\r\n"},
				{'C', "A2 AUTHENTICATE PLAIN " + plain + "\r\n"},
				{'S', "A2 NO you sent <redacted> (" + b64(secret) + ")\r\n"},
				{'C', "A3 LOGOUT\r\n"},
				{'S', "* BYE see you\r\n"},
			})
			if want := transcript(
				"S: * OK IMAP ready",
				"C: A1 LOGIN <redacted> <redacted>",
				"S: A1 NO [AUTHENTICATIONFAILED] wrong password <redacted>",
				"C: A2 AUTHENTICATE PLAIN <redacted>",
				"S: A2 NO you sent <redacted> (<redacted>)",
				"C: A3 LOGOUT",
				"S: * BYE see you",
			); imap != want {
				t.Errorf("IMAP trace:\n%s\nwant:\n%s", imap, want)
			}
			pop3 := runScript(t, "pop3", testUser, []string{secret}, []step{
				{'S', "+OK POP3 ready\r\n"},
				{'C', "USER alice\r\n"},
				{'S', "+OK send the password\r\n"},
				{'C', "PASS " + secret + "\r\n"},
				{'S', "-ERR [AUTH] wrong password " + secret + "\r\n"},
				{'C', "AUTH PLAIN " + plain + "\r\n"},
				{'S', "-ERR [AUTH] <redacted>\r\n"},
				{'C', "QUIT\r\n"},
			})
			if want := transcript(
				"S: +OK POP3 ready",
				"C: USER alice",
				"S: +OK send the password",
				"C: PASS <redacted>",
				"S: -ERR [AUTH] wrong password <redacted>",
				"C: AUTH PLAIN <redacted>",
				"S: -ERR [AUTH] <redacted>",
				"C: QUIT",
			); pop3 != want {
				t.Errorf("POP3 trace:\n%s\nwant:\n%s", pop3, want)
			}
		})
	}
}

// TestTraceMarkerAtomicAtCut: a marker the server sent across the
// 1000-byte cut of a long line is shown whole or not at all.
func TestTraceMarkerAtomicAtCut(t *testing.T) {
	for pad := traceLineLimit - len(redactedMark); pad <= traceLineLimit; pad++ {
		line := "* OK " + strings.Repeat("x", pad-5) + redactedMark + strings.Repeat("y", 50)
		got := runScript(t, "imap", "", []string{"e"}, []step{{'S', line + "\r\n"}})
		rest := strings.ReplaceAll(got, redactedMark, "")
		if strings.Contains(rest, "<") || strings.Contains(rest, "acted>") {
			t.Errorf("pad %d: a cut marker:\n%s", pad, got)
		}
	}
}

// quoteIMAP is s as an IMAP quoted string.
func quoteIMAP(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
