package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// CertKind selects the certificate a Server presents on its TLS listeners.
type CertKind int

const (
	// CertValid is signed by the rig CA for "localhost" and 127.0.0.1 and
	// valid now: a client that trusts CAPEM accepts it.
	CertValid CertKind = iota
	// CertSelfSigned is a self-signed certificate for "localhost" and
	// 127.0.0.1, not signed by the rig CA.
	CertSelfSigned
	// CertExpired is signed by the rig CA for "localhost" and 127.0.0.1,
	// with NotAfter in the past.
	CertExpired
	// CertNotYetValid is signed by the rig CA for "localhost" and
	// 127.0.0.1, with NotBefore in the future.
	CertNotYetValid
	// CertWrongHost is signed by the rig CA and valid now, but names only
	// WrongHostName.
	CertWrongHost
	// CertExpiresSoon is CertValid expiring in ExpiresSoonIn: ten days and
	// an hour, so that whole days left are 10 for the hour a test takes.
	CertExpiresSoon
)

// ExpiresSoonIn is how long after its creation CertExpiresSoon expires.
const ExpiresSoonIn = 10*24*time.Hour + time.Hour

// WrongHostName is the only name in the CertWrongHost certificate.
const WrongHostName = "mail.wrong.example"

// String returns the constant's name without the "Cert" prefix, as used in
// test names ("Valid", "SelfSigned", …).
func (k CertKind) String() string {
	switch k {
	case CertValid:
		return "Valid"
	case CertSelfSigned:
		return "SelfSigned"
	case CertExpired:
		return "Expired"
	case CertNotYetValid:
		return "NotYetValid"
	case CertWrongHost:
		return "WrongHost"
	case CertExpiresSoon:
		return "ExpiresSoon"
	}
	return fmt.Sprintf("CertKind(%d)", int(k))
}

// keyPair is a PEM certificate and its PEM private key.
type keyPair struct {
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
	key     *ecdsa.PrivateKey
}

// The CA and the leaf certificates are made once per process: ECDSA keys
// are cheap, but there is no reason to make them per Server.
var (
	caOnce sync.Once
	caPair *keyPair
	caErr  error

	leafMu    sync.Mutex
	leafPairs = map[CertKind]*keyPair{}
)

func rigCA() (*keyPair, error) {
	caOnce.Do(func() {
		now := time.Now()
		tmpl := &x509.Certificate{
			Subject:               pkix.Name{CommonName: "mailtest CA", Organization: []string{"mailsetup tests"}},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		}
		caPair, caErr = makeCert(tmpl, nil)
		if caErr != nil {
			caErr = fmt.Errorf("make rig CA: %w", caErr)
		}
	})
	return caPair, caErr
}

// leaf returns the server certificate of kind k.
func leaf(k CertKind) (*keyPair, error) {
	ca, err := rigCA()
	if err != nil {
		return nil, err
	}
	leafMu.Lock()
	defer leafMu.Unlock()
	if kp, ok := leafPairs[k]; ok {
		return kp, nil
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost", Organization: []string{"mailsetup tests"}},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent := ca
	switch k {
	case CertValid:
	case CertSelfSigned:
		parent = nil
	case CertExpired:
		tmpl.NotBefore = now.Add(-60 * 24 * time.Hour)
		tmpl.NotAfter = now.Add(-30 * 24 * time.Hour)
	case CertNotYetValid:
		tmpl.NotBefore = now.Add(30 * 24 * time.Hour)
		tmpl.NotAfter = now.Add(60 * 24 * time.Hour)
	case CertWrongHost:
		tmpl.Subject.CommonName = WrongHostName
		tmpl.DNSNames = []string{WrongHostName}
		tmpl.IPAddresses = nil
	case CertExpiresSoon:
		tmpl.NotAfter = now.Add(ExpiresSoonIn)
	default:
		return nil, fmt.Errorf("unknown certificate kind %d", int(k))
	}
	kp, err := makeCert(tmpl, parent)
	if err != nil {
		return nil, fmt.Errorf("make %s certificate: %w", k, err)
	}
	leafPairs[k] = kp
	return kp, nil
}

// makeCert signs tmpl with a fresh P-256 key, by parent or (nil) by itself.
func makeCert(tmpl *x509.Certificate, parent *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &keyPair{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		key:     key,
	}, nil
}

// Fingerprint returns the SHA-256 fingerprint of a DER certificate as
// upper-case hex pairs joined by colons ("AB:CD:…"), the form Server.CertSHA256
// uses.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
