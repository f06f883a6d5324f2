package mailconn_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// kexServer is an in-process IMAP (implicit TLS) or POP3 (STLS) server
// whose TLS settings a test chooses: enough for the engine's TLS or
// STARTTLS step, after which it hangs up. Pin is the fingerprint of its
// certificate, for pinned_certificate_sha256.
type kexServer struct {
	Port int
	Pin  string
}

// selfSigned127 is a self-signed certificate for 127.0.0.1, valid for an
// hour either side of now.
func selfSigned127(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func startKexServer(t *testing.T, protocol string, tcfg *tls.Config) kexServer {
	t.Helper()
	cert := selfSigned127(t)
	der := cert.Certificate[0]
	tcfg = tcfg.Clone()
	tcfg.Certificates = []tls.Certificate{cert}
	srv := startFake(t, func(_ *fakeServer, c net.Conn) {
		if protocol == config.ProtocolIMAP {
			tc := tls.Server(c, tcfg)
			if tc.Handshake() == nil {
				_, _ = tc.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"))
			}
			return
		}
		br := bufio.NewReader(c)
		_, _ = c.Write([]byte("+OK ready\r\n"))
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.TrimSpace(line)) {
			case "CAPA":
				_, _ = c.Write([]byte("+OK\r\nSTLS\r\nUSER\r\n.\r\n"))
			case "STLS":
				_, _ = c.Write([]byte("+OK begin TLS\r\n"))
				tc := tls.Server(c, tcfg)
				if tc.Handshake() == nil {
					// CAPA again, then hang up.
					_, _ = bufio.NewReader(tc).ReadString('\n')
				}
				return
			default:
				return
			}
		}
	})
	t.Cleanup(srv.close)
	sum := sha256.Sum256(der)
	return kexServer{Port: srv.port(), Pin: fmt.Sprintf("%X", sum[:])}
}

// TestKeyExchangeDetail runs the engine's TLS step (implicit TLS, IMAP)
// and STARTTLS step (POP3 STLS) against servers that take the key shares
// Go sends first, that want only P-256 (a HelloRetryRequest), and that
// speak only TLS 1.2 (whose group is known only after the handshake).
func TestKeyExchangeDetail(t *testing.T) {
	tests := []struct {
		name     string
		cfg      *tls.Config
		want     string // in the detail, after the cipher suite
		wantHRR  bool
		protocol string
	}{
		{"default groups", &tls.Config{}, "X25519MLKEM768, ", false, config.ProtocolIMAP},
		{"X25519 only", &tls.Config{CurvePreferences: []tls.CurveID{tls.X25519}}, "X25519, ", false, config.ProtocolIMAP},
		{"P-256 only", &tls.Config{CurvePreferences: []tls.CurveID{tls.CurveP256}}, "P-256 after a HelloRetryRequest", true, config.ProtocolIMAP},
		{"TLS 1.2", &tls.Config{MaxVersion: tls.VersionTLS12}, "X25519, ", false, config.ProtocolIMAP},
		{"STLS P-256 only", &tls.Config{CurvePreferences: []tls.CurveID{tls.CurveP256}}, "P-256 after a HelloRetryRequest", true, config.ProtocolPOP3},
		{"STLS TLS 1.2", &tls.Config{MaxVersion: tls.VersionTLS12, CurvePreferences: []tls.CurveID{tls.CurveP384}}, "P-384, ", false, config.ProtocolPOP3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startKexServer(t, tt.protocol, tt.cfg)
			in := config.Incoming{Protocol: tt.protocol, Server: "127.0.0.1", Port: srv.Port, Username: "alice",
				Auth: config.AuthPassword, Security: config.SecurityTLS, RejectInvalidCertificates: true,
				PinnedCertificateSHA256: srv.Pin}
			step := mailconn.StepTLS
			if tt.protocol == config.ProtocolPOP3 {
				in.Security, step = config.SecurityStartTLS, mailconn.StepStartTLS
			}
			r := runTest(t, in, mailconn.Options{Secret: "x", Timeout: 5 * time.Second})
			e, _ := r.final(step)
			if e.Status != mailconn.StatusOK {
				t.Fatalf("%s step: %s, want ok (a HelloRetryRequest is no warning)\n%s", step, e.Status, r.dump())
			}
			if !strings.Contains(e.Detail, ", pinned, "+tt.want) {
				t.Errorf("detail %q lacks %q right after the certificate and before the fingerprint", e.Detail, tt.want)
			}
			const note = "took neither the X25519MLKEM768 nor the X25519 key share sent first: one more round trip on every connection; let the server accept X25519"
			if got := strings.Contains(e.Detail, "HelloRetryRequest"); got != tt.wantHRR {
				t.Errorf("detail %q: HelloRetryRequest mentioned = %v, want %v", e.Detail, got, tt.wantHRR)
			}
			if tt.wantHRR && !strings.Contains(e.Detail, note) {
				t.Errorf("detail %q lacks the note %q", e.Detail, note)
			}
			if !strings.HasSuffix(e.Detail, ", SHA-256 "+colons(srv.Pin)) {
				t.Errorf("detail %q does not end with the fingerprint", e.Detail)
			}
			if !strings.Contains(r.trace, "TLS: "+e.Detail) {
				t.Errorf("the trace lacks the TLS line %q:\n%s", e.Detail, r.trace)
			}
		})
	}
}

// colons is hex with a colon between bytes: "AB:CD:…".
func colons(hex string) string {
	var b strings.Builder
	for i := 0; i < len(hex); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex[i : i+2])
	}
	return b.String()
}
