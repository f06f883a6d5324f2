package pop3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// redacted replaces secrets in the trace.
const redacted = "<redacted>"

// User sends USER name (RFC 1939).
func (c *Client) User(ctx context.Context, name string) error {
	if err := checkArg("USER", name); err != nil {
		return err
	}
	_, err := c.simple(ctx, "USER", "USER "+name, "USER "+name)
	return err
}

// Pass sends PASS password (RFC 1939). The password appears in no error and,
// redacted, in the trace.
func (c *Client) Pass(ctx context.Context, password string) error {
	if err := checkArg("PASS", password); err != nil {
		return err
	}
	c.addSecret([]byte(password))
	defer func() { c.secrets = nil }()
	_, err := c.simple(ctx, "PASS", "PASS "+password, "PASS "+redacted)
	return err
}

// Login sends USER and PASS. When the last CAPA listed PIPELINING (RFC
// 2449), both go in one write and the replies are read together, saving a
// round trip; the password is then sent even if USER is refused, over the
// same connection. Otherwise it is User followed by Pass. A refused USER is
// reported in preference to the PASS reply.
func (c *Client) Login(ctx context.Context, name, password string) error {
	if err := checkArg("USER", name); err != nil {
		return err
	}
	if err := checkArg("PASS", password); err != nil {
		return err
	}
	if !c.pipelining {
		if err := c.User(ctx, name); err != nil {
			return err
		}
		return c.Pass(ctx, password)
	}
	c.addSecret([]byte(password))
	defer func() { c.secrets = nil }()
	return c.run(ctx, "USER", func() error {
		err := c.write([]string{"USER " + name, "PASS " + password}, []string{"USER " + name, "PASS " + redacted})
		if err != nil {
			return err
		}
		_, userErr := c.readStatus("USER")
		if userErr != nil && !isServerError(userErr) {
			return userErr
		}
		_, passErr := c.readStatus("PASS")
		if passErr != nil && !isServerError(passErr) {
			return passErr
		}
		if userErr != nil {
			return userErr
		}
		return passErr
	})
}

// Stat sends STAT and returns the number of messages and their total size in
// octets.
func (c *Client) Stat(ctx context.Context) (count int, size int64, err error) {
	err = c.run(ctx, "STAT", func() error {
		if err := c.send("STAT"); err != nil {
			return err
		}
		count, size, err = c.readStat()
		return err
	})
	return count, size, err
}

// readStat reads and parses STAT's reply.
func (c *Client) readStat() (int, int64, error) {
	st, err := c.readStatus("STAT")
	if err != nil {
		return 0, 0, err
	}
	f := bytes.Fields(st.raw)
	if len(f) < 2 {
		return 0, 0, malformed("STAT: expected count and size", st.raw)
	}
	n, err1 := parseNumber(f[0])
	s, err2 := parseNumber(f[1])
	if err1 != nil || err2 != nil || n > maxInt {
		return 0, 0, malformed("STAT: expected count and size", st.raw)
	}
	return int(n), s, nil
}

// StatUIDL is Stat, then a probe of UIDL: "UIDL 1" when there is a message,
// else UIDL without argument. When the server announced PIPELINING (RFC
// 2449), STAT and "UIDL 1" go in one write, saving a round trip (an empty
// mailbox then costs one more exchange for the probe). uidlErr is the
// probe's *Error (a server without UIDL); err is any other failure, which
// ends the session as Stat's would.
func (c *Client) StatUIDL(ctx context.Context) (count int, size int64, uidlErr, err error) {
	if !c.pipelining {
		if count, size, err = c.Stat(ctx); err != nil {
			return count, size, nil, err
		}
		uidlErr, err = c.probeUIDL(ctx, count)
		return count, size, uidlErr, err
	}
	var probed bool
	err = c.run(ctx, "STAT", func() error {
		if err := c.write([]string{"STAT", "UIDL 1"}, []string{"STAT", "UIDL 1"}); err != nil {
			return err
		}
		var statErr error
		count, size, statErr = c.readStat()
		if statErr != nil && !isServerError(statErr) {
			return statErr
		}
		st, err := c.readStatus("UIDL")
		switch {
		case statErr != nil:
			if err != nil && !isServerError(err) {
				return err
			}
			return statErr
		case err == nil:
			n, _, perr := parseUIDLine(st.raw)
			if perr != nil {
				return perr
			}
			if n != 1 {
				return malformed("UIDL: reply for another message", st.raw)
			}
			probed = true
		case !isServerError(err):
			return err
		case count > 0:
			uidlErr, probed = err, true
		}
		return nil
	})
	if err != nil || probed {
		return count, size, uidlErr, err
	}
	// An empty mailbox refuses "UIDL 1" whether or not it has UIDL.
	uidlErr, err = c.probeUIDL(ctx, count)
	return count, size, uidlErr, err
}

