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
