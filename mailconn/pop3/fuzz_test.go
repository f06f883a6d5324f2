package pop3

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Small limits, so the fuzzer reaches them.
const (
	fuzzMaxLine  = 64
	fuzzMaxMulti = 256
)

// FuzzReadResponse feeds a byte stream to the response reader as a server
// would send it: the first byte says which responses are read as multi-line
// (bit i for response i mod 8), the rest is the stream. It checks that
// nothing panics, that lines, bodies and buffers stay within the limits, that
// text is safe to print, and that the result matches a simple reference
// parser written from the RFCs.
func FuzzReadResponse(f *testing.F) {
	seeds := []string{
		"+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n",
		"-ERR [SYS/TEMP] try later\r\n-ERR [IN-USE] locked\r\n",
		"+OK\r\nTOP\r\nSASL PLAIN LOGIN\r\n.\r\n+OK 2 320\r\n",
		"+OK\r\n..x\r\n...\r\n.\r\n",
		"+OK\nA\n.\n",
		"+OK " + strings.Repeat("x", 100) + "\r\n",
		"+OK\r\n" + strings.Repeat("1 abc\r\n", 60) + ".\r\n",
		"* OK IMAP4rev1\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00",
		"-ERR [AUTH\r\n-ERR []\r\n-ERR [A//B] x\r\n",
		"+OK caf\xe9\x1b[31m\r\n",
		"+OK hel",
	}
	for _, s := range seeds {
		f.Add(append([]byte{0x05}, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		multiMask, stream := data[0], data[1:]
		r := newReader(bytes.NewReader(stream), fuzzMaxLine, fuzzMaxMulti)
		pos := 0
		for i := 0; ; i++ {
			multi := multiMask>>(i%8)&1 == 1
			st, body, err := readResponse(r, multi)
			if cap(r.buf) > 2*(fuzzMaxLine+readBufSize) {
				t.Fatalf("line buffer grew to %d", cap(r.buf))
			}
			checkResponse(t, st, body, err)
			want, n := refResponse(stream[pos:], multi)
			pos += n
			got := refResult{ok: st.ok, code: st.code, body: body, err: errKind(err)}
			if err != nil {
				got = refResult{err: errKind(err)}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("response %d: got %+v, reference says %+v", i, got, want)
			}
			if err != nil {
				return
			}
		}
	})
}

// checkResponse checks the invariants of one response.
func checkResponse(t *testing.T, st status, body []string, err error) {
	t.Helper()
	if err != nil {
		if st.ok && body != nil {
			t.Fatalf("error %v with a body", err)
		}
		return
	}
	if !utf8.ValidString(st.text) || strings.IndexFunc(st.text, unicode.IsControl) >= 0 {
		t.Fatalf("status text %q is not safe to print", st.text)
	}
	if len(st.text) > 4*fuzzMaxLine { // a control byte shows as 4 ("\x1b")
		t.Fatalf("status text of %d bytes", len(st.text))
	}
	total := 0
	for _, line := range body {
		if len(line)+1 > fuzzMaxLine || strings.Contains(line, "\n") {
			t.Fatalf("body line %q breaks the line limit", line)
		}
		total += len(line) + 1
	}
	if total > fuzzMaxMulti {
		t.Fatalf("body of %d bytes exceeds %d", total, fuzzMaxMulti)
	}
}

// refResult is what a response read amounts to.
type refResult struct {
	ok   bool
	code string
	body []string
	err  string
}

func errKind(err error) string {
	for _, e := range []error{ErrLineTooLong, ErrResponseTooLong, ErrMalformed, io.EOF} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// refLine splits the next line off data the plain way.
func refLine(data []byte) (line []byte, n int, err error) {
	i := bytes.IndexByte(data, '\n')
	switch {
	case i < 0 && len(data) > fuzzMaxLine, i+1 > fuzzMaxLine:
		return nil, 0, ErrLineTooLong
	case i < 0:
		return nil, 0, io.EOF
	}
	return bytes.TrimSuffix(data[:i], []byte("\r")), i + 1, nil
}

var (
	refStatus = regexp.MustCompile(`^(\+OK|-ERR)(?: (.*))?$`)
	refCode   = regexp.MustCompile(`^\[([A-Za-z0-9-]+(?:/[A-Za-z0-9-]+)*)\]`)
)

// refResponse reads one response from data by the RFCs, returning the
// result and how much of data it took.
func refResponse(data []byte, multi bool) (refResult, int) {
	line, n, err := refLine(data)
	if err != nil {
		return refResult{err: err.Error()}, n
	}
	m := refStatus.FindSubmatch(line)
	if m == nil {
		return refResult{err: ErrMalformed.Error()}, n
	}
	res := refResult{ok: string(m[1]) == "+OK"}
	if !res.ok {
		if c := refCode.FindSubmatch(m[2]); c != nil {
			res.code = string(c[1])
		}
	}
	if !res.ok || !multi {
		return res, n
	}
	total := 0
	for {
		line, ln, err := refLine(data[n:])
		if err != nil {
			return refResult{err: err.Error()}, n
		}
		n += ln
		total += ln
		if total > fuzzMaxMulti {
			return refResult{err: ErrResponseTooLong.Error()}, n
		}
		if string(line) == "." {
			return res, n
		}
		res.body = append(res.body, strings.TrimPrefix(string(line), "."))
	}
}
