package tui

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// lineAsk is what the line mode needs of an input beyond what the screens
// already define on it (its label, choices, current value as the default,
// check, warning and note): the other answers a choice takes, a question
// for an input whose screen shows no label, and what it prints before the
// question or after the answer where the screen shows that beside the form.
type lineAsk struct {
	question string            // the prompt when the input has no label of its own
	aliases  map[string]string // answers besides the choices' numbers, values and labels
	empty    string            // what an empty optional input means ("none", "the default")
	before   func() string     // a warning printed before the question, or ""
	after    func() string     // printed after the answer, or ""
}

// defineQuestions sets what the line mode adds to the inputs.
func (d *draft) defineQuestions() {
	d.asks = map[field]*lineAsk{
		d.kind: {question: "Account type", aliases: map[string]string{"imap4": config.ProtocolIMAP, "pop": config.ProtocolPOP3}},
		d.port: {empty: "the default"},
		d.keep: {
			aliases: map[string]string{
				"inline": keepInline, "config": keepInline, "file": keepFile, "env": keepEnv, "environment": keepEnv,
				"variable": keepEnv, "command": keepCommand, "none": keepOAuth, "oauth": keepOAuth,
			},
			before: func() string { // before the choice it is about
				if d.oauth2() {
					return ""
				}
				return oauthServerNote(d.server.value())
			},
		},
		d.auth: {
			question: "Authentication",
			aliases: map[string]string{
				"n": config.AuthPassword, "no": config.AuthPassword, // the answers to the old SPA yes/no question
				"y": config.AuthSPA, "yes": config.AuthSPA,
				"oauth": config.AuthOAuth2, "oauth 2.0": config.AuthOAuth2,
			},
			after: func() string {
				if d.oauth2() {
					return "With OAuth 2.0 no password is stored. For a shared mailbox the user name is the shared address; " +
						"the token is that of the user who signs in."
				}
				return ""
			},
		},
		d.security: {
			question: "Secure connection",
			aliases: map[string]string{
				"ssl": config.SecurityTLS, "ssl/tls": config.SecurityTLS, "if-available": config.SecurityStartTLSIfAvailable,
			},
			after: func() string {
				if w := securityWarning[d.security.value()]; w != "" {
					return "[warn] " + w
				}
				return ""
			},
		},
		d.caFile:     {empty: "none"},
		d.pin:        {empty: "none"},
		d.serverName: {empty: "none"},
		d.provider: {aliases: map[string]string{
			"microsoft 365": config.ProviderMicrosoft, "m365": config.ProviderMicrosoft, "office365": config.ProviderMicrosoft,
			"gmail": config.ProviderGoogle, "other": config.ProviderCustom,
		}},
		d.flow: {aliases: map[string]string{
			"device code": config.FlowDevice, "client credentials": config.FlowClientCredentials, "app": config.FlowClientCredentials,
		}},
		d.tenant: {empty: "common"},
		d.secretKeep: {aliases: map[string]string{
			"file": "client_secret_file", "env": "client_secret_env", "variable": "client_secret_env",
			"command": "client_secret_command", "inline": "client_secret", "in the config": "client_secret",
		}},
	}
}

// ask is what the line mode adds to f (never nil).
func (d *draft) ask(f field) *lineAsk {
	if a := d.asks[f]; a != nil {
		return a
	}
	return &lineAsk{}
}

// label is the name of f: its label on the screen, or its question.
func (d *draft) label(f field) string {
	if q := d.ask(f).question; q != "" {
		return q
	}
	switch f := f.(type) {
	case *textField:
		return f.label
	case *choiceField:
		return f.label
	case *checkField:
		return f.label
	case *inlineChoice:
		return f.label
	}
	return ""
}

// choose sets a choice input to v as a key would, so that what follows
// from it (OAuth 2.0 keeps no password) follows.
func choose(f field, v string) {
	switch f := f.(type) {
	case *choiceField:
		old := f.sel
		f.set(v)
		if f.sel != old && f.onChange != nil {
			f.onChange()
		}
	case *inlineChoice:
		old := f.sel
		f.set(v)
		if f.sel != old && f.onChange != nil {
			f.onChange()
		}
	}
}

// lineText is a screen's sentence for the line mode: without the keys
// that only work on the screens ("Press ctrl+y.").
func lineText(s string) string {
	if i := strings.Index(s, " Press ctrl+"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ": press ctrl+"); i >= 0 {
		s = s[:i] + "."
	}
	return s
}
