// Package pop3 is a small, strict POP3 client for connection tests: RFC 1939
// (USER, PASS, STAT, UIDL, LIST, QUIT), RFC 2449 (CAPA, extended response
// codes, PIPELINING), RFC 2595 (STLS), RFC 3206 (the AUTH and SYS response
// codes) and RFC 5034 (SASL AUTH with github.com/emersion/go-sasl clients).
// It does not retrieve or delete messages.
//
// It exists because no well-kept Go POP3 client library does: the published
// ones are unmaintained and lack STLS, SASL or bounds on what they read.
//
// The client is built to face hostile servers: response lines are bounded
// (Options.MaxLineLength) and so are multi-line responses
// (Options.MaxMultiLineBytes), so memory stays bounded whatever the server
// sends; anything that is not a well-formed response fails with ErrMalformed
// and a quoted sample; data sent after the STLS reply before the handshake
// fails with ErrDataBeforeTLS. Every call takes a context: its deadline
// becomes the connection's deadline, and cancelling it unblocks the call
// at once, leaving no goroutine behind. Passwords and AUTH payloads never
// appear in errors or the trace.
//
// Errors: a -ERR reply is an *Error (with its response code, such as
// "IN-USE" or "AUTH"); network failures are returned wrapped as
// "pop3 CMD: …" so errors.Is(err, io.EOF), errors.Is(err,
// os.ErrDeadlineExceeded) and errors.As(err, &netErr) work, and a call ended
// by its context wraps ctx.Err().
package pop3
