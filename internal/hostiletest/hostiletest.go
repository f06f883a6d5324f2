// Package hostiletest runs in-process IMAP and POP3 servers that put
// terminal escape sequences, controls and invalid UTF-8 into everything
// they say: greeting, capabilities, SASL mechanisms, every error text,
// folder names (raw and in modified UTF-7), STATUS answers and the
// certificate's subject, issuer and names. Tests of mailconn, the command
// and the wizard use it to check that none of it reaches the output
// (PRODUCT.md "Trust").
//
// It is for tests only.
package hostiletest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Payload is every hostile sequence at once: clear screen and cursor home
// (ESC [ 2 J, ESC [ H), OSC 52 (write the clipboard), OSC 0 (set the
// window title), BEL, CR, NUL, invalid UTF-8, the one-byte C1 CSI (U+009B,
// then "2J") and a bidi override. It has no space and no ']' so that it
// stays one IMAP atom-ish token; the OSC uses BEL, not ST.
const Payload = "\x1b[2J\x1b[H\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x07\r\x00\xff\xfe\xc2\x9b2J\u202e"

// IMAPPayload is Payload without the CR, for the IMAP replies go-imap
// parses after the sign-in: it refuses a CR inside a line, so a server's
// CR there never gets as far as a text.
const IMAPPayload = "\x1b[2J\x1b[H\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x07\x00\xff\xfe\xc2\x9b2J\u202e"

// ASCIIPayload is Payload without the bytes ≥ 0x80, for places that must
// be ASCII (an IMAP folder name before modified UTF-7 decoding, a DNS
// name in a certificate).
const ASCIIPayload = "\x1b[2J\x1b[H\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x07\r\x00"

// UTF8Payload is Payload without the invalid UTF-8, for places that must
// be valid UTF-8 (a certificate's UTF8String, XML).
const UTF8Payload = "\x1b[2J\x1b[H\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x07\r\x00\u009b2J\u202e"

// UTF7ESC is a folder name part in modified UTF-7 that decodes to ESC.
const UTF7ESC = "&ABs-"

// Unsafe reports the first thing in s that a terminal could act on: a
// byte below 0x20 other than "\n" and "\t", DEL, a C1 control, a bidi
// override or isolate, or invalid UTF-8. It returns "" for safe text.
func Unsafe(s string) string {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return fmt.Sprintf("invalid UTF-8 at %d: %q", i, around(s, i))
			}
			i += n
		}
	}
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("byte %#x at %d: %q", r, i, around(s, i))
		case r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("C1 control %U at %d: %q", r, i, around(s, i))
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidi control %U at %d: %q", r, i, around(s, i))
		}
	}
	return ""
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// Fail says where a hostile server refuses: nowhere (the test passes, and
// the folder list works), or at one step with the payload in its text.
type Fail int

const (
	FailNone     Fail = iota
	FailGreeting      // IMAP * BYE, POP3 -ERR greeting
	FailCapa          // IMAP CAPABILITY NO, POP3 CAPA -ERR
	FailLogin         // IMAP NO [AUTHENTICATIONFAILED], POP3 -ERR [AUTH]
	FailMailbox       // IMAP EXAMINE NO [NONEXISTENT], POP3 STAT -ERR
	FailStartTLS      // IMAP STARTTLS NO, POP3 STLS -ERR
)

func (f Fail) String() string {
	return [...]string{"none", "greeting", "capability", "login", "mailbox", "starttls"}[f]
}

// Options configure a hostile server.
type Options struct {
	Fail Fail
	// TLS, when not nil, is used for implicit TLS (ImplicitTLS) or for
	// STARTTLS / STLS, which is offered only when TLS is set.
	TLS         *tls.Config
	ImplicitTLS bool
}

// Server is a running hostile server.
type Server struct {
	ln    net.Listener
	opts  Options
	imap  bool
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

// StartIMAP starts a hostile IMAP server on 127.0.0.1; it stops with t.
func StartIMAP(t testing.TB, opts Options) *Server { return start(t, opts, true) }

// StartPOP3 starts a hostile POP3 server on 127.0.0.1; it stops with t.
func StartPOP3(t testing.TB, opts Options) *Server { return start(t, opts, false) }

func start(t testing.TB, opts Options, imap bool) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, opts: opts, imap: imap}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// Port is the server's port on 127.0.0.1.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			var conn net.Conn = c
			if s.opts.ImplicitTLS && s.opts.TLS != nil {
				tc := tls.Server(c, s.opts.TLS)
				if tc.Handshake() != nil {
					return
				}
				conn = tc
			}
			if s.imap {
				s.serveIMAP(conn)
			} else {
				s.servePOP3(conn)
			}
		}()
	}
}

func (s *Server) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// session is one connection: its reader and writer, swapped on STARTTLS.
type session struct {
	c  net.Conn
	br *bufio.Reader
}

func (x *session) send(lines ...string) bool {
	_, err := x.c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	return err == nil
}

func (x *session) read() (string, bool) {
	line, err := x.br.ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimRight(line, "\r\n"), true
}

// upgrade runs the server side of a TLS handshake over the session.
func (x *session) upgrade(cfg *tls.Config) bool {
	tc := tls.Server(x.c, cfg)
	if tc.Handshake() != nil {
		return false
	}
	x.c, x.br = tc, bufio.NewReader(tc)
	return true
}

