package pop3

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestNewClientGreeting(t *testing.T) {
	tests := []struct {
		name     string
		greeting string
		want     string
		apop     string
		wantErr  error
		code     string
	}{
		{name: "plain", greeting: "+OK POP3 ready\r\n", want: "POP3 ready"},
		{name: "bare", greeting: "+OK\r\n", want: ""},
		{name: "apop timestamp", greeting: "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n", want: "POP3 server ready <1896.697170952@dbc.mtview.ca.us>", apop: "<1896.697170952@dbc.mtview.ca.us>"},
		{name: "brackets without at", greeting: "+OK ready <1896.697170952>\r\n", want: "ready <1896.697170952>"},
		{name: "brackets with space", greeting: "+OK <a b@c>\r\n", want: "<a b@c>"},
		{name: "refused with code", greeting: "-ERR [SYS/TEMP] too many connections\r\n", wantErr: &Error{}, code: "SYS/TEMP"},
		{name: "imap server", greeting: "* OK [CAPABILITY IMAP4rev1] ready\r\n", wantErr: ErrMalformed},
		{name: "tls server", greeting: "\x15\x03\x01\x00\x02\x02\x16", wantErr: io.EOF},
		{name: "closed", greeting: "", wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, _ := startFake(t, func(f *fake) { f.send(tt.greeting) })
			c, err := NewClient(testContext(t), conn, nil)
			if tt.wantErr != nil {
				var perr *Error
				switch {
				case c != nil:
					t.Fatalf("got a client and error %v", err)
				case tt.code != "":
					if !errors.As(err, &perr) || perr.Code != tt.code || perr.Command != "greeting" {
						t.Fatalf("error = %#v, want *Error with code %s", err, tt.code)
					}
				case !errors.Is(err, tt.wantErr):
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "pop3 greeting: ") {
					t.Errorf("error %q does not name the greeting", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if c.Greeting() != tt.want || c.APOPTimestamp() != tt.apop {
				t.Errorf("greeting %q apop %q, want %q %q", c.Greeting(), c.APOPTimestamp(), tt.want, tt.apop)
			}
			if c.Conn() != conn {
				t.Errorf("Conn() is not the connection given")
			}
		})
	}
}

func TestCommands(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK ready\r\n")
		f.expect("CAPA")
		f.send("+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN\r\nUIDL\r\n.\r\n")
		f.expect("USER alice")
		f.send("+OK\r\n")
		f.expect("PASS s3cret pass")
		f.send("+OK logged in\r\n")
		f.expect("STAT")
		f.send("+OK 3 1205 extra info\r\n")
		f.expect("UIDL 1")
		f.send("+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n")
		f.expect("UIDL")
		f.send("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n3 ..dot\r\n4 +\r\n.\r\n")
		f.expect("LIST")
		f.send("+OK 3 messages\r\n1 120\r\n2 200\r\n3 885\r\n.\r\n")
		f.expect("QUIT")
		f.send("+OK bye\r\n")
	})
	ctx := testContext(t)
	caps, err := c.Capa(ctx)
	if err != nil {
		t.Fatalf("Capa: %v", err)
	}
	if want := []string{"TOP", "USER", "SASL PLAIN LOGIN", "UIDL"}; !reflect.DeepEqual(caps, want) {
		t.Errorf("Capa = %q, want %q", caps, want)
	}
	if mechs, ok := CapaArgs(caps, "sasl"); !ok || !reflect.DeepEqual(mechs, []string{"PLAIN", "LOGIN"}) {
		t.Errorf("CapaArgs(SASL) = %q %v", mechs, ok)
	}
	if _, ok := CapaArgs(caps, "STLS"); ok {
		t.Errorf("CapaArgs(STLS) found a capability the server did not list")
	}
	if err := c.User(ctx, "alice"); err != nil {
		t.Fatalf("User: %v", err)
	}
	if err := c.Pass(ctx, "s3cret pass"); err != nil {
		t.Fatalf("Pass: %v", err)
	}
	n, size, err := c.Stat(ctx)
	if err != nil || n != 3 || size != 1205 {
		t.Errorf("Stat = %d %d %v, want 3 1205", n, size, err)
	}
	uid, err := c.UIDL(ctx, 1)
	if err != nil || uid != "whqtswO00WBw418f9t5JxYwZ" {
		t.Errorf("UIDL 1 = %q %v", uid, err)
	}
	uids, err := c.UIDLAll(ctx)
	if want := map[int]string{1: "whqtswO00WBw418f9t5JxYwZ", 2: "QhdPYR:00WBw1Ph7x7", 3: "..dot", 4: "+"}; err != nil || !reflect.DeepEqual(uids, want) {
		t.Errorf("UIDLAll = %v %v, want %v", uids, err, want)
	}
	sizes, err := c.List(ctx)
	if want := map[int]int64{1: 120, 2: 200, 3: 885}; err != nil || !reflect.DeepEqual(sizes, want) {
		t.Errorf("List = %v %v, want %v", sizes, err, want)
	}
	if err := c.Quit(ctx); err != nil {
		t.Errorf("Quit: %v", err)
	}
	if _, _, err := c.Stat(ctx); err == nil {
		t.Errorf("Stat after QUIT succeeded")
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name   string
		call   func(c *Client) error
		expect string
		reply  string
		cmd    string
		code   string
	}{
		{"capa unsupported", func(c *Client) error {
			caps, err := c.Capa(testContext(t))
			if caps != nil {
				t.Errorf("Capa returned %q with an error", caps)
			}
			return err
		}, "CAPA", "-ERR unknown command\r\n", "CAPA", ""},
		{"user unknown", func(c *Client) error { return c.User(testContext(t), "bob") }, "USER bob", "-ERR [AUTH] no\r\n", "USER", "AUTH"},
		{"pass in use", func(c *Client) error { return c.Pass(testContext(t), "pw") }, "PASS pw", "-ERR [IN-USE] mailbox locked\r\n", "PASS", "IN-USE"},
		{"pass login delay", func(c *Client) error { return c.Pass(testContext(t), "pw") }, "PASS pw", "-ERR [LOGIN-DELAY] wait\r\n", "PASS", "LOGIN-DELAY"},
		{"stat", func(c *Client) error { _, _, err := c.Stat(testContext(t)); return err }, "STAT", "-ERR [SYS/PERM] broken\r\n", "STAT", "SYS/PERM"},
		{"uidl unsupported", func(c *Client) error { _, err := c.UIDL(testContext(t), 1); return err }, "UIDL 1", "-ERR command not implemented\r\n", "UIDL", ""},
		{"uidl all", func(c *Client) error { _, err := c.UIDLAll(testContext(t)); return err }, "UIDL", "-ERR no\r\n", "UIDL", ""},
		{"list", func(c *Client) error { _, err := c.List(testContext(t)); return err }, "LIST", "-ERR no\r\n", "LIST", ""},
		{"stls refused", func(c *Client) error {
			_, err := c.StartTLS(testContext(t), testTLSConfig(t))
			return err
		}, "STLS", "-ERR not now\r\n", "STLS", ""},
		{"quit", func(c *Client) error { return c.Quit(testContext(t)) }, "QUIT", "-ERR [SYS/TEMP] could not delete\r\n", "QUIT", "SYS/TEMP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeClient(t, nil, func(f *fake) {
				f.send("+OK\r\n")
				f.expect(tt.expect)
				f.send(tt.reply)
				if tt.cmd == "QUIT" {
					return
				}
				f.expect("NOOP-CHECK")
				f.send("+OK still here\r\n")
			})
			err := tt.call(c)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if perr.Command != tt.cmd || perr.Code != tt.code {
				t.Errorf("Error = %+v, want command %s code %q", perr, tt.cmd, tt.code)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q carries the password", err)
			}
			if tt.cmd == "QUIT" {
				return
			}
			// A -ERR leaves the session usable.
			if _, err := c.simple(testContext(t), "NOOP", "NOOP-CHECK", "NOOP-CHECK"); err != nil {
				t.Errorf("session unusable after -ERR: %v", err)
			}
		})
	}
}

