package pop3

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// Options tune a Client. A nil *Options is the same as the zero value.
type Options struct {
	// MaxLineLength is the longest response line accepted, CRLF included;
	// 0 means 8192. RFC 2449 limits responses to 512 octets; servers exceed
	// it, so the default is lenient but bounded.
	MaxLineLength int
	// MaxMultiLineBytes bounds one multi-line response (CAPA, UIDL, LIST),
	// line ends and terminator included; 0 means 1 MiB.
	MaxMultiLineBytes int64
	// Trace, when not nil, receives the protocol transcript: one Write per
	// line, "C: " or "S: " followed by the line and "\n". The PASS argument
	// and every AUTH payload the client sends are replaced by "<redacted>";
	// server text has control characters replaced; long multi-line bodies
	// are shortened. Write errors are ignored.
	Trace io.Writer
}

// Default limits.
const (
	DefaultMaxLineLength     = 8192
	DefaultMaxMultiLineBytes = 1 << 20
)

// traceBodyLines is how many lines of a multi-line body the trace shows.
const traceBodyLines = 20

// quitWriteTimeout bounds QuitNoWait's write, which takes no context.
const quitWriteTimeout = 5 * time.Second

// aLongTimeAgo is a deadline in the past, used to unblock reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

// errQuit is the sticky state after QUIT.
var errQuit = errors.New("session ended by QUIT")

// Client is a POP3 client session. Its methods must not be called
// concurrently, except Close and Conn, which may be called at any time (Close
// aborts a blocked call).
//
// The Client owns the connection's deadlines: each call sets them from its
// context. After a network error, a malformed or too long response or a
// cancelled call, the session is unusable and every later call fails with an
// error wrapping the first one; a -ERR reply (*Error) leaves it usable.
type Client struct {
	mu   sync.Mutex // guards conn, which StartTLS replaces
	conn net.Conn

	r          *reader
	trace      io.Writer
	greeting   string
	apop       string
	pipelining bool     // the last CAPA listed PIPELINING
	broken     error    // sticky failure; see Client
	secrets    [][]byte // sent during this command; scrubbed from what the server sends
}

