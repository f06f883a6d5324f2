package tui

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// certsScreen (step 7): the "Reject invalid certificates" check box, and
// the optional CA file, pinned certificate and name to verify.
type certsScreen struct {
	m          *Model
	reject     *checkField
	caFile     *textField
	pin        *textField
	serverName *textField
	form       *form
}

func newCertsScreen(m *Model) *certsScreen {
	s := &certsScreen{m: m}
	s.reject = &checkField{label: "Reject invalid certificates"}
	s.reject.note = func() string {
		if !s.reject.checked && s.pin.value() == "" {
			return "Unchecked: any certificate is accepted, so anyone on the path can pose as the server and read the password."
		}
		return "A certificate that fails validation stops the connection."
	}
	s.caFile = newTextField("CA file", "optional: /etc/ssl/certs/internal-ca.pem", checkOptionalPath)
	s.pin = newTextField("Pin SHA-256", "optional: the certificate's fingerprint", checkPin)
	s.serverName = newTextField("Verify name", "optional: the name on the certificate", checkTLSName)
	s.form = &form{fields: []field{s.reject, s.caFile, s.pin, s.serverName}}
	return s
}

func (s *certsScreen) load(in config.Incoming) {
	s.reject.checked = in.RejectInvalidCertificates
	s.caFile.setValue(in.CAFile)
	s.pin.setValue(in.PinnedCertificateSHA256)
	s.serverName.setValue(in.TLSServerName)
}

func (s *certsScreen) apply(in *config.Incoming) {
	in.RejectInvalidCertificates = s.reject.checked
	in.CAFile = s.caFile.value()
	in.PinnedCertificateSHA256 = s.pin.value()
	in.TLSServerName = s.serverName.value()
}

func (s *certsScreen) view(width int) page {
	st := s.m.st
	p := page{
		intro: para("To refuse a secure connection when the server's certificate does not validate, select the check box.", width),
		main:  s.form.view(st, width),
	}
	if s.m.security.mode.value() == config.SecurityNone {
		p.outro = para(st.warnLine("With Secure Connection None there is no TLS, so these settings have no effect."), width)
	} else {
		p.outro = para(st.muted.Render("A CA file trusts a private certificate authority; a pin trusts exactly one certificate; "+
			"the name to verify is for a server reached by IP address or alias."), width)
	}
	return p
}

// checkPin accepts 64 hex digits, optionally as 32 colon-separated pairs.
func checkPin(v string) string {
	if v == "" {
		return ""
	}
	hex := strings.ReplaceAll(v, ":", "")
	ok := len(hex) == 64 && (!strings.Contains(v, ":") || len(v) == 95)
	for _, r := range hex {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			ok = false
		}
	}
	if !ok {
		return "A SHA-256 fingerprint is 64 hex digits, with or without colons."
	}
	return ""
}

func checkTLSName(v string) string {
	if v == "" {
		return ""
	}
	return checkServer(v)
}
