package mailconn

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// TLSInfo describes a finished handshake. The VerifyConnection callback of
// the config made by newTLSConfig fills it in; it is complete once the
// handshake has returned, successfully or not.
type TLSInfo struct {
	Version     string // "TLS 1.3"
	CipherSuite string // tls.CipherSuiteName, "TLS_AES_128_GCM_SHA256"
	Subject     string // leaf subject "CN=…", or the full DN when it has no CN
	Issuer      string // leaf issuer "CN=…", or its full DN
	DNSNames    []string
	IPAddresses []string
	NotBefore   time.Time
	NotAfter    time.Time
	SHA256      string // leaf fingerprint, upper-case hex with colons "AB:CD:…"
	// KeyExchange is the key exchange group (groupName): "X25519MLKEM768",
	// "X25519", "P-256". It is "" when the handshake used none (TLS 1.2
	// with RSA key exchange) or did not get that far.
	KeyExchange string
	// HelloRetryRequest is true when the server answered the first
	// ClientHello with a HelloRetryRequest (TLS 1.3): it took none of the
	// key shares sent first, and the handshake cost one round trip more.
	HelloRetryRequest bool
	// Verified is true when the chain and the name verified, or when the
	// leaf matched pinned_certificate_sha256.
	Verified bool
	// Pinned is true when the leaf matched pinned_certificate_sha256.
	Pinned bool
	// Problem says why the certificate is invalid. It is set even when
	// reject_invalid_certificates = false let the connection go on.
	Problem *CertError
}

// Detail is one line for the step log: version, cipher suite, subject, the
// names the certificate carries, issuer, expiry, the verdict when it is not
// a plain "verified" ("pinned", or "not verified: " and the problem, which
// reject_invalid_certificates = false lets through), the key exchange group
// (with a note after a HelloRetryRequest) and — last, because it is what an
// admin copies into pinned_certificate_sha256 — the full SHA-256
// fingerprint.
func (i *TLSInfo) Detail() string {
	if i == nil || i.Version == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(i.Version)
	b.WriteString(", ")
	b.WriteString(i.CipherSuite)
	if i.Subject != "" {
		b.WriteString(", ")
		b.WriteString(i.Subject)
	}
	if names := i.names(); len(names) > 0 && !(len(names) == 1 && "CN="+names[0] == i.Subject) {
		b.WriteString(" (")
		b.WriteString(shortList(names, 3))
		b.WriteString(")")
	}
	if i.Issuer != "" {
		if i.Issuer == i.Subject {
			b.WriteString(", self-signed")
		} else {
			b.WriteString(", issued by ")
			b.WriteString(i.Issuer)
		}
	}
	if !i.NotAfter.IsZero() {
		b.WriteString(", expires ")
		b.WriteString(i.NotAfter.UTC().Format(time.DateOnly))
	}
	switch {
	case i.Problem != nil:
		b.WriteString(", not verified: ")
		b.WriteString(i.Problem.Error())
	case i.Pinned:
		b.WriteString(", pinned")
	}
	// The key exchange after the certificate: the wizard's one-line log
	// shows the start of the line, where the subject matters more.
	if kex := i.keyExchangeDetail(); kex != "" {
		b.WriteString(", ")
		b.WriteString(kex)
	}
	if i.SHA256 != "" {
		b.WriteString(", SHA-256 ")
		b.WriteString(i.SHA256)
	}
	return b.String()
}

// firstKeyShares are the groups Go's client sends key shares for in its
// first ClientHello (Go 1.24 and later, default CurvePreferences), as
// current browsers and OpenSSL 3.5 do: a server that takes neither answers
// with a HelloRetryRequest. keyExchangeDetail words it for two.
var firstKeyShares = []tls.CurveID{tls.X25519MLKEM768, tls.X25519}

// keyExchangeDetail is the key exchange item of Detail: the group, and
// after a HelloRetryRequest what it costs and the fix.
func (i *TLSInfo) keyExchangeDetail() string {
	if !i.HelloRetryRequest {
		return i.KeyExchange
	}
	group := i.KeyExchange
	if group == "" {
		group = "key exchange"
	}
	names := make([]string, len(firstKeyShares))
	for n, id := range firstKeyShares {
		names[n] = groupName(id)
		if names[n] == i.KeyExchange {
			// Not for want of a group (a stateless server's cookie, say).
			return group + " after a HelloRetryRequest (one more round trip on every connection)"
		}
	}
	return group + " after a HelloRetryRequest (the server took neither the " + strings.Join(names, " nor the ") +
		" key share sent first: one more round trip on every connection; let the server accept X25519)"
}

