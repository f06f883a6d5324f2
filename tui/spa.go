package tui

import (
	"github.com/mailsetup/mailsetup/config"
)

// spaScreen (step 5): the help page's "Require Secure Password
// Authentication (SPA)" check box (auth = "spa", which is SASL NTLM). A
// config that signs in with OAuth 2.0 keeps its [incoming.oauth2] table and
// shows a second check box for it.
type spaScreen struct {
	m     *Model
	spa   *checkField
	oauth *checkField
	form  *form
}

func newSPAScreen(m *Model) *spaScreen {
	s := &spaScreen{m: m}
	s.spa = &checkField{label: "Require Secure Password Authentication (SPA)"}
	s.spa.note = func() string {
		return "Select it only if your mail server requires SPA (NTLM, as on-premises Microsoft Exchange often does). " +
			"The user name may then be DOMAIN\\user or user@domain."
	}
	s.oauth = &checkField{label: "Sign in with OAuth 2.0"}
	s.oauth.note = func() string { return "Uses the [incoming.oauth2] settings of the file; no password is stored." }
	s.spa.onChange = func() {
		if s.spa.checked {
			s.oauth.checked = false
		}
	}
	s.oauth.onChange = func() {
		if s.oauth.checked {
			s.spa.checked = false
		}
	}
	s.form = &form{fields: []field{s.spa, s.oauth}}
	s.form.hidden = func(i int) bool { return i == 1 && m.base.OAuth2 == nil }
	return s
}

// oauth2 reports whether the config signs in with OAuth 2.0.
func (s *spaScreen) oauth2() bool { return s.oauth.checked && s.m.base.OAuth2 != nil }

func (s *spaScreen) load(in config.Incoming) {
	s.spa.checked = in.Auth == config.AuthSPA
	s.oauth.checked = in.Auth == config.AuthOAuth2
}

func (s *spaScreen) apply(in *config.Incoming) {
	switch {
	case s.oauth2():
		in.Auth = config.AuthOAuth2
	case s.spa.checked:
		in.Auth = config.AuthSPA
	default:
		in.Auth = config.AuthPassword
	}
	if in.Auth != config.AuthOAuth2 {
		in.OAuth2 = nil
	}
}

func (s *spaScreen) view(width int) page {
	return page{
		intro: para("If your mail server requires Secure Password Authentication, select the check box.", width),
		main:  s.form.view(s.m.st, width),
	}
}
