package mailconn

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// certKit is a test PKI: a root CA, an intermediate, and leaves for every
// certificate problem, all relative to one fixed clock.
type certKit struct {
	now   time.Time
	caPEM []byte // the root CA, for a ca_file
	root  *issuer
	inter *issuer

	good, selfSigned, expired, notYet, wrongHost, named, cnOnly, chained, rsaLeaf tls.Certificate
}

// issuer is a CA certificate and its key.
type issuer struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var (
	kitOnce sync.Once
	kit     *certKit
	kitErr  error
)

// testKit builds the PKI once per test binary.
func testKit(t *testing.T) *certKit {
	t.Helper()
	kitOnce.Do(func() { kit, kitErr = newCertKit() })
	if kitErr != nil {
		t.Fatalf("building test certificates: %v", kitErr)
	}
	return kit
}

// leafSpec describes a certificate to make.
type leafSpec struct {
	cn        string
	dns       []string
	ips       []net.IP
	notBefore time.Time
	notAfter  time.Time
	isCA      bool
	rsa       bool
}

var serial int64

// makeCert signs spec with parent (nil: self-signed) and returns it with its key.
func makeCert(spec leafSpec, parent *issuer) (*x509.Certificate, crypto.Signer, error) {
	var key crypto.Signer
	var err error
	if spec.rsa {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, nil, err
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: spec.cn, Organization: []string{"mailsetup test"}},
		DNSNames:     spec.dns,
		IPAddresses:  spec.ips,
		NotBefore:    spec.notBefore,
		NotAfter:     spec.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if spec.isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = nil
	}
	signerCert, signerKey := tmpl, key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

// newCertKit makes the CA, the intermediate and all leaves.
func newCertKit() (*certKit, error) {
	now := time.Now().Truncate(time.Second)
	k := &certKit{now: now}
	year := 365 * 24 * time.Hour
	local := []net.IP{net.ParseIP("127.0.0.1")}

	rc, rk, err := makeCert(leafSpec{cn: "mailsetup Test Root CA", notBefore: now.Add(-year), notAfter: now.Add(5 * year), isCA: true}, nil)
	if err != nil {
		return nil, err
	}
	k.root = &issuer{rc, rk}
	ic, ik, err := makeCert(leafSpec{cn: "mailsetup Test Intermediate", notBefore: now.Add(-year), notAfter: now.Add(4 * year), isCA: true}, k.root)
	if err != nil {
		return nil, err
	}
	k.inter = &issuer{ic, ik}

	leaf := func(spec leafSpec, parent *issuer, chain ...*x509.Certificate) (tls.Certificate, error) {
		if spec.notBefore.IsZero() {
			spec.notBefore, spec.notAfter = now.Add(-time.Hour), now.Add(year)
		}
		c, key, err := makeCert(spec, parent)
		if err != nil {
			return tls.Certificate{}, err
		}
		tc := tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
		for _, ch := range chain {
			tc.Certificate = append(tc.Certificate, ch.Raw)
		}
		return tc, nil
	}
	for _, l := range []struct {
		dst    *tls.Certificate
		spec   leafSpec
		parent *issuer
		chain  []*x509.Certificate
	}{
		{&k.good, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local}, k.root, nil},
		{&k.selfSigned, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local}, nil, nil},
		{&k.expired, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local, notBefore: now.Add(-2 * year), notAfter: now.Add(-year)}, k.root, nil},
		{&k.notYet, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local, notBefore: now.Add(48 * time.Hour), notAfter: now.Add(year)}, k.root, nil},
		{&k.wrongHost, leafSpec{cn: "mail.wrong.example", dns: []string{"mail.wrong.example"}}, k.root, nil},
		{&k.named, leafSpec{cn: "mail.example.test", dns: []string{"mail.example.test"}}, k.root, nil},
		{&k.cnOnly, leafSpec{cn: "localhost"}, k.root, nil},
		{&k.chained, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local}, k.inter, []*x509.Certificate{k.inter.cert}},
		{&k.rsaLeaf, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: local, rsa: true}, k.root, nil},
	} {
		if *l.dst, err = leaf(l.spec, l.parent, l.chain...); err != nil {
			return nil, err
		}
	}

	k.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rc.Raw})
	return k, nil
}

