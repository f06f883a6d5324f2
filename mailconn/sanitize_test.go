package mailconn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/hostiletest"
	"github.com/mailsetup/mailsetup/mailconn"
)

// hostileCase is one way to meet a hostile server.
type hostileCase struct {
	name     string
	protocol string
	security string
	fail     hostiletest.Fail
	cert     string // "", "verified", "wrong-host", "unknown-ca", "wrong-host-accepted"
}

// hostileCases are IMAP and POP3, plain, STARTTLS and TLS (with a
// certificate that verifies, a wrong-host one, one of an unknown CA, and a
// wrong-host one let through), failing at each step that carries text.
func hostileCases() []hostileCase {
	var cases []hostileCase
	for _, proto := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, f := range []hostiletest.Fail{hostiletest.FailNone, hostiletest.FailGreeting, hostiletest.FailCapa, hostiletest.FailLogin, hostiletest.FailMailbox} {
			cases = append(cases, hostileCase{protocol: proto, security: config.SecurityNone, fail: f})
		}
		cases = append(cases,
			hostileCase{protocol: proto, security: config.SecurityStartTLS, fail: hostiletest.FailNone, cert: "verified"},
			hostileCase{protocol: proto, security: config.SecurityStartTLS, fail: hostiletest.FailStartTLS, cert: "verified"},
			hostileCase{protocol: proto, security: config.SecurityStartTLS, fail: hostiletest.FailNone, cert: "wrong-host"},
			hostileCase{protocol: proto, security: config.SecurityTLS, fail: hostiletest.FailNone, cert: "verified"},
			hostileCase{protocol: proto, security: config.SecurityTLS, fail: hostiletest.FailLogin, cert: "verified"},
			hostileCase{protocol: proto, security: config.SecurityTLS, fail: hostiletest.FailNone, cert: "wrong-host"},
			hostileCase{protocol: proto, security: config.SecurityTLS, fail: hostiletest.FailNone, cert: "unknown-ca"},
			hostileCase{protocol: proto, security: config.SecurityTLS, fail: hostiletest.FailMailbox, cert: "wrong-host-accepted"},
		)
	}
	for i := range cases {
		c := &cases[i]
		c.name = fmt.Sprintf("%s/%s/fail-%s", c.protocol, c.security, c.fail)
		if c.cert != "" {
			c.name += "/cert-" + c.cert
		}
	}
	return cases
}

// startHostile starts the server of c and returns the config that tests
// it.
func startHostile(t testing.TB, c hostileCase) config.Incoming {
	t.Helper()
	opts := hostiletest.Options{Fail: c.fail, ImplicitTLS: c.security == config.SecurityTLS}
	in := config.Incoming{
		Protocol: c.protocol, Server: "127.0.0.1", Security: c.security, Username: "user",
		Mailbox: "INBOX", RejectInvalidCertificates: true,
	}
	if c.cert != "" {
		certs := hostiletest.NewCerts(t, c.cert == "verified" || c.cert == "unknown-ca")
		opts.TLS = certs.Server
		if c.cert != "unknown-ca" {
			in.CAFile = certs.CAFile
		}
		if c.cert == "wrong-host-accepted" {
			in.RejectInvalidCertificates = false
		}
	}
	var srv *hostiletest.Server
	if c.protocol == config.ProtocolPOP3 {
		srv = hostiletest.StartPOP3(t, opts)
	} else {
		srv = hostiletest.StartIMAP(t, opts)
	}
	in.Port = srv.Port()
	return in
}

// checkSafe fails for each string (by name) that a terminal could act on.
func checkSafe(t *testing.T, texts map[string]string) {
	t.Helper()
	for name, s := range texts {
		if bad := hostiletest.Unsafe(s); bad != "" {
			t.Errorf("%s is not safe: %s", name, bad)
		}
	}
}

