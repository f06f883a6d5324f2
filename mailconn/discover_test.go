package mailconn_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// rigPorts maps every candidate kind to the rig's listener for it.
func rigPorts(srv *mailtest.Server) map[string]int {
	return map[string]int{
		mailconn.KindIMAPS: srv.IMAPS, mailconn.KindIMAP: srv.IMAP, mailconn.KindIMAPPlain: srv.IMAPPlainOnly,
		mailconn.KindPOP3S: srv.POP3S, mailconn.KindPOP3: srv.POP3, mailconn.KindPOP3Plain: srv.POP3PlainOnly,
	}
}

// probeHost runs ProbeHost with a hang guard and checks the report
// contract: one report per candidate, the same results as returned.
func probeHost(t *testing.T, host string, o mailconn.DiscoverOptions) []mailconn.ProbeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	var reported []mailconn.ProbeResult
	res, err := mailconn.ProbeHost(ctx, host, o, func(r mailconn.ProbeResult) { reported = append(reported, r) })
	if err != nil {
		t.Fatalf("ProbeHost: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("ProbeHost ran into the hang guard")
	}
	want := o.HostCandidates(host)
	if len(reported) != len(res) || len(res) != len(want) {
		t.Fatalf("%d reported, %d returned, want %d", len(reported), len(res), len(want))
	}
	for i, c := range want {
		if got := res[i].Candidate; got != c {
			t.Errorf("result %d is %v, want %v (candidate order)", i, got, c)
		}
		if !slices.ContainsFunc(reported, func(r mailconn.ProbeResult) bool { return r.Candidate == c }) {
			t.Errorf("%v was not reported", c)
		}
	}
	return res
}

func byKind(t *testing.T, res []mailconn.ProbeResult, kind string) mailconn.ProbeResult {
	t.Helper()
	for _, r := range res {
		if r.Candidate.Kind() == kind {
			return r
		}
	}
	t.Fatalf("no result for %s", kind)
	return mailconn.ProbeResult{}
}