// caFile writes the kit's root CA to a file in t.TempDir().
func (k *certKit) caFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, k.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsServer serves cfg on 127.0.0.1:0: it completes the handshake, writes a
// greeting and closes. It returns the address and a function that reports
// the SNI the last client sent.
func tlsServer(t *testing.T, cfg *tls.Config) (addr string, sni func() string) {
	t.Helper()
	var mu sync.Mutex
	var lastSNI string
	cfg = cfg.Clone()
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		mu.Lock()
		lastSNI = hello.ServerName
		mu.Unlock()
		return nil, nil
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if err := c.(*tls.Conn).Handshake(); err == nil {
					_, _ = c.Write([]byte("* OK ready\r\n"))
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), func() string { mu.Lock(); defer mu.Unlock(); return lastSNI }
}

// handshake dials addr and runs a TLS handshake with the config for in.
func handshake(t *testing.T, addr string, in *config.Incoming, now time.Time) (*TLSInfo, error) {
	t.Helper()
	cfg, info, err := newTLSConfig(in, func() time.Time { return now })
	if err != nil {
		t.Fatalf("newTLSConfig: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // hang guard
	defer cancel()
	d := tls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return info, err
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "* OK ready\r\n" {
		t.Fatalf("after the handshake: read %q, %v", line, err)
	}
	return info, nil
}

func TestTLSVerification(t *testing.T) {
	k := testKit(t)
	ca := k.caFile(t)
	tests := []struct {
		name       string
		cert       tls.Certificate
		in         config.Incoming
		wantErr    CertProblem // 0: the handshake succeeds
		wantProb   CertProblem // info.Problem when the handshake succeeds
		verified   bool
		pinned     bool
		field      string   // hint field on failure
		hintHas    []string // substrings of the hint
		errHas     []string // substrings of the CertError text
		wantSNI    string
		checkSNI   bool
		maxVersion uint16
	}{
		{name: "ca_file verifies localhost", cert: k.good,
			in:       config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			verified: true, checkSNI: true, wantSNI: "localhost"},
		{name: "ca_file verifies an IP address without SNI", cert: k.good,
			in:       config.Incoming{Server: "127.0.0.1", CAFile: ca, RejectInvalidCertificates: true},
			verified: true, checkSNI: true, wantSNI: ""},
		{name: "intermediate sent by the server", cert: k.chained,
			in:       config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			verified: true},
		{name: "unknown authority without ca_file", cert: k.good,
			in:      config.Incoming{Server: "localhost", RejectInvalidCertificates: true},
			wantErr: CertUnknownAuthority, field: FieldCAFile,
			hintHas: []string{"ca_file", "pinned_certificate_sha256 = \"" + fingerprint(k.good.Leaf) + "\"", "reject_invalid_certificates"},
			errHas:  []string{"unknown authority", "issuer CN=mailsetup Test Root CA"}},
		{name: "self-signed", cert: k.selfSigned,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertUnknownAuthority, field: FieldCAFile,
			errHas: []string{"self-signed", "CN=localhost"}},
		{name: "expired", cert: k.expired,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertExpired, field: FieldRejectInvalidCertificates,
			hintHas: []string{"Renew"},
			errHas: []string{"expired on " + k.now.Add(-365*24*time.Hour).UTC().Format(time.DateOnly),
				"now " + k.now.UTC().Format(time.DateOnly)}},
		{name: "not yet valid gets the clock hint", cert: k.notYet,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertNotYetValid, field: FieldRejectInvalidCertificates,
			hintHas: []string{"clock", k.now.UTC().Format("2006-01-02 15:04 UTC")},
			errHas:  []string{"not valid until", "clock"}},
		{name: "wrong host by name", cert: k.wrongHost,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertWrongHost, field: FieldServer,
			hintHas: []string{"(mail.wrong.example)", "tls_server_name"},
			errHas:  []string{"certificate for mail.wrong.example does not match localhost (it names: mail.wrong.example)"}},
		{name: "wrong host by IP lists the names", cert: k.wrongHost,
			in:      config.Incoming{Server: "127.0.0.1", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertWrongHost, field: FieldServer,
			hintHas: []string{"mail.wrong.example"},
			errHas:  []string{"certificate for mail.wrong.example does not match 127.0.0.1 (it names: mail.wrong.example)"}},
		{name: "common name only", cert: k.cnOnly,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true},
			wantErr: CertWrongHost, field: FieldPinnedCertificate,
			errHas: []string{"names no host"}},
		{name: "pin matches a self-signed certificate", cert: k.selfSigned,
			in:       config.Incoming{Server: "localhost", RejectInvalidCertificates: true, PinnedCertificateSHA256: strings.ToLower(fingerprint(k.selfSigned.Leaf))},
			verified: true, pinned: true},
		{name: "pin matches a wrong-host certificate without colons", cert: k.wrongHost,
			in:       config.Incoming{Server: "127.0.0.1", RejectInvalidCertificates: true, PinnedCertificateSHA256: strings.ReplaceAll(fingerprint(k.wrongHost.Leaf), ":", "")},
			verified: true, pinned: true},
		{name: "pin mismatch fails even with reject off", cert: k.good,
			in:      config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: false, PinnedCertificateSHA256: fingerprint(k.selfSigned.Leaf)},
			wantErr: CertPinMismatch, field: FieldPinnedCertificate,
			hintHas: []string{fingerprint(k.good.Leaf)},
			errHas:  []string{fingerprint(k.good.Leaf), "does not match the pinned " + fingerprint(k.selfSigned.Leaf)}},
		{name: "reject off connects and records the problem", cert: k.selfSigned,
			in:       config.Incoming{Server: "localhost", RejectInvalidCertificates: false},
			wantProb: CertUnknownAuthority},
		{name: "reject off records a wrong host", cert: k.wrongHost,
			in:       config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: false},
			wantProb: CertWrongHost},
		{name: "tls_server_name verifies when dialling an IP", cert: k.named,
			in:       config.Incoming{Server: "127.0.0.1", TLSServerName: "mail.example.test", CAFile: ca, RejectInvalidCertificates: true},
			verified: true, checkSNI: true, wantSNI: "mail.example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, sni := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{tt.cert}})
			info, err := handshake(t, addr, &tt.in, k.now)
			if tt.wantErr != 0 {
				var ce *CertError
				if !errors.As(err, &ce) {
					t.Fatalf("handshake error %v (%T): want a *CertError", err, err)
				}
				if ce.Problem != tt.wantErr {
					t.Fatalf("problem %v (%v), want %v", ce.Problem, ce, tt.wantErr)
				}
				if info.Problem != ce {
					t.Errorf("info.Problem = %v, want the returned error", info.Problem)
				}
				if info.Verified {
					t.Error("info.Verified = true on a failed verification")
				}
				hint, field := ce.Hint()
				if field != tt.field {
					t.Errorf("hint field %q, want %q (hint %q)", field, tt.field, hint)
				}
				for _, s := range tt.hintHas {
					if !strings.Contains(hint, s) {
						t.Errorf("hint %q lacks %q", hint, s)
					}
				}
				for _, s := range tt.errHas {
					if !strings.Contains(ce.Error(), s) {
						t.Errorf("error %q lacks %q", ce.Error(), s)
					}
				}
				if msg := ce.Error(); msg != strings.ToLower(msg[:1])+msg[1:] {
					t.Errorf("error %q does not start in lower case", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if info.Verified != tt.verified || info.Pinned != tt.pinned {
				t.Errorf("verified=%v pinned=%v, want %v %v", info.Verified, info.Pinned, tt.verified, tt.pinned)
			}
			switch {
			case tt.wantProb == 0 && info.Problem != nil:
				t.Errorf("unexpected problem %v", info.Problem)
			case tt.wantProb != 0 && (info.Problem == nil || info.Problem.Problem != tt.wantProb):
				t.Errorf("info.Problem = %v, want %v", info.Problem, tt.wantProb)
			}
			if info.SHA256 != fingerprint(tt.cert.Leaf) {
				t.Errorf("SHA256 = %s, want %s", info.SHA256, fingerprint(tt.cert.Leaf))
			}
			if tt.checkSNI && sni() != tt.wantSNI {
				t.Errorf("server saw SNI %q, want %q", sni(), tt.wantSNI)
			}
		})
	}
}

func TestTLSMinVersion(t *testing.T) {
	k := testKit(t)
	ca := k.caFile(t)
	t.Run("1.3 against a 1.2-only server fails", func(t *testing.T) {
		addr, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{k.good}, MaxVersion: tls.VersionTLS12})
		in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true, TLSMinVersion: "1.3"}
		_, err := handshake(t, addr, &in, k.now)
		var ce *CertError
		if err == nil || errors.As(err, &ce) {
			t.Fatalf("handshake error %v: want a protocol version failure", err)
		}
	})
	t.Run("default reaches a 1.2 server", func(t *testing.T) {
		addr, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{k.good}, MaxVersion: tls.VersionTLS12})
		in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true}
		info, err := handshake(t, addr, &in, k.now)
		if err != nil || info.Version != "TLS 1.2" {
			t.Fatalf("handshake: %v, version %q", err, info.Version)
		}
	})
	// An old server: TLS 1.0 and RSA key exchange only.
	old := &tls.Config{Certificates: []tls.Certificate{k.rsaLeaf}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}
	t.Run("default refuses a TLS 1.0 server", func(t *testing.T) {
		addr, _ := tlsServer(t, old)
		in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true}
		if _, err := handshake(t, addr, &in, k.now); err == nil {
			t.Fatal("handshake with a TLS 1.0 server succeeded at the default minimum")
		}
	})
	t.Run("1.0 reaches a TLS 1.0 RSA-kex server", func(t *testing.T) {
		addr, _ := tlsServer(t, old)
		in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true, TLSMinVersion: "1.0"}
		info, err := handshake(t, addr, &in, k.now)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if info.Version != "TLS 1.0" || info.CipherSuite != "TLS_RSA_WITH_AES_128_CBC_SHA" || !info.Verified {
			t.Errorf("got %s %s verified=%v", info.Version, info.CipherSuite, info.Verified)
		}
	})
}

func TestNewTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    config.Incoming
		field string
	}{
		{"missing ca_file", config.Incoming{Server: "x", CAFile: filepath.Join(dir, "nope.pem")}, FieldCAFile},
		{"ca_file without PEM", config.Incoming{Server: "x", CAFile: notPEM}, FieldCAFile},
		{"short pin", config.Incoming{Server: "x", PinnedCertificateSHA256: "AB:CD"}, FieldPinnedCertificate},
		{"pin not hex", config.Incoming{Server: "x", PinnedCertificateSHA256: strings.Repeat("zz", 32)}, FieldPinnedCertificate},
		{"unknown version", config.Incoming{Server: "x", TLSMinVersion: "1.4"}, FieldTLSMinVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := newTLSConfig(&tt.in, nil)
			var ce *TLSConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("error %v: want a *TLSConfigError for %s", err, tt.field)
			}
		})
	}
}

func TestNewTLSConfigFields(t *testing.T) {
	tests := []struct {
		name       string
		in         config.Incoming
		serverName string
		minVersion uint16
		legacy     bool
	}{
		{"name", config.Incoming{Server: "mail.example.com"}, "mail.example.com", tls.VersionTLS12, false},
		{"trailing dot", config.Incoming{Server: "mail.example.com."}, "mail.example.com", tls.VersionTLS12, false},
		{"IPv4 sends no SNI", config.Incoming{Server: "192.0.2.1"}, "", tls.VersionTLS12, false},
		{"IPv6 sends no SNI", config.Incoming{Server: "[2001:db8::1]"}, "", tls.VersionTLS12, false},
		{"tls_server_name wins", config.Incoming{Server: "192.0.2.1", TLSServerName: "mail.example.com"}, "mail.example.com", tls.VersionTLS12, false},
		{"1.3", config.Incoming{Server: "m", TLSMinVersion: "1.3"}, "m", tls.VersionTLS13, false},
		{"1.1 offers RSA key exchange", config.Incoming{Server: "m", TLSMinVersion: "1.1"}, "m", tls.VersionTLS11, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, info, err := newTLSConfig(&tt.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ServerName != tt.serverName || cfg.MinVersion != tt.minVersion || info == nil {
				t.Errorf("ServerName %q MinVersion %x, want %q %x", cfg.ServerName, cfg.MinVersion, tt.serverName, tt.minVersion)
			}
			hasRSA := false
			for _, id := range cfg.CipherSuites {
				hasRSA = hasRSA || id == tls.TLS_RSA_WITH_AES_128_CBC_SHA
			}
			if hasRSA != tt.legacy {
				t.Errorf("RSA key exchange offered = %v, want %v", hasRSA, tt.legacy)
			}
			if !cfg.InsecureSkipVerify || cfg.VerifyConnection == nil {
				t.Error("verification is not handed to VerifyConnection")
			}
		})
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	want := strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
	tests := []struct{ name, in string }{
		{"canonical", want},
		{"lower case", strings.ToLower(want)},
		{"no colons", strings.Repeat("ab", 32)},
		{"sha256 prefix", "sha256:" + want},
		{"spaces", " " + strings.ReplaceAll(want, ":", " ") + " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normalizeFingerprint(tt.in)
			if err != nil || got != want {
				t.Errorf("normalizeFingerprint(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

// plainServer accepts one connection, writes greeting and waits for the client to go.
func plainServer(t *testing.T, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Write([]byte(greeting))
		_, _ = c.Read(make([]byte, 4096)) // the ClientHello
		_, _ = c.Read(make([]byte, 1))    // until the client hangs up
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestTLSToPlainPort(t *testing.T) {
	k := testKit(t)
	ca := k.caFile(t)
	for _, greeting := range []string{"* OK IMAP ready\r\n", "+OK POP3 ready\r\n"} {
		t.Run(strings.TrimSpace(greeting), func(t *testing.T) {
			addr := plainServer(t, greeting)
			in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true}
			_, err := handshake(t, addr, &in, k.now)
			if err == nil || !isTLSToPlainPort(err) {
				t.Fatalf("handshake error %v (%T): isTLSToPlainPort = false", err, err)
			}
		})
	}
	t.Run("other errors", func(t *testing.T) {
		for _, err := range []error{nil, errors.New("x"), &CertError{Problem: CertExpired}, tls.RecordHeaderError{RecordHeader: [5]byte{0x80, 1, 2, 0, 0}}} {
			if isTLSToPlainPort(err) {
				t.Errorf("isTLSToPlainPort(%v) = true", err)
			}
		}
	})
}

func TestLooksLikeTLSRecord(t *testing.T) {
	// The first bytes a real client sends.
	a, b := net.Pipe()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: "x"})
		_ = c.Handshake()
	}()
	hello := make([]byte, 5)
	if _, err := b.Read(hello); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b.Close()

	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"client hello", hello, true},
		{"alert", []byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46}, true},
		{"IMAP greeting", []byte("* OK ready\r\n"), false},
		{"POP3 greeting", []byte("+OK ready\r\n"), false},
		{"short", []byte{0x16, 0x03}, false},
		{"SSLv2-ish", []byte{0x80, 0x2e, 0x01}, false},
		{"unknown minor", []byte{0x16, 0x03, 0x09}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeTLSRecord(tt.b); got != tt.want {
				t.Errorf("looksLikeTLSRecord(% x) = %v", tt.b, got)
			}
		})
	}
}

