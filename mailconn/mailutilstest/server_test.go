package mailutilstest_test

import (
	"bufio"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// conn is a line-oriented client for the raw protocol.
type conn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, srv *mailutilstest.Server, port int, implicitTLS bool) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", srv.Addr(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS {
		tc := tls.Client(c, srv.TLSConfig())
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake: %v\n%s", err, srv.Log())
		}
		c = tc
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { _ = c.Close() })
	return &conn{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *conn) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (so far %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

// imap sends tag+cmd and returns the untagged lines and the tagged reply.
func (c *conn) imap(tag, cmd string) ([]string, string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(tag + " " + cmd + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
	var lines []string
	for {
		l := c.line()
		if strings.HasPrefix(l, tag+" ") {
			return lines, l
		}
		lines = append(lines, l)
	}
}

func (c *conn) pop(cmd string) string {
	c.t.Helper()
	if _, err := c.c.Write([]byte(cmd + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
	return c.line()
}

func TestServer(t *testing.T) {
	srv := mailutilstest.Start(t)

	t.Run("imaps login list examine", func(t *testing.T) {
		c := dial(t, srv, srv.IMAPS, true)
		if g := c.line(); !strings.HasPrefix(g, "* OK") {
			t.Fatalf("greeting %q", g)
		}
		for _, u := range mailtest.Users {
			c := dial(t, srv, srv.IMAPS, true)
			c.line()
			if _, r := c.imap("a", "LOGIN "+quote(u.Name)+" "+quote(u.Password)); !strings.HasPrefix(r, "a OK") {
				t.Fatalf("%s: LOGIN: %q\n%s", u.Name, r, srv.Log())
			}
			lines, r := c.imap("b", `LIST "" "*"`)
			all := strings.Join(lines, "\n")
			for _, want := range []string{`NIL INBOX`, `"/" Support`, `"/" K&APw-che`} {
				if !strings.Contains(all, want) {
					t.Fatalf("LIST lacks %s: %s %s", want, all, r)
				}
			}
			lines, r = c.imap("c", "EXAMINE INBOX")
			if !strings.Contains(strings.Join(lines, "\n"), "* 3 EXISTS") || !strings.HasPrefix(r, "c OK") {
				t.Fatalf("EXAMINE: %q %q", lines, r)
			}
			lines, _ = c.imap("d", `EXAMINE "K&APw-che"`)
			if !strings.Contains(strings.Join(lines, "\n"), "* 1 EXISTS") {
				t.Fatalf("EXAMINE Küche: %q", lines)
			}
		}
	})
	t.Run("imap tls required", func(t *testing.T) {
		c := dial(t, srv, srv.IMAPTLSRequired, false)
		c.line()
		lines, _ := c.imap("a", "CAPABILITY")
		caps := strings.Join(lines, " ")
		if !strings.Contains(caps, "XTLSREQUIRED") || !strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("imap plain only", func(t *testing.T) {
		c := dial(t, srv, srv.IMAPPlainOnly, false)
		c.line()
		lines, _ := c.imap("a", "CAPABILITY")
		if caps := strings.Join(lines, " "); strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("pop3s", func(t *testing.T) {
		c := dial(t, srv, srv.POP3S, true)
		c.line()
		if r := c.pop("USER " + mailtest.Alice.Name); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("USER: %q", r)
		}
		if r := c.pop("PASS " + mailtest.Alice.Password); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("PASS: %q\n%s", r, srv.Log())
		}
		if r := c.pop("STAT"); !strings.HasPrefix(r, "+OK 3 ") {
			t.Fatalf("STAT: %q", r)
		}
	})
	t.Run("pop3s apop", func(t *testing.T) {
		c := dial(t, srv, srv.POP3S, true)
		g := c.line()
		i, j := strings.Index(g, "<"), strings.LastIndex(g, ">")
		if i < 0 || j < i {
			t.Fatalf("greeting without an APOP timestamp: %q", g)
		}
		sum := md5.Sum([]byte(g[i:j+1] + mailtest.Bob.Password))
		if r := c.pop("APOP " + mailtest.Bob.Name + " " + hex.EncodeToString(sum[:])); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("APOP: %q\n%s", r, srv.Log())
		}
	})
	t.Run("pop3 tls required", func(t *testing.T) {
		c := dial(t, srv, srv.POP3TLSRequired, false)
		c.line()
		if r := c.pop("USER " + mailtest.Alice.Name); !strings.HasPrefix(r, "-ERR") {
			t.Fatalf("USER: %q", r)
		}
	})
}

// TestClose checks that Close leaves no Courier process behind.
func TestClose(t *testing.T) {
	srv := mailutilstest.Start(t)
	c := dial(t, srv, srv.IMAPS, true)
	c.line()
	_, _ = c.imap("a", "LOGIN alice Secret-Pa55")
	_, _ = c.imap("b", "EXAMINE INBOX")
	if procsIn(srv.Dir) == 0 {
		t.Fatalf("no process mentions %s before Close: the check below checks nothing", srv.Dir)
	}
	srv.Close()
	if n := procsIn(srv.Dir); n != 0 {
		t.Fatalf("%d processes mentioning %s survived Close", n, srv.Dir)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(srv.IMAP), time.Second); err == nil {
		t.Fatal("IMAP still listening after Close")
	}
	if !strings.Contains(srv.Log(), "logged in") {
		t.Fatalf("log after Close lacks the login: %q", srv.Log())
	}
}

// quote makes an IMAP quoted string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// procsIn counts the processes whose command line mentions dir.
func procsIn(dir string) int {
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
