package tui

import (
	"github.com/mailsetup/mailsetup/config"
)

// securityScreen (step 6): the four Secure Connection options, each with
// the help page's meaning, and a warning on None and "STARTTLS, if
// available".
type securityScreen struct {
	formScreen
	mode *choiceField
}

// securityMeaning is the help page's sentence for each option.
var securityMeaning = map[string]string{
	config.SecurityNone:                "This establishes an insecure (plain text) connection.",
	config.SecurityStartTLSIfAvailable: "This establishes a secure connection using the STARTTLS extension if it is supported by the mail server. If the server does not support STARTTLS, an insecure connection is established.",
	config.SecurityStartTLS:            "The Mail Connector will attempt to establish a secure connection using the STARTTLS extension. If the mail server does not support STARTTLS, a connection is not established.",
	config.SecurityTLS:                 "The Mail Connector will attempt to establish a secure connection. If the mail server does not support SSL/TLS, a connection is not established.",
}

// securityWarning is the risk of the weak options.
var securityWarning = map[string]string{
	config.SecurityNone:                "The password and all mail cross the network in plain text: anyone on the path can read them.",
	config.SecurityStartTLSIfAvailable: "Anyone on the network path can strip STARTTLS and make the connection plain text, then read the password. Prefer STARTTLS or SSL/TLS.",
}

// securityLabel is the help page's name of each option.
var securityLabel = map[string]string{
	config.SecurityNone:                "None",
	config.SecurityStartTLSIfAvailable: "STARTTLS, if available",
	config.SecurityStartTLS:            "STARTTLS",
	config.SecurityTLS:                 "SSL/TLS",
}

// securityChoices are the four options with a short meaning each.
var securityChoices = []choice{
	{value: config.SecurityNone, label: securityLabel[config.SecurityNone], short: "plain text, not encrypted"},
	{value: config.SecurityStartTLSIfAvailable, label: securityLabel[config.SecurityStartTLSIfAvailable], short: "STARTTLS if offered, else plain text"},
	{value: config.SecurityStartTLS, label: securityLabel[config.SecurityStartTLS], short: "STARTTLS, or no connection"},
	{value: config.SecurityTLS, label: securityLabel[config.SecurityTLS], short: "SSL/TLS from the start, or no connection"},
}

func newSecurityScreen(c *common) *securityScreen {
	s := &securityScreen{mode: c.draft.security}
	s.formScreen = formScreen{c: c, id: scrSecurity, form: &form{fields: []field{s.mode}}}
	return s
}

func (s *securityScreen) view(width, _ int) page {
	st := s.c.st
	v := s.mode.value()
	main := s.form.view(st, width) + "\n\n" + para(st.muted.Render(securityLabel[v]+": "+securityMeaning[v]), width)
	if w := securityWarning[v]; w != "" {
		main += "\n\n" + para(st.warnLine(w), width)
	}
	return page{
		intro: para("Select how the Mail Connector secures its connection to the mail server.", width),
		main:  main,
	}
}