func TestTLSInfoDetail(t *testing.T) {
	k := testKit(t)
	ca := k.caFile(t)
	addr, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{k.good}, MaxVersion: tls.VersionTLS13})
	in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true}
	info, err := handshake(t, addr, &in, k.now)
	if err != nil {
		t.Fatal(err)
	}
	d := info.Detail()
	for _, s := range []string{"TLS 1.3, TLS_", "CN=localhost (localhost, 127.0.0.1)", "issued by CN=mailsetup Test Root CA",
		"expires " + k.good.Leaf.NotAfter.UTC().Format(time.DateOnly)} {
		if !strings.Contains(d, s) {
			t.Errorf("Detail %q lacks %q", d, s)
		}
	}
	if !strings.HasSuffix(d, ", SHA-256 "+fingerprint(k.good.Leaf)) {
		t.Errorf("Detail %q does not end with the full fingerprint", d)
	}
	if len(d) > 260 {
		t.Errorf("Detail is %d bytes long", len(d))
	}
	if info.Verdict() != "certificate verified" {
		t.Errorf("Verdict = %q", info.Verdict())
	}
	t.Run("verdicts", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			cert tls.Certificate
			in   config.Incoming
			want string
		}{
			{"pinned", k.selfSigned, config.Incoming{Server: "localhost", PinnedCertificateSHA256: fingerprint(k.selfSigned.Leaf)},
				", self-signed, expires " + k.selfSigned.Leaf.NotAfter.UTC().Format(time.DateOnly) + ", pinned, X25519MLKEM768, SHA-256 "},
			{"not verified", k.selfSigned, config.Incoming{Server: "localhost"},
				", not verified: certificate is self-signed (CN=localhost) and not trusted, X25519MLKEM768, SHA-256 "},
		} {
			t.Run(tt.name, func(t *testing.T) {
				addr, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{tt.cert}})
				info, err := handshake(t, addr, &tt.in, k.now)
				if err != nil {
					t.Fatal(err)
				}
				if d := info.Detail(); !strings.Contains(d, tt.want) || !strings.HasSuffix(d, fingerprint(tt.cert.Leaf)) {
					t.Errorf("Detail %q lacks %q", d, tt.want)
				}
			})
		}
	})
	if (*TLSInfo)(nil).Detail() != "" {
		t.Error("nil Detail is not empty")
	}
}

