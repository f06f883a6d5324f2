package pop3

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// hangGuard bounds a test's calls; a hang fails the test instead of the run.
const hangGuard = 20 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), hangGuard)
	t.Cleanup(cancel)
	return ctx
}

// fake is the server end of a scripted POP3 dialogue over net.Pipe. net.Pipe
// has no buffer: what one Write sends is what the client's next read gets,
// which makes "data right after +OK" deterministic.
type fake struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// readLine reads one client line without its CRLF.
func (f *fake) readLine() string {
	line, err := f.r.ReadString('\n')
	if err != nil {
		f.t.Errorf("fake server: reading: %v (got %q)", err, line)
		runtime.Goexit()
	}
	if !strings.HasSuffix(line, "\r\n") {
		f.t.Errorf("fake server: client line %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// expect reads one client line and checks it.
func (f *fake) expect(want string) {
	if got := f.readLine(); got != want {
		f.t.Errorf("fake server: client sent %q, want %q", got, want)
		runtime.Goexit()
	}
}

// send writes raw bytes; a write error ends the script quietly (the client
// may have gone, as some tests intend).
func (f *fake) send(s string) {
	if _, err := f.conn.Write([]byte(s)); err != nil {
		runtime.Goexit()
	}
}

// startFake runs script as the server and returns the client's end of the
// connection and a function that closes it and waits for the script (also
// run at cleanup).
func startFake(t *testing.T, script func(f *fake)) (net.Conn, func()) {
	t.Helper()
	client, server := net.Pipe()
	return runFake(t, client, server, script)
}

// startFakeTCP is startFake over a loopback TCP connection, for TLS: over
// net.Pipe a TLS peer writing while the other also writes (an alert, a
// session ticket) deadlocks.
func startFakeTCP(t *testing.T, script func(f *fake)) (net.Conn, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	return runFake(t, client, server, script)
}

func runFake(t *testing.T, client, server net.Conn, script func(f *fake)) (net.Conn, func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer server.Close()
		script(&fake{t: t, conn: server, r: bufio.NewReader(server)})
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			client.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	return client, stop
}

// newFakeClient starts script, which must begin by sending a greeting, and
// returns a connected Client.
func newFakeClient(t *testing.T, opts *Options, script func(f *fake)) (*Client, func()) {
	t.Helper()
	return connectFake(t, opts, startFake, script)
}

func connectFake(t *testing.T, opts *Options, start func(*testing.T, func(*fake)) (net.Conn, func()), script func(f *fake)) (*Client, func()) {
	t.Helper()
	conn, stop := start(t, script)
	c, err := NewClient(testContext(t), conn, opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, stop
}

// testCert returns a self-signed certificate for "pop.example.test" and a
// pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pop.example.test"},
		DNSNames:              []string{"pop.example.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
