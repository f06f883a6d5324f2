package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		text, secret, want string
	}{
		// Short secrets: only where they stand alone.
		{"* OK IMAP ready", "e", "* OK IMAP ready"},
		{"wrong password e.", "e", "wrong password <redacted>."},
		{"e", "e", Mark},
		{`wrong password "ab", try "abc"`, "ab", `wrong password "<redacted>", try "abc"`},
		{"Entwürfe ü", "ü", "Entwürfe <redacted>"},
		{"1e 2e3 e", "e", "1e 2e3 <redacted>"},
		// From MinLen on: anywhere.
		{"xP4ss-w0rd!y", "P4ss-w0rd!", "x<redacted>y"},
		{"char acte characters", "acte", "char <redacted> char<redacted>rs"},
		{"you said " + b64("P4ss-w0rd!"), "P4ss-w0rd!", "you said <redacted>"},
		{"AUTH " + b64("\x00alice\x00P4ss-w0rd!"), "P4ss-w0rd!", "AUTH <redacted>"},
		// The marker is atomic.
		{"see <redacted> here", "acted", "see <redacted> here"},
		{"see <redacted> here", "<red", "see <redacted> here"},
		{"see <redacted> here", "e", "see <redacted> here"},
		{"see <redacted>abcd!", "d>ab", "see <redacted>cd!"},
		{"<redacted><redacted>", "x", "<redacted><redacted>"},
		{"a <redacted> b acted", "acted", "a <redacted> b <redacted>"},
	}
	for _, tt := range tests {
		got := Replace(tt.text, Forms("alice", tt.secret))
		if got != tt.want {
			t.Errorf("Replace(%q) with secret %q = %q, want %q", tt.text, tt.secret, got, tt.want)
		}
	}
}

func TestSet(t *testing.T) {
	var nilSet *Set
	if got := nilSet.String("P4ss"); got != "P4ss" || nilSet.MaxLen() != 0 || nilSet.Forms() != nil {
		t.Errorf("a nil set hides %q", got)
	}
	nilSet.Add("x")
	s := NewSet("", "P4ss-w0rd!")
	s.SetUser("alice")
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00P4ss-w0rd!"))
	if got := s.String("NO " + plain); got != "NO "+Mark {
		t.Errorf("PLAIN form after SetUser: %q", got)
	}
	s.Add("TlRMTVNTUAADAAAAGAAYAEAAAAA")
	if got := s.String("NO TlRMTVNTUAADAAAAGAAYAEAAAAA."); got != "NO "+Mark+"." {
		t.Errorf("an added payload: %q", got)
	}
	if s.MaxLen() < len(plain) {
		t.Errorf("MaxLen %d < %d", s.MaxLen(), len(plain))
	}
}

func TestTrimCut(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"you sent: <reda…", "you sent: …"},
		{"you sent: <…", "you sent: …"},
		{"you sent: <redacted…", "you sent: …"},
		{"you sent: <redacted>…", "you sent: <redacted>…"},
		{"you sent: <reda", "you sent: <reda"},
		{"no cut here…", "no cut here…"},
	} {
		if got := TrimCut(tt.in, "…"); got != tt.want {
			t.Errorf("TrimCut(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzReplace: whatever the text and secret, no form of MinLen or more is
// left outside the markers, a short secret is left only next to a letter or
// digit, and markers in the text survive.
func FuzzReplace(f *testing.F) {
	f.Add("* OK IMAP ready <redacted> e", "e")
	f.Add("<red<redacted>acted>", "acted")
	f.Add("xx P4ss-w0rd! yy", "P4ss-w0rd!")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if secret == "" || strings.Contains(secret, "\x00") {
			t.Skip()
		}
		forms := Forms("alice", secret)
		got := Replace(text, forms)
		parts := strings.Split(got, Mark)
		rest := strings.Join(parts, "\x00")
		for _, f := range forms {
			if len(f) >= MinLen && strings.Contains(rest, f) && !strings.Contains(Mark, f) {
				t.Fatalf("form %q left in %q (from %q)", f, got, text)
			}
		}
		if n, m := strings.Count(text, Mark), strings.Count(got, Mark); m == 0 && n > 0 {
			t.Fatalf("the markers of %q are gone: %q", text, got)
		}
	})
}
