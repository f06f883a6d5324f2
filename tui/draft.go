package tui

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// draft is the config being edited: every input of every screen, what
// ties them together (OAuth 2.0 keeps no password), and the map from a
// config key to the screen and input that edit it. Screens show parts of
// it and share it through common; none of them owns another's input.
type draft struct {
	path string          // the config's, for the suggested token file
	base config.Incoming // what the wizard started from: keeps the keys no screen edits

	kind *choiceField // protocol

	server, port *textField

	mailbox *textField

	username                     *textField
	keep                         *choiceField // where the password is kept
	password, file, env, command *textField
	currentPassword              string // the inline password of the config being edited
	auth                         *choiceField
	security                     *choiceField
	reject                       *checkField
	caFile, pin, serverName      *textField
	provider, flow, secretKeep   *inlineChoice
	tenant, clientID             *textField
	deviceURL, tokenURL, scopes  *textField
	secretFile, secretEnv        *textField
	secretCommand, secretInline  *textField
	tokenFile                    *textField
	oauthBase                    *config.OAuth2 // the table being edited; nil for a new one
	currentSecret                string         // its inline client secret
	credsFields, oauthFields     []field
	asks                         map[field]*lineAsk // what the line mode adds to an input (questions.go)
}

func newDraft(path string) *draft {
	d := &draft{path: path}
	d.kind = &choiceField{choices: accountChoices}

	d.server = newTextField("Server name", "mail.example.com", checkServer)
	d.port = newTextField("Port", "", checkPort)
	for _, f := range []*textField{d.server, d.port} {
		f.input.KeyMap.DeleteCharacterForward.SetKeys("delete") // ctrl+d is Detect
	}
	d.port.note = func() string {
		in := d.incoming()
		if d.port.value() == "" {
			return fmt.Sprintf("Empty: the default, %d for %s. Type a port only if your server uses another one.",
				config.DefaultPort(in.Protocol, in.Security), protocolSecurityName(in.Protocol, in.Security))
		}
		return ""
	}

	d.mailbox = newTextField("Mail Box", config.DefaultMailbox, checkMailbox)

	d.username = newTextField("User name", "support@example.com", required("Type the mailbox's user name."))
	d.keep = &choiceField{label: "Keep password", choices: keepChoices}
	d.keep.onChange = func() { // the SPA step follows: OAuth 2.0 keeps no password
		switch {
		case d.keep.value() == keepOAuth:
			d.auth.set(config.AuthOAuth2)
			d.oauthChosen()
		case d.oauth2():
			d.auth.set(config.AuthPassword)
		}
	}
	d.password = newTextField("Password", "", func(v string) string {
		if v == "" && d.currentPassword == "" {
			return "Type the password."
		}
		return ""
	})
	d.password.input.EchoMode = textinput.EchoPassword
	d.password.input.EchoCharacter = '*'
	d.file = newTextField("Password file", "/etc/mailsetup/password", checkAbsPath("Type the path of the file that holds the password."))
	d.file.note = func() string { return "Make it readable by the connector's user only (chmod 600)." }
	d.env = newTextField("Variable", "MAILCONNECTOR_PASSWORD", checkEnvName)
	d.env.warn = func(v string) string {
		if _, ok := os.LookupEnv(v); v != "" && !ok {
			return "Not set in this shell, so the connection test here cannot read it."
		}
		return ""
	}
	d.command = newTextField("Command", "systemd-creds cat mail-password", required("Type the command that prints the password."))
	d.command.note = func() string { return "Run with /bin/sh -c; what it prints is the password." }
	d.credsFields = []field{d.username, d.keep, d.password, d.file, d.env, d.command}

	d.auth = &choiceField{choices: authChoices}
	d.auth.onChange = func() { // keep "Keep password" in step
		switch {
		case d.oauth2():
			d.keep.set(keepOAuth)
			d.oauthChosen()
		case d.keep.value() == keepOAuth:
			d.keep.set(keepInline)
		}
	}

	d.security = &choiceField{choices: securityChoices}

	d.reject = &checkField{label: "Reject invalid certificates"}
	d.reject.note = func() string {
		if !d.reject.checked && d.pin.value() == "" {
			return "Unchecked: any certificate is accepted, so anyone on the path can pose as the server and read the password."
		}
		return "A certificate that fails validation stops the connection."
	}
	d.caFile = newTextField("CA file", "optional: /etc/ssl/certs/internal-ca.pem", checkOptionalPath)
	d.pin = newTextField("Pin SHA-256", "optional: the certificate's fingerprint", checkPin)
	d.serverName = newTextField("Verify name", "optional: the name on the certificate", checkTLSName)

	d.newOAuthFields()
	d.defineQuestions()
	return d
}

