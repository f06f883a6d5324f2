// Package safetext makes text that came from outside mailsetup (a server's
// greeting, capabilities and errors, a certificate's names, DNS answers,
// autoconfig files, an OAuth provider's answers, folder names, a
// password_command's stderr) safe to print on an administrator's terminal.
//
// The rule is one for the whole program: printable Unicode is kept as it is
// ("Küche", "受信箱", emoji), and everything that could steer a terminal or
// forge what the admin reads is replaced visibly:
//
//   - C0 controls (NUL … US, including ESC, BEL, CR, LF and TAB) and DEL
//     become "\x1b"-style escapes;
//   - C1 controls (U+0080–U+009F, e.g. the one-byte CSI U+009B), the bidi
//     embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
//     the Unicode line and paragraph separators (U+2028, U+2029) become
//     "\u009b"-style escapes;
//   - invalid UTF-8 becomes U+FFFD (�), one per bad byte.
//
// The output is always valid UTF-8, contains no byte below 0x20, no 0x7f
// and no C1 control, and cleaning it again changes nothing. A string that is
// already clean is returned as it is, without allocating. CleanLines is the
// same rule for text of several lines: it keeps "\n" and "\t".
//
// The package lives at the module root (internal/safetext) rather than in
// mailconn so that config, mailconn and its subpackages, tui and the command
// can all use the same rule; config must not import mailconn.
package safetext

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// escaped reports whether the rune r (valid, ≥ 0x80) is replaced.
func escaped(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r >= 0x202a && r <= 0x202e: // LRE RLE PDF LRO RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI RLI FSI PDI
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separator
		return true
	}
	return false
}

// IsClean reports whether Clean(s) == s: s is valid UTF-8 and holds nothing
// that Clean replaces.
func IsClean(s string) bool {
	return firstDirty(s, false) < 0
}

// keptInLines reports whether the C0 control c stays as it is in CleanLines.
func keptInLines(c byte) bool { return c == '\n' || c == '\t' }

// firstDirty is the byte offset of the first thing Clean (or, with lines,
// CleanLines) replaces in s, or -1 when there is none.
func firstDirty(s string, lines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && !(lines && keptInLines(c))) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || escaped(r) {
			return i
		}
		i += n
	}
	return -1
}

// Clean returns s with controls, bidi overrides and invalid UTF-8 replaced
// visibly (see the package comment). A clean s is returned unchanged and
// without allocating.
func Clean(s string) string {
	return clean(s, false)
}

// CleanLines is Clean for text of several lines, such as an error message
// that joins several errors: it keeps line feeds and tabs and replaces
// everything else Clean replaces (a CR included, which could overwrite a
// line).
func CleanLines(s string) string {
	return clean(s, true)
}

func clean(s string, lines bool) string {
	i := firstDirty(s, lines)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	writeClean(&b, s[i:], -1, lines)
	return b.String()
}

// CleanBytes is Clean for a byte slice, e.g. a line read from a server.
func CleanBytes(p []byte) string {
	return Clean(string(p))
}

// Bound is Clean that also cuts s after max characters (an invalid byte
// counts as one), marking the cut with "…". Escapes count as the one
// character they replace. A max below 1 means no bound.
func Bound(s string, max int) string {
	if max < 1 {
		return Clean(s)
	}
	if utf8.RuneCountInString(s) <= max {
		return Clean(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	writeClean(&b, s, max, false)
	b.WriteString("…")
	return b.String()
}

// writeClean writes the cleaned form of s to b, stopping after max
// characters of s when max ≥ 0; lines keeps line feeds and tabs.
func writeClean(b *strings.Builder, s string, max int, lines bool) {
	for n := 0; len(s) > 0 && n != max; n++ {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case lines && r < 0x20 && keptInLines(byte(r)):
			b.WriteByte(byte(r))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case r >= utf8.RuneSelf && escaped(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
}

// Err returns err with its text cleaned: an error whose Error() may quote
// outside text (a parser's message, a server's answer). errors.Is and
// errors.As see through it to err. A nil err, or one whose text is already
// clean, is returned as it is.
func Err(err error) error {
	if err == nil || IsClean(err.Error()) {
		return err
	}
	return &cleanError{err}
}

// cleanError is an error whose text is cleaned.
type cleanError struct{ err error }

func (e *cleanError) Error() string { return Clean(e.err.Error()) }
func (e *cleanError) Unwrap() error { return e.err }
