package mailconn_test

import (
	"bufio"
	"context"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// hostileTimeout is the connection test's timeout against misbehaving
// servers: short, so that silent servers end the test soon.
const hostileTimeout = 2 * time.Second

// fakeServer serves each connection with handle on a loopback port.
type fakeServer struct {
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
	written int64 // bytes handle reported writing
}

func startFake(t *testing.T, handle func(s *fakeServer, c net.Conn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
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
				_ = c.SetDeadline(time.Now().Add(hangGuard))
				handle(s, c)
			}()
		}
	}()
	return s
}

func (s *fakeServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// close stops the server and waits for its goroutines.
func (s *fakeServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *fakeServer) wrote(n int) {
	s.mu.Lock()
	s.written += int64(n)
	s.mu.Unlock()
}

// drain reads and discards until the client goes away.
func drain(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// writeEndless writes n bytes of 'A' with no line end, in chunks.
func writeEndless(s *fakeServer, c net.Conn, n int) {
	chunk := []byte(strings.Repeat("A", 64<<10))
	for sent := 0; sent < n; sent += len(chunk) {
		w, err := c.Write(chunk)
		s.wrote(w)
		if err != nil {
			return
		}
	}
}

// expectLine reads one line and reports whether it starts with prefix.
func expectLine(br *bufio.Reader, prefix string) bool {
	line, err := br.ReadString('\n')
	return err == nil && strings.HasPrefix(strings.ToUpper(line), strings.ToUpper(prefix))
}

const (
	imapGreetingTLS = "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] fake\r\n"
	pop3Capa        = "+OK\r\nUSER\r\nSTLS\r\nSASL PLAIN\r\n.\r\n"
)

func TestHostileServers(t *testing.T) {
	type hostile struct {
		name     string
		protocol string
		security string
		handle   func(s *fakeServer, c net.Conn)
		step     mailconn.StepID
		field    string
	}
	silent := func(s *fakeServer, c net.Conn) { drain(c) }
	closeAtOnce := func(s *fakeServer, c net.Conn) {}
	endless := func(s *fakeServer, c net.Conn) { writeEndless(s, c, 10<<20); drain(c) }
	garbage := func(s *fakeServer, c net.Conn) {
		_, _ = c.Write([]byte("\x00\xff\xfe\x80garbage\x1b[31m\x07\r\n\x01\x02\x03\r\n"))
		drain(c)
	}
	cases := []hostile{
		{"imap/silent", config.ProtocolIMAP, config.SecurityNone, silent, mailconn.StepGreeting, mailconn.FieldPort},
		{"pop3/silent", config.ProtocolPOP3, config.SecurityNone, silent, mailconn.StepGreeting, mailconn.FieldPort},
		{"imap/closes at once", config.ProtocolIMAP, config.SecurityNone, closeAtOnce, mailconn.StepGreeting, mailconn.FieldPort},
		{"pop3/closes at once", config.ProtocolPOP3, config.SecurityNone, closeAtOnce, mailconn.StepGreeting, mailconn.FieldPort},
		{"imap/tls closes at once", config.ProtocolIMAP, config.SecurityTLS, closeAtOnce, mailconn.StepTLS, mailconn.FieldSecurity},
		{"imap/endless line", config.ProtocolIMAP, config.SecurityNone, endless, mailconn.StepGreeting, mailconn.FieldPort},
		{"pop3/endless line", config.ProtocolPOP3, config.SecurityNone, endless, mailconn.StepGreeting, mailconn.FieldPort},
		{"imap/binary garbage", config.ProtocolIMAP, config.SecurityNone, garbage, mailconn.StepGreeting, mailconn.FieldPort},
		{"pop3/binary garbage", config.ProtocolPOP3, config.SecurityNone, garbage, mailconn.StepGreeting, mailconn.FieldPort},
		{"imap/greets then stalls", config.ProtocolIMAP, config.SecurityNone, func(s *fakeServer, c net.Conn) {
			_, _ = c.Write([]byte("* OK fake\r\n"))
			drain(c)
		}, mailconn.StepCapabilities, mailconn.FieldTimeout},
		{"pop3/greets then stalls", config.ProtocolPOP3, config.SecurityNone, func(s *fakeServer, c net.Conn) {
			_, _ = c.Write([]byte("+OK fake\r\n"))
			drain(c)
		}, mailconn.StepCapabilities, mailconn.FieldTimeout},
		{"imap/endless capability line", config.ProtocolIMAP, config.SecurityNone, func(s *fakeServer, c net.Conn) {
			_, _ = c.Write([]byte("* OK fake\r\n"))
			_, _ = bufio.NewReader(c).ReadString('\n')
			_, _ = c.Write([]byte("* CAPABILITY "))
			endless(s, c)
		}, mailconn.StepCapabilities, mailconn.FieldPort},
	}
	for _, mode := range []string{config.SecurityStartTLS, config.SecurityStartTLSIfAvailable} {
		cases = append(cases,
			hostile{"imap/starttls refused/" + mode, config.ProtocolIMAP, mode, func(s *fakeServer, c net.Conn) {
				br := bufio.NewReader(c)
				_, _ = c.Write([]byte(imapGreetingTLS))
				if expectLine(br, "A1 STARTTLS") {
					_, _ = c.Write([]byte("A1 NO not today\r\n"))
				}
				drain(c)
			}, mailconn.StepStartTLS, mailconn.FieldSecurity},
			hostile{"pop3/stls refused/" + mode, config.ProtocolPOP3, mode, func(s *fakeServer, c net.Conn) {
				br := bufio.NewReader(c)
				_, _ = c.Write([]byte("+OK fake\r\n"))
				if expectLine(br, "CAPA") {
					_, _ = c.Write([]byte(pop3Capa))
				}
				if expectLine(br, "STLS") {
					_, _ = c.Write([]byte("-ERR not today\r\n"))
				}
				drain(c)
			}, mailconn.StepStartTLS, mailconn.FieldSecurity},
			hostile{"imap/starttls not followed by TLS/" + mode, config.ProtocolIMAP, mode, func(s *fakeServer, c net.Conn) {
				br := bufio.NewReader(c)
				_, _ = c.Write([]byte(imapGreetingTLS))
				if expectLine(br, "A1 STARTTLS") {
					_, _ = c.Write([]byte("A1 OK go ahead\r\n"))
					_, _ = br.ReadByte() // the ClientHello arrives…
					_, _ = c.Write([]byte("* BYE plain text again\r\n"))
				}
				drain(c)
			}, mailconn.StepStartTLS, mailconn.FieldSecurity},
			hostile{"imap/data injected after STARTTLS/" + mode, config.ProtocolIMAP, mode, func(s *fakeServer, c net.Conn) {
				br := bufio.NewReader(c)
				_, _ = c.Write([]byte(imapGreetingTLS))
				if expectLine(br, "A1 STARTTLS") {
					_, _ = c.Write([]byte("A1 OK go ahead\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"))
				}
				drain(c)
			}, mailconn.StepStartTLS, mailconn.FieldSecurity},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := startFake(t, tc.handle)
			in := config.Incoming{
				Protocol: tc.protocol, Server: "127.0.0.1", Port: srv.port(), Username: "alice",
				Auth: config.AuthPassword, Security: tc.security, RejectInvalidCertificates: true,
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := runTest(t, in, mailconn.Options{Secret: "Secret-Pa55", Timeout: hostileTimeout})
			runtime.ReadMemStats(&after)
			srv.close()
			if r.res.OK || r.res.FailedStep != tc.step || r.res.Field != tc.field {
				t.Fatalf("got ok=%v step %s field %s, want a failure at %s field %s\n%s",
					r.res.OK, r.res.FailedStep, r.res.Field, tc.step, tc.field, r.dump())
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
				t.Fatalf("allocated %d bytes during the test: the reader is not bounded", grew)
			}
			checkNoSecret(t, r, "alice", "Secret-Pa55")
		})
	}
}

// TestHostileLiteral: after login, a server answers LIST with a literal far
// larger than the session limit; the test fails at mailbox without reading
// it all.
func TestHostileLiteral(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const size = 64 << 20
	srv := startFake(t, func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n"))
		line, _ := br.ReadString('\n')
		tag, _, _ := strings.Cut(line, " ")
		_, _ = c.Write([]byte(tag + " OK [CAPABILITY IMAP4rev1] logged in\r\n"))
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
		_, _ = c.Write([]byte("* LIST () \"/\" {" + "67108864" + "}\r\n"))
		writeEndless(s, c, size)
	})
	in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: srv.port(), Username: "alice",
		Auth: config.AuthPassword, Security: config.SecurityNone}
	r := runTest(t, in, mailconn.Options{Secret: "Secret-Pa55", Timeout: 10 * time.Second})
	srv.close()
	if r.res.OK || r.res.FailedStep != mailconn.StepMailbox {
		t.Fatalf("want a failure at mailbox\n%s", r.dump())
	}
	if srv.written >= size {
		t.Fatalf("the client read the whole %d-byte literal", size)
	}
	if !strings.Contains(r.res.Error, "too long") {
		t.Fatalf("error %q does not say the response was too long\n%s", r.res.Error, r.dump())
	}
}

// TestCancel cancels the test while it waits for a silent server's greeting:
// the result says canceled and nothing is left running.
func TestCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := startFake(t, func(s *fakeServer, c net.Conn) { drain(c) })
	defer srv.close()
	for _, proto := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		t.Run(proto, func(t *testing.T) {
			in := config.Incoming{Protocol: proto, Server: "127.0.0.1", Port: srv.port(), Username: "alice",
				Auth: config.AuthPassword, Security: config.SecurityNone}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var last mailconn.Event
			res := mailconn.Test(ctx, in, mailconn.Options{Secret: "x", Timeout: time.Hour}, func(e mailconn.Event) {
				last = e
				if e.Step == mailconn.StepGreeting && e.Status == mailconn.StatusRunning {
					cancel()
				}
			})
			if !res.Canceled || res.OK || res.FailedStep != mailconn.StepGreeting {
				t.Fatalf("result %+v, want canceled at greeting", res)
			}
			if last.Step != mailconn.StepGreeting || last.Status != mailconn.StatusFail {
				t.Fatalf("last event %+v", last)
			}
		})
	}
}
