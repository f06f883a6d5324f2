package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// readBufSize is the bufio buffer size; a line longer than MaxLineLength is
// refused after reading at most MaxLineLength+readBufSize octets.
const readBufSize = 4096

// reader reads POP3 responses with bounded memory.
type reader struct {
	br       *bufio.Reader
	maxLine  int
	maxMulti int64
	buf      []byte // accumulates a line longer than the bufio buffer
}

func newReader(r io.Reader, maxLine int, maxMulti int64) *reader {
	return &reader{br: bufio.NewReaderSize(r, readBufSize), maxLine: maxLine, maxMulti: maxMulti}
}

// readLine returns the next line without its line end (CRLF, or a bare LF
// which is accepted leniently) and the number of octets it took on the wire.
// The slice is valid until the next call.
func (r *reader) readLine() (line []byte, n int, err error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		n += len(chunk)
		if n > r.maxLine {
			return nil, n, &protoError{ErrLineTooLong, fmt.Sprintf("response line too long (more than %d octets)", r.maxLine)}
		}
		switch {
		case err == nil:
			if len(r.buf) > 0 {
				r.buf = append(r.buf, chunk...)
				chunk = r.buf
			}
			chunk = chunk[:len(chunk)-1]
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\r' {
				chunk = chunk[:len(chunk)-1]
			}
			return chunk, n, nil
		case errors.Is(err, bufio.ErrBufferFull):
			r.buf = append(r.buf, chunk...)
		case errors.Is(err, io.EOF) && n > 0:
			return nil, n, fmt.Errorf("connection closed in the middle of a line: %w", io.EOF)
		default:
			return nil, n, err
		}
	}
}

// status is a parsed +OK or -ERR line.
type status struct {
	ok   bool
	code string // response code of a -ERR, without brackets
	text string // sanitized text after "+OK " or "-ERR " (and the code)
	raw  []byte // the text after the status indicator, unsanitized; valid until the next read
}

// parseStatus parses a status line strictly: "+OK" or "-ERR", case-sensitive
// as RFC 1939 writes them, followed by the end of the line or a space.
func parseStatus(line []byte) (status, error) {
	var s status
	var rest []byte
	switch {
	case bytes.HasPrefix(line, []byte("+OK")):
		s.ok, rest = true, line[3:]
	case bytes.HasPrefix(line, []byte("-ERR")):
		rest = line[4:]
	default:
		return s, malformed("expected +OK or -ERR", line)
	}
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return s, malformed("expected +OK or -ERR", line)
		}
		rest = rest[1:]
	}
	s.raw = rest
	if !s.ok {
		s.code, rest = parseCode(rest)
	}
	s.text = sanitize(rest)
	return s, nil
}

// parseCode splits an RFC 2449 extended response code ("[SYS/TEMP] text")
// off the text. Anything that is not a well-formed code stays in the text.
func parseCode(text []byte) (code string, rest []byte) {
	if len(text) < 3 || text[0] != '[' {
		return "", text
	}
	end := bytes.IndexByte(text, ']')
	if end < 2 {
		return "", text
	}
	c := text[1:end]
	for i, ch := range c {
		switch {
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '-':
		case ch == '/' && i > 0 && i < len(c)-1 && c[i-1] != '/':
		default:
			return "", text
		}
	}
	return string(c), bytes.TrimLeft(text[end+1:], " ")
}

// readMulti reads the body of a multi-line response up to its "." line,
// undoing dot-stuffing, and calls fn for each line (valid only during the
// call). The whole body, line ends and terminator included, is bounded by
// maxMulti octets.
func (r *reader) readMulti(fn func(line []byte) error) error {
	var total int64
	for {
		line, n, err := r.readLine()
		if err != nil {
			return err
		}
		total += int64(n)
		if total > r.maxMulti {
			return &protoError{ErrResponseTooLong, "multi-line response too long (more than " + strconv.FormatInt(r.maxMulti, 10) + " octets)"}
		}
		if len(line) > 0 && line[0] == '.' {
			if len(line) == 1 {
				return nil
			}
			line = line[1:]
		}
		if err := fn(line); err != nil {
			return err
		}
	}
}
