package couriertest_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestServer(t *testing.T) {
	srv := couriertest.Start(t)

	t.Run("imaps login list examine", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.IMAPS, true)
		if g := c.Line(); !strings.HasPrefix(g, "* OK") {
			t.Fatalf("greeting %q", g)
		}
		for _, u := range mailtest.Users {
			c := nsrig.Dial(t, &srv.Rig, srv.IMAPS, true)
			c.Line()
			if _, r := c.IMAP("a", "LOGIN "+nsrig.Quote(u.Name)+" "+nsrig.Quote(u.Password)); !strings.HasPrefix(r, "a OK") {
				t.Fatalf("%s: LOGIN: %q\n%s", u.Name, r, srv.Log())
			}
			lines, r := c.IMAP("b", `LIST "" "*"`)
			all := strings.Join(lines, "\n")
			for _, want := range []string{`"." "INBOX"`, `"INBOX.Support"`, `"INBOX.K&APw-che"`} {
				if !strings.Contains(all, want) {
					t.Fatalf("LIST lacks %s: %s %s", want, all, r)
				}
			}
			lines, r = c.IMAP("c", "EXAMINE INBOX")
			if !strings.Contains(strings.Join(lines, "\n"), "* 3 EXISTS") || !strings.HasPrefix(r, "c OK") {
				t.Fatalf("EXAMINE: %q %q", lines, r)
			}
			lines, _ = c.IMAP("d", `EXAMINE "INBOX.K&APw-che"`)
			if !strings.Contains(strings.Join(lines, "\n"), "* 1 EXISTS") {
				t.Fatalf("EXAMINE Küche: %q", lines)
			}
		}
	})
	t.Run("imap tls required", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.IMAPTLSRequired, false)
		c.Line()
		lines, _ := c.IMAP("a", "CAPABILITY")
		caps := strings.Join(lines, " ")
		if !strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("imap plain only", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.IMAPPlainOnly, false)
		c.Line()
		lines, _ := c.IMAP("a", "CAPABILITY")
		if caps := strings.Join(lines, " "); strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("pop3s", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.POP3S, true)
		c.Line()
		if r := c.POP("USER " + mailtest.Alice.Name); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("USER: %q", r)
		}
		if r := c.POP("PASS " + mailtest.Alice.Password); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("PASS: %q\n%s", r, srv.Log())
		}
		if r := c.POP("STAT"); !strings.HasPrefix(r, "+OK 3 ") {
			t.Fatalf("STAT: %q", r)
		}
	})
	t.Run("pop3 tls required", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.POP3TLSRequired, false)
		c.Line()
		if r := c.POP("USER " + mailtest.Alice.Name); !strings.Contains(r, "TLS required") {
			t.Fatalf("USER: %q", r)
		}
	})
}

// TestClose checks that Close leaves no Courier process behind.
func TestClose(t *testing.T) {
	srv := couriertest.Start(t)
	c := nsrig.Dial(t, &srv.Rig, srv.IMAPS, true)
	c.Line()
	_, _ = c.IMAP("a", "LOGIN alice Secret-Pa55")
	_, _ = c.IMAP("b", "EXAMINE INBOX") // starts gam_server
	if nsrig.ProcsIn(srv.Dir) == 0 {
		t.Fatalf("no process mentions %s before Close: the check below checks nothing", srv.Dir)
	}
	srv.Close()
	if n := nsrig.ProcsIn(srv.Dir); n != 0 {
		t.Fatalf("%d processes mentioning %s survived Close", n, srv.Dir)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(srv.IMAP), time.Second); err == nil {
		t.Fatal("IMAP still listening after Close")
	}
	if !strings.Contains(srv.Log(), "LOGIN") {
		t.Fatalf("log after Close lacks the login: %q", srv.Log())
	}
}