// TestHostileServerText runs the connection test, the folder list and the
// host probe against servers that put escape sequences, controls and
// invalid UTF-8 into everything they say, and checks every string mailconn
// hands back.
func TestHostileServerText(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			in := startHostile(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			texts := map[string]string{}
			var all strings.Builder
			add := func(name, s string) {
				texts[name] = s
				all.WriteString(s + "\n")
			}
			n := 0
			res := mailconn.Test(ctx, in, mailconn.Options{Secret: "secret", Timeout: 10 * time.Second}, func(e mailconn.Event) {
				n++
				b, _ := json.Marshal(e)
				add(fmt.Sprintf("event %d %s", n, b), e.Title+"\x00"+e.Detail+"\x00"+e.Hint+"\x00"+e.Field)
				add(fmt.Sprintf("event %d title", n), e.Title)
				add(fmt.Sprintf("event %d detail", n), e.Detail)
				add(fmt.Sprintf("event %d hint", n), e.Hint)
				add(fmt.Sprintf("event %d field", n), e.Field)
				delete(texts, fmt.Sprintf("event %d %s", n, b))
			})
			add("result error", res.Error)
			add("result hint", res.Hint)
			add("result field", res.Field)
			// A POP3 server without CAPA is fine: USER/PASS is assumed.
			passes := c.fail == hostiletest.FailNone || c.protocol == config.ProtocolPOP3 && c.fail == hostiletest.FailCapa
			if wantOK := passes && c.cert != "wrong-host" && c.cert != "unknown-ca"; res.OK != wantOK {
				t.Errorf("OK = %v, want %v (result %+v)", res.OK, wantOK, res)
			}
			if c.protocol == config.ProtocolIMAP && res.OK {
				list, err := mailconn.ListFolders(ctx, in, mailconn.Options{Secret: "secret", Timeout: 10 * time.Second}, nil)
				if err != nil {
					t.Fatalf("ListFolders: %v", err)
				}
				add("delimiter", list.Delimiter)
				for i, f := range list.Folders {
					add(fmt.Sprintf("folder %d", i), f.Name)
					add(fmt.Sprintf("folder %d attrs", i), strings.Join(f.Attrs, " "))
				}
				if len(list.Folders) < 3 {
					t.Errorf("folders = %+v, want INBOX and the two hostile names", list.Folders)
				}
			}
			checkSafe(t, texts)
			if !strings.Contains(all.String(), `\x1b`) {
				t.Errorf("the payload is not shown escaped anywhere:\n%s", all.String())
			}
		})
	}
}

// TestHostileProbe probes hostile servers as discover does.
func TestHostileProbe(t *testing.T) {
	for _, cert := range []string{"verified", "wrong-host", "unknown-ca"} {
		t.Run(cert, func(t *testing.T) {
			certs := hostiletest.NewCerts(t, cert != "wrong-host")
			ports := map[string]int{
				mailconn.KindIMAPS: hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				mailconn.KindIMAP:  hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server}).Port(),
				mailconn.KindPOP3S: hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				mailconn.KindPOP3:  hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server}).Port(),
			}
			opts := mailconn.DiscoverOptions{Timeout: 10 * time.Second, Ports: ports}
			if cert != "unknown-ca" {
				opts.CAFile = certs.CAFile
			}
			var reported []mailconn.ProbeResult
			results, err := mailconn.ProbeHost(context.Background(), "127.0.0.1", opts, func(r mailconn.ProbeResult) { reported = append(reported, r) })
			if err != nil {
				t.Fatal(err)
			}
			texts := map[string]string{}
			answered := 0
			for i, r := range append(results, reported...) {
				if r.Answered {
					answered++
				}
				p := fmt.Sprintf("result %d (%s) ", i, r.Candidate.Kind())
				texts[p+"greeting"] = r.Greeting
				texts[p+"capabilities"] = strings.Join(r.Capabilities, " ")
				texts[p+"mechanisms"] = r.MechanismsText()
				texts[p+"certificate error"] = r.CertificateError
				texts[p+"problem"] = r.Problem
				texts[p+"hint"] = r.Hint
				if r.Err != nil {
					texts[p+"err"] = r.Err.Error()
				}
				if r.TLS != nil {
					texts[p+"tls detail"] = r.TLS.Detail()
					texts[p+"tls verdict"] = r.TLS.Verdict()
				}
			}
			if answered == 0 {
				t.Fatalf("no candidate answered: %+v", results)
			}
			checkSafe(t, texts)
		})
	}
}