func TestProbeHostRig(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	base := mailconn.DiscoverOptions{Timeout: hangGuard / 2, CAFile: srv.CAFile}

	t.Run("every listener answers", func(t *testing.T) {
		o := base
		o.Ports = rigPorts(srv)
		res := probeHost(t, srv.Host, o)
		for _, r := range res {
			k := r.Candidate.Kind()
			if !r.Answered || !r.Greeted || r.Err != nil {
				t.Errorf("%s: not answered: %v (%s)\n%s", k, r.Err, r.Problem, srv.Log())
				continue
			}
			if r.Candidate.Host != srv.Host || r.Candidate.Port != o.Ports[k] {
				t.Errorf("%s: candidate %+v", k, r.Candidate)
			}
			for _, m := range []string{"PLAIN", "LOGIN"} {
				if !slices.Contains(r.Mechanisms, m) {
					t.Errorf("%s: mechanisms %v lack %s", k, r.Mechanisms, m)
				}
			}
			if r.Candidate.Protocol == config.ProtocolPOP3 && !slices.Contains(r.Mechanisms, "USER") {
				t.Errorf("%s: mechanisms %v lack USER", k, r.Mechanisms)
			}
			if r.Greeting == "" || r.Elapsed <= 0 {
				t.Errorf("%s: greeting %q, elapsed %v", k, r.Greeting, r.Elapsed)
			}
			switch r.Candidate.Security {
			case config.SecurityNone:
				if r.TLS != nil || r.TLSVersion() != "" || r.CertificateOK || r.StartTLSOffered {
					t.Errorf("%s: plain-only listener: TLS %v, cert ok %v, STARTTLS offered %v", k, r.TLS, r.CertificateOK, r.StartTLSOffered)
				}
				if !r.Flagged() {
					t.Errorf("%s: plain text not flagged", k)
				}
			default:
				if r.TLSVersion() != "TLS 1.3" || !r.CertificateOK || r.CertificateError != "" || r.Flagged() {
					t.Errorf("%s: TLS %q, cert ok %v %q, flagged %v", k, r.TLSVersion(), r.CertificateOK, r.CertificateError, r.Flagged())
				}
			}
		}
		best, ok := mailconn.Recommend(res)
		if !ok || best.Candidate.Kind() != mailconn.KindIMAPS {
			t.Errorf("recommended %+v (%v), want IMAPS", best.Candidate, ok)
		}
	})

	t.Run("mismatched ports", func(t *testing.T) {
		o := base
		o.Ports = map[string]int{
			mailconn.KindIMAPS:     srv.IMAP,          // TLS to a plain-text port
			mailconn.KindIMAP:      srv.IMAPPlainOnly, // STARTTLS where none is offered
			mailconn.KindIMAPPlain: srv.IMAP,          // plain text where STARTTLS is offered
			mailconn.KindPOP3S:     srv.POP3,
			mailconn.KindPOP3:      srv.POP3PlainOnly,
			mailconn.KindPOP3Plain: srv.POP3,
		}
		res := probeHost(t, srv.Host, o)
		for _, k := range []string{mailconn.KindIMAPS, mailconn.KindPOP3S} {
			r := byKind(t, res, k)
			if r.Answered || r.Step != mailconn.StepTLS || r.Problem != "port speaks plain text, not TLS" {
				t.Errorf("%s on a plain port: answered %v, step %s, problem %q (%v)", k, r.Answered, r.Step, r.Problem, r.Err)
			}
		}
		for _, k := range []string{mailconn.KindIMAP, mailconn.KindPOP3} {
			r := byKind(t, res, k)
			if r.Answered || !r.Greeted || r.Step != mailconn.StepStartTLS || !errors.Is(r.Err, mailconn.ErrStartTLSNotOffered) || r.Problem != "STARTTLS not offered" {
				t.Errorf("%s without STARTTLS: answered %v, greeted %v, step %s, problem %q (%v)", k, r.Answered, r.Greeted, r.Step, r.Problem, r.Err)
			}
			if r.Hint == "" {
				t.Errorf("%s: no hint", k)
			}
		}
		for _, k := range []string{mailconn.KindIMAPPlain, mailconn.KindPOP3Plain} {
			r := byKind(t, res, k)
			if !r.Answered || !r.StartTLSOffered {
				t.Errorf("%s on a STARTTLS port: answered %v, STARTTLS offered %v (%v)", k, r.Answered, r.StartTLSOffered, r.Err)
			}
		}
		// Only plain text answered: what a stripped connection looks like.
		if best, ok := mailconn.Recommend(res); ok {
			t.Errorf("recommended %+v; only plain text answered, want none", best.Candidate)
		}
		if !mailconn.PlainTextOnly(res) {
			t.Error("PlainTextOnly is false with only plain text answering")
		}
		if best, ok := mailconn.BestPlainText(res); !ok || best.Candidate.Kind() != mailconn.KindIMAPPlain {
			t.Errorf("best plain text %+v (%v), want plain IMAP", best.Candidate, ok)
		}
	})

	// An attacker who blocks 993/995 and removes STARTTLS from the
	// capabilities leaves exactly this: greetings in plain text, STARTTLS
	// not offered, the TLS ports closed.
	t.Run("STARTTLS stripped, TLS ports closed", func(t *testing.T) {
		o := base
		closed := freePort(t)
		o.Ports = map[string]int{
			mailconn.KindIMAPS: closed, mailconn.KindIMAP: srv.IMAPPlainOnly,
			mailconn.KindPOP3S: closed, mailconn.KindPOP3: srv.POP3PlainOnly,
		}
		res := probeHost(t, srv.Host, o)
		for _, k := range []string{mailconn.KindIMAP, mailconn.KindPOP3} {
			if r := byKind(t, res, k); r.Answered || !errors.Is(r.Err, mailconn.ErrStartTLSNotOffered) {
				t.Errorf("%s: answered %v, err %v; want STARTTLS not offered", k, r.Answered, r.Err)
			}
		}
		for _, k := range []string{mailconn.KindIMAPPlain, mailconn.KindPOP3Plain} {
			if r := byKind(t, res, k); !r.Answered || r.StartTLSOffered {
				t.Errorf("%s: answered %v, STARTTLS offered %v", k, r.Answered, r.StartTLSOffered)
			}
		}
		if best, ok := mailconn.Recommend(res); ok {
			t.Errorf("recommended %+v on a stripped connection, want none", best.Candidate)
		}
		if !mailconn.PlainTextOnly(res) {
			t.Error("PlainTextOnly is false on a stripped connection")
		}
	})

	t.Run("capabilities after STARTTLS", func(t *testing.T) {
		// The Remote listeners refuse passwords before TLS, as a server
		// does for a client that is not local.
		o := base
		o.Ports = map[string]int{mailconn.KindIMAP: srv.IMAPRemote, mailconn.KindPOP3: srv.POP3Remote}
		o.Timeout = hangGuard / 2
		res := probeHost(t, srv.Host, o)
		plain := byKind(t, res, mailconn.KindIMAPPlain)
		if !plain.Answered || !plain.LoginDisabled || slices.Contains(plain.Mechanisms, "LOGIN") || !plain.StartTLSOffered {
			t.Errorf("plain IMAP before TLS: answered %v, LOGINDISABLED %v, mechanisms %v, STARTTLS %v",
				plain.Answered, plain.LoginDisabled, plain.Mechanisms, plain.StartTLSOffered)
		}
		tls := byKind(t, res, mailconn.KindIMAP)
		if !tls.Answered || tls.LoginDisabled || !slices.Contains(tls.Mechanisms, "PLAIN") || !slices.Contains(tls.Mechanisms, "LOGIN") {
			t.Errorf("IMAP after STARTTLS: answered %v, LOGINDISABLED %v, mechanisms %v", tls.Answered, tls.LoginDisabled, tls.Mechanisms)
		}
		pop := byKind(t, res, mailconn.KindPOP3Plain)
		if !pop.Answered || len(pop.Mechanisms) != 0 {
			t.Errorf("plain POP3 before TLS: answered %v, mechanisms %v, want none", pop.Answered, pop.Mechanisms)
		}
		popTLS := byKind(t, res, mailconn.KindPOP3)
		if !popTLS.Answered || !slices.Contains(popTLS.Mechanisms, "PLAIN") || !slices.Contains(popTLS.Mechanisms, "USER") {
			t.Errorf("POP3 after STLS: answered %v, mechanisms %v", popTLS.Answered, popTLS.Mechanisms)
		}
	})

	t.Run("unknown CA is flagged, not dropped", func(t *testing.T) {
		o := base
		o.CAFile = "" // the rig's CA is not trusted now
		o.Ports = rigPorts(srv)
		res := probeHost(t, srv.Host, o)
		r := byKind(t, res, mailconn.KindIMAPS)
		if !r.Answered || r.CertificateOK || !strings.Contains(r.CertificateError, "unknown authority") || !r.Flagged() {
			t.Errorf("IMAPS with an untrusted CA: answered %v, cert ok %v, error %q, flagged %v", r.Answered, r.CertificateOK, r.CertificateError, r.Flagged())
		}
		if r.TLS == nil || r.TLS.Problem == nil || r.TLS.SHA256 != srv.CertSHA256 {
			t.Errorf("TLS info %+v, want the problem and fingerprint %s", r.TLS, srv.CertSHA256)
		}
		best, ok := mailconn.Recommend(res)
		if !ok || best.Candidate.Kind() != mailconn.KindIMAPS || best.CertificateOK {
			t.Errorf("recommended %+v (cert ok %v), want the flagged IMAPS", best.Candidate, best.CertificateOK)
		}
	})

	t.Run("tls server name", func(t *testing.T) {
		o := base
		o.Ports = rigPorts(srv)
		o.TLSServerName = mailtest.WrongHostName
		r := byKind(t, probeHost(t, srv.Host, o), mailconn.KindPOP3S)
		if !r.Answered || r.CertificateOK || !strings.Contains(r.CertificateError, "does not match "+mailtest.WrongHostName) {
			t.Errorf("verified against %s: answered %v, cert ok %v, error %q", mailtest.WrongHostName, r.Answered, r.CertificateOK, r.CertificateError)
		}
	})
}

