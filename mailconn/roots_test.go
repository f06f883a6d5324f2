package mailconn_test

import (
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestSystemRootsOnlyWhenConnected: the system's CA certificates (3–30 ms
// of CPU to load) are loaded in the background once the server has
// answered, when the certificate will be checked against them — not when
// nothing answered, and not when ca_file or a pin decides. Not parallel:
// it counts loads across the package.
func TestSystemRootsOnlyWhenConnected(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	a := mailtest.Alice
	tls := func(port int) config.Incoming {
		return config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: port, Username: a.Name,
			Auth: config.AuthPassword, Security: config.SecurityTLS, RejectInvalidCertificates: true}
	}
	withCA := tls(srv.IMAPS)
	withCA.CAFile = srv.CAFile
	tests := []struct {
		name string
		in   config.Incoming
		want int64
	}{
		{"refused port", tls(freePort(t)), 0},
		{"ca_file", withCA, 0},
		{"system roots", tls(srv.IMAPS), 1},
	}
	for _, tc := range tests {
		before := mailconn.RootsWarmedForTest()
		r := runTest(t, tc.in, mailconn.Options{Secret: a.Password, Timeout: 10 * time.Second})
		if got := mailconn.RootsWarmedForTest() - before; got != tc.want {
			t.Errorf("%s: the system roots were loaded %d times, want %d\n%s", tc.name, got, tc.want, r.dump())
		}
	}
}
