package cyrustest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Azure/go-ntlmssp"
)

// conn is a minimal line-based client for the tests: IMAP and POP3 both
// speak CRLF lines. Every read and write is bounded by a hang guard.
type conn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

// hangGuard bounds every test connection; nothing here should take more
// than a fraction of it.
const hangGuard = 30 * time.Second

// dial connects to addr and returns the connection and the greeting line.
func dial(t testing.TB, addr string) (*conn, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(hangGuard))
	cn := &conn{t: t, c: c, r: bufio.NewReader(c)}
	return cn, cn.line()
}

func (c *conn) send(format string, args ...any) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.c, format+"\r\n", args...); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *conn) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (after %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

// tagged reads IMAP lines until the one tagged tag; it returns the
// untagged lines and the tagged one without its tag.
func (c *conn) tagged(tag string) (untagged []string, status string) {
	c.t.Helper()
	for {
		l := c.line()
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			return untagged, rest
		}
		untagged = append(untagged, l)
	}
}

// multiline reads a POP3 multi-line response body up to its "." line.
func (c *conn) multiline() []string {
	c.t.Helper()
	var lines []string
	for {
		l := c.line()
		if l == "." {
			return lines
		}
		lines = append(lines, l)
	}
}

// startTLS switches the connection to TLS, trusting only pemCert.
func (c *conn) startTLS(pemCert []byte, serverName string) *tls.ConnectionState {
	c.t.Helper()
	if c.r.Buffered() != 0 {
		c.t.Fatalf("starttls: %d bytes buffered before the handshake", c.r.Buffered())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCert) {
		c.t.Fatal("starttls: no certificate in CAPEM")
	}
	tc := tls.Client(c.c, &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12})
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("starttls handshake: %v", err)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	st := tc.ConnectionState()
	return &st
}

// ntlmResponder answers the server's NTLM challenge the way the engine
// will: go-ntlmssp's NTLMv2 AUTHENTICATE message.
func ntlmResponder(t testing.TB, user, pass string) func(challenge string) string {
	return func(challenge string) string {
		t.Helper()
		raw, err := base64.StdEncoding.DecodeString(challenge)
		if err != nil {
			t.Fatalf("ntlm challenge %q: %v", challenge, err)
		}
		am, err := ntlmssp.NewAuthenticateMessage(raw, user, pass, nil)
		if err != nil {
			t.Fatalf("ntlm authenticate message: %v", err)
		}
		return base64.StdEncoding.EncodeToString(am)
	}
}

// negotiate returns the base64 NTLM NEGOTIATE message for domain.
func negotiate(t testing.TB, domain string) string {
	t.Helper()
	neg, err := ntlmssp.NewNegotiateMessage(domain, "")
	if err != nil {
		t.Fatalf("ntlm negotiate message: %v", err)
	}
	return base64.StdEncoding.EncodeToString(neg)
}

// continuation strips the "+ " (or "+") of a SASL continuation line.
func continuation(t testing.TB, l string) string {
	t.Helper()
	if l != "+" && !strings.HasPrefix(l, "+ ") {
		t.Fatalf("want a continuation, got %q", l)
	}
	return strings.TrimPrefix(strings.TrimPrefix(l, "+"), " ")
}

// imapNTLM runs AUTHENTICATE NTLM (with the NEGOTIATE message as SASL-IR
// when ir) and returns the tagged status line.
func imapNTLM(c *conn, domain, user, pass string, ir bool) string {
	c.t.Helper()
	neg := negotiate(c.t, domain)
	if ir {
		c.send("a AUTHENTICATE NTLM %s", neg)
	} else {
		c.send("a AUTHENTICATE NTLM")
		if got := continuation(c.t, c.line()); got != "" {
			c.t.Fatalf("first NTLM continuation carries %q, want nothing", got)
		}
		c.send("%s", neg)
	}
	c.send("%s", ntlmResponder(c.t, user, pass)(continuation(c.t, c.line())))
	_, status := c.tagged("a")
	return status
}

// pop3NTLM runs RFC 5034 AUTH NTLM (with the NEGOTIATE message as initial
// response when ir) and returns the final status line.
func pop3NTLM(c *conn, domain, user, pass string, ir bool) string {
	c.t.Helper()
	neg := negotiate(c.t, domain)
	if ir {
		c.send("AUTH NTLM %s", neg)
	} else {
		c.send("AUTH NTLM")
		if got := continuation(c.t, c.line()); got != "" {
			c.t.Fatalf("first NTLM continuation carries %q, want nothing", got)
		}
		c.send("%s", neg)
	}
	c.send("%s", ntlmResponder(c.t, user, pass)(continuation(c.t, c.line())))
	return c.line()
}
