package mailconn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Byte limits against hostile or broken servers.
const (
	// maxPreAuthLine bounds one line before authentication (greeting,
	// CAPABILITY, STARTTLS reply).
	maxPreAuthLine = 16 << 10
	// maxPreAuthBytes bounds everything read before authentication.
	maxPreAuthBytes = 256 << 10
	// maxSessionBytes bounds everything read in a session. go-imap
	// buffers literals and text without a limit; this caps them.
	maxSessionBytes = 8 << 20
	// firstBytesLen is how many of the first bytes read are kept to tell a
	// TLS record from a greeting.
	firstBytesLen = 16
)

// guardConn wraps a connection: it fails reads after limit bytes with
// ErrTooMuchData, remembers the first read error (go-imap reports errors
// as text only, so the cause is kept here for the hint) and the first bytes
// the server sent.
type guardConn struct {
	net.Conn

	mu      sync.Mutex
	limit   int64
	n       int64
	readErr error
	first   []byte
}

func newGuardConn(c net.Conn, limit int64) *guardConn {
	return &guardConn{Conn: c, limit: limit}
}

func (g *guardConn) Read(b []byte) (int, error) {
	g.mu.Lock()
	if g.readErr != nil && errors.Is(g.readErr, ErrTooMuchData) {
		g.mu.Unlock()
		return 0, g.readErr
	}
	left := g.limit - g.n
	g.mu.Unlock()
	if left <= 0 {
		err := fmt.Errorf("%w (more than %d bytes)", ErrTooMuchData, g.limit)
		g.setErr(err)
		return 0, err
	}
	if int64(len(b)) > left {
		b = b[:left]
	}
	n, err := g.Conn.Read(b)
	g.mu.Lock()
	g.n += int64(n)
	if len(g.first) < firstBytesLen && n > 0 {
		g.first = append(g.first, b[:min(n, firstBytesLen-len(g.first))]...)
	}
	g.mu.Unlock()
	if err != nil {
		g.setErr(err)
	}
	return n, err
}

func (g *guardConn) setErr(err error) {
	g.mu.Lock()
	if g.readErr == nil {
		g.readErr = err
	}
	g.mu.Unlock()
}

// setLimit sets a new limit counted from now.
func (g *guardConn) setLimit(limit int64) {
	g.mu.Lock()
	g.limit = g.n + limit
	g.mu.Unlock()
}

// err returns the first read error, or nil.
func (g *guardConn) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.readErr
}

// firstBytes returns a copy of the first bytes read.
func (g *guardConn) firstBytes() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]byte(nil), g.first...)
}

// prefixConn is a connection whose reads come from r (a prefix followed by
// the connection itself).
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// lineReader reads CRLF-terminated lines with a length limit.
type lineReader struct {
	br  *bufio.Reader
	max int
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 4096), max: max}
}

// readLine returns the next line without its line end. A line longer than
// the limit fails with ErrLineTooLong after reading at most the limit.
func (lr *lineReader) readLine() ([]byte, error) {
	var line []byte
	for {
		frag, err := lr.br.ReadSlice('\n')
		if len(line)+len(frag) > lr.max {
			return nil, fmt.Errorf("%w (more than %d bytes)", ErrLineTooLong, lr.max)
		}
		line = append(line, frag...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				if len(line) == 0 {
					return nil, io.EOF
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// buffered returns the bytes read from the connection but not yet returned.
func (lr *lineReader) buffered() []byte {
	b, _ := lr.br.Peek(lr.br.Buffered())
	return append([]byte(nil), b...)
}
