package pop3

import (
	"errors"
	"strconv"
	"strings"

	"github.com/mailsetup/mailsetup/internal/safetext"
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
	// Text is the rest of the reply, cleaned by safetext.Clean: controls
	// escaped visibly ("\x1b"), invalid UTF-8 replaced by U+FFFD.
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
// controls become visible escapes and invalid UTF-8 becomes U+FFFD (see
// package safetext).
func sanitize(b []byte) string { return safetext.CleanBytes(b) }
