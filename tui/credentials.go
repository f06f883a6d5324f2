package tui

import (
	"path/filepath"
	"strings"
)

// Where the password is kept: the config key that holds it.
const (
	keepInline  = "password"
	keepFile    = "password_file"
	keepEnv     = "password_env"
	keepCommand = "password_command"
	keepOAuth   = "oauth2" // no password: auth = "oauth2" (step 5)
)

// keepChoices are the places a password can be kept.
var keepChoices = []choice{
	{value: keepInline, label: "In this config file", short: "others cannot read it"},
	{value: keepFile, label: "In a password file", short: "a file of its own; the config names it"},
	{value: keepEnv, label: "In an environment variable", short: "set for the connector's service"},
	{value: keepCommand, label: "From a command", short: "its output is the password"},
	{value: keepOAuth, label: "No password: OAuth 2.0", short: "sign in with a token"},
}

// credentialsScreen (step 4): the user name, the password (masked) and where
// to keep it. When an existing config holds the password inline, the field
// stays empty with "(unchanged)" and the old password is kept unless the
// user types a new one.
type credentialsScreen struct {
	formScreen
	username, password, file, env, command *textField
	keep                                   *choiceField
}

func newCredentialsScreen(c *common) *credentialsScreen {
	d := c.draft
	s := &credentialsScreen{username: d.username, keep: d.keep, password: d.password, file: d.file, env: d.env, command: d.command}
	f := &form{fields: d.credsFields}
	f.hidden = func(i int) bool { return d.credsHidden(f.fields[i]) }
	s.formScreen = formScreen{c: c, id: scrCredentials, form: f}
	return s
}

func (s *credentialsScreen) view(width, _ int) page {
	p := page{
		intro: para("Enter the mailbox user name and password the Mail Connector connects with.", width),
		main:  s.form.view(s.c.st, width),
	}
	if s.c.draft.oauth2() {
		p.outro = para(s.c.st.muted.Render("With OAuth 2.0 no password is stored: the user name is the mailbox's address. "+
			"For a shared mailbox, type the shared mailbox's address; the token is then that of the user who signs in, "+
			"who needs Full Access to it."), width)
	}
	return p
}

func required(msg string) func(string) string {
	return func(v string) string {
		if v == "" {
			return msg
		}
		return ""
	}
}

func checkAbsPath(emptyMsg string) func(string) string {
	return func(v string) string {
		switch {
		case v == "":
			return emptyMsg
		case strings.ContainsAny(v, "\r\n\x00"):
			return "A path has no line breaks."
		case !filepath.IsAbs(v):
			return "Use an absolute path, starting with /."
		}
		return ""
	}
}

// checkOptionalPath is checkAbsPath for a field that may stay empty.
func checkOptionalPath(v string) string {
	if v == "" {
		return ""
	}
	return checkAbsPath("")(v)
}

func checkEnvName(v string) string {
	if v == "" {
		return "Type the name of the environment variable."
	}
	for i, r := range v {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return "Letters, digits and _ only, not starting with a digit."
		}
	}
	return ""
}
