package mailconn

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// CertVerdict is a word or two on the candidate's certificate, for a
// column: "-" without TLS, "verified", "pinned", "self-signed",
// "unknown CA", "expired", "not yet valid", "wrong name", "invalid".
func (r ProbeResult) CertVerdict() string {
	t := r.TLS
	switch {
	case t == nil:
		return "-"
	case t.Pinned:
		return "pinned"
	case r.CertificateOK:
		return "verified"
	case t.Problem == nil:
		return "not verified"
	}
	switch t.Problem.Problem {
	case CertUnknownAuthority:
		if t.Problem.Issuer != "" && t.Problem.Issuer == t.Problem.Subject {
			return "self-signed"
		}
		return "unknown CA"
	case CertExpired:
		return "expired"
	case CertNotYetValid:
		return "not yet valid"
	case CertWrongHost:
		return "wrong name"
	}
	return "invalid"
}

// MechanismsText is the sign-in mechanisms the candidate offers ("none"
// when it offers none), then what else matters for signing in: a
// LOGINDISABLED, and STARTTLS offered on a plain-text candidate.
func (r ProbeResult) MechanismsText() string {
	s := strings.Join(r.Mechanisms, " ")
	if s == "" {
		s = "none"
	}
	for _, n := range r.Notes() {
		s += "; " + n
	}
	return s
}

// Notes is what else matters for signing in besides the mechanisms: the
// server's refusal of passwords before TLS in its own words
// ("LOGINDISABLED", "XTLSREQUIRED", "TLS required to log in."), and
// "STARTTLS offered" on a plain-text candidate.
func (r ProbeResult) Notes() []string {
	var notes []string
	if r.LoginDisabled {
		by := r.LoginDisabledBy
		if by == "" {
			by = capLoginDisabled
		}
		notes = append(notes, by)
	}
	if r.StartTLSOffered && r.Candidate.Security == config.SecurityNone {
		notes = append(notes, "STARTTLS offered")
	}
	return notes
}
