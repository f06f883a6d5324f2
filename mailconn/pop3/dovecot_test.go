package pop3_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// TestDovecot runs the client against a real Dovecot (package mailtest).
func TestDovecot(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})

	ctx := func(t *testing.T) context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	dial := func(t *testing.T, port int, implicitTLS bool, opts *pop3.Options) *pop3.Client {
		t.Helper()
		var d net.Dialer
		conn, err := d.DialContext(ctx(t), "tcp", srv.Addr(port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if implicitTLS {
			tconn := tls.Client(conn, srv.TLSConfig())
			if err := tconn.HandshakeContext(ctx(t)); err != nil {
				t.Fatal(err)
			}
			conn = tconn
		}
		c, err := pop3.NewClient(ctx(t), conn, opts)
		if err != nil {
			t.Fatalf("NewClient: %v\n%s", err, srv.Log())
		}
		return c
	}
	// checkMailbox checks what every user has in INBOX, then quits.
	checkMailbox := func(t *testing.T, c *pop3.Client) {
		t.Helper()
		n, size, err := c.Stat(ctx(t))
		if err != nil || n != mailtest.InboxMessages || size <= 0 {
			t.Fatalf("Stat = %d %d %v, want %d messages", n, size, err, mailtest.InboxMessages)
		}
		uid, err := c.UIDL(ctx(t), 1)
		if err != nil || uid == "" {
			t.Errorf("UIDL 1 = %q %v", uid, err)
		}
		uids, err := c.UIDLAll(ctx(t))
		if err != nil || len(uids) != n || uids[1] != uid {
			t.Errorf("UIDLAll = %v %v, want %d ids with 1 → %q", uids, err, n, uid)
		}
		sizes, err := c.List(ctx(t))
		var total int64
		for _, s := range sizes {
			total += s
		}
		if err != nil || len(sizes) != n || total != size {
			t.Errorf("List = %v %v, want %d sizes adding up to %d", sizes, err, n, size)
		}
		if err := c.Quit(ctx(t)); err != nil {
			t.Errorf("Quit: %v", err)
		}
	}

	t.Run("user pass", func(t *testing.T) {
		for _, u := range []mailtest.User{mailtest.Alice, mailtest.Bob, mailtest.Carol} {
			t.Run(u.Name, func(t *testing.T) {
				c := dial(t, srv.POP3, false, nil)
				caps, err := c.Capa(ctx(t))
				if _, ok := pop3.CapaArgs(caps, "UIDL"); err != nil || !ok {
					t.Fatalf("Capa = %q %v, want UIDL listed", caps, err)
				}
				if err := c.Login(ctx(t), u.Name, u.Password); err != nil {
					t.Fatalf("Login: %v\n%s", err, srv.Log())
				}
				checkMailbox(t, c)
			})
		}
	})

	t.Run("stls then auth plain", func(t *testing.T) {
		c := dial(t, srv.POP3, false, nil)
		caps, err := c.Capa(ctx(t))
		if _, ok := pop3.CapaArgs(caps, "STLS"); err != nil || !ok {
			t.Fatalf("Capa = %q %v, want STLS", caps, err)
		}
		tconn, err := c.StartTLS(ctx(t), srv.TLSConfig())
		if err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
		if v := tconn.ConnectionState().Version; v < tls.VersionTLS12 {
			t.Errorf("TLS version %x", v)
		}
		caps, err = c.Capa(ctx(t))
		if mechs, _ := pop3.CapaArgs(caps, "SASL"); err != nil || !contains(mechs, "PLAIN") {
			t.Fatalf("Capa after STLS = %q %v, want SASL PLAIN", caps, err)
		}
		if _, ok := pop3.CapaArgs(caps, "STLS"); ok {
			t.Errorf("STLS still offered over TLS: %q", caps)
		}
		if err := c.Auth(ctx(t), sasl.NewPlainClient("", mailtest.Bob.Name, mailtest.Bob.Password)); err != nil {
			t.Fatalf("Auth PLAIN: %v\n%s", err, srv.Log())
		}
		checkMailbox(t, c)
	})

	t.Run("pop3s auth login", func(t *testing.T) {
		c := dial(t, srv.POP3S, true, nil)
		if err := c.Auth(ctx(t), sasl.NewLoginClient(mailtest.Alice.Name, mailtest.Alice.Password)); err != nil {
			t.Fatalf("Auth LOGIN: %v\n%s", err, srv.Log())
		}
		checkMailbox(t, c)
	})

	t.Run("wrong password", func(t *testing.T) {
		c := dial(t, srv.POP3S, true, nil)
		for _, try := range []func() error{
			func() error { return c.Login(ctx(t), mailtest.Alice.Name, "not-the-password") },
			func() error {
				return c.Auth(ctx(t), sasl.NewPlainClient("", mailtest.Alice.Name, "not-the-password"))
			},
		} {
			err := try()
			var perr *pop3.Error
			if !errors.As(err, &perr) || perr.Code != "AUTH" {
				t.Fatalf("error = %v, want *Error with code AUTH", err)
			}
			if strings.Contains(err.Error(), "not-the-password") {
				t.Errorf("error %q carries the password", err)
			}
		}
		// Still usable: the right password works on the same connection.
		if err := c.Login(ctx(t), mailtest.Alice.Name, mailtest.Alice.Password); err != nil {
			t.Fatalf("Login after failures: %v", err)
		}
		checkMailbox(t, c)
	})

	t.Run("long initial response goes after the continuation", func(t *testing.T) {
		var trace strings.Builder
		c := dial(t, srv.POP3S, true, &pop3.Options{Trace: &trace})
		// An authorization identity long enough to push the command line
		// past 255 octets: Dovecot must take it after "+ " and then refuse
		// alice acting as somebody else, as a normal -ERR.
		authz := strings.Repeat("z", 200)
		err := c.Auth(ctx(t), sasl.NewPlainClient(authz, mailtest.Alice.Name, mailtest.Alice.Password))
		var perr *pop3.Error
		if !errors.As(err, &perr) {
			t.Fatalf("Auth = %v, want a -ERR reply\n%s", err, trace.String())
		}
		if !strings.Contains(trace.String(), "C: AUTH PLAIN\nS: + \nC: <redacted>\n") {
			t.Errorf("the initial response did not go after the continuation:\n%s", trace.String())
		}
		if err := c.Auth(ctx(t), sasl.NewPlainClient("", mailtest.Alice.Name, mailtest.Alice.Password)); err != nil {
			t.Fatalf("Auth after the refused long one: %v\n%s", err, trace.String())
		}
		checkMailbox(t, c)
	})

	t.Run("remote client must use stls", func(t *testing.T) {
		c := dial(t, srv.POP3Remote, false, nil)
		err := c.User(ctx(t), mailtest.Alice.Name)
		var perr *pop3.Error
		if !errors.As(err, &perr) {
			t.Fatalf("USER before TLS = %v, want -ERR", err)
		}
		if _, err := c.StartTLS(ctx(t), srv.TLSConfig()); err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
		if err := c.Login(ctx(t), mailtest.Alice.Name, mailtest.Alice.Password); err != nil {
			t.Fatalf("Login over TLS: %v", err)
		}
		checkMailbox(t, c)
	})

	t.Run("plain only listener refuses stls", func(t *testing.T) {
		c := dial(t, srv.POP3PlainOnly, false, nil)
		_, err := c.StartTLS(ctx(t), srv.TLSConfig())
		var perr *pop3.Error
		if !errors.As(err, &perr) {
			t.Fatalf("StartTLS = %v, want -ERR", err)
		}
		if err := c.Login(ctx(t), mailtest.Alice.Name, mailtest.Alice.Password); err != nil {
			t.Fatalf("Login in plain text: %v", err)
		}
		if err := c.QuitNoWait(); err != nil {
			t.Errorf("QuitNoWait: %v", err)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
