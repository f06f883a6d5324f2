package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// fieldTarget is the screen and input that edit a config key (with or
// without the "incoming." prefix) or a mailconn field. It returns
// scrWelcome and nil for a key no screen edits (timeout, tls_min_version;
// the oauth2 keys when OAuth 2.0 is not chosen).
func (m *Model) fieldTarget(name string) (screenID, field) {
	switch strings.TrimPrefix(name, "incoming.") {
	case "server":
		return scrServer, m.server.server
	case "port":
		return scrServer, m.server.port
	case "protocol":
		return scrAccount, m.account.kind
	case "mailbox":
		if m.account.protocol() != "imap" {
			return scrAccount, m.account.kind
		}
		return scrMailbox, m.mailbox.mailbox
	case "username":
		return scrCredentials, m.creds.username
	case "password":
		switch m.creds.keep.value() {
		case keepFile:
			return scrCredentials, m.creds.file
		case keepEnv:
			return scrCredentials, m.creds.env
		case keepCommand:
			return scrCredentials, m.creds.command
		}
		return scrCredentials, m.creds.password
	case "password_file":
		return scrCredentials, m.creds.file
	case "password_env":
		return scrCredentials, m.creds.env
	case "password_command":
		return scrCredentials, m.creds.command
	case "auth":
		return scrSPA, m.spa.spa
	case "security":
		return scrSecurity, m.security.mode
	case "reject_invalid_certificates":
		return scrCerts, m.certs.reject
	case "ca_file":
		return scrCerts, m.certs.caFile
	case "pinned_certificate_sha256":
		return scrCerts, m.certs.pin
	case "tls_server_name":
		return scrCerts, m.certs.serverName
	}
	return m.oauthTarget(name)
}

// fix jumps to the input of a field at fault. Leaving that screen forward
// returns to the test screen, which runs the test again.
func (m *Model) fix(name string) tea.Cmd {
	scr, target := m.fieldTarget(name)
	if target == nil {
		return nil
	}
	cmd := m.goTo(scr, false)
	f := m.formOf(scr)
	for i, fl := range f.fields {
		if fl == target && f.visible(i) {
			cmd = f.focusAt(i)
		}
	}
	if target == field(m.creds.password) {
		m.creds.clearPassword()
	}
	m.fixReturn = true
	return cmd
}

// fieldLabel names a field for the user.
func fieldLabel(name string) string {
	switch n := strings.TrimPrefix(name, "incoming."); n {
	case "username":
		return "user name"
	case "auth":
		return "authentication"
	case "security":
		return "secure connection"
	case "reject_invalid_certificates":
		return "certificate check"
	case "ca_file":
		return "CA file"
	case "pinned_certificate_sha256":
		return "pinned certificate"
	case "tls_server_name":
		return "name to verify"
	case "protocol":
		return "account type"
	default:
		if strings.HasPrefix(n, "oauth2") {
			return oauthFieldLabel(n)
		}
		return strings.ReplaceAll(n, "_", " ")
	}
}