// probeUIDL asks UIDL in the form that suits count messages. uidlErr is the
// server's *Error (no UIDL); err is any other failure.
func (c *Client) probeUIDL(ctx context.Context, count int) (uidlErr, err error) {
	if count > 0 {
		_, err = c.UIDL(ctx, 1)
	} else {
		_, err = c.UIDLAll(ctx)
	}
	if err != nil && isServerError(err) {
		return err, nil
	}
	return nil, err
}

// UIDL sends "UIDL msg" and returns the message's unique id. A server
// without UIDL answers -ERR: UIDL then returns an *Error.
func (c *Client) UIDL(ctx context.Context, msg int) (string, error) {
	if msg < 1 {
		return "", fmt.Errorf("pop3 UIDL: %w: message number %d", ErrBadArgument, msg)
	}
	var uid string
	err := c.run(ctx, "UIDL", func() error {
		if err := c.send("UIDL " + strconv.Itoa(msg)); err != nil {
			return err
		}
		st, err := c.readStatus("UIDL")
		if err != nil {
			return err
		}
		n, id, err := parseUIDLine(st.raw)
		if err != nil {
			return err
		}
		if n != msg {
			return malformed("UIDL: reply for another message", st.raw)
		}
		uid = id
		return nil
	})
	return uid, err
}

// UIDLAll sends UIDL without argument and returns every message's unique id
// by message number.
func (c *Client) UIDLAll(ctx context.Context) (map[int]string, error) {
	uids := map[int]string{}
	err := c.run(ctx, "UIDL", func() error {
		if err := c.send("UIDL"); err != nil {
			return err
		}
		if _, err := c.readStatus("UIDL"); err != nil {
			return err
		}
		return c.readBody(func(line []byte) error {
			n, id, err := parseUIDLine(line)
			if err != nil {
				return err
			}
			if _, dup := uids[n]; dup {
				return malformed("UIDL: message listed twice", line)
			}
			uids[n] = id
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return uids, nil
}

// List sends LIST without argument and returns every message's size in
// octets by message number.
func (c *Client) List(ctx context.Context) (map[int]int64, error) {
	sizes := map[int]int64{}
	err := c.run(ctx, "LIST", func() error {
		if err := c.send("LIST"); err != nil {
			return err
		}
		if _, err := c.readStatus("LIST"); err != nil {
			return err
		}
		return c.readBody(func(line []byte) error {
			f := bytes.Fields(line)
			if len(f) < 2 {
				return malformed("LIST: expected message number and size", line)
			}
			n, err1 := parseNumber(f[0])
			s, err2 := parseNumber(f[1])
			if err1 != nil || err2 != nil || n < 1 || n > maxInt {
				return malformed("LIST: expected message number and size", line)
			}
			if _, dup := sizes[int(n)]; dup {
				return malformed("LIST: message listed twice", line)
			}
			sizes[int(n)] = s
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return sizes, nil
}

// isServerError reports whether err is a -ERR reply.
func isServerError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

const maxInt = int64(^uint(0) >> 1)

// parseNumber parses a non-negative decimal number of digits only.
func parseNumber(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, strconv.ErrRange
	}
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, strconv.ErrSyntax
		}
		n = n*10 + int64(ch-'0')
	}
	return n, nil
}

// parseUIDLine parses "msg uid": a message number ≥ 1 and a unique id of
// printable ASCII characters (0x21–0x7E, RFC 1939; its 70-octet limit is
// not enforced).
func parseUIDLine(line []byte) (int, string, error) {
	f := bytes.Fields(line)
	if len(f) != 2 {
		return 0, "", malformed("UIDL: expected message number and unique id", line)
	}
	n, err := parseNumber(f[0])
	if err != nil || n < 1 || n > maxInt {
		return 0, "", malformed("UIDL: bad message number", line)
	}
	for _, ch := range f[1] {
		if ch < 0x21 || ch > 0x7e {
			return 0, "", malformed("UIDL: bad unique id", line)
		}
	}
	return int(n), string(f[1]), nil
}

// maxTopBytes bounds what Top keeps of a reply; the rest is read and
// dropped.
const maxTopBytes = 64 << 10

// Top sends "TOP msg lines" (RFC 1939) and returns the message's header and
// the first lines of its body, CRLF line ends, dot-stuffing undone, at most
// 64 KiB kept. A server without TOP answers -ERR: Top then returns an
// *Error.
func (c *Client) Top(ctx context.Context, msg, lines int) ([]byte, error) {
	if msg < 1 || lines < 0 {
		return nil, fmt.Errorf("pop3 TOP: %w: message %d, lines %d", ErrBadArgument, msg, lines)
	}
	var out []byte
	err := c.run(ctx, "TOP", func() error {
		if err := c.send("TOP " + strconv.Itoa(msg) + " " + strconv.Itoa(lines)); err != nil {
			return err
		}
		if _, err := c.readStatus("TOP"); err != nil {
			return err
		}
		return c.readBody(func(line []byte) error {
			if len(out)+len(line)+2 <= maxTopBytes {
				out = append(out, line...)
				out = append(out, "\r\n"...)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
