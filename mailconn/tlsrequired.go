package mailconn

import (
	"strings"

	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// Capabilities that mean "no password before TLS" on a plain-text
// connection: LOGINDISABLED (RFC 3501) and GNU Mailutils' XTLSREQUIRED,
// which it announces instead (IMAP and POP3) while still listing no
// mechanism that works.
const (
	capLoginDisabled = "LOGINDISABLED"
	capXTLSRequired  = "XTLSREQUIRED"
)

// tlsRequiredPhrases are refusal texts (lower case) that, on a plain-text
// connection, mean the server wants TLS before sign-in. POP3 has no
// response code for it (RFC 5530's PRIVACYREQUIRED is IMAP's), so servers
// say it in words: Courier "-ERR TLS required to log in.", GNU Mailutils
// "NO LOGIN Command disabled", Dovecot "Plaintext authentication
// disallowed on non-secure (SSL/TLS) connections.".
var tlsRequiredPhrases = []string{
	"tls required", "requires tls", "ssl required", "requires ssl",
	"starttls required", "stls required", "encryption required", "requires encryption",
	"privacy required", "command disabled", "plaintext authentication disallowed",
	"plaintext authentication not allowed", "plaintext authentication is disabled",
	"cleartext logins disabled", "must issue a starttls", "must use stls",
}

// meansTLSRequired reports whether a refusal's code or text says that the
// server wants TLS first. Only call it for a refusal on a plain-text
// connection: on TLS the words mean something else, and a wrong password
// must stay a wrong password.
func meansTLSRequired(code, text string) bool {
	if strings.EqualFold(code, "PRIVACYREQUIRED") {
		return true
	}
	t := strings.ToLower(text)
	for _, p := range tlsRequiredPhrases {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// imapTLSRequired is the capability that refuses passwords on a plain-text
// IMAP connection, or "".
func imapTLSRequired(caps []string, plain bool) string {
	switch {
	case hasCap(caps, capLoginDisabled):
		return capLoginDisabled
	case plain && hasCap(caps, capXTLSRequired):
		return capXTLSRequired
	}
	return ""
}

// pop3TLSRequired is the CAPA tag that refuses passwords on a plain-text
// POP3 connection, or "".
func pop3TLSRequired(caps []string, plain bool) string {
	if _, ok := pop3.CapaArgs(caps, capXTLSRequired); ok && plain {
		return capXTLSRequired
	}
	return ""
}

// tlsSignal is how a refusal that means "TLS first" is named in the
// result: its response code when it has one, else the server's text.
func tlsSignal(code, text string) string {
	if code != "" {
		return code
	}
	if text == "" {
		return "sign-in refused before TLS"
	}
	return text
}
