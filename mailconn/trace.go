package mailconn

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/internal/redact"
)

// Trace limits and markers.
const (
	traceLineLimit = 1000        // bytes and characters of a line shown; the rest is counted
	traceTailKeep  = 32          // last bytes of a long line kept to find a literal marker
	redactedMark   = redact.Mark // what a secret becomes
)

// tracer writes the protocol transcript: one line per protocol line,
//
//	15:04:05.000 C: …   what the client sent
//	15:04:05.000 S: …   what the server sent
//	15:04:05.000 *  …   notes (connected to, TLS handshake done, …)
//
// with every secret redacted. Two layers do the redacting:
//
//   - protocol rules hide what a client sends in credential positions,
//     whatever the secret's length and even when its encoding is unknown:
//     IMAP LOGIN arguments (atoms, quoted strings, and literals whose bytes
//     follow on later writes), the AUTHENTICATE initial response and every
//     SASL answer after it; POP3 PASS, the AUTH initial response and
//     answers, and the APOP digest. The SASL rules end on what the client
//     does, not on what the server says, so a hostile server that answers
//     early cannot unmask the next answer: IMAP answers are one word, and a
//     client line with a space is the next command; POP3 answers are hidden
//     until the server has said +OK or -ERR and the client sends a POP3
//     command.
//   - the secrets themselves (addSecret) and their encodings — quoted, and
//     base64 alone, in SASL PLAIN, XOAUTH2 and OAUTHBEARER messages, and
//     any base64 text that carries the secret at any byte offset — are
//     replaced by <redacted> in every line, client and server alike, by the
//     rule of package redact: a form of 4 bytes or more wherever it
//     appears, a shorter one only where it stands alone (not inside a
//     word), so that a one-character password leaves "* OK IMAP ready"
//     readable. A <redacted> marker is never cut.
//
// Server lines are shown as sent apart from the second layer. Lines longer
// than about 1000 bytes are cut and their length given; control characters
// (all but tab), invalid UTF-8 and invisible runes are escaped, so a hostile
// server cannot put terminal escape sequences into the trace file.
//
// A tracer is safe for concurrent use (go-imap reads and writes from two
// goroutines). A nil *tracer does nothing. Tracing never disturbs the
// connection: after the first failed write to w the tracer goes quiet.
type tracer struct {
	mu   sync.Mutex
	w    io.Writer
	pop3 bool
	now  func() time.Time
	set  *redact.Set // the secrets and their forms (shared with the runner)
	err  error       // first write error
}

// newTracer returns a tracer writing to w for protocol ("imap" or "pop3";
// anything but "pop3" gets the IMAP rules), redacting secrets. A nil w gives
// a nil tracer, whose methods do nothing.
func newTracer(w io.Writer, protocol string, secrets ...string) *tracer {
	return newSetTracer(w, protocol, redact.NewSet("", secrets...))
}

// newSetTracer is newTracer with the secrets of set, which the caller may
// add to later.
func newSetTracer(w io.Writer, protocol string, set *redact.Set) *tracer {
	if w == nil {
		return nil
	}
	return &tracer{w: w, pop3: protocol == config.ProtocolPOP3, now: time.Now, set: set}
}

// addSecret adds a secret learnt later (an OAuth token, say).
func (t *tracer) addSecret(s string) {
	if t == nil {
		return
	}
	t.set.Add(s)
}

// setUser sets the user name that SASL messages carry next to the secret,
// so that their base64 forms are recognised. The name itself is not redacted.
func (t *tracer) setUser(u string) {
	if t == nil {
		return
	}
	t.set.SetUser(u)
}

// note writes a "*" line (each line of the formatted text), redacted like
// the rest.
func (t *tracer) note(format string, args ...any) {
	if t == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(msg, "\r\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		t.emit("*  ", []byte(line), len(line), false)
	}
}

// writeErr is the first error writing the trace, if any.
func (t *tracer) writeErr() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// wrap returns c with its traffic traced: data read becomes S: lines, data
// written becomes C: lines (traced before it is sent, so a server's answer
// is never traced before the command it answers). Lines are buffered per
// direction until their line end; Close flushes what is left. When TLS
// records appear at the start of a line (a STARTTLS done over this
// connection), the rest of its traffic is not shown: wrap the TLS connection
// too to trace what goes over it.
func (t *tracer) wrap(c net.Conn) net.Conn {
	if t == nil || c == nil {
		return c
	}
	return &traceConn{Conn: c, t: t}
}

// transcriptWriter returns a writer for a line transcript made elsewhere:
// each line "C: …" or "S: …" (any other line becomes a note). The lines go
// through the same redaction as traffic on a wrapped connection — protocol
// rules and secret forms — so a transcript that hides credentials itself is
// checked once more. Package pop3's Trace is one: it goes on after STLS,
// where a wrapped connection would see only ciphertext. A nil tracer gives
// a nil writer.
func (t *tracer) transcriptWriter() io.Writer {
	if t == nil {
		return nil
	}
	return &transcriptWriter{t: t, c: &traceConn{t: t}}
}

