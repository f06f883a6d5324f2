package tui

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// certsScreen (step 7): the "Reject invalid certificates" check box, and
// the optional CA file, pinned certificate and name to verify.
type certsScreen struct {
	formScreen
	reject                  *checkField
	caFile, pin, serverName *textField
}

func newCertsScreen(c *common) *certsScreen {
	d := c.draft
	s := &certsScreen{reject: d.reject, caFile: d.caFile, pin: d.pin, serverName: d.serverName}
	s.formScreen = formScreen{c: c, id: scrCerts, form: &form{fields: []field{s.reject, s.caFile, s.pin, s.serverName}}}
	return s
}

func (s *certsScreen) view(width, _ int) page {
	st := s.c.st
	p := page{
		intro: para("To refuse a secure connection when the server's certificate does not validate, select the check box.", width),
		main:  s.form.view(st, width),
	}
	if s.c.draft.security.value() == config.SecurityNone {
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