func (d *draft) newOAuthFields() {
	d.provider = &inlineChoice{label: "Provider", choices: providerChoices}
	d.flow = &inlineChoice{label: "Sign-in", choices: flowChoices}
	d.tenant = newTextField("Tenant", "common", d.checker("tenant", nil))
	d.tenant.note = func() string {
		return "Your directory's tenant ID or domain (contoso.onmicrosoft.com); empty: common, any tenant."
	}
	d.clientID = newTextField("Client ID", "the app's Application (client) ID", d.checker("client_id", nil))
	d.deviceURL = newTextField("Device URL", "https://auth.example.com/device", d.checker("device_authorization_url", nil))
	d.tokenURL = newTextField("Token URL", "https://auth.example.com/token", d.checker("token_url", nil))
	d.scopes = newTextField("Scopes", "mail offline_access", d.checker("scopes", required("Type the scopes the mail server needs, separated by spaces.")))
	d.secretKeep = &inlineChoice{label: "Client secret", choices: secretChoices}
	d.secretKeep.check = func() string { return d.validation("client_secret") }
	d.secretFile = newTextField("Secret file", "/etc/mailsetup/oauth-secret", d.checker("client_secret_file", checkAbsPath("Type the path of the file that holds the client secret.")))
	d.secretEnv = newTextField("Variable", "MAILCONNECTOR_OAUTH_SECRET", d.checker("client_secret_env", checkEnvName))
	d.secretCommand = newTextField("Command", "systemd-creds cat mail-oauth", d.checker("client_secret_command", required("Type the command that prints the client secret.")))
	d.secretInline = newTextField("Secret", "", func(v string) string {
		if v == "" && d.currentSecret == "" {
			return "Type the client secret (its Value, not its ID)."
		}
		return ""
	})
	d.secretInline.input.EchoMode = textinput.EchoPassword
	d.secretInline.input.EchoCharacter = '*'
	d.tokenFile = newTextField("Token file", "", d.checker("token_file", checkAbsPath("Type where the sign-in is kept; the connector reads it too.")))
	d.tokenFile.note = func() string { return "Written at sign-in, mode 0600; the connector reads it too." }
	d.oauthFields = []field{d.provider, d.flow, d.tenant, d.clientID, d.deviceURL, d.tokenURL, d.scopes,
		d.secretKeep, d.secretFile, d.secretEnv, d.secretCommand, d.secretInline, d.tokenFile}
}

// steps are the numbered screens for the chosen protocol and sign-in:
// POP3 has no mailbox, OAuth 2.0 adds its settings. The wizard and the
// line mode both walk them.
func (d *draft) steps() []screenID {
	s := []screenID{scrAccount, scrServer}
	if d.protocol() == config.ProtocolIMAP {
		s = append(s, scrMailbox)
	}
	s = append(s, scrCredentials, scrSPA)
	if d.oauth2() {
		s = append(s, scrOAuth)
	}
	return append(s, scrSecurity, scrCerts, scrTest, scrReview)
}

// protocol is the chosen account type.
func (d *draft) protocol() string { return d.kind.value() }

// oauth2 reports whether the connector signs in with OAuth 2.0.
func (d *draft) oauth2() bool { return d.auth.value() == config.AuthOAuth2 }