func TestProbeHostSelfSigned(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertSelfSigned})
	res := probeHost(t, srv.Host, mailconn.DiscoverOptions{Timeout: hangGuard / 2, CAFile: srv.CAFile, Ports: rigPorts(srv)})
	for _, r := range res {
		if !r.Answered {
			t.Errorf("%s: not answered: %v", r.Candidate.Kind(), r.Err)
		}
		if r.Candidate.Security != config.SecurityNone && (r.CertificateOK || !strings.Contains(r.CertificateError, "self-signed")) {
			t.Errorf("%s: cert ok %v, error %q", r.Candidate.Kind(), r.CertificateOK, r.CertificateError)
		}
	}
	best, ok := mailconn.Recommend(res)
	if !ok || best.Candidate.Kind() != mailconn.KindIMAPS || !best.Flagged() {
		t.Errorf("recommended %+v, flagged %v; want IMAPS, flagged", best.Candidate, best.Flagged())
	}
}

func TestProbeHostSilent(t *testing.T) {
	s := startFake(t, func(_ *fakeServer, c net.Conn) { drain(c) })
	defer s.close()
	ports := map[string]int{}
	for _, k := range mailconn.Kinds {
		ports[k] = s.port()
	}
	const timeout = time.Second
	res := probeHost(t, "127.0.0.1", mailconn.DiscoverOptions{Timeout: timeout, Ports: ports})
	for _, r := range res {
		var te *mailconn.TimeoutError
		if r.Answered || !errors.As(r.Err, &te) || r.Greeted {
			t.Errorf("%s: answered %v, greeted %v, err %v; want a timeout", r.Candidate.Kind(), r.Answered, r.Greeted, r.Err)
		}
		want := mailconn.StepGreeting
		if r.Candidate.Security == config.SecurityTLS {
			want = mailconn.StepTLS
		}
		if r.Step != want {
			t.Errorf("%s: failed at %s, want %s", r.Candidate.Kind(), r.Step, want)
		}
	}
	if _, ok := mailconn.Recommend(res); ok {
		t.Error("a recommendation from a silent host")
	}
}

