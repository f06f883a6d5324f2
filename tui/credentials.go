package tui

import (
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/textinput"

	"github.com/mailsetup/mailsetup/config"
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
	{value: keepInline, label: "In this config file", short: "readable by its owner only (mode 0600)"},
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
	m        *Model
	username *textField
	keep     *choiceField
	password *textField
	file     *textField
	env      *textField
	command  *textField
	form     *form
	current  string // the inline password of the config being edited
}

func newCredentialsScreen(m *Model) *credentialsScreen {
	s := &credentialsScreen{m: m}
	s.username = newTextField("User name", "support@example.com", required("Type the mailbox's user name."))
	s.keep = &choiceField{label: "Keep password", choices: keepChoices}
	s.keep.onChange = func() { // step 5 follows: OAuth 2.0 keeps no password
		switch {
		case s.keep.value() == keepOAuth:
			m.spa.spa.set(config.AuthOAuth2)
			m.oauthScr.chosen()
		case m.spa.oauth2():
			m.spa.spa.set(config.AuthPassword)
		}
	}
	s.password = newTextField("Password", "", func(v string) string {
		if v == "" && s.current == "" {
			return "Type the password."
		}
		return ""
	})
	s.password.input.EchoMode = textinput.EchoPassword
	s.password.input.EchoCharacter = '*'
	s.file = newTextField("Password file", "/etc/mailsetup/password", checkAbsPath("Type the path of the file that holds the password."))
	s.file.note = func() string { return "Make it readable by the connector's user only (chmod 600)." }
	s.env = newTextField("Variable", "MAILCONNECTOR_PASSWORD", checkEnvName)
	s.env.warn = func(v string) string {
		if _, ok := os.LookupEnv(v); v != "" && !ok {
			return "Not set in this shell, so the connection test here cannot read it."
		}
		return ""
	}
	s.command = newTextField("Command", "systemd-creds cat mail-password", required("Type the command that prints the password."))
	s.command.note = func() string { return "Run with /bin/sh -c; what it prints is the password." }
	s.form = &form{fields: []field{s.username, s.keep, s.password, s.file, s.env, s.command}}
	s.form.hidden = func(i int) bool {
		if i == 0 {
			return false
		}
		if m.spa.oauth2() {
			return s.form.fields[i] != s.keep // OAuth 2.0 uses a token, not a password
		}
		switch s.form.fields[i] {
		case s.password:
			return s.keep.value() != keepInline
		case s.file:
			return s.keep.value() != keepFile
		case s.env:
			return s.keep.value() != keepEnv
		case s.command:
			return s.keep.value() != keepCommand
		}
		return false
	}
	return s
}

func (s *credentialsScreen) load(in config.Incoming) {
	s.username.setValue(in.Username)
	s.current = in.Password
	s.password.setValue("")
	s.password.input.Placeholder = ""
	if in.Password != "" {
		s.password.input.Placeholder = "(unchanged)"
	}
	s.keep.set(keepInline)
	if src := in.PasswordSource(); src != "" {
		s.keep.set(src)
	}
	if in.Auth == config.AuthOAuth2 {
		s.keep.set(keepOAuth)
	}
	s.file.setValue(in.PasswordFile)
	s.env.setValue(in.PasswordEnv)
	s.command.setValue(in.PasswordCommand)
}

// apply sets the user name and exactly one password source.
func (s *credentialsScreen) apply(in *config.Incoming) {
	in.Username = s.username.value()
	in.Password, in.PasswordFile, in.PasswordEnv, in.PasswordCommand = "", "", "", ""
	if s.m.spa.oauth2() {
		return
	}
	switch s.keep.value() {
	case keepInline:
		in.Password = s.password.input.Value() // a password may have spaces at either end
		if in.Password == "" {
			in.Password = s.current
		}
	case keepFile:
		in.PasswordFile = s.file.value()
	case keepEnv:
		in.PasswordEnv = s.env.value()
	case keepCommand:
		in.PasswordCommand = s.command.value()
	}
}

// clearPassword empties the password field for a new try (after the server
// rejected it).
func (s *credentialsScreen) clearPassword() { s.password.setValue("") }

func (s *credentialsScreen) view(width int) page {
	p := page{
		intro: para("Enter the mailbox user name and password the Mail Connector connects with.", width),
		main:  s.form.view(s.m.st, width),
	}
	if s.m.spa.oauth2() {
		p.outro = para(s.m.st.muted.Render("With OAuth 2.0 no password is stored: the user name is the mailbox's address. "+
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