// setKeyExchange records the key exchange of cs, once it is known: in
// VerifyConnection for TLS 1.3, only after the handshake for TLS 1.2 (whose
// ServerKeyExchange follows the certificate).
func (i *TLSInfo) setKeyExchange(cs tls.ConnectionState) {
	if i == nil {
		return
	}
	if cs.CurveID != 0 {
		i.KeyExchange = safetext.Clean(groupName(cs.CurveID))
	}
	i.HelloRetryRequest = i.HelloRetryRequest || cs.HelloRetryRequest
}

// groupName names a key exchange group: tls.CurveID's String
// ("X25519MLKEM768", "X25519"), but "P-256" for the curve String calls
// "CurveP256" (and so P-384, P-521), as FIPS 186 and OpenSSL name them.
func groupName(id tls.CurveID) string {
	switch id {
	case tls.CurveP256:
		return "P-256"
	case tls.CurveP384:
		return "P-384"
	case tls.CurveP521:
		return "P-521"
	}
	return id.String()
}

// Verdict is a short verification verdict: "certificate verified",
// "pinned certificate matched", or the problem found.
func (i *TLSInfo) Verdict() string {
	switch {
	case i == nil:
		return ""
	case i.Problem != nil:
		return i.Problem.Error()
	case i.Pinned:
		return "pinned certificate matched"
	case i.Verified:
		return "certificate verified"
	default:
		return "certificate not verified"
	}
}

// names is DNSNames followed by IPAddresses.
func (i *TLSInfo) names() []string {
	return append(append([]string(nil), i.DNSNames...), i.IPAddresses...)
}

// TLSConfigError is a TLS setting that cannot be used (an unreadable
// ca_file, a malformed pin, an unknown tls_min_version). Field names the key.
type TLSConfigError struct {
	Field string
	Err   error
}

// Error is "FIELD: reason".
func (e *TLSConfigError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *TLSConfigError) Unwrap() error { return e.Err }

// oldTLSNote is added to a hint when a handshake fails while tls_min_version
// is 1.0 or 1.1: lowering the version alone may not reach a very old server.
const oldTLSNote = "Note: even with an old tls_min_version, this program does not use 3DES ciphers or SHA-1 signatures in TLS 1.2 (Go turned them off), so a very old server may still fail: update its TLS settings."