func TestProbeHostClosedPort(t *testing.T) {
	port := freePort(t)
	ports := map[string]int{}
	for _, k := range mailconn.Kinds {
		ports[k] = port
	}
	res := probeHost(t, "127.0.0.1", mailconn.DiscoverOptions{Timeout: hangGuard / 2, Ports: ports})
	for _, r := range res {
		if r.Answered || r.Step != mailconn.StepConnect || r.Problem != "connection refused" || r.Greeted {
			t.Errorf("%s: answered %v, step %s, problem %q (%v)", r.Candidate.Kind(), r.Answered, r.Step, r.Problem, r.Err)
		}
	}
}

func TestProbeHostNoSuchName(t *testing.T) {
	res, _ := startDNS(t, dnsZone{})
	got := probeHost(t, "imap.nowhere.test", mailconn.DiscoverOptions{Timeout: hangGuard / 2, Resolver: res})
	for _, r := range got {
		if r.Answered || r.Step != mailconn.StepResolve || r.Problem != "no such host" {
			t.Errorf("%s: answered %v, step %s, problem %q (%v)", r.Candidate.Kind(), r.Answered, r.Step, r.Problem, r.Err)
		}
	}
}

func TestProbeHostCanceled(t *testing.T) {
	s := startFake(t, func(_ *fakeServer, c net.Conn) { drain(c) })
	defer s.close()
	ports := map[string]int{}
	for _, k := range mailconn.Kinds {
		ports[k] = s.port()
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	done := make(chan []mailconn.ProbeResult)
	go func() {
		res, _ := mailconn.ProbeHost(ctx, "127.0.0.1", mailconn.DiscoverOptions{Timeout: hangGuard, Ports: ports}, func(mailconn.ProbeResult) { n++ })
		done <- res
	}()
	time.Sleep(100 * time.Millisecond) // let the probes connect; correctness does not depend on it
	cancel()
	select {
	case res := <-done:
		for _, r := range res {
			if r.Answered || !errors.Is(r.Err, mailconn.ErrCanceled) {
				t.Errorf("%s: answered %v, err %v; want canceled", r.Candidate.Kind(), r.Answered, r.Err)
			}
		}
		if n != len(mailconn.Kinds) {
			t.Errorf("%d reports, want %d", n, len(mailconn.Kinds))
		}
	case <-time.After(hangGuard):
		t.Fatal("ProbeHost did not end when cancelled")
	}
}

func TestProbeHostBadOptions(t *testing.T) {
	_, err := mailconn.ProbeHost(context.Background(), "127.0.0.1", mailconn.DiscoverOptions{CAFile: "/nonexistent/ca.pem"}, nil)
	var ce *mailconn.TLSConfigError
	if !errors.As(err, &ce) || ce.Field != mailconn.FieldCAFile {
		t.Errorf("unreadable CA file: %v, want a TLSConfigError for ca_file", err)
	}
	if _, err := mailconn.ProbeHost(context.Background(), " ", mailconn.DiscoverOptions{}, nil); err == nil {
		t.Error("empty host: no error")
	}
}

func TestHostCandidatesPorts(t *testing.T) {
	tests := []struct {
		name  string
		ports map[string]int
		want  map[string]int
	}{
		{"defaults", nil, map[string]int{"imaps": 993, "imap": 143, "imap-plain": 143, "pop3s": 995, "pop3": 110, "pop3-plain": 110}},
		{"plain follows starttls", map[string]int{"imap": 10143, "pop3s": 10995},
			map[string]int{"imaps": 993, "imap": 10143, "imap-plain": 10143, "pop3s": 10995, "pop3": 110, "pop3-plain": 110}},
		{"plain of its own", map[string]int{"imap": 10143, "imap-plain": 20143},
			map[string]int{"imaps": 993, "imap": 10143, "imap-plain": 20143, "pop3s": 995, "pop3": 110, "pop3-plain": 110}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range mailconn.HostCandidates("h.test", tt.ports) {
				if c.Host != "h.test" || c.Port != tt.want[c.Kind()] {
					t.Errorf("%s: %+v, want port %d", c.Kind(), c, tt.want[c.Kind()])
				}
			}
		})
	}
}

