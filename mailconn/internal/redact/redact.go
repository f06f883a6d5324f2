// Package redact finds and hides the forms of a secret (a password or an
// OAuth token) in text: the one list of forms and the one span finder that
// the trace, the step events, the result and the errors of package mailconn
// and the POP3 client share.
//
// # The rule
//
// A secret is hidden in two ways. What the client sends is hidden by
// position (the trace's protocol rules: LOGIN and PASS arguments, SASL
// payloads), whatever the secret's length. Everything else — server text,
// notes, step details, hints, errors — is scrubbed of the secret's forms
// (the secret, its quoted form, the base64 of the SASL messages that carry
// it, and the base64 cores that carry it at any offset):
//
//   - a form of MinLen bytes or more is hidden wherever it appears, even
//     inside a word ("xP4ss-w0rd!y" shows as "x<redacted>y");
//   - a shorter form (the secret "e", or "ab") is hidden only where it
//     stands alone: the characters on both sides of it, if any, are not
//     letters or digits. A server that echoes a one- to three-character
//     secret inside a word cannot be told apart from ordinary text
//     ("* OK IMAP ready" holds "e"); hiding every such letter would make
//     the output unreadable while hiding nothing an attacker could not
//     guess, so such text is shown. A secret that short is no secret: the
//     position rules still keep it off the client's lines.
//
// The marker Mark is atomic: a span that touches a marker already in the
// text (put there by the protocol rules, or sent by a server) is widened to
// the whole marker, so a marker is never cut ("<red<redacted>cted>"), and a
// marker in the text is itself treated as a span, so that a line cut at its
// length limit never cuts one either.
package redact

import (
	"bytes"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Mark is what a secret becomes.
const Mark = "<redacted>"

// MinLen is the length in bytes from which a form is hidden even inside a
// word; shorter forms are hidden only where they stand alone.
const MinLen = 4

// Forms are the strings that reveal secret s of user u: s, its IMAP quoted
// form, the base64 (padded and raw) of s and of the SASL PLAIN, XOAUTH2 and
// OAUTHBEARER messages that carry it, and the base64 cores that carry s at
// any byte offset of a longer message.
func Forms(u, s string) []string {
	if s == "" {
		return nil
	}
	forms := []string{s, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)}
	for _, msg := range []string{
		s,                           // SASL LOGIN, POP3 AUTH answers
		"\x00" + u + "\x00" + s,     // SASL PLAIN
		u + "\x00" + u + "\x00" + s, // SASL PLAIN with authzid
		"user=" + u + "\x01auth=Bearer " + s + "\x01\x01", // XOAUTH2
		"n,a=" + u + ",\x01auth=Bearer " + s + "\x01\x01", // OAUTHBEARER without host and port
	} {
		forms = append(forms, base64.StdEncoding.EncodeToString([]byte(msg)), base64.RawStdEncoding.EncodeToString([]byte(msg)))
	}
	return append(forms, base64Cores(s)...)
}

// base64Cores are the parts of a base64 text that depend on s alone, for s
// at each of the three offsets a 3-byte group can put it: whatever the
// surrounding message (an OAUTHBEARER with host and port, say), its base64
// contains one of them. Cores shorter than 8 characters are left out: they
// would match unrelated base64 text too often.
func base64Cores(s string) []string {
	var cores []string
	for r := 0; r < 3; r++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", r) + s))
		start := 0
		if r > 0 {
			start = 4 // the first group mixes in bytes before the secret
		}
		end := (r + len(s)) / 3 * 4 // a last partial group mixes in bytes after it
		if end-start >= 8 {
			cores = append(cores, enc[start:end])
		}
	}
	return cores
}

// Set is the secrets of one session (the password or token, payloads
// learnt later such as an NTLM message) and the forms that reveal them. It
// is safe for concurrent use; a nil *Set hides nothing.
type Set struct {
	mu      sync.Mutex
	user    string
	secrets []string
	forms   []string // longest first; replaced, never changed in place
	maxLen  int
}

