package mailconn_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

func TestHostCandidatesExtraPorts(t *testing.T) {
	tests := []struct {
		name  string
		o     mailconn.DiscoverOptions
		extra map[int][]string // port -> the kinds added on it, in order
	}{
		{"none", mailconn.DiscoverOptions{}, nil},
		{"every kind of a new port", mailconn.DiscoverOptions{ExtraPorts: []int{44115}},
			map[int][]string{44115: mailconn.Kinds}},
		{"a usual port adds only the kinds it lacks", mailconn.DiscoverOptions{ExtraPorts: []int{143}},
			map[int][]string{143: {mailconn.KindIMAPS, mailconn.KindPOP3S, mailconn.KindPOP3, mailconn.KindPOP3Plain}}},
		{"a mapped port counts as covered", mailconn.DiscoverOptions{Ports: map[string]int{mailconn.KindPOP3: 44115}, ExtraPorts: []int{44115}},
			map[int][]string{44115: {mailconn.KindIMAPS, mailconn.KindIMAP, mailconn.KindIMAPPlain, mailconn.KindPOP3S}}},
		{"repeats once, out of range left out", mailconn.DiscoverOptions{ExtraPorts: []int{2000, 0, 2000, 70000}},
			map[int][]string{2000: mailconn.Kinds}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.o.HostCandidates("h.test")
			usual := mailconn.HostCandidates("h.test", tt.o.Ports)
			n := len(usual)
			for _, kinds := range tt.extra {
				n += len(kinds)
			}
			if len(got) != n {
				t.Fatalf("%d candidates %v, want %d", len(got), got, n)
			}
			for i, c := range usual {
				if got[i] != c {
					t.Errorf("candidate %d is %v, want the usual %v", i, got[i], c)
				}
			}
			i, done := len(usual), map[int]bool{}
			for _, p := range tt.o.ExtraPorts {
				if done[p] {
					continue // a repeated port adds nothing
				}
				done[p] = true
				for _, k := range tt.extra[p] {
					c := got[i]
					if c.Host != "h.test" || c.Port != p || c.Kind() != k || c.Source != "" {
						t.Errorf("candidate %d is %+v, want %s on port %d", i, c, k, p)
					}
					i++
				}
			}
		})
	}
}

func TestProbeHostExtraPortsOutOfRange(t *testing.T) {
	for _, p := range []int{0, -1, 65536} {
		t.Run(strconv.Itoa(p), func(t *testing.T) {
			_, err := mailconn.ProbeHost(context.Background(), "127.0.0.1", mailconn.DiscoverOptions{ExtraPorts: []int{p}}, nil)
			if err == nil {
				t.Errorf("extra port %d: no error", p)
			}
		})
	}
}

// TestProbeHostExtraPortsRig probes one of the rig's listeners as an extra
// port, the usual candidates pointed at a closed port.
func TestProbeHostExtraPortsRig(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	closed := freePort(t)
	ports := map[string]int{}
	for _, k := range mailconn.Kinds {
		ports[k] = closed
	}
	base := mailconn.DiscoverOptions{Timeout: 10 * time.Second, CAFile: srv.CAFile, Ports: ports}

	// extraResults are the results on port, by kind.
	extraResults := func(t *testing.T, res []mailconn.ProbeResult, port int) map[string]mailconn.ProbeResult {
		t.Helper()
		out := map[string]mailconn.ProbeResult{}
		for _, r := range res {
			if r.Candidate.Port == port {
				out[r.Candidate.Kind()] = r
			}
		}
		if len(out) != len(mailconn.Kinds) {
			t.Fatalf("%d results on port %d, want %d", len(out), port, len(mailconn.Kinds))
		}
		return out
	}

	t.Run("POP3 with STLS on an extra port", func(t *testing.T) {
		o := base
		o.ExtraPorts = []int{srv.POP3}
		res := probeHost(t, srv.Host, o)
		got := extraResults(t, res, srv.POP3)
		if r := got[mailconn.KindPOP3]; !r.Answered || r.TLS == nil || !r.CertificateOK {
			t.Errorf("pop3 + starttls on %d: answered %v, TLS %v, cert ok %v (%v)", srv.POP3, r.Answered, r.TLS, r.CertificateOK, r.Err)
		}
		for _, k := range []string{mailconn.KindIMAPS, mailconn.KindIMAP, mailconn.KindIMAPPlain, mailconn.KindPOP3S} {
			if r := got[k]; r.Answered {
				t.Errorf("%s answered on the POP3 port", k)
			}
		}
		best, ok := mailconn.Recommend(res)
		if !ok || best.Candidate.Port != srv.POP3 || best.Candidate.Protocol != config.ProtocolPOP3 || best.Candidate.Security != config.SecurityStartTLS {
			t.Errorf("recommended %+v (%v), want POP3 with STARTTLS on %d", best.Candidate, ok, srv.POP3)
		}
	})

	t.Run("IMAP over TLS on an extra port", func(t *testing.T) {
		o := base
		o.ExtraPorts = []int{srv.IMAPS}
		res := probeHost(t, srv.Host, o)
		got := extraResults(t, res, srv.IMAPS)
		if r := got[mailconn.KindIMAPS]; !r.Answered || !r.CertificateOK {
			t.Errorf("imap + tls on %d: answered %v, cert ok %v (%v)", srv.IMAPS, r.Answered, r.CertificateOK, r.Err)
		}
		// The plain-text and STARTTLS candidates end when the second
		// connection finds TLS, not at the run's timeout.
		for _, k := range []string{mailconn.KindIMAP, mailconn.KindIMAPPlain, mailconn.KindPOP3, mailconn.KindPOP3Plain} {
			r := got[k]
			var te *mailconn.TimeoutError
			if r.Answered || !errors.Is(r.Err, mailconn.ErrPortSpeaksTLS) || errors.As(r.Err, &te) ||
				r.Step != mailconn.StepGreeting || r.Problem != "port speaks TLS" || r.Hint == "" {
				t.Errorf("%s on a TLS port: answered %v, step %s, problem %q, hint %q (%v)", k, r.Answered, r.Step, r.Problem, r.Hint, r.Err)
			}
		}
		best, ok := mailconn.Recommend(res)
		if !ok || best.Candidate.Port != srv.IMAPS || best.Candidate.Kind() != mailconn.KindIMAPS {
			t.Errorf("recommended %+v (%v), want IMAPS on %d", best.Candidate, ok, srv.IMAPS)
		}
	})
}