func TestRecommend(t *testing.T) {
	type cand struct {
		kind     string
		answered bool
		certOK   bool
		outside  bool
	}
	mk := func(cs ...cand) []mailconn.ProbeResult {
		var out []mailconn.ProbeResult
		for i, c := range cs {
			r := mailconn.ProbeResult{Answered: c.answered, CertificateOK: c.certOK, Greeting: strconv.Itoa(i)}
			r.Candidate = mailconn.HostCandidates("h.test", nil)[slices.Index(mailconn.Kinds, c.kind)]
			r.Candidate.OutsideDomain = c.outside
			if r.Candidate.Security != config.SecurityNone {
				r.TLS = &mailconn.TLSInfo{Version: "TLS 1.3", Verified: c.certOK}
			}
			out = append(out, r)
		}
		return out
	}
	tests := []struct {
		name    string
		results []mailconn.ProbeResult
		want    int // index of the recommendation, -1 for none
	}{
		{"TLS before STARTTLS before plain",
			mk(cand{kind: "imap-plain", answered: true}, cand{kind: "imap", answered: true, certOK: true}, cand{kind: "imaps", answered: true, certOK: true}), 2},
		{"STARTTLS before plain",
			mk(cand{kind: "imap-plain", answered: true}, cand{kind: "pop3", answered: true, certOK: true}), 1},
		{"IMAP before POP3",
			mk(cand{kind: "pop3s", answered: true, certOK: true}, cand{kind: "imaps", answered: true, certOK: true}), 1},
		{"valid certificate before invalid",
			mk(cand{kind: "imaps", answered: true}, cand{kind: "imaps", answered: true, certOK: true}), 1},
		{"invalid certificate flagged, not dropped",
			mk(cand{kind: "imaps", answered: true}, cand{kind: "imap", answered: false, certOK: true}), 0},
		{"TLS with an invalid certificate before STARTTLS with a valid one",
			mk(cand{kind: "imap", answered: true, certOK: true}, cand{kind: "imaps", answered: true}), 1},
		{"inside the domain before outside",
			mk(cand{kind: "imaps", answered: true, certOK: true, outside: true}, cand{kind: "imaps", answered: true, certOK: true}), 1},
		{"the earlier of equals",
			mk(cand{kind: "pop3s", answered: true, certOK: true}, cand{kind: "pop3s", answered: true, certOK: true}), 0},
		{"answered only",
			mk(cand{kind: "imap"}, cand{kind: "pop3", answered: true, certOK: true}), 1},
		{"never plain text",
			mk(cand{kind: "imaps"}, cand{kind: "pop3-plain", answered: true}, cand{kind: "imap-plain", answered: true}), -1},
		{"none answered", mk(cand{kind: "imaps"}, cand{kind: "imap"}), -1},
		{"empty", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mailconn.Recommend(tt.results)
			if tt.want < 0 {
				if ok {
					t.Errorf("recommended %+v, want none", got.Candidate)
				}
				return
			}
			if !ok || got.Greeting != strconv.Itoa(tt.want) {
				t.Errorf("recommended #%s %+v, want #%d %+v", got.Greeting, got.Candidate, tt.want, tt.results[tt.want].Candidate)
			}
		})
	}
}