// hostileAutoconfig is an autoconfig file whose user name carries a C1
// CSI, a NEL and a bidi override (XML allows them; it refuses ESC), for an
// IMAP server on 127.0.0.1:%d.
const hostileAutoconfig = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="evil.test">
    <displayName>Evil&#x9b;2J</displayName>
    <incomingServer type="imap">
      <hostname>127.0.0.1</hostname>
      <port>%d</port>
      <socketType>SSL</socketType>
      <username>user&#x9b;2J&#x85;&#x202e;live</username>
    </incomingServer>
  </emailProvider>
</clientConfig>`

// TestHostileDiscoverEmail runs email discovery against hostile DNS (an
// SRV target and an MX name with escape sequences), a hostile autoconfig
// file and hostile servers, and checks every string it hands back.
func TestHostileDiscoverEmail(t *testing.T) {
	certs := hostiletest.NewCerts(t, false)
	imaps := hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true})
	pop3s := hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true})
	lo := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	res, _ := startDNS(t, dnsZone{
		a: map[string][]netip.Addr{"mail.evil.test": lo, "evil.test": lo},
		srv: map[string][]net.SRV{
			"_imaps._tcp.evil.test": {{Target: "x" + hostiletest.ASCIIPayload + ".evil.test", Port: uint16(imaps.Port()), Priority: 0, Weight: 1}},
			"_pop3s._tcp.evil.test": {{Target: "mail.evil.test", Port: uint16(pop3s.Port()), Priority: 0, Weight: 1}},
		},
		mx: map[string][]net.MX{"evil.test": {{Host: "mx\x1b]0;pwned\x07.evil.test", Pref: 10}}},
	})
	site := startAutoconfig(t, map[string]string{
		"autoconfig.evil.test/mail/config-v1.1.xml": fmt.Sprintf(hostileAutoconfig, imaps.Port()),
	}, "autoconfig.evil.test:443")
	d, events := discoverEmail(t, "user@evil.test", mailconn.DiscoverOptions{
		Timeout: 10 * time.Second, Resolver: res, HTTPClient: site.client, CAFile: certs.CAFile,
	})
	texts := map[string]string{"username": d.Username}
	for i, l := range d.Lookups {
		p := fmt.Sprintf("lookup %d %s %s ", i, l.Source, l.Query)
		texts[p+"found"] = strings.Join(l.Found, "; ")
		texts[p+"notes"] = strings.Join(l.Notes, "; ")
		if l.Err != nil {
			texts[p+"err"] = l.Err.Error()
		}
	}
	for i, e := range events {
		if e.Lookup != nil {
			texts[fmt.Sprintf("event %d found", i)] = strings.Join(e.Lookup.Found, "; ")
		}
		if e.Probe != nil {
			texts[fmt.Sprintf("event %d greeting", i)] = e.Probe.Greeting
			texts[fmt.Sprintf("event %d mechanisms", i)] = e.Probe.MechanismsText()
		}
	}
	answered := 0
	for i, r := range d.Results {
		if r.Answered {
			answered++
		}
		p := fmt.Sprintf("result %d (%s) ", i, r.Candidate)
		texts[p+"greeting"] = r.Greeting
		texts[p+"mechanisms"] = r.MechanismsText()
		texts[p+"certificate error"] = r.CertificateError
		if r.TLS != nil {
			texts[p+"tls detail"] = r.TLS.Detail()
		}
	}
	if answered == 0 || d.Username == "" {
		t.Fatalf("nothing answered or no user name: %+v", d)
	}
	checkSafe(t, texts)
}