func TestCertErrorTexts(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		e    CertError
		want string
	}{
		{"expired", CertError{Problem: CertExpired, NotAfter: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Now: now},
			"certificate expired on 2024-01-02 (now 2026-11-25)"},
		{"expired today shows the time", CertError{Problem: CertExpired, NotAfter: now.Add(-time.Hour), Now: now},
			"certificate expired on 2026-11-25 09:00 UTC (now 2026-11-25 10:00 UTC)"},
		{"not yet valid", CertError{Problem: CertNotYetValid, NotBefore: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Now: now},
			"certificate is not valid until 2027-01-01 — is this machine's clock right? (now 2026-11-25)"},
		{"unknown authority", CertError{Problem: CertUnknownAuthority, Subject: "CN=a", Issuer: "CN=Corp CA"},
			"certificate signed by an unknown authority (issuer CN=Corp CA)"},
		{"wrong host", CertError{Problem: CertWrongHost, Host: "127.0.0.1", Names: []string{"mail.wrong.example"}},
			"certificate for mail.wrong.example does not match 127.0.0.1 (it names: mail.wrong.example)"},
		{"pin", CertError{Problem: CertPinMismatch, Fingerprint: "AA", Want: "BB"},
			"certificate fingerprint AA does not match the pinned BB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestOldTLSNote(t *testing.T) {
	for _, s := range []string{"tls_min_version", "3DES", "SHA-1"} {
		if !strings.Contains(oldTLSNote, s) {
			t.Errorf("oldTLSNote lacks %q", s)
		}
	}
	if tlsVersionName(tls.VersionTLS13) != "TLS 1.3" {
		t.Errorf("tlsVersionName = %q", tlsVersionName(tls.VersionTLS13))
	}
}

func TestTLSInfoDetailKeyExchange(t *testing.T) {
	const fp = "AB:CD:EF"
	base := TLSInfo{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", Subject: "CN=mail.example.com",
		Issuer: "CN=Example CA", Verified: true, SHA256: fp}
	for _, tt := range []struct {
		name        string
		kex         string
		hrr         bool
		want, avoid string
	}{
		{"group", "X25519MLKEM768", false,
			"TLS 1.3, TLS_AES_128_GCM_SHA256, CN=mail.example.com, issued by CN=Example CA, X25519MLKEM768, SHA-256 " + fp, "HelloRetryRequest"},
		{"no group (RSA key exchange)", "", false,
			"TLS 1.3, TLS_AES_128_GCM_SHA256, CN=mail.example.com, issued by CN=Example CA, SHA-256 " + fp, "HelloRetryRequest"},
		{"HelloRetryRequest for P-256", "P-256", true,
			"TLS 1.3, TLS_AES_128_GCM_SHA256, CN=mail.example.com, issued by CN=Example CA, P-256 after a HelloRetryRequest (the server took neither the X25519MLKEM768 nor the X25519 key share sent first: " +
				"one more round trip on every connection; let the server accept X25519), SHA-256 " + fp, ""},
		{"HelloRetryRequest for a group sent first", "X25519", true,
			"TLS 1.3, TLS_AES_128_GCM_SHA256, CN=mail.example.com, issued by CN=Example CA, X25519 after a HelloRetryRequest (one more round trip on every connection), SHA-256 " + fp, "let the server"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			i := base
			i.KeyExchange, i.HelloRetryRequest = tt.kex, tt.hrr
			d := i.Detail()
			if !strings.HasPrefix(d, tt.want) || !strings.HasSuffix(d, ", SHA-256 "+fp) {
				t.Errorf("Detail =\n%q, want it to start with\n%q and end with the fingerprint", d, tt.want)
			}
			if tt.avoid != "" && strings.Contains(d, tt.avoid) {
				t.Errorf("Detail %q mentions %q", d, tt.avoid)
			}
		})
	}
}

