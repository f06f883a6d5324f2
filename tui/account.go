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
	m    *Model
	kind *choiceField
	form *form
}

func newAccountScreen(m *Model) *accountScreen {
	s := &accountScreen{m: m}
	s.kind = &choiceField{choices: accountChoices}
	s.form = &form{fields: []field{s.kind}}
	return s
}

func (s *accountScreen) protocol() string          { return s.kind.value() }
func (s *accountScreen) load(in config.Incoming)   { s.kind.set(in.Protocol) }
func (s *accountScreen) apply(in *config.Incoming) { in.Protocol = s.kind.value() }

func (s *accountScreen) view(width int) page {
	note := "IMAP4 lets the connector watch a subfolder such as INBOX/Support; POP3 has no folders."
	return page{
		intro: para("Choose the account type for incoming mail.", width),
		main:  s.form.view(s.m.st, width),
		outro: para(s.m.st.muted.Render(note), width),
	}
}
