package mailconn

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTaggedTapCapsKnown(t *testing.T) {
	for _, tc := range []struct {
		name, wire string
		known      bool
	}{
		{"nothing tagged yet (PREAUTH)", "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n", true},
		{"sign-in reply with capabilities", "* OK hi\r\n+ \r\nT1 OK [CAPABILITY IMAP4rev1 ESEARCH] Logged in\r\n", true},
		{"lower case", "t1 ok [capability imap4rev1] in\r\n", true},
		{"plain OK", "* OK [CAPABILITY IMAP4rev1] hi\r\n+ \r\nT1 OK LOGIN Ok.\r\n", false},
		{"untagged capabilities after a plain OK", "T1 OK done\r\n* CAPABILITY IMAP4rev1\r\n", false},
		{"the last tagged line counts", "T1 OK [CAPABILITY X] a\r\nT2 OK b\r\n", false},
		{"a long line", "T1 OK [CAPABILITY " + strings.Repeat("X ", 100) + "]\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte per read: lines split anywhere.
			tap := newTaggedTap(iotest.OneByteReader(strings.NewReader(tc.wire)))
			got, err := io.ReadAll(tap)
			if err != nil || string(got) != tc.wire {
				t.Fatalf("read %q, %v: want the bytes passed through", got, err)
			}
			if k := tap.capsKnown(); k != tc.known {
				t.Errorf("capsKnown = %v, want %v", k, tc.known)
			}
		})
	}
}

func TestLoginInOneTrip(t *testing.T) {
	for _, tc := range []struct {
		name         string
		caps         []string
		user, secret string
		want         bool
	}{
		{"no SASL-IR", []string{"IMAP4rev1", "AUTH=PLAIN"}, "alice", `Secret "Pa55" \ x`, true},
		{"SASL-IR: AUTHENTICATE PLAIN is one round trip", []string{"IMAP4rev1", "sasl-ir", "AUTH=PLAIN"}, "alice", "Secret-Pa55", false},
		{"LOGINDISABLED", []string{"IMAP4rev1", "LOGINDISABLED", "AUTH=PLAIN"}, "alice", "Secret-Pa55", false},
		{"non-ASCII password goes as a literal", []string{"AUTH=PLAIN"}, "bob", "Pässwort", false},
		{"non-ASCII user", []string{"AUTH=PLAIN"}, "jörg", "x", false},
		{"line break", []string{"AUTH=PLAIN"}, "alice", "a\nb", false},
		{"too long for a quoted string", []string{"AUTH=PLAIN"}, "alice", strings.Repeat("x", 4097), false},
	} {
		if got := loginInOneTrip(tc.caps, tc.user, tc.secret); got != tc.want {
			t.Errorf("%s: loginInOneTrip = %v, want %v", tc.name, got, tc.want)
		}
	}
}
