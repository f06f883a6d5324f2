// Package shellquote quotes a word (a path, a host name) for a POSIX shell,
// so that a command mailsetup prints — "chmod 600 PATH", "mailsetup test
// --config PATH", "ssh -L … HOST" — can be copied and run as it is.
package shellquote

import "strings"

// Quote returns s unchanged when every character is safe in a POSIX shell
// word (letters, digits and / . _ - + , : @ % =); otherwise s in single
// quotes, each single quote in it closed, escaped and reopened:
//
//	it's  →  'it'\''s'
//
// The empty string comes back as a pair of single quotes.
func Quote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:@%=", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