func TestMalformedReplies(t *testing.T) {
	tests := []struct {
		name   string
		call   func(c *Client) error
		expect string
		reply  string
	}{
		{"stat without numbers", func(c *Client) error { _, _, err := c.Stat(testContext(t)); return err }, "STAT", "+OK\r\n"},
		{"stat negative", func(c *Client) error { _, _, err := c.Stat(testContext(t)); return err }, "STAT", "+OK -1 20\r\n"},
		{"stat huge", func(c *Client) error { _, _, err := c.Stat(testContext(t)); return err }, "STAT", "+OK 99999999999999999999 1\r\n"},
		{"uidl other message", func(c *Client) error { _, err := c.UIDL(testContext(t), 1); return err }, "UIDL 1", "+OK 2 abc\r\n"},
		{"uidl missing id", func(c *Client) error { _, err := c.UIDL(testContext(t), 1); return err }, "UIDL 1", "+OK 1\r\n"},
		{"uidl control in id", func(c *Client) error { _, err := c.UIDL(testContext(t), 1); return err }, "UIDL 1", "+OK 1 a\x01b\r\n"},
		{"uidl all duplicate", func(c *Client) error { _, err := c.UIDLAll(testContext(t)); return err }, "UIDL", "+OK\r\n1 a\r\n1 b\r\n.\r\n"},
		{"uidl all zero", func(c *Client) error { _, err := c.UIDLAll(testContext(t)); return err }, "UIDL", "+OK\r\n0 a\r\n.\r\n"},
		{"list garbage", func(c *Client) error { _, err := c.List(testContext(t)); return err }, "LIST", "+OK\r\nhello\r\n.\r\n"},
		{"capa garbage status", func(c *Client) error { _, err := c.Capa(testContext(t)); return err }, "CAPA", "OK\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeClient(t, nil, func(f *fake) {
				f.send("+OK\r\n")
				f.expect(tt.expect)
				f.send(tt.reply)
			})
			err := tt.call(c)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error = %v, want ErrMalformed", err)
			}
			// The session is out of step now: later calls fail at once.
			if _, _, err2 := c.Stat(testContext(t)); !errors.Is(err2, ErrMalformed) {
				t.Errorf("call after a malformed reply: %v, want the first error again", err2)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STAT")
		f.send("+OK 0 0\r\n")
	})
	ctx := testContext(t)
	checks := map[string]error{
		"user CRLF": c.User(ctx, "alice\r\nDELE 1"),
		"pass LF":   c.Pass(ctx, "pw\nDELE 1"),
		"pass NUL":  c.Pass(ctx, "pw\x00"),
		"login CR":  c.Login(ctx, "alice", "pw\r"),
	}
	_, uidErr := c.UIDL(ctx, 0)
	checks["uidl zero"] = uidErr
	for name, err := range checks {
		if !errors.Is(err, ErrBadArgument) {
			t.Errorf("%s: error = %v, want ErrBadArgument", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: error %q carries the password", name, err)
		}
	}
	// Nothing was sent: the server sees STAT next.
	if _, _, err := c.Stat(ctx); err != nil {
		t.Errorf("Stat after refused arguments: %v", err)
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name       string
		pipelining bool
		script     func(f *fake)
		cmd        string // command of the expected *Error, "" for success
	}{
		{"pipelined", true, func(f *fake) {
			// Both lines arrive before any reply: a client waiting for the
			// USER reply would hang here.
			f.expect("USER alice")
			f.expect("PASS pw")
			f.send("+OK\r\n+OK welcome\r\n")
		}, ""},
		{"pipelined user refused", true, func(f *fake) {
			f.expect("USER alice")
			f.expect("PASS pw")
			f.send("-ERR [AUTH] who?\r\n-ERR no USER\r\n")
		}, "USER"},
		{"pipelined pass refused", true, func(f *fake) {
			f.expect("USER alice")
			f.expect("PASS pw")
			f.send("+OK\r\n-ERR [AUTH] wrong\r\n")
		}, "PASS"},
		{"one by one", false, func(f *fake) {
			f.expect("USER alice")
			f.send("+OK\r\n")
			f.expect("PASS pw")
			f.send("+OK\r\n")
		}, ""},
		{"one by one user refused", false, func(f *fake) {
			f.expect("USER alice")
			f.send("-ERR [SYS/PERM] plaintext disabled\r\n")
		}, "USER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeClient(t, nil, func(f *fake) {
				f.send("+OK\r\n")
				f.expect("CAPA")
				if tt.pipelining {
					f.send("+OK\r\nUSER\r\nPIPELINING\r\n.\r\n")
				} else {
					f.send("+OK\r\nUSER\r\n.\r\n")
				}
				tt.script(f)
			})
			ctx := testContext(t)
			if _, err := c.Capa(ctx); err != nil {
				t.Fatalf("Capa: %v", err)
			}
			err := c.Login(ctx, "alice", "pw")
			if tt.cmd == "" {
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) || perr.Command != tt.cmd {
				t.Fatalf("Login error = %v, want *Error for %s", err, tt.cmd)
			}
		})
	}
}

