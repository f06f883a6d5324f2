package mailconn

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/internal/safetext"
)

// CertProblem says what is wrong with a server certificate.
type CertProblem int

// The certificate problems, each with its own hint.
const (
	CertUnknownAuthority CertProblem = iota + 1 // no trusted chain (self-signed, private CA)
	CertExpired                                 // now is after NotAfter
	CertNotYetValid                             // now is before NotBefore: often a wrong clock
	CertWrongHost                               // the certificate does not name the server
	CertPinMismatch                             // the leaf does not match pinned_certificate_sha256
	CertOther                                   // anything else x509 rejects
)

// String names the problem for logs and JSON, e.g. "unknown-authority".
func (p CertProblem) String() string {
	switch p {
	case CertUnknownAuthority:
		return "unknown-authority"
	case CertExpired:
		return "expired"
	case CertNotYetValid:
		return "not-yet-valid"
	case CertWrongHost:
		return "wrong-host"
	case CertPinMismatch:
		return "pin-mismatch"
	case CertOther:
		return "invalid"
	default:
		return fmt.Sprintf("CertProblem(%d)", int(p))
	}
}

// CertError is why a server certificate is not accepted. When
// reject_invalid_certificates is true (or a pin does not match) the TLS
// handshake fails with it, and errors.As finds it in the handshake error.
type CertError struct {
	Problem CertProblem
	Host    string   // the name or IP address that was verified
	Names   []string // the names the certificate carries (DNSNames, then IP addresses)
	Subject string   // leaf subject, "CN=…" or the DN
	Issuer  string   // leaf issuer, "CN=…" or the DN

	// NotBefore and NotAfter are the validity of the certificate at fault
	// (the leaf, or the intermediate that expired).
	NotBefore time.Time
	NotAfter  time.Time
	Now       time.Time // the clock used for the check

	// Fingerprint is the leaf's SHA-256 ("AB:CD:…"), set for every problem
	// so a hint can offer the pin; Want is the configured pin on a mismatch.
	Fingerprint string
	Want        string

	Err error // the underlying x509 error, if any
}

// Error says concretely what is wrong, in lowercase.
func (e *CertError) Error() string {
	switch e.Problem {
	case CertUnknownAuthority:
		if e.Issuer != "" && e.Issuer == e.Subject {
			return fmt.Sprintf("certificate is self-signed (%s) and not trusted", e.Subject)
		}
		if e.Issuer == "" {
			return "certificate signed by an unknown authority"
		}
		return fmt.Sprintf("certificate signed by an unknown authority (issuer %s)", e.Issuer)
	case CertExpired:
		return fmt.Sprintf("certificate expired on %s (now %s)", when(e.NotAfter, e.Now), when(e.Now, e.NotAfter))
	case CertNotYetValid:
		return fmt.Sprintf("certificate is not valid until %s — is this machine's clock right? (now %s)",
			when(e.NotBefore, e.Now), when(e.Now, e.NotBefore))
	case CertWrongHost:
		if len(e.Names) == 0 {
			return fmt.Sprintf("certificate %sdoes not match %s (it names no host, only the legacy common name, which is not used)",
				e.forWhom(), e.Host)
		}
		return fmt.Sprintf("certificate %sdoes not match %s (it names: %s)", e.forWhom(), e.Host, shortList(e.Names, 8))
	case CertPinMismatch:
		return fmt.Sprintf("certificate fingerprint %s does not match the pinned %s", e.Fingerprint, e.Want)
	default:
		if e.Err != nil {
			// x509's text can quote the certificate's names.
			return "certificate is not valid: " + safetext.Clean(strings.TrimPrefix(e.Err.Error(), "x509: "))
		}
		return "certificate is not valid"
	}
}

// forWhom is "for NAME " with the certificate's first name or CN, or "".
func (e *CertError) forWhom() string {
	if len(e.Names) > 0 {
		return "for " + e.Names[0] + " "
	}
	if cn, ok := strings.CutPrefix(e.Subject, "CN="); ok && cn != "" {
		return "for " + cn + " "
	}
	return ""
}

// Unwrap returns the underlying x509 error.
func (e *CertError) Unwrap() error { return e.Err }

// Hint is one sentence naming the fix, and the config field it is about.
func (e *CertError) Hint() (hint, field string) {
	switch e.Problem {
	case CertUnknownAuthority:
		return fmt.Sprintf("Trust the issuing CA with ca_file, pin this certificate with pinned_certificate_sha256 = %q, or turn off reject_invalid_certificates.",
			e.Fingerprint), FieldCAFile
	case CertExpired:
		return "Renew the server's certificate, or turn off reject_invalid_certificates to connect anyway.",
			FieldRejectInvalidCertificates
	case CertNotYetValid:
		return fmt.Sprintf("Check this machine's clock and time zone (it reads %s, the certificate starts %s); if the clock is right, wait or turn off reject_invalid_certificates.",
				e.Now.UTC().Format("2006-01-02 15:04 UTC"), e.NotBefore.UTC().Format("2006-01-02 15:04 UTC")),
			FieldRejectInvalidCertificates
	case CertWrongHost:
		if len(e.Names) == 0 {
			return fmt.Sprintf("The certificate names no host: have it reissued with a subject alternative name, or pin it with pinned_certificate_sha256 = %q.",
				e.Fingerprint), FieldPinnedCertificate
		}
		return fmt.Sprintf("Use one of the names the certificate carries as server (%s), or set tls_server_name.",
			shortList(e.Names, 8)), FieldServer
	case CertPinMismatch:
		return fmt.Sprintf("The server's certificate is not the pinned one: if you trust it, set pinned_certificate_sha256 = %q.",
			e.Fingerprint), FieldPinnedCertificate
	default:
		return "Fix the server's certificate, or turn off reject_invalid_certificates to connect anyway.",
			FieldRejectInvalidCertificates
	}
}

// HintAccepted is the hint for a certificate that did not verify but that
// reject_invalid_certificates = false let through: the check is already
// off, so it says how to make the certificate verify and turn the check
// back on, never to turn it off.
func (e *CertError) HintAccepted() (hint, field string) {
	const lead = "reject_invalid_certificates = false let it through; "
	switch e.Problem {
	case CertUnknownAuthority:
		return fmt.Sprintf(lead+"trust the issuing CA with ca_file or pin this certificate with pinned_certificate_sha256 = %q, then turn the check back on.",
			e.Fingerprint), FieldCAFile
	case CertExpired:
		return lead + "renew the server's certificate, then turn the check back on.", FieldRejectInvalidCertificates
	case CertNotYetValid:
		return fmt.Sprintf(lead+"check this machine's clock and time zone (it reads %s, the certificate starts %s), then turn the check back on.",
				e.Now.UTC().Format("2006-01-02 15:04 UTC"), e.NotBefore.UTC().Format("2006-01-02 15:04 UTC")),
			FieldRejectInvalidCertificates
	case CertWrongHost, CertPinMismatch:
		hint, field = e.Hint()
		return lead + strings.ToLower(hint[:1]) + hint[1:], field
	default:
		return lead + "fix the server's certificate, then turn the check back on.", FieldRejectInvalidCertificates
	}
}

// when formats t as a date, or as date and time (UTC) when it falls on the
// same day as other, where a date alone would not show the difference.
func when(t, other time.Time) string {
	t, other = t.UTC(), other.UTC()
	if t.Format(time.DateOnly) == other.Format(time.DateOnly) {
		return t.Format("2006-01-02 15:04 UTC")
	}
	return t.Format(time.DateOnly)
}

// shortList joins up to max items with ", " and says how many were left out.
func shortList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}
