package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// mailboxScreen (step 3, IMAP4 only): the folder the connector reads,
// INBOX by default, with the help page's advice on "." and "/".
type mailboxScreen struct {
	m       *Model
	mailbox *textField
	form    *form
	browser *folderBrowser
}

func newMailboxScreen(m *Model) *mailboxScreen {
	s := &mailboxScreen{m: m, browser: newFolderBrowser(m)}
	s.mailbox = newTextField("Mail Box", config.DefaultMailbox, checkMailbox)
	s.mailbox.warn = func(v string) string {
		_, msg := s.offer(v)
		return msg
	}
	s.form = &form{fields: []field{s.mailbox}}
	return s
}

// key handles the screen's own keys: ctrl+l opens the folder browser,
// ctrl+y takes the offered folder name; with the browser open, every key
// goes to it. It reports false for keys the form handles.
func (s *mailboxScreen) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := s.m.keys
	switch {
	case s.browser.isOpen():
		if key.Matches(msg, k.Quit) {
			return nil, false
		}
		return s.browser.key(msg), true
	case key.Matches(msg, k.Browse):
		s.mailbox.blur()
		return s.browser.open(), true
	case key.Matches(msg, k.UseOffer):
		if name, _ := s.offer(s.mailbox.value()); name != "" {
			s.mailbox.setValue(name)
		}
		return nil, true
	}
	return nil, false
}

// offer is a better name for the folder v and the line that offers it:
// v in the server's separator (known from the folder list, or built in for
// Microsoft 365), or the closest folder the server has.
func (s *mailboxScreen) offer(v string) (string, string) {
	if v == "" || checkMailbox(v) != "" {
		return "", ""
	}
	server := s.m.server.server.value()
	if l := s.browser.listFor(server); l != nil {
		if _, ok := l.Find(v); ok {
			return "", ""
		}
		if alt, ok := mailconn.SuggestSeparator(v, l.Delimiter); ok {
			if _, exists := l.Find(alt); exists {
				return alt, fmt.Sprintf("This server uses %q between folders: use %q? Press ctrl+y.", l.Delimiter, alt)
			}
		}
		if sug := l.Suggest(v); len(sug) > 0 {
			return sug[0], fmt.Sprintf("No folder %q on this server: use %q? Press ctrl+y.", v, sug[0])
		}
		return "", fmt.Sprintf("No folder %q on this server: press ctrl+l to list its folders.", v)
	}
	if p := mailconn.KnownProvider(server); p != nil && p.Separator != 0 {
		if alt, ok := mailconn.SuggestSeparator(v, string(p.Separator)); ok {
			return alt, fmt.Sprintf("%s takes only %q between folders: use %q? Press ctrl+y.", p.Name, string(p.Separator), alt)
		}
	}
	return "", ""
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
			"\"INBOX.Support\" or \"INBOX/Support\". Press ctrl+l to list the server's folders and choose one. "+
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
