//go:build linux

package nsrig

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// Expect is what a rig package's own tests expect of its server where the
// servers differ.
type Expect struct {
	List        []string // each in the reply to LIST "" "*"
	NonASCII    string   // the wire name of NonASCIIFolder, which holds one message
	TLSRequired string   // the capability IMAPTLSRequired announces beside STARTTLS
	POP3Refusal string   // how POP3TLSRequired's reply to USER starts
	LoginLogged string   // in Log after a login
}

// CheckServer runs the subtests every rig passes: every user logs in over
// IMAPS and sees the folders and the mail; the TLS-required and plain-only
// listeners announce what they should; Alice reads her mail over POP3S;
// POP3TLSRequired refuses USER.
func CheckServer(t *testing.T, r *Rig, e Expect) {
	t.Run("imaps login list examine", func(t *testing.T) {
		c := Dial(t, r, r.IMAPS, true)
		if g := c.Line(); !strings.HasPrefix(g, "* OK") {
			t.Fatalf("greeting %q", g)
		}
		for _, u := range mailtest.Users {
			c := Dial(t, r, r.IMAPS, true)
			c.Line()
			if _, reply := c.IMAP("a", "LOGIN "+Quote(u.Name)+" "+Quote(u.Password)); !strings.HasPrefix(reply, "a OK") {
				t.Fatalf("%s: LOGIN: %q\n%s", u.Name, reply, r.Log())
			}
			lines, reply := c.IMAP("b", `LIST "" "*"`)
			all := strings.Join(lines, "\n")
			for _, want := range e.List {
				if !strings.Contains(all, want) {
					t.Fatalf("LIST lacks %s: %s %s", want, all, reply)
				}
			}
			lines, reply = c.IMAP("c", "EXAMINE INBOX")
			if !strings.Contains(strings.Join(lines, "\n"), "* 3 EXISTS") || !strings.HasPrefix(reply, "c OK") {
				t.Fatalf("EXAMINE: %q %q", lines, reply)
			}
			lines, _ = c.IMAP("d", "EXAMINE "+Quote(e.NonASCII))
			if !strings.Contains(strings.Join(lines, "\n"), "* 1 EXISTS") {
				t.Fatalf("EXAMINE Küche: %q", lines)
			}
		}
	})
	t.Run("imap tls required", func(t *testing.T) {
		c := Dial(t, r, r.IMAPTLSRequired, false)
		c.Line()
		lines, _ := c.IMAP("a", "CAPABILITY")
		caps := strings.Join(lines, " ")
		if !strings.Contains(caps, e.TLSRequired) || !strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("imap plain only", func(t *testing.T) {
		c := Dial(t, r, r.IMAPPlainOnly, false)
		c.Line()
		lines, _ := c.IMAP("a", "CAPABILITY")
		if caps := strings.Join(lines, " "); strings.Contains(caps, "STARTTLS") {
			t.Fatalf("capabilities %q", caps)
		}
	})
	t.Run("pop3s", func(t *testing.T) {
		c := Dial(t, r, r.POP3S, true)
		c.Line()
		if reply := c.POP("USER " + mailtest.Alice.Name); !strings.HasPrefix(reply, "+OK") {
			t.Fatalf("USER: %q", reply)
		}
		if reply := c.POP("PASS " + mailtest.Alice.Password); !strings.HasPrefix(reply, "+OK") {
			t.Fatalf("PASS: %q\n%s", reply, r.Log())
		}
		if reply := c.POP("STAT"); !strings.HasPrefix(reply, "+OK 3 ") {
			t.Fatalf("STAT: %q", reply)
		}
	})
	t.Run("pop3 tls required", func(t *testing.T) {
		c := Dial(t, r, r.POP3TLSRequired, false)
		c.Line()
		if reply := c.POP("USER " + mailtest.Alice.Name); !strings.HasPrefix(reply, e.POP3Refusal) {
			t.Fatalf("USER: %q", reply)
		}
	})
}

// CheckClose checks that r.Close, after a login and an EXAMINE (which
// starts Courier's gam_server), leaves no process behind and no listener
// open, and that Log still answers with the login.
func CheckClose(t *testing.T, r *Rig, e Expect) {
	t.Helper()
	c := Dial(t, r, r.IMAPS, true)
	c.Line()
	_, _ = c.IMAP("a", "LOGIN alice Secret-Pa55")
	_, _ = c.IMAP("b", "EXAMINE INBOX")
	if ProcsIn(r.Dir) == 0 {
		t.Fatalf("no process mentions %s before Close: the check below checks nothing", r.Dir)
	}
	r.Close()
	if n := ProcsIn(r.Dir); n != 0 {
		t.Fatalf("%d processes mentioning %s survived Close", n, r.Dir)
	}
	if _, err := net.DialTimeout("tcp", r.Addr(r.IMAP), time.Second); err == nil {
		t.Fatal("IMAP still listening after Close")
	}
	if !strings.Contains(r.Log(), e.LoginLogged) {
		t.Fatalf("log after Close lacks the login: %q", r.Log())
	}
}
