package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/mailconn"
)

// mailboxScreen (step 3, IMAP4 only): the folder the connector reads,
// INBOX by default, with the help page's advice on "." and "/".
type mailboxScreen struct {
	formScreen
	mailbox *textField
	browser *folderBrowser
}

func newMailboxScreen(c *common) *mailboxScreen {
	s := &mailboxScreen{mailbox: c.draft.mailbox}
	s.formScreen = formScreen{c: c, id: scrMailbox, form: &form{fields: []field{s.mailbox}}}
	s.browser = newFolderBrowser(c, s)
	s.mailbox.warn = func(v string) string {
		_, msg := s.offer(v)
		return msg
	}
	return s
}

func (s *mailboxScreen) stop() { s.browser.close() }

func (s *mailboxScreen) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(openBrowserMsg); ok {
		return s.browser.open()
	}
	return s.browser.update(msg)
}

func (s *mailboxScreen) help() []key.Binding {
	if s.browser.isOpen() {
		return s.browser.help()
	}
	if name, _ := s.offer(s.mailbox.value()); name != "" {
		return s.formHelp(with(s.c.keys.UseOffer, "ctrl+y", "use "+name), s.c.keys.Browse)
	}
	return s.formHelp(s.c.keys.Browse)
}

// key handles the screen's own keys: ctrl+l opens the folder browser,
// ctrl+y takes the offered folder name; with the browser open, every key
// goes to it; the rest go to the form.
func (s *mailboxScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case s.browser.isOpen():
		return s.browser.key(msg)
	case key.Matches(msg, k.Browse):
		s.mailbox.blur()
		return s.browser.open()
	case key.Matches(msg, k.UseOffer):
		if name, _ := s.offer(s.mailbox.value()); name != "" {
			s.mailbox.setValue(name)
		}
		return nil
	}
	return s.formScreen.key(msg)
}

// offer is a better name for the folder v and the line that offers it:
// v in the server's separator (known from the folder list, or built in for
// Microsoft 365), or the closest folder the server has.
func (s *mailboxScreen) offer(v string) (string, string) {
	if v == "" || checkMailbox(v) != "" {
		return "", ""
	}
	server := s.c.draft.server.value()
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

func (s *mailboxScreen) view(width, height int) page {
	if s.browser.isOpen() {
		return s.browser.view(width, height-1)
	}
	st := s.c.st
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

func isOffice365(server string) bool {
	s := strings.ToLower(strings.TrimSuffix(server, "."))
	return s == "outlook.office365.com" || strings.HasSuffix(s, ".office365.com") || s == "outlook.office.com"
}
