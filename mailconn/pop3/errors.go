package pop3

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. They are returned wrapped, with the command and details;
// match them with errors.Is.
var (
	// ErrLineTooLong means a response line exceeded Options.MaxLineLength.
	ErrLineTooLong = errors.New("pop3: response line too long")
	// ErrResponseTooLong means a multi-line response exceeded
	// Options.MaxMultiLineBytes.
	ErrResponseTooLong = errors.New("pop3: multi-line response too long")
	// ErrMalformed means the server sent something that is not a POP3
	// response where one was due: neither +OK nor -ERR, binary garbage, a
	// bad number. The wrapping error carries a quoted, truncated sample.
	ErrMalformed = errors.New("pop3: malformed response")
	// ErrDataBeforeTLS means the server sent more data after its +OK to STLS
	// before the TLS handshake began: a sign of a man in the middle
	// injecting commands into the plain-text part (CVE-2011-0411 style).
	// The client refuses to continue.
	ErrDataBeforeTLS = errors.New("pop3: data after the STLS reply before the TLS handshake")
	// ErrBadArgument means a command argument cannot be sent (it contains a
	// CR, LF or NUL, or a message number is below 1). Nothing was sent.
	ErrBadArgument = errors.New("pop3: invalid command argument")
)

// Error is a -ERR reply from the server. The connection stays usable after
// it (except for a -ERR greeting).
type Error struct {
	// Command is the command verb that got the reply ("PASS", "AUTH PLAIN",
	// "greeting"); never its arguments.
	Command string
	// Code is the RFC 2449 / RFC 3206 extended response code without its
	// brackets ("IN-USE", "AUTH", "SYS/TEMP", "SYS/PERM", "LOGIN-DELAY"), or
	// "" if the reply had none.
	Code string
	// Text is the rest of the reply, with control characters and invalid
	// UTF-8 replaced by U+FFFD.
	Text string
}

// Error returns e.g. "pop3 PASS: -ERR [AUTH] invalid login".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pop3 ")
	b.WriteString(e.Command)
	b.WriteString(": -ERR")
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.Text != "" {
		b.WriteString(" ")
		b.WriteString(e.Text)
	}
	return b.String()
}

// protoError is a protocol failure that wraps one of the sentinels above
// without repeating its "pop3: " prefix in the message.
type protoError struct {
	sentinel error
	msg      string
}

func (e *protoError) Error() string { return e.msg }
func (e *protoError) Unwrap() error { return e.sentinel }

// malformed reports a malformed response, quoting what came.
func malformed(what string, line []byte) error {
	return &protoError{ErrMalformed, "malformed response (" + what + "): " + sample(line)}
}

// sampleLen is how many bytes of an unexpected line an error quotes.
const sampleLen = 48

// sample quotes at most sampleLen bytes of b for an error message.
func sample(b []byte) string {
	if len(b) <= sampleLen {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:sampleLen])) + "… (" + strconv.Itoa(len(b)) + " octets)"
}

// sanitize turns server text into a string safe to show on a terminal:
// control characters and invalid UTF-8 become U+FFFD.
func sanitize(b []byte) string {
	clean := true
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var s strings.Builder
	s.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = utf8.RuneError
		}
		s.WriteRune(r)
	}
	return s.String()
}