func (s *Server) serveIMAP(c net.Conn) {
	x := &session{c: c, br: bufio.NewReader(c)}
	if s.opts.Fail == FailGreeting {
		x.send("* BYE go away " + Payload)
		return
	}
	x.send("* OK hello " + Payload)
	authed := false
	for {
		line, ok := x.read()
		if !ok {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		cmd, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			if authed {
				// go-imap asks again after LOGIN and would choke on the
				// payload; what it learns there is never shown.
				x.send("* CAPABILITY IMAP4rev1", tag+" OK capabilities")
				continue
			}
			if s.opts.Fail == FailCapa {
				x.send(tag + " NO [X-" + Payload + "] no capabilities " + Payload)
				continue
			}
			caps := "IMAP4rev1 X-" + Payload + " AUTH=X" + Payload
			if s.opts.TLS != nil && !s.opts.ImplicitTLS {
				caps += " STARTTLS"
			}
			x.send("* CAPABILITY "+caps, tag+" OK capabilities "+Payload)
		case "STARTTLS":
			if s.opts.Fail == FailStartTLS {
				x.send(tag + " NO no TLS today " + Payload)
				continue
			}
			x.send(tag + " OK begin TLS")
			if s.opts.TLS == nil || !x.upgrade(s.opts.TLS) {
				return
			}
		case "LOGIN", "AUTHENTICATE":
			if s.opts.Fail == FailLogin {
				x.send(tag + " NO [AUTHENTICATIONFAILED] wrong password " + IMAPPayload)
				continue
			}
			authed = true
			x.send(tag + " OK logged in " + IMAPPayload)
		case "LIST":
			if strings.Contains(args, `"" ""`) {
				x.send(`* LIST (\Noselect) "/" ""`, tag+" OK listed "+IMAPPayload)
				continue
			}
			// go-imap refuses raw controls in a name (invalid modified
			// UTF-7), so they come encoded: ESC, the C1 CSI, BEL and a
			// bidi override.
			x.send(`* LIST () "/" "INBOX"`,
				`* LIST () "/" "INBOX/evil`+UTF7ESC+`[2J`+UTF7ESC+`]52;c;aGk=&AAc-"`,
				`* LIST (\HasNoChildren) "/" "csi&AJs-2J&IC4-"`,
				tag+" OK listed "+IMAPPayload,
			)
		case "STATUS":
			name, _, _ := strings.Cut(args, " (")
			x.send("* STATUS "+name+" (MESSAGES 1 UNSEEN 0)", tag+" OK status "+IMAPPayload)
		case "EXAMINE", "SELECT":
			if s.opts.Fail == FailMailbox {
				x.send(tag + " NO [NONEXISTENT] no such folder " + IMAPPayload)
				continue
			}
			x.send("* 1 EXISTS", "* FLAGS ()", tag+" OK [READ-ONLY] examined "+IMAPPayload)
		case "SEARCH", "UID":
			x.send("* SEARCH", tag+" OK searched "+IMAPPayload)
		case "FETCH":
			x.send(tag + " OK fetched " + IMAPPayload)
		case "LOGOUT":
			x.send("* BYE bye "+IMAPPayload, tag+" OK logged out "+IMAPPayload)
			return
		default:
			x.send(tag + " BAD what? " + IMAPPayload)
		}
	}
}

func (s *Server) servePOP3(c net.Conn) {
	x := &session{c: c, br: bufio.NewReader(c)}
	if s.opts.Fail == FailGreeting {
		x.send("-ERR go away " + Payload)
		return
	}
	x.send("+OK hello " + Payload)
	for {
		line, ok := x.read()
		if !ok {
			return
		}
		cmd, _, _ := strings.Cut(line, " ")
		switch strings.ToUpper(cmd) {
		case "CAPA":
			if s.opts.Fail == FailCapa {
				x.send("-ERR no capabilities " + Payload)
				continue
			}
			lines := []string{"+OK capabilities " + Payload, "USER", "UIDL", "SASL X" + Payload, "X-" + Payload}
			if s.opts.TLS != nil && !s.opts.ImplicitTLS {
				lines = append(lines, "STLS")
			}
			x.send(append(lines, ".")...)
		case "STLS":
			if s.opts.Fail == FailStartTLS {
				x.send("-ERR no TLS today " + Payload)
				continue
			}
			x.send("+OK begin TLS")
			if s.opts.TLS == nil || !x.upgrade(s.opts.TLS) {
				return
			}
		case "USER":
			x.send("+OK user " + Payload)
		case "PASS", "AUTH":
			if s.opts.Fail == FailLogin {
				x.send("-ERR [AUTH] wrong password " + Payload)
				continue
			}
			x.send("+OK logged in " + Payload)
		case "STAT":
			if s.opts.Fail == FailMailbox {
				x.send("-ERR [SYS/TEMP] cannot count " + Payload)
				continue
			}
			x.send("+OK 1 100")
		case "UIDL":
			if strings.EqualFold(line, "UIDL") {
				x.send("+OK", "1 uid1", ".")
			} else {
				x.send("+OK 1 uid1")
			}
		case "QUIT":
			x.send("+OK bye " + Payload)
			return
		default:
			x.send("-ERR what? " + Payload)
		}
	}
}