// load fills every input from in.
func (d *draft) load(in config.Incoming) {
	d.base = in
	d.kind.set(in.Protocol)

	d.server.setValue(in.Server)
	if in.Port != 0 && in.Port != config.DefaultPort(in.Protocol, in.Security) {
		d.port.setValue(strconv.Itoa(in.Port))
	} else {
		d.port.setValue("")
	}

	d.mailbox.setValue(in.EffectiveMailbox())

	d.username.setValue(in.Username)
	d.currentPassword = in.Password
	d.password.setValue("")
	d.password.input.Placeholder = ""
	if in.Password != "" {
		d.password.input.Placeholder = "(unchanged)"
	}
	d.keep.set(keepInline)
	if src := in.PasswordSource(); src != "" {
		d.keep.set(src)
	}
	if in.Auth == config.AuthOAuth2 {
		d.keep.set(keepOAuth)
	}
	d.file.setValue(in.PasswordFile)
	d.env.setValue(in.PasswordEnv)
	d.command.setValue(in.PasswordCommand)

	d.auth.set(config.AuthPassword)
	d.auth.set(in.Auth)
	d.loadOAuth(in)

	d.security.set(in.Security)

	d.reject.checked = in.RejectInvalidCertificates
	d.caFile.setValue(in.CAFile)
	d.pin.setValue(in.PinnedCertificateSHA256)
	d.serverName.setValue(in.TLSServerName)
}

// loadOAuth fills the OAuth 2.0 inputs from in's table, or with defaults
// for a new one.
func (d *draft) loadOAuth(in config.Incoming) {
	d.oauthBase = nil
	o := &config.OAuth2{Provider: suggestProvider(in.Server)}
	if in.Auth == config.AuthOAuth2 && in.OAuth2 != nil {
		d.oauthBase = in.OAuth2
		o = in.OAuth2
	}
	d.provider.set(config.ProviderMicrosoft)
	d.provider.set(o.Provider)
	d.flow.set(o.EffectiveFlow())
	d.tenant.setValue(o.Tenant)
	d.clientID.setValue(o.ClientID)
	d.deviceURL.setValue(o.DeviceAuthorizationURL)
	d.tokenURL.setValue(o.TokenURL)
	d.scopes.setValue(strings.Join(o.Scopes, " "))
	d.secretKeep.set(secretSource(o))
	d.secretFile.setValue(o.ClientSecretFile)
	d.secretEnv.setValue(o.ClientSecretEnv)
	d.secretCommand.setValue(o.ClientSecretCommand)
	d.currentSecret = o.ClientSecret
	d.secretInline.setValue("")
	d.secretInline.input.Placeholder = ""
	if o.ClientSecret != "" {
		d.secretInline.input.Placeholder = "(unchanged)"
	}
	tf := o.TokenFile
	if tf == "" {
		tf = oauth.SuggestTokenFile(d.path)
	}
	d.tokenFile.setValue(tf)
}

// incoming is the config the inputs describe now.
func (d *draft) incoming() config.Incoming {
	in := d.base
	in.Protocol = d.kind.value()

	// an empty port field means the default
	in.Server = d.server.value()
	in.Port = 0
	if p, err := strconv.Atoi(d.port.value()); err == nil && checkPort(d.port.value()) == "" {
		in.Port = p
	}

	in.Mailbox = "" // POP3 has none
	if in.Protocol == config.ProtocolIMAP {
		in.Mailbox = d.mailbox.value()
	}

	// the user name and exactly one password source
	in.Username = d.username.value()
	in.Password, in.PasswordFile, in.PasswordEnv, in.PasswordCommand = "", "", "", ""
	if !d.oauth2() {
		switch d.keep.value() {
		case keepInline:
			in.Password = d.password.input.Value() // a password may have spaces at either end
			if in.Password == "" {
				in.Password = d.currentPassword
			}
		case keepFile:
			in.PasswordFile = d.file.value()
		case keepEnv:
			in.PasswordEnv = d.env.value()
		case keepCommand:
			in.PasswordCommand = d.command.value()
		}
	}

	in.Auth = d.auth.value()
	d.applyOAuth(&in)
	in.Security = d.security.value()

	in.RejectInvalidCertificates = d.reject.checked
	in.CAFile = d.caFile.value()
	in.PinnedCertificateSHA256 = d.pin.value()
	in.TLSServerName = d.serverName.value()
	return in
}

