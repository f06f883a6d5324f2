package tui

import (
	"github.com/mailsetup/mailsetup/config"
)

// spaScreen (step 5): how the connector signs in. The second option is
// the help page's "Require Secure Password Authentication (SPA)" check box
// (auth = "spa", which is SASL NTLM); the third is OAuth 2.0 (auth =
// "oauth2"), whose settings are the next screen (oauth.go).
type spaScreen struct {
	m    *Model
	spa  *choiceField // auth: password, spa or oauth2
	form *form
}

func newSPAScreen(m *Model) *spaScreen {
	s := &spaScreen{m: m}
	s.spa = &choiceField{choices: authChoices}
	s.spa.onChange = s.authChanged
	s.form = &form{fields: []field{s.spa}}
	return s
}

// oauth2 reports whether the connector signs in with OAuth 2.0.
func (s *spaScreen) oauth2() bool { return s.spa.value() == config.AuthOAuth2 }

// authChanged keeps the credentials screen's "Keep password" in step:
// OAuth 2.0 keeps no password.
func (s *spaScreen) authChanged() {
	keep := s.m.creds.keep
	switch {
	case s.oauth2():
		keep.set(keepOAuth)
		s.m.oauthScr.chosen()
	case keep.value() == keepOAuth:
		keep.set(keepInline)
	}
}

func (s *spaScreen) load(in config.Incoming) {
	s.spa.set(config.AuthPassword)
	s.spa.set(in.Auth)
	s.m.oauthScr.load(in)
}

func (s *spaScreen) apply(in *config.Incoming) {
	in.Auth = s.spa.value()
	s.m.oauthScr.apply(in)
}

func (s *spaScreen) view(width int) page {
	st := s.m.st
	v := s.spa.value()
	main := s.form.view(st, width) + "\n\n" + para(st.muted.Render(authMeaning[v]), width)
	if v != config.AuthOAuth2 {
		if n := oauthServerNote(s.m.server.server.value()); n != "" {
			main += "\n\n" + para(st.warnLine(n), width)
		}
		if c := s.m.creds; c.keep.value() == keepInline && c.password.input.Value() == "" && c.current == "" {
			main += "\n\n" + para(st.warnLine("No password yet: press shift+tab to type it on the previous screen."), width)
		}
	}
	return page{
		intro: para("If your mail server requires Secure Password Authentication, select it. "+
			"Microsoft 365 and Google sign in with OAuth 2.0 instead of a password.", width),
		main: main,
	}
}