// TestKeyExchangeHandshake checks what VerifyConnection records of the key
// exchange in a TLS 1.3 handshake, and that Go's client still sends the key
// shares firstKeyShares names (a server that takes only one of them needs
// no HelloRetryRequest).
func TestKeyExchangeHandshake(t *testing.T) {
	k := testKit(t)
	ca := k.caFile(t)
	for _, tt := range []struct {
		groups []tls.CurveID
		want   string
		hrr    bool
	}{
		{nil, "X25519MLKEM768", false},
		{[]tls.CurveID{tls.X25519MLKEM768}, "X25519MLKEM768", false},
		{[]tls.CurveID{tls.X25519}, "X25519", false},
		{[]tls.CurveID{tls.CurveP256}, "P-256", true},
		{[]tls.CurveID{tls.CurveP384}, "P-384", true},
	} {
		t.Run(tt.want, func(t *testing.T) {
			addr, _ := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{k.good}, CurvePreferences: tt.groups})
			in := config.Incoming{Server: "localhost", CAFile: ca, RejectInvalidCertificates: true}
			info, err := handshake(t, addr, &in, k.now)
			if err != nil {
				t.Fatal(err)
			}
			if info.KeyExchange != tt.want || info.HelloRetryRequest != tt.hrr {
				t.Errorf("server groups %v: KeyExchange %q, HelloRetryRequest %v; want %q, %v", tt.groups, info.KeyExchange, info.HelloRetryRequest, tt.want, tt.hrr)
			}
		})
	}
}
