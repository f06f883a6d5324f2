package mailtest_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// ioTimeout guards every network exchange against a hang; it is not a
// measurement.
const ioTimeout = 20 * time.Second

// pop3Conn is a raw POP3 exchange, enough to prove the rig.
type pop3Conn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dialPOP3 connects to addr, in TLS when cfg is not nil, and reads the
// greeting.
func dialPOP3(t *testing.T, srv *mailtest.Server, port int, cfg *tls.Config) *pop3Conn {
	t.Helper()
	d := &net.Dialer{Timeout: ioTimeout}
	var conn net.Conn
	var err error
	if cfg != nil {
		conn, err = tls.DialWithDialer(d, "tcp", srv.Addr(port), cfg)
	} else {
		conn, err = d.Dial("tcp", srv.Addr(port))
	}
	if err != nil {
		t.Fatalf("dial %s: %v\n%s", srv.Addr(port), err, srv.Log())
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	p := &pop3Conn{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := p.line(); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("POP3 greeting %q", g)
	}
	return p
}

func (p *pop3Conn) line() string {
	p.t.Helper()
	s, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("POP3 read: %v", err)
	}
	return strings.TrimRight(s, "\r\n")
}

// cmd sends one command line and returns the status line.
func (p *pop3Conn) cmd(line string) string {
	p.t.Helper()
	if _, err := p.conn.Write([]byte(line + "\r\n")); err != nil {
		p.t.Fatalf("POP3 write: %v", err)
	}
	return p.line()
}

// capa returns the CAPA lines.
func (p *pop3Conn) capa() []string {
	p.t.Helper()
	if st := p.cmd("CAPA"); !strings.HasPrefix(st, "+OK") {
		p.t.Fatalf("CAPA: %q", st)
	}
	var caps []string
	for {
		l := p.line()
		if l == "." {
			return caps
		}
		caps = append(caps, l)
	}
}

// stls upgrades the connection after a successful STLS.
func (p *pop3Conn) stls(cfg *tls.Config) {
	p.t.Helper()
	if st := p.cmd("STLS"); !strings.HasPrefix(st, "+OK") {
		p.t.Fatalf("STLS: %q", st)
	}
	tc := tls.Client(p.conn, cfg)
	if err := tc.Handshake(); err != nil {
		p.t.Fatalf("STLS handshake: %v", err)
	}
	p.conn, p.r = tc, bufio.NewReader(tc)
}

// login sends USER and PASS and returns PASS's status (or USER's, when
// USER is refused).
func (p *pop3Conn) login(u mailtest.User) string {
	p.t.Helper()
	if st := p.cmd("USER " + u.Name); !strings.HasPrefix(st, "+OK") {
		return st
	}
	return p.cmd("PASS " + u.Password)
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want || strings.HasPrefix(l, want+" ") {
			return true
		}
	}
	return false
}

// tlsConfig is srv's client TLS configuration for server name host.
func tlsConfig(srv *mailtest.Server, host string) *tls.Config {
	cfg := srv.TLSConfig()
	cfg.ServerName = host
	return cfg
}

// imapTLS logs in over implicit TLS and closes the client at cleanup.
func imapTLS(t *testing.T, srv *mailtest.Server, u mailtest.User) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(srv.Addr(srv.IMAPS), &imapclient.Options{TLSConfig: srv.TLSConfig()})
	if err != nil {
		t.Fatalf("IMAPS dial: %v\n%s", err, srv.Log())
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatalf("IMAPS login %s: %v\n%s", u.Name, err, srv.Log())
	}
	return c
}
