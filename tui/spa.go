package tui

import (
	"github.com/mailsetup/mailsetup/config"
)

// spaScreen (step 5): how the connector signs in. The second option is
// the help page's "Require Secure Password Authentication (SPA)" check box
// (auth = "spa", which is SASL NTLM); the third is OAuth 2.0 (auth =
// "oauth2"), whose settings are the next screen (oauth.go).
type spaScreen struct {
	formScreen
	spa *choiceField // auth: password, spa or oauth2
}

func newSPAScreen(c *common) *spaScreen {
	s := &spaScreen{spa: c.draft.auth}
	s.formScreen = formScreen{c: c, id: scrSPA, form: &form{fields: []field{s.spa}}}
	return s
}

func (s *spaScreen) view(width, _ int) page {
	st, d := s.c.st, s.c.draft
	v := s.spa.value()
	main := s.form.view(st, width) + "\n\n" + para(st.muted.Render(authMeaning[v]), width)
	if v != config.AuthOAuth2 {
		if n := oauthServerNote(d.server.value()); n != "" {
			main += "\n\n" + para(st.warnLine(n), width)
		}
		if d.keep.value() == keepInline && d.password.input.Value() == "" && d.currentPassword == "" {
			main += "\n\n" + para(st.warnLine("No password yet: press shift+tab to type it on the previous screen."), width)
		}
	}
	return page{
		intro: para("If your mail server requires Secure Password Authentication, select it. "+
			"Microsoft 365 and Google sign in with OAuth 2.0 instead of a password.", width),
		main: main,
	}
}