// NewClient reads the greeting from conn, which the caller dialled (with TLS
// already done for POP3S). It blocks until the greeting arrives, ctx ends or
// the connection fails. A -ERR greeting is returned as *Error. It does not
// close conn on error.
func NewClient(ctx context.Context, conn net.Conn, opts *Options) (*Client, error) {
	if conn == nil {
		return nil, errors.New("pop3: nil connection")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.MaxMultiLineBytes <= 0 {
		o.MaxMultiLineBytes = DefaultMaxMultiLineBytes
	}
	c := &Client{
		conn:  conn,
		r:     newReader(conn, o.MaxLineLength, o.MaxMultiLineBytes),
		trace: o.Trace,
	}
	err := c.run(ctx, "greeting", func() error {
		st, err := c.readStatus("greeting")
		if err != nil {
			return err
		}
		c.greeting = st.text
		c.apop = apopTimestamp(st.raw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Greeting returns the text of the server's greeting after "+OK".
func (c *Client) Greeting() string { return c.greeting }

// APOPTimestamp returns the RFC 1939 APOP timestamp ("<…@…>") from the
// greeting, or "" if there is none. Its presence means the server offers
// APOP.
func (c *Client) APOPTimestamp() string { return c.apop }

// apopTimestamp finds "<…@…>" in greeting text.
func apopTimestamp(text []byte) string {
	start := bytes.IndexByte(text, '<')
	if start < 0 {
		return ""
	}
	end := bytes.IndexByte(text[start:], '>')
	if end < 0 {
		return ""
	}
	ts := text[start : start+end+1]
	if !bytes.ContainsRune(ts, '@') {
		return ""
	}
	for _, ch := range ts {
		if ch <= ' ' || ch >= 0x7f {
			return ""
		}
	}
	return string(ts)
}

// Conn returns the current connection: the *tls.Conn after StartTLS.
func (c *Client) Conn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// Close closes the connection without sending QUIT. It may be called
// concurrently with another call to abort it.
func (c *Client) Close() error {
	return c.Conn().Close()
}

// run performs one exchange: it sets the connection's deadline from ctx,
// arranges for cancellation of ctx to unblock it, runs fn, and wraps fn's
// error with cmd. Failures other than *Error make the session unusable.
func (c *Client) run(ctx context.Context, cmd string, fn func() error) error {
	if c.broken != nil {
		return fmt.Errorf("pop3 %s: not sent, the session is unusable: %w", cmd, c.broken)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pop3 %s: %w", cmd, err)
	}
	conn := c.Conn()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		c.broken = fmt.Errorf("pop3 %s: %w", cmd, err)
		return c.broken
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		_ = conn.SetDeadline(aLongTimeAgo)
	})
	err := fn()
	if !stop() {
		// The cancellation func has started: wait for it, so it cannot set
		// a past deadline under the next call.
		<-done
	}
	if err == nil {
		return nil
	}
	var perr *Error
	if errors.As(err, &perr) {
		return err
	}
	var cancelled *errCancelled
	if errors.As(err, &cancelled) {
		return fmt.Errorf("pop3 %s: %w", cmd, err)
	}
	c.broken = wrapFailure(ctx, cmd, deadline, err)
	return c.broken
}

// wrapFailure wraps err with cmd, and with the context's error when the
// context's end caused it.
func wrapFailure(ctx context.Context, cmd string, deadline time.Time, err error) error {
	if isTimeout(err) && !errors.Is(err, context.DeadlineExceeded) {
		if ctxErr := ctx.Err(); errors.Is(ctxErr, context.Canceled) {
			return fmt.Errorf("pop3 %s: %w", cmd, ctxErr)
		}
		if ctx.Err() != nil || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			return fmt.Errorf("pop3 %s: %w: %w", cmd, context.DeadlineExceeded, err)
		}
	}
	return fmt.Errorf("pop3 %s: %w", cmd, err)
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkArg refuses arguments that would break the command line.
func checkArg(cmd, arg string) error {
	if strings.ContainsAny(arg, "\r\n\x00") {
		return fmt.Errorf("pop3 %s: %w: argument contains CR, LF or NUL", cmd, ErrBadArgument)
	}
	return nil
}

// write sends lines (without line ends) in one write. shown holds what the
// trace shows for each line (the same line, or a redacted one).
func (c *Client) write(lines []string, shown []string) error {
	var b []byte
	for i, l := range lines {
		b = append(b, l...)
		b = append(b, "\r\n"...)
		c.traceLine("C: ", shown[i])
	}
	_, err := c.Conn().Write(b)
	return err
}

// send sends one line, shown as is in the trace.
func (c *Client) send(line string) error {
	return c.write([]string{line}, []string{line})
}

func (c *Client) traceLine(prefix, line string) {
	if c.trace != nil {
		_, _ = io.WriteString(c.trace, prefix+line+"\n")
	}
}

// readLine reads a line, scrubs the secrets sent during this command from
// it (a hostile server could echo them) and traces it.
func (c *Client) readLine() ([]byte, error) {
	line, _, err := c.r.readLine()
	if err != nil {
		return nil, err
	}
	line = c.scrub(line)
	if c.trace != nil {
		c.traceLine("S: ", sanitize(line))
	}
	return line, nil
}

// readStatus reads a status line; -ERR becomes *Error for cmd.
func (c *Client) readStatus(cmd string) (status, error) {
	line, err := c.readLine()
	if err != nil {
		return status{}, err
	}
	st, err := parseStatus(line)
	if err != nil {
		return st, err
	}
	if !st.ok {
		return st, &Error{Command: cmd, Code: st.code, Text: st.text}
	}
	return st, nil
}

// readBody reads a multi-line body, tracing its first lines.
func (c *Client) readBody(fn func(line []byte) error) error {
	n := 0
	err := c.r.readMulti(func(line []byte) error {
		n++
		if n <= traceBodyLines && c.trace != nil {
			c.traceLine("S: ", sanitize(line))
		}
		return fn(line)
	})
	if err == nil && c.trace != nil {
		if n > traceBodyLines {
			c.traceLine("S: ", fmt.Sprintf("… (%d more lines)", n-traceBodyLines))
		}
		c.traceLine("S: ", ".")
	}
	return err
}

// simple sends line and reads a status reply.
func (c *Client) simple(ctx context.Context, cmd, line, shown string) (st status, err error) {
	err = c.run(ctx, cmd, func() error {
		if err := c.write([]string{line}, []string{shown}); err != nil {
			return err
		}
		st, err = c.readStatus(cmd)
		return err
	})
	return st, err
}

// Capa sends CAPA (RFC 2449) and returns the capability lines, e.g. "USER",
// "STLS", "SASL PLAIN LOGIN", "UIDL". A server without CAPA answers -ERR:
// Capa then returns nil and an *Error, which callers treat as "no
// capabilities".
func (c *Client) Capa(ctx context.Context) ([]string, error) {
	var caps []string
	err := c.run(ctx, "CAPA", func() error {
		if err := c.send("CAPA"); err != nil {
			return err
		}
		if _, err := c.readStatus("CAPA"); err != nil {
			return err
		}
		return c.readBody(func(line []byte) error {
			caps = append(caps, sanitize(line))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	_, c.pipelining = CapaArgs(caps, "PIPELINING")
	return caps, nil
}

// CapaArgs looks up capability name (case-insensitively) in caps as returned
// by Capa, and returns its arguments: CapaArgs(caps, "SASL") gives the
// mechanism names.
func CapaArgs(caps []string, name string) (args []string, ok bool) {
	for _, line := range caps {
		f := strings.Fields(line)
		if len(f) > 0 && strings.EqualFold(f[0], name) {
			return f[1:], true
		}
	}
	return nil, false
}

// StartTLS sends STLS (RFC 2595) and, on +OK, performs the TLS handshake
// under ctx and continues the session over TLS; it returns the TLS
// connection so the caller can inspect its state. A -ERR reply is returned
// as *Error and the session stays in plain text. config must not be nil; set
// its ServerName. Capabilities learnt before are forgotten: read CAPA again.
//
// If the server sent anything after its +OK before the handshake, StartTLS
// fails with ErrDataBeforeTLS instead of starting TLS.
func (c *Client) StartTLS(ctx context.Context, config *tls.Config) (*tls.Conn, error) {
	if config == nil {
		return nil, errors.New("pop3 STLS: nil tls.Config")
	}
	var tconn *tls.Conn
	err := c.run(ctx, "STLS", func() error {
		if err := c.send("STLS"); err != nil {
			return err
		}
		if _, err := c.readStatus("STLS"); err != nil {
			return err
		}
		if n := c.r.br.Buffered(); n > 0 {
			extra, _ := c.r.br.Peek(n)
			return &protoError{ErrDataBeforeTLS, "server sent data after the STLS reply before the TLS handshake: " + sample(extra)}
		}
		raw := c.Conn()
		t := tls.Client(raw, config)
		if err := t.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls handshake: %w", err)
		}
		c.mu.Lock()
		c.conn = t
		c.mu.Unlock()
		c.r.br.Reset(t)
		c.pipelining = false
		tconn = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tconn, nil
}

// Quit sends QUIT and reads the reply. It does not close the connection.
func (c *Client) Quit(ctx context.Context) error {
	_, err := c.simple(ctx, "QUIT", "QUIT", "QUIT")
	if c.broken == nil {
		c.broken = errQuit
	}
	return err
}

// QuitNoWait sends QUIT without waiting for the reply, saving a round trip;
// the caller then closes the connection. The write is bounded by a few
// seconds.
func (c *Client) QuitNoWait() error {
	if c.broken != nil {
		return fmt.Errorf("pop3 QUIT: not sent, the session is unusable: %w", c.broken)
	}
	conn := c.Conn()
	if err := conn.SetWriteDeadline(time.Now().Add(quitWriteTimeout)); err != nil {
		return fmt.Errorf("pop3 QUIT: %w", err)
	}
	err := c.send("QUIT")
	c.broken = errQuit
	if err != nil {
		return fmt.Errorf("pop3 QUIT: %w", err)
	}
	return nil
}