func TestBestPlainText(t *testing.T) {
	cands := mailconn.HostCandidates("h.test", nil)
	res := func(kind string, answered bool) mailconn.ProbeResult {
		r := mailconn.ProbeResult{Candidate: cands[slices.Index(mailconn.Kinds, kind)], Answered: answered}
		if r.Candidate.Security != config.SecurityNone {
			r.TLS = &mailconn.TLSInfo{Version: "TLS 1.3", Verified: true}
			r.CertificateOK = true
		}
		return r
	}
	tests := []struct {
		name      string
		results   []mailconn.ProbeResult
		plainOnly bool
		wantPlain string // kind of BestPlainText, "" for none
	}{
		{"only plain text", []mailconn.ProbeResult{res("imaps", false), res("pop3-plain", true), res("imap-plain", true)}, true, "imap-plain"},
		{"STARTTLS beside plain text", []mailconn.ProbeResult{res("pop3", true), res("imap-plain", true)}, false, "imap-plain"},
		{"nothing answered", []mailconn.ProbeResult{res("imaps", false), res("imap-plain", false)}, false, ""},
		{"TLS only", []mailconn.ProbeResult{res("imaps", true)}, false, ""},
		{"empty", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mailconn.PlainTextOnly(tt.results); got != tt.plainOnly {
				t.Errorf("PlainTextOnly = %v, want %v", got, tt.plainOnly)
			}
			got, ok := mailconn.BestPlainText(tt.results)
			if tt.wantPlain == "" {
				if ok {
					t.Errorf("BestPlainText = %+v, want none", got.Candidate)
				}
				return
			}
			if !ok || got.Candidate.Kind() != tt.wantPlain {
				t.Errorf("BestPlainText = %+v (%v), want %s", got.Candidate, ok, tt.wantPlain)
			}
		})
	}
}
