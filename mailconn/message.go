package mailconn

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Result.Message is the failure as a sentence for people (PRODUCT.md "The
// connection test"): Result.Error keeps the protocol's code ("AUTH",
// "CANNOT", "XTLSREQUIRED"), the message says what happened, with the
// server's own text where it says more.

// Sentence is the result's message for people: Message, else Error (a
// result built outside the engine, such as a config error, has words
// there), else "".
func (r Result) Sentence() string {
	if r.Message != "" {
		return r.Message
	}
	return r.Error
}

// defaultMessage is the message of a failure whose case set none: its
// short form when that is words, else the whole error.
func defaultMessage(f failure) string {
	if f.canceled {
		return "The test was cancelled."
	}
	if strings.Contains(f.short, " ") && !isCode(f.short) {
		return sentence(upperFirst(f.short))
	}
	return sentence(upperFirst(f.detail))
}

// tlsRequiredMessage says how the server refused sign-in before TLS.
func tlsRequiredMessage(e *TLSRequiredError) string {
	switch {
	case e.Refused:
		return serverSaid("The "+e.Protocol+" server refuses sign-in before TLS", e.Signal)
	case isCode(e.Signal):
		return "The " + e.Protocol + " server refuses sign-in before TLS: it announces " + e.Signal + "."
	}
	return sentence("The " + e.Protocol + " server refuses sign-in before TLS: " + e.Signal)
}

// serverSaid is what, followed by the server's text when it has one.
func serverSaid(what, text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return sentence(what)
	}
	return quoteEnd(what + `: the server answered "` + text)
}

// quoteEnd closes a quotation that ends a sentence: the full stop goes
// inside when the quoted text ends its own sentence, else outside.
func quoteEnd(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s + `"`
	}
	return s + `".`
}

// isCode reports whether s is a bare protocol code ("AUTH",
// "SYS/TEMP", "XTLSREQUIRED"), not words.
func isCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '-' && r != '/' && r != '_' {
			return false
		}
	}
	return true
}

// upperFirst is s with its first letter upper-case.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence is s ending with a full stop (unless it ends a sentence
// already).
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") ||
		strings.HasSuffix(s, `."`) || strings.HasSuffix(s, `?"`) || strings.HasSuffix(s, `!"`) {
		return s
	}
	return s + "."
}