// NewSet returns the set of secrets of user (whose SASL messages carry the
// user name next to the secret; the name itself is not hidden).
func NewSet(user string, secrets ...string) *Set {
	s := &Set{user: user}
	for _, sec := range secrets {
		if sec != "" {
			s.secrets = append(s.secrets, sec)
		}
	}
	s.rebuild()
	return s
}

// Add adds a secret learnt later (an NTLM message, an OAUTHBEARER initial
// response).
func (s *Set) Add(secret string) {
	if s == nil || secret == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, secret)
	s.rebuild()
}

// SetUser sets the user name the SASL forms carry.
func (s *Set) SetUser(u string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
	s.rebuild()
}

// Forms returns the forms, longest first. The slice must not be changed.
func (s *Set) Forms() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forms
}

// MaxLen is the length of the longest form.
func (s *Set) MaxLen() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxLen
}

// String returns text with every form hidden.
func (s *Set) String(text string) string {
	if s == nil || text == "" {
		return text
	}
	return Replace(text, s.Forms())
}

func (s *Set) rebuild() {
	seen := map[string]bool{}
	forms, maxLen := []string(nil), 0
	for _, sec := range s.secrets {
		for _, f := range Forms(s.user, sec) {
			if f == "" || seen[f] {
				continue
			}
			seen[f] = true
			forms = append(forms, f)
			maxLen = max(maxLen, len(f))
		}
	}
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	s.forms, s.maxLen = forms, maxLen
}

// Replace returns text with each span of Spans replaced by Mark.
func Replace(text string, forms []string) string {
	spans := Spans([]byte(text), forms)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		b.WriteString(text[at:sp[0]])
		b.WriteString(Mark)
		at = sp[1]
	}
	b.WriteString(text[at:])
	return b.String()
}

// Spans are the byte ranges of line to show as Mark, merged and sorted: every
// occurrence of a form (a form shorter than MinLen only where it stands
// alone), widened to whole markers where it overlaps one, and every marker
// already in line (shown as it is, but never cut).
func Spans(line []byte, forms []string) [][2]int {
	var spans [][2]int
	mark := []byte(Mark)
	for off := 0; ; {
		i := bytes.Index(line[off:], mark)
		if i < 0 {
			break
		}
		spans = append(spans, [2]int{off + i, off + i + len(mark)})
		off += i + len(mark)
	}
	markers := len(spans)
	for _, f := range forms {
		if f == "" {
			continue
		}
		fb := []byte(f)
		for off := 0; ; {
			i := bytes.Index(line[off:], fb)
			if i < 0 {
				break
			}
			start, end := off+i, off+i+len(fb)
			off = start + 1
			if len(fb) < MinLen && !standsAlone(line, start, end) {
				continue
			}
			for _, m := range spans[:markers] {
				if start < m[1] && m[0] < end { // overlaps a marker: never cut it
					start, end = min(start, m[0]), max(end, m[1])
				}
			}
			spans = append(spans, [2]int{start, end})
		}
	}
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s[0] < last[1] { // overlapping; touching spans stay two markers
			last[1] = max(last[1], s[1])
		} else {
			merged = append(merged, s)
		}
	}
	return merged
}

// standsAlone reports whether line[start:end] has no letter or digit right
// before or after it.
func standsAlone(line []byte, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRune(line[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(line) {
		r, _ := utf8.DecodeRune(line[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// TrimCut drops the part of a marker that a cut left at the end of s, just
// before ellipsis (the cut's sign): "… you sent: <reda…" becomes
// "… you sent: …". Text that does not end in ellipsis is returned as is.
func TrimCut(s, ellipsis string) string {
	before, ok := strings.CutSuffix(s, ellipsis)
	if !ok {
		return s
	}
	for k := len(Mark) - 1; k > 0; k-- {
		if strings.HasSuffix(before, Mark[:k]) {
			return before[:len(before)-k] + ellipsis
		}
	}
	return s
}
