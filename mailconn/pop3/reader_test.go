package pop3

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readResponse reads one status line and, for a +OK to a multi-line
// command, the body: the composition the client uses.
func readResponse(r *reader, multi bool) (status, []string, error) {
	line, _, err := r.readLine()
	if err != nil {
		return status{}, nil, err
	}
	st, err := parseStatus(line)
	if err != nil || !st.ok || !multi {
		return st, nil, err
	}
	st.raw = nil // only valid until the next read
	var body []string
	err = r.readMulti(func(line []byte) error {
		body = append(body, string(line))
		return nil
	})
	if err != nil {
		return st, nil, err
	}
	return st, body, nil
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		multi    bool
		maxLine  int
		maxMulti int64
		ok       bool
		code     string
		text     string
		body     []string
		wantErr  error
	}{
		{name: "ok with text", in: "+OK 2 320\r\n", ok: true, text: "2 320"},
		{name: "ok bare", in: "+OK\r\n", ok: true},
		{name: "err bare", in: "-ERR\r\n"},
		{name: "err with text", in: "-ERR no such message\r\n", text: "no such message"},
		{name: "err code", in: "-ERR [IN-USE] mailbox locked\r\n", code: "IN-USE", text: "mailbox locked"},
		{name: "err hierarchical code", in: "-ERR [SYS/TEMP] try later\r\n", code: "SYS/TEMP", text: "try later"},
		{name: "err code only", in: "-ERR [AUTH]\r\n", code: "AUTH"},
		{name: "err not a code", in: "-ERR [not a code] x\r\n", text: "[not a code] x"},
		{name: "err empty brackets", in: "-ERR [] x\r\n", text: "[] x"},
		{name: "err unclosed bracket", in: "-ERR [AUTH x\r\n", text: "[AUTH x"},
		{name: "err bad hierarchy", in: "-ERR [SYS//TEMP] x\r\n", text: "[SYS//TEMP] x"},
		{name: "ok keeps brackets", in: "+OK [IN-USE] fine\r\n", ok: true, text: "[IN-USE] fine"},
		{name: "bare LF", in: "+OK hello\n", ok: true, text: "hello"},
		{name: "control characters replaced", in: "-ERR bad\x1b[31m\x00\r\n", text: `bad\x1b[31m\x00`},
		{name: "invalid UTF-8 replaced", in: "+OK caf\xe9\r\n", ok: true, text: "caf\uFFFD"},
		{name: "UTF-8 kept", in: "+OK café\r\n", ok: true, text: "café"},
		{name: "lower-case ok", in: "+ok\r\n", wantErr: ErrMalformed},
		{name: "OK without space", in: "+OKAY\r\n", wantErr: ErrMalformed},
		{name: "ERR without space", in: "-ERRORS\r\n", wantErr: ErrMalformed},
		{name: "http", in: "HTTP/1.1 400 Bad Request\r\n", wantErr: ErrMalformed},
		{name: "imap greeting", in: "* OK IMAP4rev1 ready\r\n", wantErr: ErrMalformed},
		{name: "binary", in: "\x16\x03\x01\x00\xa5\x01\x00\r\n", wantErr: ErrMalformed},
		{name: "empty line", in: "\r\n", wantErr: ErrMalformed},
		{name: "eof", in: "", wantErr: io.EOF},
		{name: "eof mid-line", in: "+OK hel", wantErr: io.EOF},
		{name: "line too long", in: "+OK " + strings.Repeat("x", 100) + "\r\n", maxLine: 64, wantErr: ErrLineTooLong},
		{name: "line exactly at limit", in: "+OK " + strings.Repeat("x", 58) + "\r\n", maxLine: 64, ok: true, text: strings.Repeat("x", 58)},
		{name: "line one over limit", in: "+OK " + strings.Repeat("x", 59) + "\r\n", maxLine: 64, wantErr: ErrLineTooLong},
		{name: "line longer than the buffer", in: "+OK " + strings.Repeat("y", 3*readBufSize) + "\r\n", maxLine: 4 * readBufSize, ok: true, text: strings.Repeat("y", 3*readBufSize)},
		{name: "multi", in: "+OK\r\nTOP\r\nUIDL\r\n.\r\n", multi: true, ok: true, body: []string{"TOP", "UIDL"}},
		{name: "multi empty", in: "+OK list follows\r\n.\r\n", multi: true, ok: true, text: "list follows"},
		{name: "multi dot-unstuffing", in: "+OK\r\n..x\r\n...\r\n.\r\n", multi: true, ok: true, body: []string{".x", ".."}},
		{name: "multi lone dots", in: "+OK\r\n..\r\n.\r\n", multi: true, ok: true, body: []string{"."}},
		{name: "multi empty line", in: "+OK\r\n\r\na\r\n.\r\n", multi: true, ok: true, body: []string{"", "a"}},
		{name: "multi bare LF", in: "+OK\nA\n.\n", multi: true, ok: true, body: []string{"A"}},
		{name: "multi after err is single", in: "-ERR [SYS/PERM] no\r\n", multi: true, code: "SYS/PERM", text: "no"},
		{name: "multi eof before terminator", in: "+OK\r\nA\r\n", multi: true, wantErr: io.EOF},
		{name: "multi too large", in: "+OK\r\n" + strings.Repeat("abcdefgh\r\n", 20) + ".\r\n", multi: true, maxMulti: 100, wantErr: ErrResponseTooLong},
		{name: "multi exactly at limit", in: "+OK\r\n" + strings.Repeat("abcdefgh\r\n", 9) + ".\r\n", multi: true, maxMulti: 93, ok: true, body: strings.Split(strings.Repeat("abcdefgh ", 9)[:9*9-1], " ")},
		{name: "multi line too long", in: "+OK\r\n" + strings.Repeat("z", 200) + "\r\n.\r\n", multi: true, maxLine: 100, wantErr: ErrLineTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxLine, maxMulti := tt.maxLine, tt.maxMulti
			if maxLine == 0 {
				maxLine = DefaultMaxLineLength
			}
			if maxMulti == 0 {
				maxMulti = DefaultMaxMultiLineBytes
			}
			r := newReader(strings.NewReader(tt.in), maxLine, maxMulti)
			st, body, err := readResponse(r, tt.multi)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if st.ok != tt.ok || st.code != tt.code || st.text != tt.text {
				t.Errorf("status = ok %v code %q text %q, want ok %v code %q text %q", st.ok, st.code, st.text, tt.ok, tt.code, tt.text)
			}
			if !reflect.DeepEqual(body, tt.body) {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestMalformedQuotesASample(t *testing.T) {
	r := newReader(strings.NewReader("\x00\x01binary"+strings.Repeat("!", 200)+"\r\n"), DefaultMaxLineLength, DefaultMaxMultiLineBytes)
	_, _, err := readResponse(r, false)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("error = %v, want ErrMalformed", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, `"\x00\x01binary`) || !strings.Contains(msg, "(208 octets)") {
		t.Errorf("message %q lacks a quoted, truncated sample", msg)
	}
	if len(msg) > 200 {
		t.Errorf("message is %d bytes long; the sample is not truncated", len(msg))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless is an infinite stream of one byte.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func TestEndlessLineReadsBoundedBytes(t *testing.T) {
	for _, maxLine := range []int{16, 512, DefaultMaxLineLength, 100000} {
		cr := &countingReader{r: io.MultiReader(strings.NewReader("+OK "), endless('A'))}
		r := newReader(cr, maxLine, DefaultMaxMultiLineBytes)
		_, _, err := readResponse(r, false)
		if !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("maxLine %d: error = %v, want ErrLineTooLong", maxLine, err)
		}
		if limit := int64(maxLine + readBufSize); cr.n > limit {
			t.Errorf("maxLine %d: read %d bytes, more than %d", maxLine, cr.n, limit)
		}
		if cap(r.buf) > 2*(maxLine+readBufSize) {
			t.Errorf("maxLine %d: line buffer grew to %d", maxLine, cap(r.buf))
		}
	}
}
