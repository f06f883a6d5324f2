package tui

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// mailboxScreen (step 3, IMAP4 only): the folder the connector reads,
// INBOX by default, with the help page's advice on "." and "/".
type mailboxScreen struct {
	m       *Model
	mailbox *textField
	form    *form
}

func newMailboxScreen(m *Model) *mailboxScreen {
	s := &mailboxScreen{m: m}
	s.mailbox = newTextField("Mail Box", config.DefaultMailbox, checkMailbox)
	s.mailbox.warn = func(v string) string { return office365Warning(m.server.server.value(), v) }
	s.form = &form{fields: []field{s.mailbox}}
	return s
}

func (s *mailboxScreen) load(in config.Incoming) { s.mailbox.setValue(in.EffectiveMailbox()) }

// apply sets the mailbox for IMAP; POP3 has none.
func (s *mailboxScreen) apply(in *config.Incoming) {
	in.Mailbox = ""
	if in.Protocol == config.ProtocolIMAP {
		in.Mailbox = s.mailbox.value()
	}
}

func (s *mailboxScreen) view(width int) page {
	st := s.m.st
	return page{
		intro: para("The Mail Box field starts with INBOX. If you created a subfolder "+
			"the Mail Connector will pull messages from, type its name.", width),
		main: s.form.view(st, width),
		outro: para(st.muted.Render("A subfolder is written with the server's separator: "+
			"\"INBOX.Support\" or \"INBOX/Support\". The connection test shows which one your server uses. "+
			"Microsoft Office 365 (outlook.office365.com) takes only slashes: \"INBOX/Support\". "+
			"Your mail server must route incoming messages to that folder."), width),
	}
}

func checkMailbox(v string) string {
	switch {
	case v == "":
		return "Type a folder name, or INBOX."
	case strings.ContainsAny(v, "\r\n\x00"):
		return "A folder name has no line breaks."
	}
	return ""
}

// office365Warning warns about a "." in a folder name on Office 365, which
// takes only "/" between folder levels.
func office365Warning(server, mailbox string) string {
	if isOffice365(server) && strings.Contains(mailbox, ".") {
		return "Office 365 takes only slashes between folders: try \"" + strings.ReplaceAll(mailbox, ".", "/") + "\"."
	}
	return ""
}

func isOffice365(server string) bool {
	s := strings.ToLower(strings.TrimSuffix(server, "."))
	return s == "outlook.office365.com" || strings.HasSuffix(s, ".office365.com") || s == "outlook.office.com"
}