func TestQuitNoWait(t *testing.T) {
	got := make(chan string, 1)
	c, stop := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		got <- f.readLine()
		f.send("+OK bye\r\n") // nobody reads it; the close ends this write
	})
	if err := c.QuitNoWait(); err != nil {
		t.Fatalf("QuitNoWait: %v", err)
	}
	if line := <-got; line != "QUIT" {
		t.Errorf("server got %q, want QUIT", line)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	stop()
	if err := c.QuitNoWait(); err == nil {
		t.Errorf("second QuitNoWait succeeded")
	}
}

// TestStatUIDL checks the pipelined STAT + "UIDL 1" (the server reads both
// before it answers either: a client that waited for STAT's reply would hang
// here), the empty-mailbox probe, a server without UIDL, a locked mailbox,
// and the one-by-one form without PIPELINING.
func TestStatUIDL(t *testing.T) {
	tests := []struct {
		name       string
		pipelining bool
		script     func(f *fake)
		count      int
		noUIDL     bool
		errCode    string // a STAT *Error's code
	}{
		{"pipelined", true, func(f *fake) {
			f.expect("STAT")
			f.expect("UIDL 1")
			f.send("+OK 2 320\r\n+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n")
		}, 2, false, ""},
		{"pipelined without UIDL", true, func(f *fake) {
			f.expect("STAT")
			f.expect("UIDL 1")
			f.send("+OK 2 320\r\n-ERR unknown command\r\n")
		}, 2, true, ""},
		{"pipelined empty mailbox probes UIDL", true, func(f *fake) {
			f.expect("STAT")
			f.expect("UIDL 1")
			f.send("+OK 0 0\r\n-ERR no such message\r\n")
			f.expect("UIDL")
			f.send("+OK\r\n.\r\n")
		}, 0, false, ""},
		{"pipelined locked mailbox", true, func(f *fake) {
			f.expect("STAT")
			f.expect("UIDL 1")
			f.send("-ERR [IN-USE] locked\r\n-ERR [IN-USE] locked\r\n")
		}, 0, false, "IN-USE"},
		{"one by one", false, func(f *fake) {
			f.expect("STAT")
			f.send("+OK 3 900\r\n")
			f.expect("UIDL 1")
			f.send("+OK 1 abc\r\n")
		}, 3, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeClient(t, nil, func(f *fake) {
				f.send("+OK\r\n")
				f.expect("CAPA")
				if tt.pipelining {
					f.send("+OK\r\nUIDL\r\nPIPELINING\r\n.\r\n")
				} else {
					f.send("+OK\r\nUIDL\r\n.\r\n")
				}
				tt.script(f)
			})
			ctx := testContext(t)
			if _, err := c.Capa(ctx); err != nil {
				t.Fatalf("Capa: %v", err)
			}
			n, _, uidlErr, err := c.StatUIDL(ctx)
			if tt.errCode != "" {
				var perr *Error
				if !errors.As(err, &perr) || perr.Code != tt.errCode {
					t.Fatalf("StatUIDL error = %v, want *Error %s", err, tt.errCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("StatUIDL: %v", err)
			}
			if n != tt.count || (uidlErr != nil) != tt.noUIDL {
				t.Fatalf("count %d, uidlErr %v; want %d, no UIDL %v", n, uidlErr, tt.count, tt.noUIDL)
			}
		})
	}
}
