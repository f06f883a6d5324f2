package mailconn_test

import (
	"context"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

func benchmarkTest(b *testing.B, protocol string, port func(*mailtest.Server) int) {
	srv := mailtest.Start(b, mailtest.Options{})
	in := incoming(srv, protocol, config.SecurityTLS, port(srv), mailtest.Alice)
	o := opts(mailtest.Alice)
	b.ResetTimer()
	for b.Loop() {
		res := mailconn.Test(context.Background(), in, o, nil)
		if !res.OK {
			b.Fatalf("test failed: %+v\n%s", res, srv.Log())
		}
	}
}

// BenchmarkTestIMAPS is a full IMAP test over implicit TLS against the rig.
func BenchmarkTestIMAPS(b *testing.B) {
	benchmarkTest(b, config.ProtocolIMAP, func(s *mailtest.Server) int { return s.IMAPS })
}

// BenchmarkTestPOP3S is a full POP3 test over implicit TLS against the rig.
func BenchmarkTestPOP3S(b *testing.B) {
	benchmarkTest(b, config.ProtocolPOP3, func(s *mailtest.Server) int { return s.POP3S })
}
