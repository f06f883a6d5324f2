package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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

// needsPassword: a password sign-in is chosen but no password is there to
// send (OAuth 2.0 was chosen on the previous screen, then Password here).
func (s *spaScreen) needsPassword() bool {
	d := s.c.draft
	return s.spa.value() != config.AuthOAuth2 && d.keep.value() == keepInline &&
		d.password.input.Value() == "" && d.currentPassword == ""
}

// key goes back to the password, not on to a test that cannot sign in,
// when a password sign-in has no password yet.
func (s *spaScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, s.c.keys.Next) && s.needsPassword() {
		s.c.draft.password.reveal()                          // say why
		s.c.request(goToMsg{to: scrCredentials, back: true}) // its last field: the password
		return nil
	}
	return s.formScreen.key(msg)
}

func (s *spaScreen) view(width, _ int) page {
	st, d := s.c.st, s.c.draft
	v := s.spa.value()
	main := s.form.view(st, width) + "\n\n" + para(st.muted.Render(authMeaning[v]), width)
	if v != config.AuthOAuth2 {
		if n := oauthServerNote(d.server.value()); n != "" {
			main += "\n\n" + para(st.warnLine(n), width)
		}
		if s.needsPassword() {
			main += "\n\n" + para(st.warnLine("No password yet: enter takes you back to type it."), width)
		}
	}
	return page{
		intro: para("If your mail server requires Secure Password Authentication, select it. "+
			"Microsoft 365 and Google sign in with OAuth 2.0 instead of a password.", width),
		main: main,
	}
}
