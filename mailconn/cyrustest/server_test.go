//go:build unix

package cyrustest

import (
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ntlmCases are the NTLM logins tried on both protocols: the user name
// forms the engine may send, and the failures it must see as failures.
var ntlmCases = []struct {
	name, user, pass string
	ok               bool
}{
	{"plain user", userName, password, true},
	{`DOMAIN\user`, domain + `\` + userName, password, true},
	{"user@DOMAIN", userName + "@" + domain, password, true},
	{"user@domain", userName + "@" + realm, password, true},
	{"wrong password", userName, "Wrong-Pa55", false},
	{`wrong password DOMAIN\user`, domain + `\` + userName, "Wrong-Pa55", false},
	{"password case matters", userName, strings.ToLower(password), false},
	{"unknown user", "nobody", password, false},
	// Cyrus upper-cases user and domain together before hashing,
	// go-ntlmssp only the user: a lower-case domain never matches.
	{`lower-case domain\user`, realm + `\` + userName, password, false},
}

func TestServer(t *testing.T) {
	srv := Start(t)

	t.Run("fields", func(t *testing.T) {
		if srv.Host != "127.0.0.1" || srv.IMAP == 0 || srv.POP3 == 0 || srv.IMAP == srv.POP3 {
			t.Errorf("Host %q IMAP %d POP3 %d: want 127.0.0.1 and two distinct ports", srv.Host, srv.IMAP, srv.POP3)
		}
		if srv.Domain != strings.ToUpper(srv.Domain) || srv.Domain == "" {
			t.Errorf("Domain %q: want non-empty upper case", srv.Domain)
		}
		if srv.User != "ntlmuser" || srv.Password != "Ntlm-Pa55" || srv.Messages != 1 {
			t.Errorf("User %q Password %q Messages %d", srv.User, srv.Password, srv.Messages)
		}
		if data, err := os.ReadFile(srv.CAFile); err != nil || string(data) != string(srv.CAPEM) {
			t.Errorf("CAFile %s: %v (content matches CAPEM: %t)", srv.CAFile, err, err == nil && string(data) == string(srv.CAPEM))
		}
	})

	t.Run("imap capability lists AUTH=NTLM", func(t *testing.T) {
		c, greeting := dial(t, srv.Addr(srv.IMAP))
		if !strings.Contains(greeting, "Cyrus IMAP") {
			t.Errorf("greeting %q: want Cyrus IMAP", greeting)
		}
		c.send("a CAPABILITY")
		untagged, status := c.tagged("a")
		if !strings.HasPrefix(status, "OK") {
			t.Fatalf("CAPABILITY: %s", status)
		}
		caps := imapCaps(untagged)
		for _, want := range []string{"AUTH=NTLM", "AUTH=PLAIN", "AUTH=LOGIN", "SASL-IR", "STARTTLS"} {
			if !slices.Contains(caps, want) {
				t.Errorf("CAPABILITY lacks %s: %v", want, caps)
			}
		}
		if slices.Contains(caps, "LOGINDISABLED") {
			t.Errorf("CAPABILITY has LOGINDISABLED before STARTTLS: %v", caps)
		}
	})

	t.Run("pop3 capa lists SASL NTLM", func(t *testing.T) {
		c, greeting := dial(t, srv.Addr(srv.POP3))
		if !strings.HasPrefix(greeting, "+OK") || !strings.Contains(greeting, "Cyrus POP3") {
			t.Errorf("greeting %q: want +OK … Cyrus POP3", greeting)
		}
		c.send("CAPA")
		if l := c.line(); !strings.HasPrefix(l, "+OK") {
			t.Fatalf("CAPA: %s", l)
		}
		capa := c.multiline()
		var sasl []string
		for _, l := range capa {
			if rest, ok := strings.CutPrefix(l, "SASL "); ok {
				sasl = strings.Fields(rest)
			}
		}
		for _, want := range []string{"NTLM", "PLAIN", "LOGIN"} {
			if !slices.Contains(sasl, want) {
				t.Errorf("CAPA SASL lacks %s: %q", want, capa)
			}
		}
		for _, want := range []string{"STLS", "UIDL", "USER"} {
			if !slices.Contains(capa, want) {
				t.Errorf("CAPA lacks %s: %q", want, capa)
			}
		}
	})

	t.Run("imap ntlm", func(t *testing.T) {
		for _, tc := range ntlmCases {
			for _, ir := range []bool{false, true} {
				name := tc.name
				if ir {
					name += " sasl-ir"
				}
				t.Run(name, func(t *testing.T) {
					c, _ := dial(t, srv.Addr(srv.IMAP))
					status := imapNTLM(c, srv.Domain, tc.user, tc.pass, ir)
					if !tc.ok {
						if !strings.HasPrefix(status, "NO") {
							t.Fatalf("AUTHENTICATE NTLM as %q with a wrong secret: %q, want NO", tc.user, status)
						}
						return
					}
					if !strings.HasPrefix(status, "OK") {
						t.Fatalf("AUTHENTICATE NTLM as %q: %q, want OK", tc.user, status)
					}
					c.send("b EXAMINE INBOX")
					untagged, status := c.tagged("b")
					if !strings.HasPrefix(status, "OK") || !slices.Contains(untagged, "* 1 EXISTS") {
						t.Errorf("EXAMINE INBOX: %s %q, want OK and * 1 EXISTS", status, untagged)
					}
				})
			}
		}
	})

	t.Run("pop3 ntlm", func(t *testing.T) {
		for _, tc := range ntlmCases {
			for _, ir := range []bool{false, true} {
				name := tc.name
				if ir {
					name += " initial response"
				}
				t.Run(name, func(t *testing.T) {
					c, _ := dial(t, srv.Addr(srv.POP3))
					status := pop3NTLM(c, srv.Domain, tc.user, tc.pass, ir)
					if !tc.ok {
						if !strings.HasPrefix(status, "-ERR") {
							t.Fatalf("AUTH NTLM as %q with a wrong secret: %q, want -ERR", tc.user, status)
						}
						return
					}
					if !strings.HasPrefix(status, "+OK") {
						t.Fatalf("AUTH NTLM as %q: %q, want +OK", tc.user, status)
					}
					c.send("STAT")
					if l := c.line(); !strings.HasPrefix(l, "+OK 1 ") {
						t.Errorf("STAT: %q, want +OK 1 …", l)
					}
					c.send("QUIT")
					if l := c.line(); !strings.HasPrefix(l, "+OK") {
						t.Errorf("QUIT: %q", l)
					}
				})
			}
		}
	})

	t.Run("password logins", func(t *testing.T) {
		t.Run("imap LOGIN", func(t *testing.T) {
			c, _ := dial(t, srv.Addr(srv.IMAP))
			c.send("a LOGIN %s %s", srv.User, srv.Password)
			if _, status := c.tagged("a"); !strings.HasPrefix(status, "OK") {
				t.Errorf("LOGIN: %s", status)
			}
		})
		t.Run("pop3 USER PASS", func(t *testing.T) {
			c, _ := dial(t, srv.Addr(srv.POP3))
			c.send("USER %s", srv.User)
			if l := c.line(); !strings.HasPrefix(l, "+OK") {
				t.Fatalf("USER: %s", l)
			}
			c.send("PASS %s", srv.Password)
			if l := c.line(); !strings.HasPrefix(l, "+OK") {
				t.Errorf("PASS: %s", l)
			}
		})
	})

	t.Run("starttls", func(t *testing.T) {
		for _, serverName := range []string{"localhost", "127.0.0.1"} {
			t.Run("imap "+serverName, func(t *testing.T) {
				c, _ := dial(t, srv.Addr(srv.IMAP))
				c.send("a STARTTLS")
				if _, status := c.tagged("a"); !strings.HasPrefix(status, "OK") {
					t.Fatalf("STARTTLS: %s", status)
				}
				c.startTLS(srv.CAPEM, serverName)
				c.send("b CAPABILITY")
				untagged, _ := c.tagged("b")
				if caps := imapCaps(untagged); !slices.Contains(caps, "AUTH=NTLM") || slices.Contains(caps, "STARTTLS") {
					t.Errorf("CAPABILITY after STARTTLS: %v, want AUTH=NTLM and no STARTTLS", caps)
				}
				if status := imapNTLM(c, srv.Domain, srv.User, srv.Password, true); !strings.HasPrefix(status, "OK") {
					t.Errorf("AUTHENTICATE NTLM over TLS: %s", status)
				}
			})
			t.Run("pop3 "+serverName, func(t *testing.T) {
				c, _ := dial(t, srv.Addr(srv.POP3))
				c.send("STLS")
				if l := c.line(); !strings.HasPrefix(l, "+OK") {
					t.Fatalf("STLS: %s", l)
				}
				c.startTLS(srv.CAPEM, serverName)
				if status := pop3NTLM(c, srv.Domain, srv.User, srv.Password, false); !strings.HasPrefix(status, "+OK") {
					t.Errorf("AUTH NTLM over TLS: %s", status)
				}
			})
		}
	})
}

// imapCaps returns the capabilities of the untagged CAPABILITY response.
func imapCaps(untagged []string) []string {
	for _, l := range untagged {
		if rest, ok := strings.CutPrefix(l, "* CAPABILITY "); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

func TestCloseLeavesNothing(t *testing.T) {
	srv := Start(t)
	pid := srv.cmd.Process.Pid
	// A connected client makes the master fork an imapd child.
	c, _ := dial(t, srv.Addr(srv.IMAP))
	c.send("a NOOP")
	if _, status := c.tagged("a"); !strings.HasPrefix(status, "OK") {
		t.Fatalf("NOOP: %s", status)
	}

	srv.Close()
	srv.Close() // a second call does nothing

	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d after Close: %v, want ESRCH (no process left)", pid, err)
	}
	if _, err := os.Stat(srv.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir %s after Close: %v, want it removed", srv.Dir, err)
	}
	for _, port := range []int{srv.IMAP, srv.POP3} {
		if c, err := net.DialTimeout("tcp", srv.Addr(port), time.Second); err == nil {
			_ = c.Close()
			t.Errorf("port %d still accepts after Close", port)
		}
	}
}
