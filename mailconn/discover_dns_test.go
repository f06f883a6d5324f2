package mailconn_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsZone is what the loopback DNS server knows. Names are lower case
// without the trailing dot; every other name is NXDOMAIN.
type dnsZone struct {
	a   map[string][]netip.Addr
	srv map[string][]net.SRV // "_imaps._tcp.example.test"
	mx  map[string][]net.MX
}

// dnsServer is a UDP DNS server on 127.0.0.1 answering from a zone.
type dnsServer struct {
	pc      net.PacketConn
	zone    dnsZone
	wg      sync.WaitGroup
	mu      sync.Mutex
	queries []string // "SRV _imaps._tcp.example.test", …
}

// startDNS starts a DNS server for zone and returns a resolver that asks
// only it; the server stops with the test.
func startDNS(t testing.TB, zone dnsZone) (*net.Resolver, *dnsServer) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{pc: pc, zone: zone}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		pc.Close()
		s.wg.Wait()
	})
	addr := pc.LocalAddr().String()
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
	return res, s
}

func (s *dnsServer) serve() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		resp, err := s.answer(buf[:n])
		if err != nil {
			continue
		}
		_, _ = s.pc.WriteTo(resp, from)
	}
}

// asked lists the queries received.
func (s *dnsServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *dnsServer) answer(query []byte) ([]byte, error) {
	var q dnsmessage.Message
	if err := q.Unpack(query); err != nil {
		return nil, err
	}
	if len(q.Questions) != 1 {
		return nil, errors.New("want one question")
	}
	qu := q.Questions[0]
	name := strings.ToLower(strings.TrimSuffix(qu.Name.String(), "."))
	s.mu.Lock()
	s.queries = append(s.queries, strings.TrimPrefix(qu.Type.String(), "Type")+" "+name)
	s.mu.Unlock()
	resp := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true, RecursionDesired: q.RecursionDesired},
		Questions: q.Questions,
	}
	hdr := dnsmessage.ResourceHeader{Name: qu.Name, Type: qu.Type, Class: dnsmessage.ClassINET, TTL: 60}
	_, knownA := s.zone.a[name]
	_, knownSRV := s.zone.srv[name]
	_, knownMX := s.zone.mx[name]
	if !knownA && !knownSRV && !knownMX {
		resp.RCode = dnsmessage.RCodeNameError
		return resp.Pack()
	}
	switch qu.Type {
	case dnsmessage.TypeA:
		for _, a := range s.zone.a[name] {
			if a.Is4() {
				resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AResource{A: a.As4()}})
			}
		}
	case dnsmessage.TypeAAAA:
		for _, a := range s.zone.a[name] {
			if a.Is6() {
				resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AAAAResource{AAAA: a.As16()}})
			}
		}
	case dnsmessage.TypeSRV:
		for _, r := range s.zone.srv[name] {
			target, err := dnsmessage.NewName(dotted(r.Target))
			if err != nil {
				return nil, err
			}
			resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.SRVResource{
				Priority: r.Priority, Weight: r.Weight, Port: r.Port, Target: target,
			}})
		}
	case dnsmessage.TypeMX:
		for _, r := range s.zone.mx[name] {
			host, err := dnsmessage.NewName(dotted(r.Host))
			if err != nil {
				return nil, err
			}
			resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.MXResource{Pref: r.Pref, MX: host}})
		}
	}
	return resp.Pack()
}

// dotted makes a name absolute: "a.test" → "a.test.", "." stays.
func dotted(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

func loopback() []netip.Addr { return []netip.Addr{netip.MustParseAddr("127.0.0.1")} }

// TestDNSServer checks the test's own DNS server through Go's resolver.
func TestDNSServer(t *testing.T) {
	res, _ := startDNS(t, dnsZone{
		a:   map[string][]netip.Addr{"mail.dns.test": loopback()},
		srv: map[string][]net.SRV{"_imaps._tcp.dns.test": {{Target: "mail.dns.test", Port: 993, Priority: 1}}},
		mx:  map[string][]net.MX{"dns.test": {{Host: "mx.dns.test", Pref: 10}}},
	})
	ctx := context.Background()
	addrs, err := res.LookupNetIP(ctx, "ip", "mail.dns.test")
	if err != nil || len(addrs) != 1 || addrs[0].Unmap().String() != "127.0.0.1" {
		t.Errorf("A: %v %v", addrs, err)
	}
	_, srvs, err := res.LookupSRV(ctx, "imaps", "tcp", "dns.test")
	if err != nil || len(srvs) != 1 || srvs[0].Target != "mail.dns.test." || srvs[0].Port != 993 {
		t.Errorf("SRV: %v %v", srvs, err)
	}
	mxs, err := res.LookupMX(ctx, "dns.test")
	if err != nil || len(mxs) != 1 || mxs[0].Host != "mx.dns.test." {
		t.Errorf("MX: %v %v", mxs, err)
	}
	_, err = res.LookupNetIP(ctx, "ip", "nothing.dns.test")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("unknown name: %v, want not found", err)
	}
}