// transcriptWriter feeds transcript lines to a tracer as if they crossed a
// connection.
type transcriptWriter struct {
	t   *tracer
	c   *traceConn
	buf []byte // a partial line
}

// Write takes transcript text; lines are traced as they end.
func (w *transcriptWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > w.t.limit() { // no line end in sight: trace what there is
		w.line(w.buf)
		w.buf = nil
	}
	return len(p), nil
}

// line traces one transcript line.
func (w *transcriptWriter) line(l []byte) {
	l = bytes.TrimSuffix(l, []byte("\r"))
	switch {
	case bytes.HasPrefix(l, []byte("C: ")):
		w.t.feed(w.c, true, append(append([]byte{}, l[3:]...), '\r', '\n'))
	case bytes.HasPrefix(l, []byte("S: ")):
		w.t.feed(w.c, false, append(append([]byte{}, l[3:]...), '\r', '\n'))
	default:
		w.t.note("%s", l)
	}
}

// traceConn is a net.Conn whose traffic goes to a tracer. Its fields are
// guarded by the tracer's mutex.
type traceConn struct {
	net.Conn
	t              *tracer
	client, server lineBuf
	encrypted      bool // TLS records seen: nothing more is shown

	// Client command state.
	cont      bool   // IMAP: the command goes on after a literal
	cmd       string // IMAP: upper-case name of the current command
	tag       string // IMAP: tag of the current command
	litLeft   int64  // IMAP: literal bytes still to come from the client
	litSecret bool   // the literal is a credential
	litMarked bool   // its <redacted> mark is in the line
	inAuth    bool   // within AUTHENTICATE / AUTH: SASL answers are redacted
	authDone  bool   // POP3: the server has answered the AUTH exchange
}

// Read reads from the connection and traces what was read.
func (c *traceConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.t.feed(c, false, p[:n])
	}
	return n, err
}

// Write traces p, then writes it.
func (c *traceConn) Write(p []byte) (int, error) {
	c.t.feed(c, true, p)
	return c.Conn.Write(p)
}

// Close flushes partial lines and closes the connection.
func (c *traceConn) Close() error {
	c.t.flush(c)
	return c.Conn.Close()
}

// lineBuf collects one line of one direction, keeping at most limit bytes
// of it (plus the last traceTailKeep bytes) whatever its length.
type lineBuf struct {
	buf  []byte // the head of the line
	n    int    // bytes of the line so far, kept or not
	from int    // offset (in line bytes) where text to parse starts: after a literal
	tail []byte // the last bytes of the line
}

// add appends b, keeping at most limit bytes.
func (l *lineBuf) add(b []byte, limit int) {
	if room := limit - len(l.buf); room > 0 {
		l.buf = append(l.buf, b[:min(room, len(b))]...)
	}
	l.n += len(b)
	l.tail = append(l.tail, b[max(0, len(b)-traceTailKeep):]...)
	if len(l.tail) > traceTailKeep {
		l.tail = append(l.tail[:0], l.tail[len(l.tail)-traceTailKeep:]...)
	}
}

// empty reports whether nothing of a line has arrived.
func (l *lineBuf) empty() bool { return l.n == 0 }

// reset starts a new line.
func (l *lineBuf) reset() {
	l.buf, l.n, l.from, l.tail = l.buf[:0], 0, 0, l.tail[:0]
}

// parseText is the kept text after the last literal, and whether it is the
// whole of that text.
func (l *lineBuf) parseText() (text []byte, whole bool) {
	from := min(l.from, len(l.buf))
	return l.buf[from:], l.n == len(l.buf)
}

// lineEnd is the end of the line's parse text (up to traceTailKeep bytes),
// even when the middle was dropped: enough to find a literal marker.
func (l *lineBuf) lineEnd() []byte {
	k := min(len(l.tail), l.n-l.from)
	return l.tail[len(l.tail)-k:]
}

// limit is how much of a line is kept: enough beyond what is shown to find
// a secret that starts in the shown part.
func (t *tracer) limit() int { return traceLineLimit + max(t.set.MaxLen(), 256) }

// feed traces data going one way over c.
func (t *tracer) feed(c *traceConn, fromClient bool, data []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lb := &c.server
	if fromClient {
		lb = &c.client
	}
	for len(data) > 0 && t.err == nil && !c.encrypted {
		if fromClient && c.litLeft > 0 {
			k := int(min(c.litLeft, int64(len(data))))
			t.literal(c, data[:k])
			data = data[k:]
			continue
		}
		if lb.empty() && looksLikeTLSRecord(data) {
			c.encrypted = true
			t.emit("*  ", []byte("TLS records follow on this connection (encrypted, not shown)"), 0, false)
			return
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lb.add(data, t.limit())
			return
		}
		lb.add(data[:i], t.limit())
		data = data[i+1:]
		t.endLine(c, fromClient)
	}
}

