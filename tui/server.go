package tui

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
)

// serverScreen (step 2): the server name and the port. The port field is
// empty and shows the default for the protocol and security as long as the
// user has not typed a port, so it follows later changes of either.
type serverScreen struct {
	formScreen
	server   *textField
	port     *textField
	detect   *detectPanel
	detected *detected // what Detect filled in last
}

func newServerScreen(c *common) *serverScreen {
	s := &serverScreen{server: c.draft.server, port: c.draft.port}
	s.formScreen = formScreen{c: c, id: scrServer, form: &form{fields: []field{s.server, s.port}}}
	s.detect = newDetectPanel(c, s)
	return s
}

func (s *serverScreen) stop()                      { s.detect.close() }
func (s *serverScreen) update(msg tea.Msg) tea.Cmd { return s.detect.update(msg) }

func (s *serverScreen) help() []key.Binding {
	if s.detect.isOpen() {
		return s.detect.help()
	}
	return s.formHelp(s.c.keys.Detect)
}

// finishPort writes the default port out when the user typed none: called
// on the final config, after protocol and security are known.
func finishPort(in *config.Incoming) {
	if in.Port == 0 {
		in.Port = config.DefaultPort(in.Protocol, in.Security)
	}
}

func (s *serverScreen) view(width, height int) page {
	if s.detect.isOpen() {
		return s.detect.view(width, height-1)
	}
	in := s.c.draft.incoming()
	s.port.input.Placeholder = strconv.Itoa(config.DefaultPort(in.Protocol, in.Security))
	p := page{
		intro: para("Type the name of your incoming mail server. If it uses a non-default port, type the port too.", width),
		main:  s.form.view(s.c.st, width),
		outro: para(s.c.st.muted.Render("Not sure of the port or the security? Press ctrl+d to detect what the server offers."), width),
	}
	if n := s.detectedNote(width); n != "" {
		p.outro = n
	}
	return p
}

// protocolSecurityName is e.g. "IMAP4 over SSL/TLS".
func protocolSecurityName(protocol, security string) string {
	p := "IMAP4"
	if protocol == config.ProtocolPOP3 {
		p = "POP3"
	}
	if security == config.SecurityTLS {
		return p + " over SSL/TLS"
	}
	return p + " (plain or STARTTLS)"
}

// checkServer is the as-you-type check of a host name.
func checkServer(v string) string {
	switch {
	case v == "":
		return "Type the server's host name, e.g. mail.example.com."
	case net.ParseIP(v) != nil:
		return ""
	case strings.Contains(v, "://"):
		return fmt.Sprintf("Leave out %q: type only the host name.", v[:strings.Index(v, "://")+3])
	case strings.Contains(v, "@"):
		return "That looks like an email address; type the server's host name."
	case strings.ContainsFunc(v, unicode.IsSpace):
		return "A host name has no spaces."
	case strings.Contains(v, ":"):
		if _, p, err := net.SplitHostPort(v); err == nil {
			return fmt.Sprintf("Put the port %s in the Port field, not here.", p)
		}
		return "Remove the \":\" and what follows it."
	case strings.ContainsAny(v, "/\\?#"):
		return "Type only the host name, without a path."
	}
	return ""
}

// checkPort accepts an empty port (the default) or 1-65535 in digits.
func checkPort(v string) string {
	if v == "" {
		return ""
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return "Digits only, 1-65535."
		}
	}
	if p, err := strconv.Atoi(v); err != nil || p < 1 || p > 65535 {
		return "A port is 1-65535."
	}
	return ""
}