// legacyRSAKex are the RSA key exchange cipher suites Go no longer offers by
// default. newTLSConfig offers them again when tls_min_version is 1.0 or
// 1.1: an admin who lowers the version is connecting to an old server, which
// often has nothing else. 3DES and RC4 stay off.
var legacyRSAKex = []uint16{
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// parseTLSMinVersion maps tls_min_version ("", "1.0" … "1.3") to a version.
func parseTLSMinVersion(s string) (uint16, error) {
	switch strings.TrimSpace(s) {
	case "", "1.2":
		return tls.VersionTLS12, nil
	case "1.0":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q is not a TLS version: use \"1.0\", \"1.1\", \"1.2\" or \"1.3\"", s)
}

// tlsVersionName names a TLS version: "TLS 1.3".
func tlsVersionName(v uint16) string { return tls.VersionName(v) }

// newTLSConfig builds the client *tls.Config for in. The returned info is
// filled in by the handshake's VerifyConnection, which does the whole
// certificate check itself (InsecureSkipVerify is set only to hand the check
// over to it):
//
//   - ServerName is tls_server_name, else server; for an IP address Go sends
//     no SNI and the certificate's IP addresses are checked.
//   - Roots are the system pool plus the certificates of ca_file.
//   - When pinned_certificate_sha256 is set, a leaf with that fingerprint is
//     accepted whatever its chain, name or dates (that is what a pin is for),
//     and any other leaf is rejected — even with
//     reject_invalid_certificates = false, since the pin is explicit trust.
//   - Otherwise a certificate that fails verification ends the handshake
//     with a *CertError when reject_invalid_certificates is true, and is
//     recorded in info.Problem (the handshake goes on) when it is false.
//
// now is the clock for the validity check; nil means time.Now. The error is
// a *TLSConfigError naming ca_file, pinned_certificate_sha256 or
// tls_min_version.
func newTLSConfig(in *config.Incoming, now func() time.Time) (*tls.Config, *TLSInfo, error) {
	if now == nil {
		now = time.Now
	}
	minVersion, err := parseTLSMinVersion(in.TLSMinVersion)
	if err != nil {
		return nil, nil, &TLSConfigError{Field: FieldTLSMinVersion, Err: err}
	}
	var pin string
	if in.PinnedCertificateSHA256 != "" {
		pin, err = normalizeFingerprint(in.PinnedCertificateSHA256)
		if err != nil {
			return nil, nil, &TLSConfigError{Field: FieldPinnedCertificate, Err: err}
		}
	}
	ca, err := caCerts(in.CAFile)
	if err != nil {
		return nil, nil, &TLSConfigError{Field: FieldCAFile, Err: err}
	}

	host := strings.TrimSpace(in.TLSServerName)
	if host == "" {
		host = strings.TrimSpace(in.Server)
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")

	info := &TLSInfo{}
	v := verifier{host: host, ca: ca, pin: pin, reject: in.RejectInvalidCertificates, now: now, info: info}
	cfg := &tls.Config{
		MinVersion:         minVersion,
		InsecureSkipVerify: true, // verification is done by VerifyConnection below
		VerifyConnection:   v.verify,
	}
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	if minVersion < tls.VersionTLS12 {
		for _, cs := range tls.CipherSuites() {
			cfg.CipherSuites = append(cfg.CipherSuites, cs.ID)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, legacyRSAKex...)
	}
	return cfg, info, nil
}

// maxCAFile bounds what is read from a ca_file (a system bundle is a few
// hundred KiB).
const maxCAFile = 16 << 20

// caCerts reads the certificates of caFile; none without a file. A file
// with no PEM certificate is an error.
func caCerts(caFile string) ([]*x509.Certificate, error) {
	if caFile == "" {
		return nil, nil
	}
	data, err := config.ReadRegularFile("incoming.ca_file", caFile, maxCAFile)
	var pe *config.PermissionError
	var nre *config.NotRegularError
	if errors.As(err, &pe) || errors.As(err, &nre) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA file: %w", err)
	}
	var certs []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", caFile)
	}
	return certs, nil
}

// rootPool is the system pool plus the certificates ca.
func rootPool(ca []*x509.Certificate) *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range ca {
		pool.AddCert(c)
	}
	return pool
}

// rootsWarmed counts the calls of warmSystemRoots (for the tests).
var rootsWarmed atomic.Int64

// warmSystemRoots starts loading the system's CA certificates (Go reads the
// bundle and every file of /etc/ssl/certs: about 20 ms, once a process) so
// that the load overlaps the DNS lookup and the TCP connect instead of
// delaying the TLS handshake. The returned func waits for it to end.
func warmSystemRoots() (wait func()) {
	rootsWarmed.Add(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = x509.SystemCertPool()
	}()
	return func() { <-done }
}

// errBadFingerprint is the reason a pin cannot be read.
var errBadFingerprint = errors.New("not a SHA-256 fingerprint: want 64 hex digits, colons allowed (AB:CD:…)")

// normalizeFingerprint turns "ab:cd…", "AB CD…" or "abcd…" (optionally
// prefixed "sha256:") into the canonical "AB:CD:…".
func normalizeFingerprint(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "sha256:") {
		s = s[7:]
	}
	s = strings.NewReplacer(":", "", " ", "", "-", "").Replace(s)
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != sha256.Size {
		return "", errBadFingerprint
	}
	return formatFingerprint(raw), nil
}

// formatFingerprint is upper-case hex with colons.
func formatFingerprint(sum []byte) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, len(sum)*3)
	for i, c := range sum {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return string(b)
}

// fingerprint is the SHA-256 of a certificate in canonical form.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return formatFingerprint(sum[:])
}

// verifier is the state behind tls.Config.VerifyConnection.
type verifier struct {
	host   string
	ca     []*x509.Certificate // from ca_file
	pin    string              // canonical, or ""
	reject bool
	now    func() time.Time
	info   *TLSInfo
}

