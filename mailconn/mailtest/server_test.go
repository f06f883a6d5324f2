package mailtest_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"go.uber.org/goleak"
)

// TestMain checks that no relay or wait goroutine outlives its Server.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestServer runs the checks that can share one default Server.
func TestServer(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})

	t.Run("fields", func(t *testing.T) {
		if srv.Host != "127.0.0.1" || srv.Separator != '/' {
			t.Errorf("Host %q Separator %q", srv.Host, srv.Separator)
		}
		ports := []int{srv.IMAP, srv.IMAPS, srv.POP3, srv.POP3S, srv.IMAPPlainOnly, srv.POP3PlainOnly, srv.IMAPRemote, srv.POP3Remote}
		seen := map[int]bool{}
		for _, p := range ports {
			if p <= 0 || seen[p] {
				t.Errorf("ports %v: want distinct positive ports", ports)
			}
			seen[p] = true
		}
		if got := srv.Addr(srv.IMAP); got != net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.IMAP)) {
			t.Errorf("Addr = %q", got)
		}
		pem, err := os.ReadFile(srv.CAFile)
		if err != nil || string(pem) != string(srv.CAPEM) {
			t.Errorf("CAFile %s: %v, content equal to CAPEM: %v", srv.CAFile, err, string(pem) == string(srv.CAPEM))
		}
		if got := srv.Folder("INBOX", mailtest.SupportFolder); got != "INBOX/Support" {
			t.Errorf("Folder = %q", got)
		}
	})

	t.Run("imaps login and mail", func(t *testing.T) {
		c := imapTLS(t, srv, mailtest.Alice)
		list, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatal(err)
		}
		attrs := map[string][]imap.MailboxAttr{}
		for _, l := range list {
			attrs[l.Mailbox] = l.Attrs
			if l.Delim != '/' {
				t.Errorf("%s: delimiter %q", l.Mailbox, l.Delim)
			}
		}
		for _, name := range []string{"INBOX", "INBOX/Support", "INBOX/Bestätigungen", "Archive", "Archive/2024"} {
			if _, ok := attrs[name]; !ok {
				t.Errorf("LIST lacks %q; got %v", name, attrs)
			}
		}
		if !slices.Contains(attrs["Archive"], imap.MailboxAttrNoSelect) {
			t.Errorf("Archive attrs %v: want \\Noselect", attrs["Archive"])
		}

		for _, tc := range []struct {
			mailbox        string
			messages, seen int
		}{
			{"INBOX", mailtest.InboxMessages, mailtest.InboxSeen},
			{srv.Folder("INBOX", mailtest.SupportFolder), mailtest.SupportMessages, 0},
			{srv.Folder("INBOX", mailtest.NonASCIIFolder), mailtest.NonASCIIMessages, 0},
			{srv.Folder(mailtest.ArchiveFolder, mailtest.ArchiveChildFolder), mailtest.ArchiveMessages, mailtest.ArchiveMessages},
		} {
			st, err := c.Status(tc.mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
			if err != nil {
				t.Errorf("STATUS %s: %v", tc.mailbox, err)
				continue
			}
			if *st.NumMessages != uint32(tc.messages) || *st.NumUnseen != uint32(tc.messages-tc.seen) {
				t.Errorf("STATUS %s: %d messages, %d unseen; want %d, %d",
					tc.mailbox, *st.NumMessages, *st.NumUnseen, tc.messages, tc.messages-tc.seen)
			}
		}

		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, InternalDate: true, Flags: true}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("FETCH 1: %v, %d messages", err, len(msgs))
		}
		m := msgs[0]
		if !m.Envelope.Date.Equal(mailtest.OldestInboxDate) || !m.InternalDate.Equal(mailtest.OldestInboxDate) {
			t.Errorf("message 1: Date %v, INTERNALDATE %v; want %v", m.Envelope.Date, m.InternalDate, mailtest.OldestInboxDate)
		}
		if m.Envelope.Subject != mailtest.InboxContent[0].Subject || !slices.Contains(m.Flags, imap.FlagSeen) {
			t.Errorf("message 1: subject %q flags %v", m.Envelope.Subject, m.Flags)
		}
		last, err := c.Fetch(imap.SeqSetNum(mailtest.InboxMessages), &imap.FetchOptions{Envelope: true}).Collect()
		if err != nil || len(last) != 1 {
			t.Fatalf("FETCH %d: %v, %d messages", mailtest.InboxMessages, err, len(last))
		}
		want := mailtest.InboxContent[mailtest.InboxMessages-1]
		if env := last[0].Envelope; env.Subject != want.Subject || !env.Date.Equal(mailtest.NewestInboxDate) ||
			len(env.From) != 1 || env.From[0].Name != "Jörg Müller" {
			t.Errorf("newest message: subject %q, date %v, from %+v; want %q", env.Subject, env.Date, env.From, want.Subject)
		}
		if err := c.Logout().Wait(); err != nil {
			t.Error(err)
		}
	})

	t.Run("imap starttls", func(t *testing.T) {
		c, err := imapclient.DialStartTLS(srv.Addr(srv.IMAP), &imapclient.Options{TLSConfig: srv.TLSConfig()})
		if err != nil {
			t.Fatalf("STARTTLS: %v\n%s", err, srv.Log())
		}
		defer c.Close()
		if err := c.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err != nil {
			t.Fatalf("login after STARTTLS: %v", err)
		}
	})

	t.Run("users", func(t *testing.T) {
		for _, u := range mailtest.Users {
			t.Run(u.Name, func(t *testing.T) {
				c := imapTLS(t, srv, u)
				st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
				if err != nil || *st.NumMessages != mailtest.InboxMessages {
					t.Errorf("STATUS INBOX: %v %v", err, st)
				}
				p := dialPOP3(t, srv, srv.POP3S, srv.TLSConfig())
				if st := p.login(u); !strings.HasPrefix(st, "+OK") {
					t.Errorf("POP3S login %s: %q", u.Name, st)
				}
			})
		}
	})

	t.Run("pop3s", func(t *testing.T) {
		p := dialPOP3(t, srv, srv.POP3S, srv.TLSConfig())
		if st := p.login(mailtest.Alice); !strings.HasPrefix(st, "+OK") {
			t.Fatalf("PASS: %q\n%s", st, srv.Log())
		}
		if st := p.cmd("STAT"); !strings.HasPrefix(st, "+OK "+strconv.Itoa(mailtest.InboxMessages)+" ") {
			t.Errorf("STAT: %q, want %d messages", st, mailtest.InboxMessages)
		}
		if st := p.cmd("QUIT"); !strings.HasPrefix(st, "+OK") {
			t.Errorf("QUIT: %q", st)
		}
	})

	t.Run("pop3 stls", func(t *testing.T) {
		p := dialPOP3(t, srv, srv.POP3, nil)
		if caps := p.capa(); !hasLine(caps, "STLS") {
			t.Fatalf("CAPA %v lacks STLS", caps)
		}
		p.stls(srv.TLSConfig())
		if st := p.login(mailtest.Alice); !strings.HasPrefix(st, "+OK") {
			t.Fatalf("PASS after STLS: %q", st)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		// Failures are answered at once. With Dovecot's defaults the 2nd
		// to 5th failure would wait 2+4+8+15 s (the login penalty) plus
		// 0.5 s each (the failure flush): well past this hang guard.
		c, err := imapclient.DialTLS(srv.Addr(srv.IMAPS), &imapclient.Options{TLSConfig: srv.TLSConfig()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		deadline := time.Now().Add(12 * time.Second)
		for i := 1; i <= 5; i++ {
			err := c.Login(mailtest.Alice.Name, "wrong-"+mailtest.Alice.Password).Wait()
			var imapErr *imap.Error
			if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
				t.Fatalf("attempt %d: %v, want NO [AUTHENTICATIONFAILED]", i, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("attempt %d answered after the deadline: the login penalty is on\n%s", i, srv.Log())
			}
		}
		p := dialPOP3(t, srv, srv.POP3S, srv.TLSConfig())
		if st := p.login(mailtest.User{Name: "alice", Password: "nope"}); !strings.HasPrefix(st, "-ERR") {
			t.Errorf("POP3 wrong password: %q", st)
		}
		if err := c.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err != nil {
			t.Errorf("right password after failures: %v", err)
		}
	})

	t.Run("imap remote logindisabled", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", srv.Addr(srv.IMAPRemote), ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		c := imapclient.New(conn, nil)
		defer c.Close()
		caps, err := c.Capability().Wait()
		if err != nil {
			t.Fatalf("CAPABILITY: %v\n%s", err, srv.Log())
		}
		if !caps.Has(imap.CapLoginDisabled) || !caps.Has(imap.CapStartTLS) {
			t.Errorf("before STARTTLS: %v, want LOGINDISABLED and STARTTLS", caps)
		}
		if err := c.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err == nil {
			t.Error("plaintext LOGIN accepted on the remote listener")
		}

		tc, err := imapclient.DialStartTLS(srv.Addr(srv.IMAPRemote), &imapclient.Options{TLSConfig: tlsConfig(srv, "localhost")})
		if err != nil {
			t.Fatalf("STARTTLS: %v", err)
		}
		defer tc.Close()
		caps, err = tc.Capability().Wait()
		if err != nil {
			t.Fatal(err)
		}
		if caps.Has(imap.CapLoginDisabled) || caps.Has(imap.CapStartTLS) {
			t.Errorf("after STARTTLS: %v, want neither LOGINDISABLED nor STARTTLS", caps)
		}
		if err := tc.Login(mailtest.Alice.Name, mailtest.Alice.Password).Wait(); err != nil {
			t.Errorf("login after STARTTLS: %v", err)
		}
		if !strings.Contains(srv.Log(), "rip=192.0.2.10") {
			t.Errorf("log shows no client at 192.0.2.10:\n%s", srv.Log())
		}
	})

	t.Run("pop3 remote refuses plaintext", func(t *testing.T) {
		p := dialPOP3(t, srv, srv.POP3Remote, nil)
		if caps := p.capa(); !hasLine(caps, "STLS") || hasLine(caps, "USER") {
			t.Errorf("CAPA %v: want STLS and no USER", caps)
		}
		if st := p.login(mailtest.Alice); !strings.HasPrefix(st, "-ERR") {
			t.Errorf("plaintext login before STLS: %q, want -ERR", st)
		}
		p = dialPOP3(t, srv, srv.POP3Remote, nil)
		p.stls(tlsConfig(srv, "localhost"))
		if st := p.login(mailtest.Alice); !strings.HasPrefix(st, "+OK") {
			t.Errorf("login after STLS: %q", st)
		}
	})

	t.Run("plain only", func(t *testing.T) {
		c, err := imapclient.DialInsecure(srv.Addr(srv.IMAPPlainOnly), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		caps, err := c.Capability().Wait()
		if err != nil {
			t.Fatalf("CAPABILITY: %v\n%s", err, srv.Log())
		}
		if caps.Has(imap.CapStartTLS) || caps.Has(imap.CapLoginDisabled) {
			t.Errorf("IMAP plain-only caps %v: want no STARTTLS, no LOGINDISABLED", caps)
		}
		if err := c.Login(mailtest.Carol.Name, mailtest.Carol.Password).Wait(); err != nil {
			t.Errorf("plaintext login: %v", err)
		}

		p := dialPOP3(t, srv, srv.POP3PlainOnly, nil)
		if caps := p.capa(); hasLine(caps, "STLS") || !hasLine(caps, "USER") {
			t.Errorf("POP3 plain-only CAPA %v: want USER and no STLS", caps)
		}
		if st := p.cmd("STLS"); !strings.HasPrefix(st, "-ERR") {
			t.Errorf("STLS on plain-only: %q", st)
		}
		if st := p.login(mailtest.Bob); !strings.HasPrefix(st, "+OK") {
			t.Errorf("plaintext login: %q", st)
		}
	})

	t.Run("starttls listener serves the cert", func(t *testing.T) {
		p := dialPOP3(t, srv, srv.POP3, nil)
		p.stls(srv.TLSConfig())
		tc := p.conn.(*tls.Conn)
		if got := mailtest.Fingerprint(tc.ConnectionState().PeerCertificates[0].Raw); got != srv.CertSHA256 {
			t.Errorf("STLS certificate %s, want %s", got, srv.CertSHA256)
		}
	})
}

// TestCertKinds starts one Server per kind and checks what its implicit-TLS
// listener serves.
func TestCertKinds(t *testing.T) {
	now := time.Now()
	invalid := func(detail string) func(error) bool {
		return func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired && strings.Contains(e.Detail, detail)
		}
	}
	for _, k := range []certCase{
		{mailtest.CertValid, true, nil, func(c *x509.Certificate) bool {
			return c.NotBefore.Before(now) && c.NotAfter.After(now) && slices.Contains(c.DNSNames, "localhost")
		}},
		{mailtest.CertSelfSigned, false, func(err error) bool {
			var e x509.UnknownAuthorityError
			return errors.As(err, &e)
		}, func(c *x509.Certificate) bool {
			return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil &&
				slices.Contains(c.DNSNames, "localhost")
		}},
		{mailtest.CertExpired, true, invalid("is after"), func(c *x509.Certificate) bool {
			return c.NotAfter.Before(now)
		}},
		{mailtest.CertNotYetValid, true, invalid("is before"), func(c *x509.Certificate) bool {
			return c.NotBefore.After(now)
		}},
		{mailtest.CertWrongHost, true, func(err error) bool {
			var e x509.HostnameError
			return errors.As(err, &e) && e.Host == "localhost"
		}, func(c *x509.Certificate) bool {
			return slices.Equal(c.DNSNames, []string{mailtest.WrongHostName}) && len(c.IPAddresses) == 0
		}},
	} {
		t.Run(k.kind.String(), func(t *testing.T) {
			t.Parallel()
			srv := mailtest.Start(t, mailtest.Options{Cert: k.kind})
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", srv.Addr(srv.IMAPS),
				&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // inspecting bad certificates
			if err != nil {
				t.Fatalf("dial: %v\n%s", err, srv.Log())
			}
			defer conn.Close()
			leaf := conn.ConnectionState().PeerCertificates[0]
			if !k.check(leaf) {
				t.Errorf("served certificate: names %v %v, valid %v – %v", leaf.DNSNames, leaf.IPAddresses, leaf.NotBefore, leaf.NotAfter)
			}
			if got := mailtest.Fingerprint(leaf.Raw); got != srv.CertSHA256 || !leaf.Equal(srv.Cert) {
				t.Errorf("fingerprint %s, Server.CertSHA256 %s", got, srv.CertSHA256)
			}
			if caSigned := leaf.CheckSignatureFrom(caCert(t, srv)) == nil; caSigned != k.caSigned {
				t.Errorf("signed by the rig CA: %v, want %v", caSigned, k.caSigned)
			}
			// A client that trusts the CA accepts only CertValid for "localhost".
			vc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", srv.Addr(srv.IMAPS), tlsConfig(srv, "localhost"))
			if err == nil {
				vc.Close()
			}
			if k.verifyErr == nil && err != nil {
				t.Errorf("verified dial: %v", err)
			}
			if k.verifyErr != nil && !k.verifyErr(err) {
				t.Errorf("verified dial: %v, want the %s error", err, k.kind)
			}
		})
	}
}

// certCase is one row of TestCertKinds.
type certCase struct {
	kind      mailtest.CertKind
	caSigned  bool
	verifyErr func(error) bool // nil: a client trusting the CA accepts it for localhost
	check     func(*x509.Certificate) bool
}

func caCert(t *testing.T, srv *mailtest.Server) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(srv.CAPEM)
	if block == nil {
		t.Fatal("CAPEM holds no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDotSeparator checks the Maildir++ variant.
func TestDotSeparator(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Separator: '.'})
	if srv.Separator != '.' {
		t.Fatalf("Separator %q", srv.Separator)
	}
	support := srv.Folder("INBOX", mailtest.SupportFolder)
	if support != "INBOX.Support" {
		t.Fatalf("Folder = %q", support)
	}
	c := imapTLS(t, srv, mailtest.Alice)
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range list {
		names[l.Mailbox] = true
		if l.Mailbox == "Archive" && !slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) {
			t.Errorf("Archive attrs %v: want \\Noselect", l.Attrs)
		}
		if l.Delim != '.' {
			t.Errorf("%s: delimiter %q", l.Mailbox, l.Delim)
		}
	}
	for _, want := range []string{"INBOX", "INBOX.Support", "INBOX.Bestätigungen", "Archive", "Archive.2024"} {
		if !names[want] {
			t.Errorf("LIST lacks %q; got %v", want, names)
		}
	}
	sel, err := c.Select(support, nil).Wait()
	if err != nil || sel.NumMessages != mailtest.SupportMessages {
		t.Errorf("SELECT %s: %v, %v", support, err, sel)
	}
	if _, err := c.Select("INBOX/Support", nil).Wait(); err == nil {
		t.Error("SELECT INBOX/Support succeeded with '.' as separator")
	}
}

