package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Header is the comment that opens a file written by mailsetup.
const Header = "# Mail Connector — incoming mail server. Written by mailsetup.\n# Check it with: mailsetup test\n"

// commentColumn is where a key's comment starts, when the line is short enough.
const commentColumn = 34

// Marshal writes c as TOML with a header comment and a short comment per
// key, in the order of PRODUCT.md. It writes every key that is set (and
// protocol, server, username, auth, security, reject_invalid_certificates
// always), so that Parse(Marshal(c)) gives c back for a valid c whose
// Mailbox is set; a POP3 mailbox is written only when it is not the default.
// Marshal does not validate; it fails only on text TOML cannot hold.
func Marshal(c *Config) ([]byte, error) {
	w := &tomlWriter{}
	in := &c.Incoming
	for _, s := range in.stringFields() {
		if !utf8.ValidString(s.value) {
			return nil, fmt.Errorf("cannot write %s: it is not valid UTF-8 text", s.key)
		}
	}
	w.raw(Header)
	w.kv("version", strconv.Itoa(SchemaVersion), "schema version of this file")
	w.raw("\n[incoming]\n")
	w.str("protocol", in.Protocol, `"imap" (IMAP4) | "pop3" (POP3)`)
	w.str("server", in.Server, "host name or IP address of the mail server")
	if in.Port != 0 {
		w.kv("port", strconv.Itoa(in.Port), "1-65535; absent or 0: the default for protocol and security")
	} else {
		w.line(fmt.Sprintf("# port = %d", DefaultPort(in.Protocol, in.Security)),
			fmt.Sprintf("absent: the default for %q with %q", in.Protocol, in.Security))
	}
	switch {
	case in.Protocol != ProtocolPOP3 && in.Mailbox != "":
		w.str("mailbox", in.Mailbox, `IMAP folder to read; default "INBOX"`)
	case in.Mailbox != "" && in.Mailbox != DefaultMailbox:
		w.str("mailbox", in.Mailbox, "has no effect with POP3")
	}
	w.str("username", in.Username, "login name of the mailbox")
	w.opt("password", in.Password, "exactly one of password, password_file, password_env, password_command")
	w.opt("password_file", in.PasswordFile, "file holding the password; must not be readable by others")
	w.opt("password_env", in.PasswordEnv, "environment variable holding the password")
	w.opt("password_command", in.PasswordCommand, "run with /bin/sh -c; prints the password")
	w.str("auth", in.Auth, `"password" | "spa" (Secure Password Authentication = NTLM) | "oauth2"`)
	w.str("security", in.Security, `"none" | "starttls-if-available" | "starttls" | "tls"`)
	if in.RejectInvalidCertificates {
		w.kv("reject_invalid_certificates", "true", "refuse a certificate that does not verify")
	} else {
		w.kv("reject_invalid_certificates", "false", "accepts any certificate: unsafe")
	}
	w.opt("ca_file", in.CAFile, "extra CA certificates to trust (PEM)")
	w.opt("pinned_certificate_sha256", in.PinnedCertificateSHA256, "trust exactly this certificate")
	w.opt("tls_min_version", in.TLSMinVersion, `"1.0" | "1.1" | "1.2" | "1.3"`)
	w.opt("tls_server_name", in.TLSServerName, "name to verify when server is an IP or an alias")
	if in.Timeout.Duration != 0 {
		w.str("timeout", in.Timeout.String(), "for each network step; default 30s")
	}
	if o := in.OAuth2; o != nil {
		w.raw("\n[incoming.oauth2]                 # only with auth = \"oauth2\"\n")
		w.str("provider", o.Provider, `"microsoft" | "google" | "custom"`)
		w.opt("flow", o.Flow, `"device" | "client-credentials"; default "device"`)
		w.opt("tenant", o.Tenant, `microsoft only; default "common"`)
		w.str("client_id", o.ClientID, "application (client) ID")
		w.opt("client_secret", o.ClientSecret, "or client_secret_file / client_secret_env / client_secret_command")
		w.opt("client_secret_file", o.ClientSecretFile, "file holding the client secret; must not be readable by others")
		w.opt("client_secret_env", o.ClientSecretEnv, "environment variable holding the client secret")
		w.opt("client_secret_command", o.ClientSecretCommand, "run with /bin/sh -c; prints the client secret")
		w.opt("token_file", o.TokenFile, "where the token from `mailsetup oauth2 login` is kept")
		w.opt("mechanism", o.Mechanism, `"xoauth2" | "oauthbearer"; default: what the server offers`)
		w.opt("device_authorization_url", o.DeviceAuthorizationURL, "custom only")
		w.opt("authorization_url", o.AuthorizationURL, "custom only")
		w.opt("token_url", o.TokenURL, "custom only")
		w.opt("introspection_url", o.IntrospectionURL, "token introspection endpoint")
		if len(o.Scopes) > 0 {
			q := make([]string, len(o.Scopes))
			for i, s := range o.Scopes {
				q[i] = quoteTOML(s)
			}
			w.kv("scopes", "["+strings.Join(q, ", ")+"]", "custom only; the providers' own scopes are built in")
		}
	}
	return []byte(w.String()), nil
}

// tomlWriter builds the file line by line.
type tomlWriter struct{ strings.Builder }

func (w *tomlWriter) raw(s string) { w.WriteString(s) }

// line writes text with comment aligned at commentColumn.
func (w *tomlWriter) line(text, comment string) {
	w.WriteString(text)
	if comment != "" {
		w.WriteString(strings.Repeat(" ", max(2, commentColumn-utf8.RuneCountInString(text))))
		w.WriteString("# " + comment)
	}
	w.WriteString("\n")
}

func (w *tomlWriter) kv(key, value, comment string) { w.line(key+" = "+value, comment) }

func (w *tomlWriter) str(key, value, comment string) { w.kv(key, quoteTOML(value), comment) }

// opt writes a string key only when it is set.
func (w *tomlWriter) opt(key, value, comment string) {
	if value != "" {
		w.str(key, value, comment)
	}
}

// quoteTOML writes s as a TOML basic string. s must be valid UTF-8.
func quoteTOML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
