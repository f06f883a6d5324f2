//go:build linux

package nsrig

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Client is a line-oriented client for a rig's raw IMAP or POP3, for the
// rig packages' own tests. It fails its test on any error.
type Client struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

// Dial connects to port of r, through TLS trusting the rig CA when
// implicitTLS, and closes the connection in t.Cleanup.
func Dial(t testing.TB, r *Rig, port int, implicitTLS bool) *Client {
	t.Helper()
	c, err := net.DialTimeout("tcp", r.Addr(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS {
		tc := tls.Client(c, r.TLSConfig())
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake: %v\n%s", err, r.Log())
		}
		c = tc
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { _ = c.Close() })
	return &Client{t: t, c: c, r: bufio.NewReader(c)}
}

// Line reads one line, without its line ending.
func (c *Client) Line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (so far %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

// IMAP sends tag+cmd and returns the untagged lines and the tagged reply.
func (c *Client) IMAP(tag, cmd string) ([]string, string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(tag + " " + cmd + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
	var lines []string
	for {
		l := c.Line()
		if strings.HasPrefix(l, tag+" ") {
			return lines, l
		}
		lines = append(lines, l)
	}
}

// POP sends cmd and returns the first line of the reply.
func (c *Client) POP(cmd string) string {
	c.t.Helper()
	if _, err := c.c.Write([]byte(cmd + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
	return c.Line()
}

// Quote makes an IMAP quoted string.
func Quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ProcsIn counts the processes whose command line mentions dir.
func ProcsIn(dir string) int {
	n := 0
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), dir) {
			n++
		}
	}
	return n
}