// TestClose checks that a closed Server refuses connections, its folder is
// gone and its log is still readable.
func TestClose(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	srv.Close()
	for _, port := range []int{srv.IMAP, srv.IMAPS, srv.POP3, srv.POP3S, srv.IMAPRemote, srv.IMAPPlainOnly} {
		if c, err := net.DialTimeout("tcp", srv.Addr(port), ioTimeout); err == nil {
			c.Close()
			t.Errorf("port %d still accepts after Close", port)
		}
	}
	if _, err := os.Stat(srv.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir after Close: %v", err)
	}
	if !strings.Contains(srv.Log(), "starting up") {
		t.Errorf("Log after Close lacks the start line: %q", srv.Log())
	}
	srv.Close() // again: no effect
}

// TestStartMany checks that Servers run side by side.
func TestStartMany(t *testing.T) {
	a := mailtest.Start(t, mailtest.Options{})
	b := mailtest.Start(t, mailtest.Options{})
	if a.Dir == b.Dir || a.IMAP == b.IMAP {
		t.Fatalf("two servers share Dir or ports: %s %s %d %d", a.Dir, b.Dir, a.IMAP, b.IMAP)
	}
	imapTLS(t, a, mailtest.Alice)
	imapTLS(t, b, mailtest.Bob)
}
