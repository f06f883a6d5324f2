package mailconn

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/mailconn/internal/redact"
)

// fixedClock is the trace clock in tests: every line is stamped 15:04:05.006.
func fixedClock() time.Time { return time.Date(2026, 1, 2, 15, 4, 5, 6e6, time.UTC) }

// scriptConn is a net.Conn whose Read returns what the test put in next
// and whose Write discards.
type scriptConn struct {
	net.Conn // nil: only Read, Write and Close are used
	next     []byte
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if len(c.next) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.next)
	c.next = c.next[n:]
	return n, nil
}
func (c *scriptConn) Write(p []byte) (int, error) { return len(p), nil }
func (c *scriptConn) Close() error                { return nil }

// step is one chunk of a dialogue: C (client write), S (server read) or
// N (a note).
type step struct {
	dir  byte
	data string
}

// runScript feeds steps through a traced connection and returns the trace.
func runScript(t testing.TB, protocol, user string, secrets []string, steps []step) string {
	t.Helper()
	var out bytes.Buffer
	tr := newTracer(&out, protocol, secrets...)
	tr.now = fixedClock
	if user != "" {
		tr.setUser(user)
	}
	sc := &scriptConn{}
	c := tr.wrap(sc)
	for _, s := range steps {
		switch s.dir {
		case 'C':
			if _, err := c.Write([]byte(s.data)); err != nil {
				t.Fatal(err)
			}
		case 'S':
			sc.next = []byte(s.data)
			buf := make([]byte, len(s.data))
			for len(sc.next) > 0 {
				if _, err := c.Read(buf); err != nil {
					t.Fatal(err)
				}
			}
		case 'N':
			tr.note("%s", s.data)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// b64 is standard base64.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// transcript prefixes each line with the fixed timestamp.
func transcript(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("15:04:05.006 ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

const (
	testUser   = "alice@example.com"
	testSecret = "Tr0ub4dor&3 horse"
)

// ntlmType3 is a made-up NTLM authenticate message: its bytes do not
// contain the password, so only the protocol rule can hide it.
var ntlmType3 = b64("NTLMSSP\x00\x03\x00\x00\x00" + strings.Repeat("\x18\x00\x18\x00\x40\x00\x00\x00proof-of-the-password!", 4))

func TestTraceRedaction(t *testing.T) {
	plain := b64("\x00" + testUser + "\x00" + testSecret)
	tests := []struct {
		name     string
		protocol string
		secrets  []string // nil: the tracer does not know the secret
		steps    []step
		want     string
	}{
		{"IMAP LOGIN atom and quoted", "imap", nil, []step{
			{'S', "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"},
			{'C', "A1 LOGIN alice \"Tr0ub4dor&3 \\\"horse\\\"\"\r\n"},
			{'S', "A1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"},
			{'C', "A2 SELECT INBOX\r\n"},
		}, transcript(
			"S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready",
			"C: A1 LOGIN <redacted> <redacted>",
			"S: A1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
			"C: A2 SELECT INBOX",
		)},
		{"IMAP LOGIN synchronizing literals", "imap", nil, []step{
			{'C', "A1 login {5}\r\n"},
			{'S', "+ Ready for literal data\r\n"},
			{'C', "alice {18}\r\n"},
			{'S', "+ \r\n"},
			{'C', "Tr0ub4dör&3 horse\r\n"},
			{'S', "A1 OK done\r\n"},
			{'C', "A2 LIST \"\" *\r\n"},
		}, transcript(
			"C: A1 login <redacted>",
			"S: + Ready for literal data",
			"C: <redacted> <redacted>",
			"S: + ",
			"C: <redacted>",
			"S: A1 OK done",
			`C: A2 LIST "" *`,
		)},
		{"IMAP LOGIN non-synchronizing literals in pieces", "imap", nil, []step{
			{'C', "A1 LOGIN {5+}\r\nali"},
			{'C', "ce {18+}\r\nTr0ub4dor&3\r\nhor"},
			{'C', "se\r\nA2 NOOP\r\n"},
		}, transcript(
			"C: A1 LOGIN <redacted>",
			"C: <redacted> <redacted>",
			"C: <redacted>",
			"C: A2 NOOP",
		)},
		{"IMAP AUTHENTICATE PLAIN with initial response", "imap", nil, []step{
			{'C', "A1 AUTHENTICATE PLAIN " + plain + "\r\n"},
			{'S', "A1 OK\r\n"},
		}, transcript(
			"C: A1 AUTHENTICATE PLAIN <redacted>",
			"S: A1 OK",
		)},
		{"IMAP AUTHENTICATE NTLM exchange", "imap", nil, []step{
			{'C', "A1 AUTHENTICATE NTLM\r\n"},
			{'S', "+ \r\n"},
			{'C', "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\r\n"},
			{'S', "+ TlRMTVNTUAACAAAADAAMADgAAAAFgoqi\r\n"},
			{'C', ntlmType3 + "\r\n"},
			{'S', "A1 OK Logged in\r\n"},
			{'C', "A2 LIST \"\" \"*\"\r\n"},
		}, transcript(
			"C: A1 AUTHENTICATE NTLM",
			"S: + ",
			"C: <redacted>",
			"S: + TlRMTVNTUAACAAAADAAMADgAAAAFgoqi",
			"C: <redacted>",
			"S: A1 OK Logged in",
			`C: A2 LIST "" "*"`,
		)},
		{"IMAP SASL answer after a premature completion", "imap", nil, []step{
			{'C', "A1 AUTHENTICATE NTLM\r\n"},
			{'S', "+ \r\nA1 OK hostile\r\n"},
			{'C', ntlmType3 + "\r\n"},
			{'C', "*\r\n"},
			{'C', "A2 LOGOUT\r\n"},
		}, transcript(
			"C: A1 AUTHENTICATE NTLM",
			"S: + ",
			"S: A1 OK hostile",
			"C: <redacted>",
			"C: <redacted>",
			"C: A2 LOGOUT",
		)},
		{"server echo and base64 forms", "imap", []string{testSecret}, []step{
			{'S', "* BAD you said " + testSecret + "\r\n"},
			{'S', "* NO " + plain + " and " + b64(testSecret) + "\r\n"},
		}, transcript(
			"S: * BAD you said <redacted>",
			"S: * NO <redacted> and <redacted>",
		)},
		{"quoted form of a secret with quotes", "imap", []string{`s3"cr\et!!`}, []step{
			{'S', `* NO "s3\"cr\\et!!" is wrong` + "\r\n"},
		}, transcript(`S: * NO "<redacted>" is wrong`)},
		{"POP3 USER PASS", "pop3", nil, []step{
			{'S', "+OK POP3 ready\r\n"},
			{'C', "USER alice\r\n"},
			{'S', "+OK\r\n"},
			{'C', "PASS " + testSecret + "\r\n"},
			{'S', "+OK logged in\r\n"},
			{'C', "STAT\r\n"},
		}, transcript(
			"S: +OK POP3 ready",
			"C: USER alice",
			"S: +OK",
			"C: PASS <redacted>",
			"S: +OK logged in",
			"C: STAT",
		)},
		{"POP3 AUTH PLAIN with initial response", "pop3", nil, []step{
			{'C', "AUTH PLAIN " + plain + "\r\n"},
			{'S', "+OK\r\n"},
			{'C', "STAT\r\n"},
		}, transcript(
			"C: AUTH PLAIN <redacted>",
			"S: +OK",
			"C: STAT",
		)},
		{"POP3 AUTH LOGIN and NTLM answers", "pop3", nil, []step{
			{'C', "AUTH LOGIN\r\n"},
			{'S', "+ VXNlcm5hbWU6\r\n"},
			{'C', b64("alice") + "\r\n"},
			{'S', "+ UGFzc3dvcmQ6\r\n"},
			{'C', b64(testSecret) + "\r\n"},
			{'S', "-ERR [AUTH] no\r\n"},
			{'C', "AUTH NTLM\r\n"},
			{'S', "+ \r\n"},
			{'C', "TlRMTVNTUAABAAAA\r\n"},
			{'S', "+ TlRMTVNTUAACAAAA\r\n+OK hostile early\r\n"},
			{'C', ntlmType3 + "\r\n"},
			{'C', "QUIT\r\n"},
		}, transcript(
			"C: AUTH LOGIN",
			"S: + VXNlcm5hbWU6",
			"C: <redacted>",
			"S: + UGFzc3dvcmQ6",
			"C: <redacted>",
			"S: -ERR [AUTH] no",
			"C: AUTH NTLM",
			"S: + ",
			"C: <redacted>",
			"S: + TlRMTVNTUAACAAAA",
			"S: +OK hostile early",
			"C: <redacted>",
			"C: QUIT",
		)},
		{"POP3 APOP", "pop3", nil, []step{
			{'C', "APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n"},
		}, transcript("C: APOP alice <redacted>")},
		{"notes and escapes", "imap", []string{testSecret}, []step{
			{'N', "connected to 127.0.0.1:993"},
			{'N', "secret " + testSecret + " in a note"},
			{'S', "* OK \x1b[31mred\x1b]0;title\x07 tab\there \x9b2J\r\n"},
			{'S', "* OK Entwürfe \u202egnp.exe \xff\xfe bare\rCR\r\n"},
		}, transcript(
			"*  connected to 127.0.0.1:993",
			"*  secret <redacted> in a note",
			`S: * OK \x1b[31mred\x1b]0;title\x07 tab`+"\t"+`here \x9b2J`,
			`S: * OK Entwürfe \u202egnp.exe \xff\xfe bare\rCR`,
		)},
		{"partial lines flushed on close", "imap", nil, []step{
			{'C', "A1 NOOP\r\n"},
			{'S', "* OK partial"},
			{'C', "A2 LOGIN alice pass"},
		}, transcript(
			"C: A1 NOOP",
			"C: A2 LOGIN <redacted> <redacted>",
			"S: * OK partial",
		)},
		{"refused literal leaves no phantom line", "imap", nil, []step{
			{'C', "A1 LOGIN {5}\r\n"},
			{'S', "A1 NO [AUTHENTICATIONFAILED] no\r\n"},
		}, transcript(
			"C: A1 LOGIN <redacted>",
			"S: A1 NO [AUTHENTICATIONFAILED] no",
		)},
		{"TLS records after STARTTLS are not shown", "imap", nil, []step{
			{'C', "A1 STARTTLS\r\n"},
			{'S', "A1 OK Begin TLS\r\n"},
			{'C', "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\nA2 LOGIN alice pass\r\n"},
			{'S', "\x16\x03\x03\x00\x7a"},
		}, transcript(
			"C: A1 STARTTLS",
			"S: A1 OK Begin TLS",
			"*  TLS records follow on this connection (encrypted, not shown)",
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runScript(t, tt.protocol, testUser, tt.secrets, tt.steps)
			if got != tt.want {
				t.Errorf("trace:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, leak := range []string{testSecret, "Tr0ub4d", plain, b64(testSecret), ntlmType3, "proof-of", "c4c9334b"} {
				if strings.Contains(got, leak) {
					t.Errorf("trace shows %q", leak)
				}
			}
		})
	}
}

// TestTraceBase64AnyOffset checks that a known secret inside any base64
// message is hidden whatever its offset, leaving at most the few characters
// that mix its bytes with others.
func TestTraceBase64AnyOffset(t *testing.T) {
	for pre := 0; pre < 6; pre++ {
		for post := 0; post < 3; post++ {
			msg := strings.Repeat("p", pre) + testSecret + strings.Repeat("q", post)
			enc := b64(msg)
			t.Run(enc, func(t *testing.T) {
				got := runScript(t, "imap", "", []string{testSecret}, []step{{'S', "+ " + enc + "\r\n"}})
				shown := strings.TrimSuffix(strings.TrimPrefix(got, "15:04:05.006 S: + "), "\n")
				if !strings.Contains(shown, redactedMark) {
					t.Fatalf("nothing redacted in %q", shown)
				}
				left := len(shown) - len(redactedMark)
				if most := len(enc) - (len(testSecret)*4/3 - 8); left > most {
					t.Errorf("%d base64 characters left, want at most %d: %q", left, most, shown)
				}
			})
		}
	}
}

func TestTraceLongLines(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	got := runScript(t, "imap", "", []string{testSecret}, []step{
		{'S', "* OK " + strings.Repeat("a", 985) + testSecret + long + "\r\n"},
		{'S', "* OK " + long}, // no line end: flushed on close
		{'C', "A1 LOGIN alice " + strings.Repeat("p", 5000) + "\r\n"},
		{'C', "A2 LOGIN alice " + strings.Repeat("p", 5000) + " {6}\r\nsecret\r\n"},
	})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%.3000s", len(lines), got)
	}
	for i, l := range lines {
		if len(l) > 1100 {
			t.Errorf("line %d is %d bytes long", i, len(l))
		}
	}
	wantSuffix := []string{
		"a<redacted>… (" + strconv.Itoa(5+985+len(testSecret)+len(long)) + " bytes)",
		"C: A1 LOGIN <redacted> <redacted>… (5015 bytes)",
		"C: A2 LOGIN <redacted> <redacted>… (5019 bytes)",
		"C: <redacted>",
		"xxx… (" + strconv.Itoa(5+len(long)) + " bytes)",
	}
	for i, w := range wantSuffix {
		if !strings.HasSuffix(lines[i], w) {
			t.Errorf("line %d = %.60q…%q, want suffix %q", i, lines[i], lines[i][max(0, len(lines[i])-60):], w)
		}
	}
	if strings.Contains(got, "Tr0ub") || strings.Contains(got, "secret") {
		t.Error("a secret shows")
	}
}

func TestTraceTranscriptWriter(t *testing.T) {
	var out bytes.Buffer
	tr := newTracer(&out, "pop3", "s3cret-pw")
	tr.now = fixedClock
	w := tr.transcriptWriter()
	for _, chunk := range []string{
		"S: +OK ready\n",
		"C: USER alice\nC: PASS hunter2-",
		"unknown\n",
		"C: AUTH PLAIN\nS: + \nC: " + b64("\x00alice\x00hunter2-unknown") + "\n",
		"S: -ERR s3cret-pw is wrong\n",
		"C: QUIT\nnote \x1b[2J\n",
	} {
		if _, err := io.WriteString(w, chunk); err != nil {
			t.Fatal(err)
		}
	}
	want := transcript(
		"S: +OK ready",
		"C: USER alice",
		"C: PASS <redacted>",
		"C: AUTH PLAIN",
		"S: + ",
		"C: <redacted>",
		"S: -ERR <redacted> is wrong",
		"C: QUIT",
		`*  note \x1b[2J`,
	)
	if out.String() != want {
		t.Errorf("trace:\n%s\nwant:\n%s", out.String(), want)
	}
	if (*tracer)(nil).transcriptWriter() != nil {
		t.Error("nil tracer gives a writer")
	}
}

func TestTraceNil(t *testing.T) {
	var tr *tracer = newTracer(nil, "imap", "x")
	if tr != nil {
		t.Fatal("newTracer(nil) is not nil")
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if tr.wrap(a) != a {
		t.Error("nil tracer wrapped the conn")
	}
	tr.note("x")
	tr.addSecret("y")
	tr.setUser("z")
	if tr.writeErr() != nil {
		t.Error("nil tracer has an error")
	}
}

// failWriter fails every write after the first.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestTraceWriteError(t *testing.T) {
	w := &failWriter{}
	tr := newTracer(w, "imap")
	tr.note("one")
	tr.note("two")
	tr.note("three")
	if w.n != 2 || tr.writeErr() == nil {
		t.Errorf("%d writes, error %v: want 2 writes and the error kept", w.n, tr.writeErr())
	}
}

// lockedBuffer is a bytes.Buffer safe for the race detector's eyes when
// the test reads it after the goroutines are done.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is the text written so far.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestTraceConcurrent(t *testing.T) {
	var out lockedBuffer
	tr := newTracer(&out, "imap", testSecret)
	a, b := net.Pipe()
	ca := tr.wrap(a)
	const n = 200
	total := 0
	for i := 0; i < n; i++ {
		total += len("A" + strconv.Itoa(i) + " LOGIN alice \"" + testSecret + "\"\r\n")
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the client writes
		defer wg.Done()
		for i := 0; i < n; i++ {
			_, _ = io.WriteString(ca, "A"+strconv.Itoa(i)+" LOGIN alice \""+testSecret+"\"\r\n")
		}
	}()
	go func() { // the server echoes what it reads
		defer wg.Done()
		_, _ = io.Copy(b, b)
	}()
	// The client reads (and notes) in this goroutine, while the other writes.
	_ = ca.SetReadDeadline(time.Now().Add(30 * time.Second)) // hang guard
	buf := make([]byte, 100)
	for got := 0; got < total; {
		k, err := ca.Read(buf)
		if err != nil {
			t.Errorf("read after %d of %d bytes: %v", got, total, err)
			break
		}
		got += k
		tr.note("read %d", k)
	}
	ca.Close()
	b.Close()
	wg.Wait()

	text := out.String()
	if strings.Contains(text, "Tr0ub") {
		t.Error("the secret shows")
	}
	c, s := strings.Count(text, " C: A"), strings.Count(text, " S: A")
	if c != n || s != n {
		t.Errorf("%d client and %d server LOGIN lines, want %d", c, s, n)
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		ok := strings.Contains(l, " *  read ") ||
			strings.Contains(l, " C: A") && strings.HasSuffix(l, " LOGIN <redacted> <redacted>") ||
			strings.Contains(l, " S: A") && strings.HasSuffix(l, ` LOGIN alice "<redacted>"`)
		if !ok {
			t.Errorf("mixed-up line %q", l)
		}
	}
}

// imapTestServer serves an in-memory IMAP server on 127.0.0.1:0 with one
// user. caps chooses LITERAL- (IMAP4rev1) or synchronizing literals only.
func imapTestServer(t *testing.T, user, pass string, caps imap.CapSet) string {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, pass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

// TestTraceGoIMAP runs go-imap's client against go-imap's server through a
// traced connection: LOGIN with a password that needs a literal, and
// AUTHENTICATE PLAIN, with and without the tracer knowing the password.
func TestTraceGoIMAP(t *testing.T) {
	const pass = "pässwörd \"with\" spaces"
	for _, tt := range []struct {
		name  string
		caps  imap.CapSet
		auth  bool
		knows bool
	}{
		{"LOGIN with a literal password", imap.CapSet{imap.CapIMAP4rev1: {}}, false, false},
		{"LOGIN against IMAP4rev2", imap.CapSet{imap.CapIMAP4rev2: {}}, false, false},
		{"LOGIN known secret", imap.CapSet{imap.CapIMAP4rev1: {}}, false, true},
		{"AUTHENTICATE PLAIN", imap.CapSet{imap.CapIMAP4rev1: {}}, true, false},
		{"AUTHENTICATE PLAIN against IMAP4rev2", imap.CapSet{imap.CapIMAP4rev2: {}}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := imapTestServer(t, testUser, pass, tt.caps)
			var out lockedBuffer
			var secrets []string
			if tt.knows {
				secrets = []string{pass}
			}
			tr := newTracer(&out, "imap", secrets...)
			tr.setUser(testUser)
			raw, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			_ = raw.SetDeadline(time.Now().Add(20 * time.Second)) // hang guard
			c := imapclient.New(tr.wrap(raw), nil)
			if tt.auth {
				err = c.Authenticate(sasl.NewPlainClient("", testUser, pass))
			} else {
				err = c.Login(testUser, pass).Wait()
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				t.Fatalf("examine: %v", err)
			}
			_ = c.Logout().Wait()
			_ = c.Close()

			text := out.String()
			for _, leak := range []string{"pässw", "spaces", b64("\x00" + testUser + "\x00" + pass), b64(pass)} {
				if strings.Contains(text, leak) {
					t.Errorf("trace shows %q:\n%s", leak, text)
				}
			}
			for _, want := range []string{"S: * OK", "EXAMINE INBOX", "S: T", "<redacted>"} {
				if !strings.Contains(text, want) {
					t.Errorf("trace lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// FuzzTraceRedaction puts a secret into the credential positions of IMAP
// and POP3 dialogues surrounded by arbitrary protocol text, and checks:
//
//   - a secret of any length never shows on the client's lines: when the
//     tracer does not know it (only the protocol rules protect it), the
//     trace is the same as with a stand-in secret in its place;
//   - a known secret: no form of redact.MinLen bytes or more is left
//     anywhere outside a marker (the secret itself also when the tracer
//     does not know it, where it is not part of the frame);
//   - markers are never cut: when the text has no '<' or '>' but in
//     markers, the trace has none either but in whole markers.
func FuzzTraceRedaction(f *testing.F) {
	f.Add("* OK ready\n* CAPABILITY IMAP4rev1", "A1 NOOP", "hunter2secret", uint8(0), uint16(3))
	f.Add("+OK ready\n+OK", "CAPA\nAUTH PLAIN", "p@ss word!", uint8(6), uint16(1))
	f.Add("+OK ready", "CAPA", "dGVzdA==x", uint8(15), uint16(5))
	f.Add("* OK {5}\nhello", "A0 SELECT INBOX", "Tr0ub4dor&3", uint8(2), uint16(7))
	f.Add("+ \nA1 OK", "", "correct-horse", uint8(4), uint16(0))
	f.Add("* OK", "A0 AUTHENTICATE X", "correct horse", uint8(13), uint16(9))
	f.Add("* OK IMAP ready\n* NO <redacted> e", "A0 NOOP", "e", uint8(8), uint16(2))
	f.Add("* NO wrong password ab <redacted>", "A0 EXAMINE ab", "ab", uint8(14), uint16(4))
	f.Add("* NO you said acted, <redacted>", "A0 NOOP", "acted", uint8(11), uint16(1))
	f.Fuzz(func(t *testing.T, serverNoise, clientNoise, secret string, mode uint8, split uint16) {
		// A SASL answer is base64: it has no spaces.
		if len(secret) < 1 || len(secret) > 200 || !printableASCII(secret) || strings.Contains(secret, " ") && (mode%8 == 4 || mode%8 == 7) {
			t.Skip()
		}
		build := func(secret string) []step { return fuzzDialogue(serverNoise, clientNoise, secret, mode, split) }
		protocol := "imap"
		if mode%8 >= 6 {
			protocol = "pop3"
		}
		var secrets []string
		known := mode&8 != 0
		if known {
			secrets = []string{secret}
		}
		// The same dialogue with a stand-in secret: if the real one shows
		// there too, it is part of the frame ("C: ", "<redacted>", noise).
		standIn := strings.Repeat("\x7f", len(secret))
		var standInSecrets []string
		if known {
			standInSecrets = []string{standIn}
		}
		frame := runScript(t, protocol, testUser, standInSecrets, build(standIn))
		got := runScript(t, protocol, testUser, secrets, build(secret))

		// Client lines, any length: only the protocol rules, so nothing of
		// the secret changes the trace. (Spaces, quotes, backslashes and
		// braces change how a line is parsed, not what is hidden.)
		if !known && !strings.ContainsAny(secret, " \"\\{}") && got != frame {
			t.Fatalf("the trace depends on the secret %q:\n%s\nwith a stand-in:\n%s", secret, got, frame)
		}
		if len(secret) >= 6 && !strings.Contains(frame, secret) && !strings.Contains(serverNoise+clientNoise, secret) && strings.Contains(got, secret) {
			t.Fatalf("the secret %q shows:\n%s", secret, got)
		}
		// Known forms of redact.MinLen or more: nowhere outside a marker.
		// (An escaped control character reads like text: noise with one
		// could spell a form by itself.)
		if known && printableASCII(serverNoise+clientNoise) {
			bodies := traceBodies(got)
			for _, form := range redact.Forms(testUser, secret) {
				if len(form) >= redact.MinLen && strings.Contains(bodies, form) && !strings.Contains(redactedMark, form) {
					t.Fatalf("the form %q shows:\n%s", form, got)
				}
			}
		}
		// Markers stay whole.
		noise := strings.ReplaceAll(serverNoise+clientNoise, redactedMark, "")
		if !strings.ContainsAny(noise, "<>") && strings.ContainsAny(strings.ReplaceAll(got, redactedMark, ""), "<>") {
			t.Fatalf("a cut marker (secret %q):\n%s", secret, got)
		}
	})
}

// traceBodies is the trace without timestamps, prefixes and the "… (n
// bytes)" of cut lines, markers turned into NUL: the text the secret's
// forms were scrubbed from.
func traceBodies(trace string) string {
	var b strings.Builder
	for _, l := range strings.Split(trace, "\n") {
		if len(l) < 16 {
			continue
		}
		l = l[16:]
		if i := strings.LastIndex(l, "… ("); i >= 0 && strings.HasSuffix(l, " bytes)") {
			l = l[:i]
		}
		b.WriteString(strings.ReplaceAll(l, redactedMark, "\x00"))
		b.WriteString("\n")
	}
	return b.String()
}

// printableASCII reports whether s is printable ASCII.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fuzzDialogue builds a dialogue: noise lines, then the secret in a
// credential position chosen by mode, then more noise; the client data is
// written in pieces split at split.
func fuzzDialogue(serverNoise, clientNoise, secret string, mode uint8, split uint16) []step {
	var steps []step
	noise := func() {
		for _, l := range strings.Split(serverNoise, "\n") {
			steps = append(steps, step{'S', l + "\r\n"})
		}
		// The client is our own engine: its lines are commands, never a
		// literal announcement (which would make what follows data).
		for _, l := range strings.Split(clientNoise, "\n") {
			l = strings.NewReplacer("{", "", "\r", "").Replace(l)
			if l != "" && mode%8 < 6 {
				l = "N1 " + l
			}
			if l != "" {
				steps = append(steps, step{'C', l + "\r\n"})
			}
		}
	}
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(secret) + `"`
	var client string
	noise()
	switch mode % 8 {
	case 0:
		client = "A1 LOGIN alice " + quoted + "\r\n"
	case 1:
		client = "A1 LOGIN {5+}\r\nalice {" + strconv.Itoa(len(secret)) + "+}\r\n" + secret + "\r\n"
	case 2:
		steps = append(steps, step{'C', "A1 LOGIN alice {" + strconv.Itoa(len(secret)) + "}\r\n"}, step{'S', "+ go on\r\n"})
		client = secret + "\r\n"
	case 3:
		client = "A1 AUTHENTICATE PLAIN " + b64("\x00alice\x00"+secret) + "\r\n"
	case 4:
		steps = append(steps, step{'C', "A1 AUTHENTICATE X-UNKNOWN\r\n"}, step{'S', "+ " + serverNoise + "\r\n"})
		client = secret + "\r\n" // an unknown encoding: the raw secret
	case 5:
		client = "A1 AUTHENTICATE X-UNKNOWN " + secret + "\r\n"
	case 6:
		client = "PASS " + secret + "\r\n"
	case 7:
		steps = append(steps, step{'C', "AUTH X-UNKNOWN\r\n"}, step{'S', "+ \r\n" + serverNoise + "\r\n"})
		client = secret + "\r\n"
	}
	at := int(split) % (len(client) + 1)
	steps = append(steps, step{'C', client[:at]}, step{'C', client[at:]})
	noise()
	return steps
}