// literal takes the next bytes of a client literal: a credential becomes
// (once) <redacted>; other literal text is shown, line by line.
func (t *tracer) literal(c *traceConn, b []byte) {
	lb := &c.client
	c.litLeft -= int64(len(b))
	if c.litSecret && !c.litMarked {
		lb.add([]byte(redactedMark), t.limit())
		c.litMarked = true
	}
	if !c.litSecret {
		for {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			lb.add(b[:i], t.limit())
			t.emitLine("C: ", lb, nil)
			lb.reset()
			b = b[i+1:]
		}
		lb.add(b, t.limit())
	}
	if c.litLeft == 0 {
		lb.from = lb.n
	}
}

// endLine handles a line that has reached its line end.
func (t *tracer) endLine(c *traceConn, fromClient bool) {
	if !fromClient {
		lb := &c.server
		text, _ := lb.parseText()
		t.serverLine(c, bytes.TrimSuffix(text, []byte("\r")))
		t.emitLine("S: ", lb, nil)
		lb.reset()
		return
	}
	lb := &c.client
	text, whole := lb.parseText()
	text = bytes.TrimSuffix(text, []byte("\r"))
	end := bytes.TrimSuffix(lb.lineEnd(), []byte("\r"))
	var rendered []byte
	if t.pop3 {
		rendered = c.pop3ClientLine(text)
	} else {
		rendered = c.imapClientLine(text, whole, end)
	}
	t.emitLine("C: ", lb, rendered)
	lb.reset()
	if c.litLeft == 0 && c.cont {
		lb.from = lb.n // a zero-length literal
	}
}

// flush writes what is left of c's lines.
func (t *tracer) flush(c *traceConn) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.encrypted {
		return
	}
	if !c.client.empty() {
		t.endLine(c, true)
	}
	if !c.server.empty() {
		t.endLine(c, false)
	}
}

// emitLine writes the line in lb: the text before its parse text as
// received, then rendered (nil: the parse text as received).
func (t *tracer) emitLine(prefix string, lb *lineBuf, rendered []byte) {
	from := min(lb.from, len(lb.buf))
	line := lb.buf
	if rendered != nil {
		line = append(append(make([]byte, 0, from+len(rendered)), lb.buf[:from]...), rendered...)
	}
	wireLen := lb.n
	if bytes.HasSuffix(lb.tail, []byte("\r")) {
		wireLen-- // the length without the line end
	}
	t.emit(prefix, bytes.TrimSuffix(line, []byte("\r")), wireLen, lb.n > len(lb.buf))
}

// emit writes one trace line: timestamp, prefix, then line with secrets
// redacted, control characters escaped, cut at traceLineLimit. wireLen is
// the line's length on the wire, shown when the line was cut here or
// dropped bytes already (dropped).
func (t *tracer) emit(prefix string, line []byte, wireLen int, dropped bool) {
	if t.err != nil {
		return
	}
	out := make([]byte, 0, 32+min(len(line), traceLineLimit))
	out = t.now().AppendFormat(out, "15:04:05.000")
	out = append(out, ' ')
	out = append(out, prefix...)
	start := len(out)
	spans := redact.Spans(line, t.set.Forms())
	cut := false
	for i := 0; i < len(line); {
		if i >= traceLineLimit || len(out)-start >= traceLineLimit {
			cut = true
			break
		}
		if len(spans) > 0 && i >= spans[0][0] {
			out = append(out, redactedMark...)
			i = spans[0][1]
			spans = spans[1:]
			continue
		}
		stop := len(line)
		if len(spans) > 0 {
			stop = spans[0][0]
		}
		var n int
		out, n = appendEscapedRune(out, line[i:stop])
		i += n
	}
	if cut || dropped {
		out = fmt.Appendf(out, "… (%d bytes)", max(wireLen, len(line)))
	}
	out = append(out, '\n')
	if _, err := t.w.Write(out); err != nil {
		t.err = err
	}
}

// appendEscapedRune appends the first character of b, escaped when it is a
// control character (other than tab), invalid UTF-8, or not printable, and
// returns how many bytes of b it used.
func appendEscapedRune(dst, b []byte) ([]byte, int) {
	c := b[0]
	switch {
	case c == '\t' || (c >= 0x20 && c < 0x7f):
		return append(dst, c), 1
	case c == '\r':
		return append(dst, `\r`...), 1
	case c == '\n':
		return append(dst, `\n`...), 1
	case c < 0x80:
		return fmt.Appendf(dst, `\x%02x`, c), 1
	}
	r, n := utf8.DecodeRune(b)
	switch {
	case r == utf8.RuneError && n <= 1:
		return fmt.Appendf(dst, `\x%02x`, c), 1
	case unicode.IsPrint(r):
		return append(dst, b[:n]...), n
	default:
		return fmt.Appendf(dst, `\u%04x`, r), n
	}
}
