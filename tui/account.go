package tui

import (
	"github.com/mailsetup/mailsetup/config"
)

// accountChoices are the help page's two account types.
var accountChoices = []choice{
	{value: config.ProtocolIMAP, label: "IMAP4", short: "Internet Message Access Protocol v4: reads one folder you choose"},
	{value: config.ProtocolPOP3, label: "POP3", short: "Post Office Protocol v3: reads the inbox only"},
}

// accountScreen (step 1): the account type for incoming mail.
type accountScreen struct {
	formScreen
	kind *choiceField
}

func newAccountScreen(c *common) *accountScreen {
	s := &accountScreen{kind: c.draft.kind}
	s.formScreen = formScreen{c: c, id: scrAccount, form: &form{fields: []field{s.kind}}}
	return s
}

func (s *accountScreen) view(width, _ int) page {
	note := "IMAP4 lets the connector watch a subfolder such as INBOX/Support; POP3 has no folders."
	return page{
		intro: para("Choose the account type for incoming mail.", width),
		main:  s.form.view(s.c.st, width),
		outro: para(s.c.st.muted.Render(note), width),
	}
}
