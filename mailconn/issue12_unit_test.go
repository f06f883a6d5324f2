package mailconn

import (
	"strings"
	"testing"
)

func TestDecodeModifiedUTF7(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"INBOX.K&APw-che", "INBOX.Küche", true},
		{"INBOX/Best&AOQ-tigungen", "INBOX/Bestätigungen", true},
		{"&ZeVnLIqe-", "日本語", true},
		{"Tom &- Jerry&AOQ-", "Tom & Jerry\u00e4", true},
		{"INBOX.Support", "", false}, // nothing encoded: meant as typed
		{"Tom &- Jerry", "", false},  // only an escaped "&"
		{"K&APw", "", false},         // unterminated
		{"K&A-che", "", false},       // not whole UTF-16 units
		{"Küche", "", false},         // not ASCII: UTF-8 as typed
		{"&2D0-", "", false},         // a lone surrogate decodes to U+FFFD
	}
	for _, tc := range tests {
		got, ok := decodeModifiedUTF7(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("decodeModifiedUTF7(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMeansTLSRequired(t *testing.T) {
	tests := []struct {
		code, text string
		want       bool
	}{
		{"", "TLS required to log in.", true},                                                  // Courier POP3
		{"", "LOGIN Command disabled", true},                                                   // GNU Mailutils IMAP
		{"PRIVACYREQUIRED", "Use STARTTLS first", true},                                        // RFC 5530
		{"", "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", true}, // Dovecot
		{"AUTH", "Bad login", false},
		{"AUTHENTICATIONFAILED", "Authentication failed.", false},
		{"", "Login failed.", false},
	}
	for _, tc := range tests {
		if got := meansTLSRequired(tc.code, tc.text); got != tc.want {
			t.Errorf("meansTLSRequired(%q, %q) = %v, want %v", tc.code, tc.text, got, tc.want)
		}
	}
}

func TestOfferedText(t *testing.T) {
	mailutils := strings.Fields("GSSAPI ANONYMOUS EXTERNAL LOGIN PLAIN SECURID DIGEST-MD5 CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-256-PLUS SAML20 OPENID20 GSSAPI GS2-KRB5")
	tests := []struct {
		offered []string
		want    string
	}{
		{mailutils, "it offers LOGIN PLAIN"},
		{[]string{"plain", "PLAIN", "LOGIN"}, "it offers PLAIN LOGIN"},
		{nil, "it offers nothing"},
		{[]string{"GSSAPI", "GSSAPI", "SCRAM-SHA-1", "SCRAM-SHA-256", "CRAM-MD5", "DIGEST-MD5"}, "it offers nothing mailsetup can use (GSSAPI SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5 …)"},
	}
	for _, tc := range tests {
		if got := offeredText(tc.offered); got != tc.want {
			t.Errorf("offeredText(%v) = %q, want %q", tc.offered, got, tc.want)
		}
	}
	e := &MechanismNotOfferedError{Want: "SPA (NTLM)", Offered: mailutils}
	if got := e.Error(); strings.Count(got, "GSSAPI") != 1 {
		t.Errorf("detail %q: GSSAPI more than once", got)
	}
}

func TestResultMessage(t *testing.T) {
	tests := []struct {
		f    failure
		want string
	}{
		{failure{short: "connection refused", detail: "dial tcp 127.0.0.1:1: connect: connection refused"}, "Connection refused."},
		{failure{short: "CANNOT", detail: "cannot do it"}, "Cannot do it."},
		{failure{canceled: true}, "The test was cancelled."},
	}
	for _, tc := range tests {
		if got := defaultMessage(tc.f); got != tc.want {
			t.Errorf("defaultMessage(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
	if got := serverSaid("The server refused the sign-in (PLAIN)", "Authentication failed."); got != `The server refused the sign-in (PLAIN): the server answered "Authentication failed."` {
		t.Errorf("serverSaid = %q", got)
	}
	if got := (Result{Error: "AUTH", Message: "The server refused the sign-in."}).Sentence(); got != "The server refused the sign-in." {
		t.Errorf("Sentence = %q", got)
	}
}