// verify records the handshake in v.info and decides whether it may go on.
func (v *verifier) verify(cs tls.ConnectionState) error {
	*v.info = TLSInfo{Version: tlsVersionName(cs.Version), CipherSuite: tls.CipherSuiteName(cs.CipherSuite)}
	v.info.setKeyExchange(cs)
	now := v.now()
	if len(cs.PeerCertificates) == 0 {
		ce := &CertError{Problem: CertOther, Host: v.host, Now: now, Err: errors.New("the server sent no certificate")}
		v.info.Problem = ce
		return ce
	}
	leaf := cs.PeerCertificates[0]
	info := v.info
	// The names are the server's text: cleaned here, so that the step
	// detail, the "does not match" error and its hint show them safely.
	info.Subject = safetext.Clean(dnName(leaf.Subject.CommonName, leaf.Subject.String()))
	info.Issuer = safetext.Clean(dnName(leaf.Issuer.CommonName, leaf.Issuer.String()))
	for _, n := range leaf.DNSNames {
		info.DNSNames = append(info.DNSNames, safetext.Clean(n))
	}
	for _, ip := range leaf.IPAddresses {
		info.IPAddresses = append(info.IPAddresses, ip.String())
	}
	info.NotBefore, info.NotAfter = leaf.NotBefore, leaf.NotAfter
	info.SHA256 = fingerprint(leaf)

	base := CertError{
		Host: v.host, Names: info.names(), Subject: info.Subject, Issuer: info.Issuer,
		NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, Now: now, Fingerprint: info.SHA256,
	}
	if v.pin != "" {
		if info.SHA256 == v.pin {
			info.Verified, info.Pinned = true, true
			return nil
		}
		ce := base
		ce.Problem, ce.Want = CertPinMismatch, v.pin
		info.Problem = &ce
		return &ce // a pin mismatch fails whatever reject_invalid_certificates says
	}

	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Intermediates: inter, DNSName: v.host, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	var err error
	if len(v.ca) > 0 {
		// ca_file alone first: it is what an internal server is signed by,
		// and it spares loading the system pool. Failing that, the system
		// pool plus ca_file decides (and names the problem), so the set of
		// certificates accepted is the same as with the union alone.
		opts.Roots = x509.NewCertPool()
		for _, c := range v.ca {
			opts.Roots.AddCert(c)
		}
		_, err = leaf.Verify(opts)
	}
	if len(v.ca) == 0 || err != nil {
		opts.Roots = rootPool(v.ca)
		_, err = leaf.Verify(opts)
	}
	if err == nil {
		info.Verified = true
		return nil
	}
	ce := classifyCertError(err, base)
	info.Problem = ce
	if v.reject {
		return ce
	}
	return nil
}

// classifyCertError turns an x509 verification error into a *CertError,
// starting from base (which describes the leaf).
func classifyCertError(err error, base CertError) *CertError {
	ce := base
	ce.Err = err
	var (
		unknown  x509.UnknownAuthorityError
		roots    x509.SystemRootsError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
	)
	switch {
	case errors.As(err, &unknown), errors.As(err, &roots):
		ce.Problem = CertUnknownAuthority
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if c := invalid.Cert; c != nil {
			ce.NotBefore, ce.NotAfter = c.NotBefore, c.NotAfter
		}
		ce.Problem = CertExpired
		if ce.Now.Before(ce.NotBefore) {
			ce.Problem = CertNotYetValid
		}
	case errors.As(err, &hostname):
		ce.Problem = CertWrongHost
	default:
		ce.Problem = CertOther
	}
	return &ce
}

// dnName is "CN=cn" when the name has a common name, else the full DN.
func dnName(cn, dn string) string {
	if cn != "" {
		return "CN=" + cn
	}
	return dn
}

// isTLSToPlainPort reports whether err is a TLS handshake that met a
// plain-text server: the first bytes back were not a TLS record but text
// such as "* OK" (IMAP) or "+OK " (POP3).
func isTLSToPlainPort(err error) bool {
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		return false
	}
	return looksLikeText(rh.RecordHeader[:])
}

// looksLikeText reports whether b is printable ASCII (with CR, LF, tab).
func looksLikeText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

// looksLikeTLSRecord reports whether b starts with a TLS record header of a
// handshake (0x16) or an alert (0x15) with a 3.x version: what a TLS port
// answers when a plain-text client speaks to it.
func looksLikeTLSRecord(b []byte) bool {
	return len(b) >= 3 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03 && b[2] <= 0x04
}
