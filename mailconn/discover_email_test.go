package mailconn_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// autoconfigSite is a local HTTPS server standing in for the autoconfig
// hosts of some domains; its client reaches only it.
type autoconfigSite struct {
	srv    *httptest.Server
	client *http.Client
	mu     sync.Mutex
	hits   []string // "host path"
}

// startAutoconfig serves files (by "host/path", e.g.
// "autoconfig.example.test/mail/config-v1.1.xml") over HTTPS. The client it
// returns trusts the server's certificate and connects every host in hosts
// (port 443) to it; any other host fails, so nothing reaches the internet.
func startAutoconfig(t *testing.T, files map[string]string, hosts ...string) *autoconfigSite {
	t.Helper()
	s := &autoconfigSite{}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Host+" "+r.URL.RequestURI())
		s.mu.Unlock()
		body, ok := files[r.Host+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = fmt.Fprint(w, body)
	}))
	t.Cleanup(s.srv.Close)
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	// httptest's certificate names example.com: verify against that name.
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	addr := s.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
		if !slices.Contains(hosts, hostport) {
			return nil, fmt.Errorf("test network: no route to %s", hostport)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	s.client = &http.Client{Transport: tr}
	return s
}

func (s *autoconfigSite) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hits...)
}

const autoconfigXML = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <displayName>Example</displayName>
    <incomingServer type="imap">
      <hostname>imap.%%EMAILDOMAIN%%</hostname>
      <port>%d</port>
      <socketType>SSL</socketType>
      <username>%%EMAILADDRESS%%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="exchange">
      <hostname>ews.example.test</hostname>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.test</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>`

// discoverEmail runs DiscoverEmail with a hang guard and checks the
// report contract.
func discoverEmail(t *testing.T, email string, o mailconn.DiscoverOptions) (*mailconn.Discovery, []mailconn.DiscoverEvent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	var events []mailconn.DiscoverEvent
	d, err := mailconn.DiscoverEmail(ctx, email, o, func(e mailconn.DiscoverEvent) { events = append(events, e) })
	if err != nil {
		t.Fatalf("DiscoverEmail: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("DiscoverEmail ran into the hang guard")
	}
	var lookups, probes, providers int
	for _, e := range events {
		n := 0
		if e.Lookup != nil {
			lookups++
			n++
		}
		if e.Probe != nil {
			probes++
			n++
		}
		if e.Provider != nil {
			providers++
			n++
		}
		if n != 1 {
			t.Errorf("event %+v sets %d fields, want 1", e, n)
		}
	}
	if lookups != len(d.Lookups) || probes != len(d.Results) || len(d.Results) != len(d.Candidates) {
		t.Errorf("%d lookup events for %d lookups, %d probe events for %d results of %d candidates",
			lookups, len(d.Lookups), probes, len(d.Results), len(d.Candidates))
	}
	if (providers == 1) != (d.Provider != nil) || providers > 1 {
		t.Errorf("%d provider events, provider %+v", providers, d.Provider)
	}
	return d, events
}

func findLookup(d *mailconn.Discovery, source, query string) (mailconn.Lookup, bool) {
	for _, l := range d.Lookups {
		if l.Source == source && l.Query == query {
			return l, true
		}
	}
	return mailconn.Lookup{}, false
}

func candidateKeys(cs []mailconn.ProbeCandidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s:%d %s", c.Source, c.Host, c.Port, c.Kind()))
	}
	return out
}

func TestDiscoverEmailRig(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	u16 := func(p int) uint16 { return uint16(p) }
	res, dns := startDNS(t, dnsZone{
		a: map[string][]netip.Addr{
			"mail.example.test": loopback(), "imap.example.test": loopback(),
			"mx.example.test": loopback(), "pop.elsewhere.test": loopback(),
		},
		srv: map[string][]net.SRV{
			"_imaps._tcp.example.test": {{Target: "mail.example.test", Port: u16(srv.IMAPS), Priority: 10, Weight: 1}},
			"_imap._tcp.example.test":  {{Target: "mail.example.test", Port: u16(srv.IMAP), Priority: 20, Weight: 1}},
			"_pop3s._tcp.example.test": {{Target: "pop.elsewhere.test", Port: u16(srv.POP3S), Priority: 5, Weight: 1}},
			"_pop3._tcp.example.test":  {{Target: ".", Port: 0}},
		},
		mx: map[string][]net.MX{"example.test": {{Host: "mx.example.test", Pref: 10}}},
	})
	site := startAutoconfig(t, map[string]string{
		"autoconfig.example.test/mail/config-v1.1.xml": fmt.Sprintf(autoconfigXML, srv.IMAPS),
	}, "autoconfig.example.test:443", "example.test:443")

	o := mailconn.DiscoverOptions{
		Timeout: hangGuard / 2, CAFile: srv.CAFile, TLSServerName: "localhost",
		Resolver: res, HTTPClient: site.client, Ports: rigPorts(srv),
	}
	d, _ := discoverEmail(t, "alice@Example.Test", o)

	if d.Domain != "example.test" || d.Username != "alice@Example.Test" {
		t.Errorf("domain %q, user name %q", d.Domain, d.Username)
	}
	if d.Provider != nil {
		t.Errorf("provider %+v for a private domain", d.Provider)
	}
	if !slices.Equal(d.NotOffered, []string{mailconn.KindPOP3}) {
		t.Errorf("not offered %v, want [pop3] from the \".\" target", d.NotOffered)
	}

	t.Run("lookups", func(t *testing.T) {
		l, ok := findLookup(d, mailconn.SourceSRV, "_pop3._tcp.example.test")
		if !ok || len(l.Found) != 0 || len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "not offered") {
			t.Errorf("_pop3._tcp: %+v", l)
		}
		l, ok = findLookup(d, mailconn.SourceSRV, "_pop3s._tcp.example.test")
		if !ok || len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "pop.elsewhere.test is outside example.test") {
			t.Errorf("_pop3s._tcp: %+v", l)
		}
		l, ok = findLookup(d, mailconn.SourceSRV, "_imaps._tcp.example.test")
		if !ok || len(l.Found) != 1 || !strings.HasPrefix(l.Found[0], fmt.Sprintf("mail.example.test:%d", srv.IMAPS)) || len(l.Notes) != 0 {
			t.Errorf("_imaps._tcp: %+v", l)
		}
		l, ok = findLookup(d, mailconn.SourceAutoconfig, "https://autoconfig.example.test/mail/config-v1.1.xml")
		if !ok || l.Err != nil || len(l.Found) != 1 || !strings.Contains(l.Found[0], "user name alice@Example.Test") {
			t.Errorf("autoconfig: %+v", l)
		}
		if _, ok := findLookup(d, mailconn.SourceAutoconfig, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml"); ok {
			t.Error("the .well-known file was fetched although the first one was found")
		}
		if l, ok := findLookup(d, mailconn.SourceMX, "example.test"); !ok || !slices.Equal(l.Found, []string{"mx.example.test (preference 10)"}) {
			t.Errorf("MX: %+v", l)
		}
		if l, ok := findLookup(d, mailconn.SourceName, "pop3.example.test"); !ok || len(l.Found) != 0 || l.Err != nil {
			t.Errorf("a name that does not exist: %+v", l)
		}
		if l, ok := findLookup(d, mailconn.SourceName, "imap.example.test"); !ok || !slices.Equal(l.Found, []string{"127.0.0.1"}) {
			t.Errorf("imap.example.test: %+v", l)
		}
		if reqs := site.requests(); len(reqs) != 1 || !strings.Contains(reqs[0], "emailaddress=alice%40Example.Test") {
			t.Errorf("autoconfig requests %q", reqs)
		}
		for _, q := range []string{"SRV _imaps._tcp.example.test", "SRV _pop3._tcp.example.test", "MX example.test", "A mail.example.test"} {
			if !slices.Contains(dns.asked(), q) {
				t.Errorf("DNS was not asked %q (asked %q)", q, dns.asked())
			}
		}
	})

	t.Run("candidates", func(t *testing.T) {
		got := candidateKeys(d.Candidates)
		want := []string{
			// SRV by priority across the labels; the "." label gives none.
			fmt.Sprintf("SRV _pop3s._tcp pop.elsewhere.test:%d pop3s", srv.POP3S),
			fmt.Sprintf("SRV _imaps._tcp mail.example.test:%d imaps", srv.IMAPS),
			fmt.Sprintf("SRV _imap._tcp mail.example.test:%d imap", srv.IMAP),
			// autoconfig
			fmt.Sprintf("autoconfig imap.example.test:%d imaps", srv.IMAPS),
			// usual names: imap. for IMAP only (its IMAPS is the autoconfig one), mail. for all but POP3 STARTTLS and plain
			fmt.Sprintf("usual name imap.example.test:%d imap", srv.IMAP),
			fmt.Sprintf("usual name imap.example.test:%d imap-plain", srv.IMAPPlainOnly),
			fmt.Sprintf("usual name mail.example.test:%d imap-plain", srv.IMAPPlainOnly),
			fmt.Sprintf("usual name mail.example.test:%d pop3s", srv.POP3S),
			// MX
			fmt.Sprintf("MX mx.example.test:%d imaps", srv.IMAPS),
			fmt.Sprintf("MX mx.example.test:%d imap", srv.IMAP),
			fmt.Sprintf("MX mx.example.test:%d imap-plain", srv.IMAPPlainOnly),
			fmt.Sprintf("MX mx.example.test:%d pop3s", srv.POP3S),
		}
		if !slices.Equal(got, want) {
			t.Errorf("candidates\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, c := range d.Candidates {
			if c.OutsideDomain != (c.Host == "pop.elsewhere.test") {
				t.Errorf("%s: outside domain %v", c, c.OutsideDomain)
			}
		}
	})

	t.Run("probes", func(t *testing.T) {
		for _, r := range d.Results {
			if !r.Answered {
				t.Errorf("%s: not answered: %v", r.Candidate, r.Err)
			}
			if r.Candidate.Security != config.SecurityNone && !r.CertificateOK {
				t.Errorf("%s: certificate %q", r.Candidate, r.CertificateError)
			}
			if r.Candidate.OutsideDomain && !r.Flagged() {
				t.Errorf("%s: outside the domain but not flagged", r.Candidate)
			}
		}
		best, ok := mailconn.Recommend(d.Results)
		if !ok || best.Candidate.Host != "mail.example.test" || best.Candidate.Kind() != mailconn.KindIMAPS {
			t.Errorf("recommended %+v, want IMAPS on mail.example.test", best.Candidate)
		}
	})
}

func TestDiscoverEmailWellKnown(t *testing.T) {
	res, _ := startDNS(t, dnsZone{})
	site := startAutoconfig(t, map[string]string{
		"second.test/.well-known/autoconfig/mail/config-v1.1.xml": fmt.Sprintf(autoconfigXML, 1993),
	}, "autoconfig.second.test:443", "second.test:443")
	d, _ := discoverEmail(t, "bob@second.test", mailconn.DiscoverOptions{Timeout: hangGuard / 2, Resolver: res, HTTPClient: site.client})
	first, ok1 := findLookup(d, mailconn.SourceAutoconfig, "https://autoconfig.second.test/mail/config-v1.1.xml")
	second, ok2 := findLookup(d, mailconn.SourceAutoconfig, "https://second.test/.well-known/autoconfig/mail/config-v1.1.xml")
	if !ok1 || first.Err == nil || !strings.Contains(first.Err.Error(), "404") {
		t.Errorf("first URL: %+v, want HTTP 404", first)
	}
	if !ok2 || second.Err != nil || len(second.Found) != 1 {
		t.Errorf(".well-known: %+v", second)
	}
	if got := candidateKeys(d.Candidates); !slices.Equal(got, []string{"autoconfig imap.second.test:1993 imaps"}) {
		t.Errorf("candidates %q", got)
	}
	// imap.second.test does not resolve: probed, not answered, no panic.
	if len(d.Results) != 1 || d.Results[0].Answered || d.Results[0].Step != mailconn.StepResolve {
		t.Errorf("results %+v", d.Results)
	}
	if d.Username != "bob@second.test" {
		t.Errorf("user name %q", d.Username)
	}
}

func TestDiscoverEmailProviders(t *testing.T) {
	tests := []struct {
		name, email string
		mx          string
		provider    string
		host        string // a provider candidate that must be there
		note        string
	}{
		{"Microsoft 365 by MX", "support@contoso.test", "contoso-test.mail.protection.outlook.com",
			config.ProviderMicrosoft, "outlook.office365.com", "OAuth 2.0 required"},
		{"Gmail by MX", "help@fabrikam.test", "aspmx.l.google.com", config.ProviderGoogle, "imap.gmail.com", "app password"},
		{"Gmail by domain", "someone@gmail.com", "", config.ProviderGoogle, "pop.gmail.com", "OAuth 2.0"},
		{"no provider", "a@plain.test", "mx.plain.test", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			domain := tt.email[strings.IndexByte(tt.email, '@')+1:]
			zone := dnsZone{}
			if tt.mx != "" {
				zone.mx = map[string][]net.MX{domain: {{Host: tt.mx, Pref: 0}}}
			}
			res, _ := startDNS(t, zone)
			site := startAutoconfig(t, nil)
			d, events := discoverEmail(t, tt.email, mailconn.DiscoverOptions{Timeout: hangGuard / 2, Resolver: res, HTTPClient: site.client})
			if tt.provider == "" {
				if d.Provider != nil {
					t.Errorf("provider %+v", d.Provider)
				}
				return
			}
			p := d.Provider
			if p == nil || p.ID != tt.provider || !strings.Contains(p.Note, tt.note) {
				t.Fatalf("provider %+v, want %s with %q", p, tt.provider, tt.note)
			}
			if p.ID == config.ProviderMicrosoft && (p.Separator != '/' || !p.OAuthRequired) {
				t.Errorf("Microsoft 365: separator %q, OAuth required %v", p.Separator, p.OAuthRequired)
			}
			if !slices.ContainsFunc(d.Candidates, func(c mailconn.ProbeCandidate) bool { return c.Host == tt.host && c.Source == p.Name }) {
				t.Errorf("no candidate on %s: %q", tt.host, candidateKeys(d.Candidates))
			}
			// The provider event comes before any probe.
			iProv := slices.IndexFunc(events, func(e mailconn.DiscoverEvent) bool { return e.Provider != nil })
			iProbe := slices.IndexFunc(events, func(e mailconn.DiscoverEvent) bool { return e.Probe != nil })
			if iProv < 0 || (iProbe >= 0 && iProbe < iProv) {
				t.Errorf("provider event at %d, first probe at %d", iProv, iProbe)
			}
			// Nothing resolves in the test's DNS: every probe fails at the
			// lookup, without leaving the machine.
			for _, r := range d.Results {
				if r.Answered || r.Step != mailconn.StepResolve {
					t.Errorf("%s: answered %v at %s", r.Candidate, r.Answered, r.Step)
				}
			}
		})
	}
}

func TestKnownProvider(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"outlook.office365.com"}, config.ProviderMicrosoft},
		{[]string{"OUTLOOK.OFFICE365.COM."}, config.ProviderMicrosoft},
		{[]string{"mx.example.com", "example-com.mail.protection.outlook.com"}, config.ProviderMicrosoft},
		{[]string{"hotmail.com"}, config.ProviderMicrosoft},
		{[]string{"imap.gmail.com"}, config.ProviderGoogle},
		{[]string{"alt1.aspmx.l.google.com"}, config.ProviderGoogle},
		{[]string{"googlemail.com"}, config.ProviderGoogle},
		{[]string{"notgoogle.com", "outlook.office365.com.evil.test", "mail.protection.outlook.com.test"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			p := mailconn.KnownProvider(tt.names...)
			switch {
			case tt.want == "" && p != nil:
				t.Errorf("got %+v, want none", p)
			case tt.want != "" && (p == nil || p.ID != tt.want || p.Matched == "" || p.Note == ""):
				t.Errorf("got %+v, want %s", p, tt.want)
			}
		})
	}
}

func TestDiscoverEmailErrors(t *testing.T) {
	for _, email := range []string{"", "nobody", "user@", "user@localhost", "user@bad host.test"} {
		t.Run(email, func(t *testing.T) {
			if _, err := mailconn.DiscoverEmail(context.Background(), email, mailconn.DiscoverOptions{}, nil); err == nil {
				t.Errorf("%q: no error", email)
			}
		})
	}
	_, err := mailconn.DiscoverEmail(context.Background(), "a@b.test", mailconn.DiscoverOptions{CAFile: "/nonexistent/ca.pem"}, nil)
	var ce *mailconn.TLSConfigError
	if !errors.As(err, &ce) {
		t.Errorf("unreadable CA file: %v", err)
	}
}