// applyOAuth sets in.OAuth2 from the inputs when in signs in with OAuth 2.0.
func (d *draft) applyOAuth(in *config.Incoming) {
	if in.Auth != config.AuthOAuth2 {
		in.OAuth2 = nil
		return
	}
	v := oauthValues{
		provider: d.provider.value(), flow: d.flow.value(), tenant: d.tenant.value(), clientID: d.clientID.value(),
		deviceURL: d.deviceURL.value(), tokenURL: d.tokenURL.value(), scopes: strings.Fields(d.scopes.value()),
		tokenFile: d.tokenFile.value(),
	}
	if d.secretShown() {
		v.secretKey = d.secretKeep.value()
		switch v.secretKey {
		case "client_secret":
			v.secret = d.secretInline.input.Value()
			if v.secret == "" {
				v.secret = d.currentSecret
			}
		case "client_secret_file":
			v.secret = d.secretFile.value()
		case "client_secret_env":
			v.secret = d.secretEnv.value()
		case "client_secret_command":
			v.secret = d.secretCommand.value()
		}
	}
	in.OAuth2 = buildOAuth2(d.oauthBase, v)
}

// config is the whole file to save.
func (d *draft) config() config.Config {
	in := d.incoming()
	finishPort(&in)
	return config.Config{Version: config.SchemaVersion, Incoming: in}
}

// oauthChosen is called when OAuth 2.0 is chosen: a new table follows the server.
func (d *draft) oauthChosen() {
	if d.oauthBase == nil && d.clientID.value() == "" {
		d.provider.set(suggestProvider(d.server.value()))
	}
}

// checker checks an OAuth 2.0 input with its own rule first, then with
// config.Validate's message for incoming.oauth2.KEY.
func (d *draft) checker(key string, own func(string) string) func(string) string {
	return func(v string) string {
		if p := callCheck(own, v); p != "" {
			return p
		}
		return d.validation(key)
	}
}

// validation is config.Validate's message for incoming.oauth2.KEY, or "".
func (d *draft) validation(key string) string {
	if !d.oauth2() {
		return ""
	}
	c := d.config()
	_, err := c.Validate()
	for _, e := range flattenErrors(err) {
		var ve *config.ValidationError
		if errors.As(e, &ve) && ve.Key == "incoming.oauth2."+key {
			return ve.Message
		}
	}
	return ""
}

func (d *draft) clientCredentials() bool {
	return d.provider.value() != config.ProviderGoogle && d.flow.value() == config.FlowClientCredentials
}

// secretShown: a client secret applies to client credentials, Google's and
// custom apps, and a Microsoft app that already has one.
func (d *draft) secretShown() bool {
	return d.clientCredentials() || d.provider.value() != config.ProviderMicrosoft ||
		d.oauthBase != nil && d.oauthBase.ClientSecretSource() != ""
}

// credsHidden reports whether an input of the credentials screen does not
// apply now.
func (d *draft) credsHidden(f field) bool {
	if f == field(d.username) {
		return false
	}
	if d.oauth2() {
		return f != field(d.keep) // OAuth 2.0 uses a token, not a password
	}
	switch f {
	case d.password:
		return d.keep.value() != keepInline
	case d.file:
		return d.keep.value() != keepFile
	case d.env:
		return d.keep.value() != keepEnv
	case d.command:
		return d.keep.value() != keepCommand
	}
	return false
}

