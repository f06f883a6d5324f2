package pop3

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/mailconn/internal/redact"
)

// maxCommandLine is RFC 2449's limit on a command line, CRLF included.
const maxCommandLine = 255

// Auth authenticates with a SASL mechanism (RFC 5034 AUTH). The initial
// response, if the mechanism has one, goes on the command line when
// "AUTH MECH base64" fits in 255 octets ("=" stands for an empty one), and
// otherwise after the server's "+ " continuation. Server challenges are
// passed to mech.Next; when the mechanism fails or a challenge is not valid
// base64, the client cancels with "*" and returns an error wrapping the
// cause (the session stays usable). A -ERR reply is returned as *Error.
//
// Neither errors nor the trace carry the payloads the client sends.
func (c *Client) Auth(ctx context.Context, mech sasl.Client) error {
	if mech == nil {
		return fmt.Errorf("pop3 AUTH: %w: nil SASL client", ErrBadArgument)
	}
	name, ir, err := mech.Start()
	if err != nil {
		return fmt.Errorf("pop3 AUTH: starting the SASL mechanism: %w", err)
	}
	if !validMechanism(name) {
		return fmt.Errorf("pop3 AUTH: %w: bad mechanism name %s", ErrBadArgument, sample([]byte(name)))
	}
	cmd := "AUTH " + name
	defer func() { c.secrets = nil }()
	return c.run(ctx, cmd, func() error {
		var pending []byte // initial response waiting for the continuation
		switch {
		case ir == nil:
			if err := c.send(cmd); err != nil {
				return err
			}
		default:
			enc := encodeResponse(ir, "=")
			if len(ir) > 0 {
				c.addSecret(ir, enc)
			}
			if len(cmd)+1+len(enc)+2 <= maxCommandLine {
				if err := c.write([]string{cmd + " " + string(enc)}, []string{cmd + " " + redacted}); err != nil {
					return err
				}
			} else {
				if err := c.send(cmd); err != nil {
					return err
				}
				pending = enc
			}
		}
		for {
			line, err := c.readLine()
			if err != nil {
				return err
			}
			challenge, isChallenge := parseContinuation(line)
			if !isChallenge {
				st, err := parseStatus(line)
				if err != nil {
					return err
				}
				if !st.ok {
					return &Error{Command: cmd, Code: st.code, Text: st.text}
				}
				return nil
			}
			var resp []byte
			if pending != nil {
				// RFC 5034: the server asks for the initial response with
				// an empty challenge.
				resp, pending = pending, nil
			} else {
				data, err := base64.StdEncoding.DecodeString(string(challenge))
				if err != nil {
					return c.cancelAuth(malformed("AUTH: challenge is not base64", line))
				}
				raw, err := mech.Next(data)
				if err != nil {
					return c.cancelAuth(fmt.Errorf("SASL mechanism: %w", err))
				}
				resp = encodeResponse(raw, "")
				c.addSecret(raw, resp)
			}
			if err := c.write([]string{string(resp)}, []string{redacted}); err != nil {
				return err
			}
		}
	})
}

// encodeResponse encodes a client response in base64; an empty one is
// written as empty.
func encodeResponse(b []byte, empty string) []byte {
	if len(b) == 0 {
		return []byte(empty)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}

// parseContinuation recognises a "+ challenge" line (or a bare "+").
func parseContinuation(line []byte) ([]byte, bool) {
	if len(line) == 0 || line[0] != '+' {
		return nil, false
	}
	if len(line) == 1 {
		return nil, true
	}
	if line[1] != ' ' {
		return nil, false // "+OK", or garbage for parseStatus to refuse
	}
	return bytes.TrimRight(line[2:], " "), true
}

// errCancelled marks an AUTH the client cancelled with "*" after which the
// server replied -ERR: the session is still in step.
type errCancelled struct{ cause error }

func (e *errCancelled) Error() string {
	return "authentication cancelled by the client: " + e.cause.Error()
}
func (e *errCancelled) Unwrap() error { return e.cause }

// cancelAuth sends "*" and reads the server's reply, which should be -ERR.
func (c *Client) cancelAuth(cause error) error {
	if err := c.send("*"); err != nil {
		return err
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	st, err := parseStatus(line)
	if err != nil {
		return err
	}
	if st.ok {
		return malformed("AUTH: +OK after the client cancelled", line)
	}
	return &errCancelled{cause}
}

// validMechanism checks an RFC 4422 mechanism name: 1 to 20 characters of
// upper-case letters, digits, "-" and "_".
func validMechanism(name string) bool {
	if len(name) == 0 || len(name) > 20 {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

// addSecret registers payloads the server must not get to echo into errors
// or the trace.
func (c *Client) addSecret(secrets ...[]byte) {
	for _, s := range secrets {
		if len(s) > 0 {
			c.secrets = append(c.secrets, bytes.Clone(s))
		}
	}
}

// scrub replaces the registered secrets in a server line, by the rule of
// package redact (a secret shorter than 4 bytes only where it stands
// alone, so that "-ERR Authentication failed." stays readable after the
// password "e").
func (c *Client) scrub(line []byte) []byte {
	if len(c.secrets) == 0 {
		return line
	}
	forms := make([]string, len(c.secrets))
	for i, s := range c.secrets {
		forms[i] = string(s)
	}
	if spans := redact.Spans(line, forms); len(spans) == 0 {
		return line
	}
	return []byte(redact.Replace(string(line), forms))
}
