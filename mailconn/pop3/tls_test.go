package pop3

import (
	"context"
	"io"

	"crypto/tls"
	"crypto/x509"
	"errors"
	"go.uber.org/goleak"
	"reflect"
	"testing"
)

// testTLS returns a client config trusting a fresh test certificate, and the
// server config that presents it.
func testTLS(t *testing.T) (client, server *tls.Config) {
	cert, pool := testCert(t)
	return &tls.Config{RootCAs: pool, ServerName: "pop.example.test"},
		&tls.Config{Certificates: []tls.Certificate{cert}}
}

func testTLSConfig(t *testing.T) *tls.Config {
	client, _ := testTLS(t)
	return client
}

func TestStartTLS(t *testing.T) {
	clientConf, serverConf := testTLS(t)
	c, _ := connectFake(t, nil, startFakeTCP, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("CAPA")
		f.send("+OK\r\nSTLS\r\nPIPELINING\r\n.\r\n")
		f.expect("STLS")
		f.send("+OK Begin TLS negotiation\r\n")
		tconn := tls.Server(f.conn, serverConf)
		if err := tconn.Handshake(); err != nil {
			t.Errorf("server handshake: %v", err)
			return
		}
		f.conn = tconn
		f.r.Reset(tconn)
		f.expect("CAPA")
		f.send("+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n")
		f.expect("USER alice")
		f.send("+OK\r\n")
		f.expect("PASS pw")
		f.send("+OK\r\n")
	})
	ctx := testContext(t)
	if _, err := c.Capa(ctx); err != nil {
		t.Fatalf("Capa: %v", err)
	}
	tconn, err := c.StartTLS(ctx, clientConf)
	if err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if state := tconn.ConnectionState(); !state.HandshakeComplete || state.PeerCertificates[0].Subject.CommonName != "pop.example.test" {
		t.Errorf("TLS state: complete %v, peer %v", state.HandshakeComplete, state.PeerCertificates[0].Subject)
	}
	if c.Conn() != tconn {
		t.Errorf("Conn() is not the TLS connection after StartTLS")
	}
	caps, err := c.Capa(ctx)
	if err != nil || !reflect.DeepEqual(caps, []string{"USER", "SASL PLAIN"}) {
		t.Fatalf("Capa over TLS = %q %v", caps, err)
	}
	// PIPELINING from before TLS is forgotten: USER and PASS go one by one
	// (the script would still pass if pipelined, so check the flag).
	if c.pipelining {
		t.Errorf("pipelining kept from the plain-text CAPA")
	}
	if err := c.Login(ctx, "alice", "pw"); err != nil {
		t.Fatalf("Login over TLS: %v", err)
	}
}

func TestStartTLSInjection(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STLS")
		// A man in the middle appends a command reply to the +OK, hoping
		// the client will read it as if it came over TLS.
		f.send("+OK Begin TLS\r\n+OK\r\nSASL PLAIN\r\n.\r\n")
	})
	tconn, err := c.StartTLS(testContext(t), testTLSConfig(t))
	if !errors.Is(err, ErrDataBeforeTLS) || tconn != nil {
		t.Fatalf("StartTLS = %v, %v; want ErrDataBeforeTLS", tconn, err)
	}
	if _, err := c.Capa(testContext(t)); !errors.Is(err, ErrDataBeforeTLS) {
		t.Errorf("Capa after a refused STLS = %v, want the sticky ErrDataBeforeTLS", err)
	}
}

func TestStartTLSBadCertificate(t *testing.T) {
	_, serverConf := testTLS(t)
	c, _ := connectFake(t, nil, startFakeTCP, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STLS")
		f.send("+OK\r\n")
		_ = tls.Server(f.conn, serverConf).Handshake()
	})
	// The client trusts another CA.
	_, err := c.StartTLS(testContext(t), testTLSConfig(t))
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &verr) || !errors.As(err, &uerr) {
		t.Fatalf("StartTLS error = %v, want a certificate verification error", err)
	}
}

func TestStartTLSNilConfig(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) { f.send("+OK\r\n") })
	if _, err := c.StartTLS(testContext(t), nil); err == nil {
		t.Fatal("StartTLS with a nil config succeeded")
	}
}

func TestStartTLSCancelledHandshake(t *testing.T) {
	defer goleak.VerifyNone(t)
	stalled := make(chan struct{})
	conn, stop := startFakeTCP(t, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STLS")
		f.send("+OK\r\n")
		close(stalled)
		_, _ = io.Copy(io.Discard, f.conn) // never answers the ClientHello
	})
	c, err := NewClient(testContext(t), conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testContext(t))
	go func() {
		<-stalled
		cancel()
	}()
	if _, err := c.StartTLS(ctx, testTLSConfig(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("StartTLS = %v, want context.Canceled", err)
	}
	stop()
}
