package safetext

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain ASCII", "* OK IMAP ready", "* OK IMAP ready"},
		{"non-ASCII letters", "Küche 受信箱 ✓ 🙂", "Küche 受信箱 ✓ 🙂"},
		{"empty", "", ""},
		{"ESC clear screen", "X-\x1b[2J\x1b[H", `X-\x1b[2J\x1b[H`},
		{"OSC 52 clipboard", "\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\x07`},
		{"OSC 0 title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"CR LF TAB NUL", "a\rb\nc\td\x00e", `a\x0db\x0ac\x09d\x00e`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"invalid UTF-8", "a\xff\xfeb", "a\ufffd\ufffdb"},
		{"truncated sequence", "K\xc3", "K\ufffd"},
		{"C1 CSI", "a\xc2\x9b2Jb", `a\u009b2Jb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"bidi override", "abc\u202eevil", `abc\u202eevil`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"replacement char stays", "a\ufffdb", "a\ufffdb"},
		{"literal backslash stays", `a\x1bb`, `a\x1bb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Fatalf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := CleanBytes([]byte(tt.in)); got != tt.want {
				t.Fatalf("CleanBytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if IsClean(tt.in) != (tt.in == tt.want) {
				t.Fatalf("IsClean(%q) = %v", tt.in, IsClean(tt.in))
			}
		})
	}
}

func TestCleanLines(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"lines and tabs stay", "a\n\tb\n", "a\n\tb\n"},
		{"CR is escaped", "a\r\nb", `a\x0d` + "\nb"},
		{"ESC is escaped", "one\n\x1b[2Jtwo", "one\n" + `\x1b[2Jtwo`},
		{"C1 and invalid UTF-8", "\xc2\x9b\xff", `\u009b` + "\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanLines(tt.in); got != tt.want {
				t.Fatalf("CleanLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBound(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "hello", 10, "hello"},
		{"exact", "hello", 5, "hello"},
		{"cut", "hello world", 5, "hello…"},
		{"cut counts characters not bytes", "ÄÖÜäöü", 3, "ÄÖÜ…"},
		{"escape counts as one", "\x1b[2Jabc", 3, `\x1b[2…`},
		{"invalid byte counts as one", "\xff\xffabc", 3, "\ufffd\ufffda…"},
		{"no bound", "\x07abc", 0, `\x07abc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bound(tt.in, tt.max); got != tt.want {
				t.Fatalf("Bound(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestCleanDoesNotAllocateForCleanText(t *testing.T) {
	s := strings.Repeat("Küche INBOX.Support ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Fatalf("Clean of clean text allocated %v times", n)
	}
}

// checkSafe fails t when out holds something a terminal could act on.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q) = %q: not valid UTF-8", in, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("Clean(%q) = %q: byte %#x at %d", in, out, c, i)
		}
	}
	for _, r := range out {
		if (r >= 0x80 && r <= 0x9f) || escaped(r) {
			t.Fatalf("Clean(%q) = %q: rune %U", in, out, r)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "* OK ready", "Küche", "X-\x1b[2J\x1b[H\x1b]52;c;aGk=\x07", "\x1b]0;t\x07",
		"a\rb\x00", "\xff\xfe", "\xc2\x9b", "\u202e", "\u2066\u2069", "\x7f", "a\\x1b",
		"\xe2\x80", "\xed\xa0\x80", "\U0010ffff",
	} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, in string, max int) {
		out := Clean(in)
		checkSafe(t, in, out)
		if again := Clean(out); again != out {
			t.Fatalf("Clean is not idempotent: %q -> %q -> %q", in, out, again)
		}
		printable := utf8.ValidString(in)
		for _, r := range in {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || escaped(r) {
				printable = false
			}
		}
		if printable != (out == in) {
			t.Fatalf("printable=%v but Clean(%q) = %q", printable, in, out)
		}
		if IsClean(in) != printable {
			t.Fatalf("IsClean(%q) = %v, want %v", in, !printable, printable)
		}
		lines := CleanLines(in)
		checkSafe(t, in, strings.NewReplacer("\n", "", "\t", "").Replace(lines))
		if !strings.ContainsAny(in, "\n\t") && lines != out {
			t.Fatalf("CleanLines(%q) = %q, Clean = %q", in, lines, out)
		}
		if CleanBytes([]byte(in)) != out {
			t.Fatalf("CleanBytes differs from Clean for %q", in)
		}
		max = max%300 + 1
		if max < 1 {
			max = -max + 1
		}
		b := Bound(in, max)
		checkSafe(t, in, b)
		if utf8.RuneCountInString(in) <= max {
			if b != out {
				t.Fatalf("Bound(%q, %d) = %q, want %q", in, max, b, out)
			}
		} else if !strings.HasSuffix(b, "…") || !strings.HasPrefix(out, strings.TrimSuffix(b, "…")) {
			t.Fatalf("Bound(%q, %d) = %q is not a cut of %q", in, max, b, out)
		}
	})
}

func BenchmarkCleanClean(b *testing.B) {
	s := "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready."
	for b.Loop() {
		_ = Clean(s)
	}
}

func BenchmarkCleanDirty(b *testing.B) {
	s := "* OK X-\x1b[2J\x1b[H\x1b]52;c;aGk=\x07 Dovecot \xff ready."
	for b.Loop() {
		_ = Clean(s)
	}
}

func TestErr(t *testing.T) {
	if Err(nil) != nil {
		t.Fatal("Err(nil) is not nil")
	}
	clean := errors.New("clean text")
	if Err(clean) != clean {
		t.Fatal("Err of a clean error wrapped it")
	}
	inner := &os.PathError{Op: "open", Path: "\x1b]0;x\x07", Err: os.ErrNotExist}
	err := Err(fmt.Errorf("read: %w", inner))
	if got, want := err.Error(), `read: open \x1b]0;x\x07: file does not exist`; got != want {
		t.Fatalf("Err text = %q, want %q", got, want)
	}
	var pe *os.PathError
	if !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Err hides the error inside")
	}
}