// oauthInputHidden reports whether an input of the OAuth 2.0 screen does
// not apply now.
func (d *draft) oauthInputHidden(f field) bool {
	prov := d.provider.value()
	switch f {
	case d.flow:
		return prov == config.ProviderGoogle
	case d.tenant:
		return prov != config.ProviderMicrosoft
	case d.deviceURL:
		return prov != config.ProviderCustom || d.clientCredentials()
	case d.tokenURL, d.scopes:
		return prov != config.ProviderCustom
	case d.secretKeep:
		return !d.secretShown()
	case d.secretFile:
		return !d.secretShown() || d.secretKeep.value() != "client_secret_file"
	case d.secretEnv:
		return !d.secretShown() || d.secretKeep.value() != "client_secret_env"
	case d.secretCommand:
		return !d.secretShown() || d.secretKeep.value() != "client_secret_command"
	case d.secretInline:
		return !d.secretShown() || d.secretKeep.value() != "client_secret"
	case d.tokenFile:
		return d.clientCredentials()
	}
	return false
}

// credsMissing reports whether the credentials screen still lacks what
// signing in needs, and the first such field.
func (d *draft) credsMissing() (bool, string) {
	for _, fl := range d.credsFields {
		if !d.credsHidden(fl) && fl.problem() != "" {
			if fl == field(d.username) {
				return true, mailconn.FieldUsername
			}
			return true, mailconn.FieldPassword
		}
	}
	return false, ""
}

// target is the screen and input that edit a config key (with or without
// the "incoming." prefix) or a mailconn field. It returns scrWelcome and
// nil for a key no screen edits (timeout, tls_min_version; the oauth2
// keys when OAuth 2.0 is not chosen).
func (d *draft) target(name string) (screenID, field) {
	switch strings.TrimPrefix(name, "incoming.") {
	case "server":
		return scrServer, d.server
	case "port":
		return scrServer, d.port
	case "protocol":
		return scrAccount, d.kind
	case "mailbox":
		if d.protocol() != config.ProtocolIMAP {
			return scrAccount, d.kind
		}
		return scrMailbox, d.mailbox
	case "username":
		return scrCredentials, d.username
	case "password":
		switch d.keep.value() {
		case keepFile:
			return scrCredentials, d.file
		case keepEnv:
			return scrCredentials, d.env
		case keepCommand:
			return scrCredentials, d.command
		}
		return scrCredentials, d.password
	case "password_file":
		return scrCredentials, d.file
	case "password_env":
		return scrCredentials, d.env
	case "password_command":
		return scrCredentials, d.command
	case "auth":
		return scrSPA, d.auth
	case "security":
		return scrSecurity, d.security
	case "reject_invalid_certificates":
		return scrCerts, d.reject
	case "ca_file":
		return scrCerts, d.caFile
	case "pinned_certificate_sha256":
		return scrCerts, d.pin
	case "tls_server_name":
		return scrCerts, d.serverName
	}
	return d.oauthTarget(name)
}

// oauthTarget is the screen and input of an incoming.oauth2 key (or
// "oauth2", the table), or scrWelcome and nil.
func (d *draft) oauthTarget(name string) (screenID, field) {
	k, ok := strings.CutPrefix(strings.TrimPrefix(name, "incoming."), "oauth2")
	if !ok || !d.oauth2() {
		return scrWelcome, nil
	}
	fields := map[string]field{
		"": d.clientID, ".provider": d.provider, ".flow": d.flow, ".tenant": d.tenant, ".client_id": d.clientID,
		".device_authorization_url": d.deviceURL, ".token_url": d.tokenURL, ".scopes": d.scopes,
		".client_secret": d.secretKeep, ".client_secret_file": d.secretFile, ".client_secret_env": d.secretEnv,
		".client_secret_command": d.secretCommand, ".token_file": d.tokenFile,
	}
	if f, ok := fields[k]; ok {
		return scrOAuth, f
	}
	return scrOAuth, d.provider
}

// editable is the field a failure points to when a screen edits it, else "".
func (d *draft) editable(name string) string {
	if scr, _ := d.target(name); scr == scrWelcome {
		return ""
	}
	return name
}
