package tui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// oauthDeps are the OAuth 2.0 engine calls the wizard makes; tests replace
// them, as they replace the connection test.
type oauthDeps struct {
	login       func(context.Context, *config.Incoming, oauth.LoginOptions) (*oauth.LoginResult, error)
	accessToken func(context.Context, *config.Incoming, oauth.Options) (string, error)
	now         func() time.Time // the clock of the code's countdown and of Preflight
	httpClient  *http.Client     // nil: the engine's default
}

func defaultOAuthDeps() oauthDeps {
	return oauthDeps{login: oauth.Login, accessToken: oauth.AccessToken, now: time.Now}
}

// options are the engine options for the config at path.
func (d oauthDeps) options(path string, warn func(string)) oauth.Options {
	return oauth.Options{ConfigPath: path, HTTPClient: d.httpClient, Warn: warn}
}

// authChoices are the ways to sign in (config key auth). The second is the
// help page's "Require Secure Password Authentication (SPA)" check box.
var authChoices = []choice{
	{value: config.AuthPassword, label: "Password"},
	{value: config.AuthSPA, label: "Require Secure Password Authentication (SPA)"},
	{value: config.AuthOAuth2, label: "OAuth 2.0 (Microsoft 365, Google)"},
}

// authMeaning explains the selected way to sign in.
var authMeaning = map[string]string{
	config.AuthPassword: "The user name and password of the previous screen, sent inside the secure connection.",
	config.AuthSPA: "Select it only if your mail server requires SPA (NTLM, as on-premises Microsoft Exchange often does). " +
		"The user name may then be DOMAIN\\user or user@domain.",
	config.AuthOAuth2: "No password is stored: you sign in once, on any device, and the token is refreshed on its own. " +
		"The next screen names the app your administrator registered.",
}

// Providers, flows and client secret sources of [incoming.oauth2].
var (
	providerChoices = []choice{
		{value: config.ProviderMicrosoft, label: "Microsoft 365"},
		{value: config.ProviderGoogle, label: "Google", short: "Sign-in in a browser on your own computer, through an SSH port forward."},
		{value: config.ProviderCustom, label: "Other", short: "Your own authorization server: its endpoints and scopes below."},
	}
	flowChoices = []choice{
		{value: config.FlowDevice, label: "Device code", short: "A user signs in once with a code, on any device."},
		{value: config.FlowClientCredentials, label: "Client credentials", short: "An app with a secret and no user, for unattended service mailboxes."},
	}
	secretChoices = []choice{
		{value: secretNone, label: "None", short: "A public client: no secret."},
		{value: "client_secret_file", label: "File", short: "A file only the connector's user can read (chmod 600)."},
		{value: "client_secret_env", label: "Variable", short: "An environment variable set for the connector's service."},
		{value: "client_secret_command", label: "Command", short: "Its output is the secret, e.g. systemd-creds cat mail-oauth."},
		{value: "client_secret", label: "Inline", short: "In the config: only if you must, as whoever reads it can use the app. Prefer a file."},
	}
)

// secretNone is the client secret choice of a public client.
const secretNone = "none"

// secretSource is the secret choice for a table: its source key, or secretNone.
func secretSource(o *config.OAuth2) string {
	if src := o.ClientSecretSource(); src != "" {
		return src
	}
	return secretNone
}

// signInKey starts a sign-in from the OAuth 2.0 screen, whose text fields
// take every plain letter.
var signInKey = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "sign in"))

// suggestProvider is the provider a server name suggests.
func suggestProvider(server string) string {
	if isGoogleMail(server) {
		return config.ProviderGoogle
	}
	return config.ProviderMicrosoft
}

func isGoogleMail(server string) bool {
	s := strings.ToLower(strings.TrimSuffix(server, "."))
	return strings.HasSuffix(s, ".gmail.com") || strings.HasSuffix(s, ".googlemail.com")
}

// oauthServerNote is the SPA screen's one-line note for a server that no
// longer takes passwords, or "".
func oauthServerNote(server string) string {
	switch {
	case isOffice365(server):
		return "Exchange Online turned off passwords for IMAP and POP in 2022: choose OAuth 2.0."
	case isGoogleMail(server):
		return "Google turned off plain passwords for IMAP and POP: choose OAuth 2.0, or Password with an app password."
	}
	return ""
}

// oauthValues are the answers that make an [incoming.oauth2] table; the
// wizard and the line mode both build the table from them.
type oauthValues struct {
	provider, flow, tenant, clientID string
	deviceURL, tokenURL              string
	scopes                           []string
	secretKey, secret                string // the client secret's source key (or secretNone) and its value
	tokenFile                        string
}

// buildOAuth2 is base (nil for a new table) with v applied: the keys of
// other providers and flows cleared, exactly one client secret source,
// and the keys no question asks (mechanism, introspection URL) kept.
func buildOAuth2(base *config.OAuth2, v oauthValues) *config.OAuth2 {
	o := config.OAuth2{}
	if base != nil {
		o = *base
		o.Scopes = slices.Clone(base.Scopes)
	}
	o.Provider, o.ClientID = v.provider, v.clientID
	flow := v.flow
	if v.provider == config.ProviderGoogle || flow == "" {
		flow = config.FlowDevice
	}
	o.Flow = flow
	if flow == config.FlowDevice && (base == nil || base.Flow == "") {
		o.Flow = "" // the default; keep a file that left it out as it was
	}
	o.Tenant = ""
	if v.provider == config.ProviderMicrosoft {
		o.Tenant = v.tenant
	}
	if v.provider != config.ProviderCustom {
		o.DeviceAuthorizationURL, o.AuthorizationURL, o.TokenURL, o.Scopes = "", "", "", nil
	} else {
		o.TokenURL, o.Scopes, o.DeviceAuthorizationURL = v.tokenURL, v.scopes, ""
		if flow == config.FlowDevice {
			o.DeviceAuthorizationURL = v.deviceURL
		}
	}
	o.ClientSecret, o.ClientSecretFile, o.ClientSecretEnv, o.ClientSecretCommand = "", "", "", ""
	switch v.secretKey {
	case "client_secret":
		o.ClientSecret = v.secret
	case "client_secret_file":
		o.ClientSecretFile = v.secret
	case "client_secret_env":
		o.ClientSecretEnv = v.secret
	case "client_secret_command":
		o.ClientSecretCommand = v.secret
	}
	o.TokenFile = ""
	if flow != config.FlowClientCredentials {
		o.TokenFile = v.tokenFile
	}
	return &o
}

// oauthScreen (after step 5, with OAuth 2.0 chosen): the [incoming.oauth2]
// settings. Each field shows config.Validate's message for its key.
type oauthScreen struct {
	m                                                  *Model
	provider, flow, secretKeep                         *inlineChoice
	tenant, clientID, deviceURL, tokenURL, scopes      *textField
	secretFile, secretEnv, secretCommand, secretInline *textField
	tokenFile                                          *textField
	form                                               *form
	base                                               *config.OAuth2 // the table being edited; nil for a new one
	currentSecret                                      string         // its inline client secret
}

func newOAuthScreen(m *Model) *oauthScreen {
	s := &oauthScreen{m: m}
	s.provider = &inlineChoice{label: "Provider", choices: providerChoices}
	s.flow = &inlineChoice{label: "Sign-in", choices: flowChoices}
	s.tenant = newTextField("Tenant", "common", s.checker("tenant", nil))
	s.tenant.note = func() string {
		return "Your directory's tenant ID or domain (contoso.onmicrosoft.com); empty: common, any tenant."
	}
	s.clientID = newTextField("Client ID", "the app's Application (client) ID", s.checker("client_id", nil))
	s.deviceURL = newTextField("Device URL", "https://auth.example.com/device", s.checker("device_authorization_url", nil))
	s.tokenURL = newTextField("Token URL", "https://auth.example.com/token", s.checker("token_url", nil))
	s.scopes = newTextField("Scopes", "mail offline_access", s.checker("scopes", required("Type the scopes the mail server needs, separated by spaces.")))
	s.secretKeep = &inlineChoice{label: "Client secret", choices: secretChoices}
	s.secretKeep.check = func() string { return s.validation("client_secret") }
	s.secretFile = newTextField("Secret file", "/etc/mailsetup/oauth-secret", s.checker("client_secret_file", checkAbsPath("Type the path of the file that holds the client secret.")))
	s.secretEnv = newTextField("Variable", "MAILCONNECTOR_OAUTH_SECRET", s.checker("client_secret_env", checkEnvName))
	s.secretCommand = newTextField("Command", "systemd-creds cat mail-oauth", s.checker("client_secret_command", required("Type the command that prints the client secret.")))
	s.secretInline = newTextField("Secret", "", func(v string) string {
		if v == "" && s.currentSecret == "" {
			return "Type the client secret (its Value, not its ID)."
		}
		return ""
	})
	s.secretInline.input.EchoMode = textinput.EchoPassword
	s.secretInline.input.EchoCharacter = '*'
	s.tokenFile = newTextField("Token file", "", s.checker("token_file", checkAbsPath("Type where the sign-in is kept; the connector reads it too.")))
	s.tokenFile.note = func() string { return "Written at sign-in, mode 0600; the connector reads it too." }
	s.form = &form{fields: []field{s.provider, s.flow, s.tenant, s.clientID, s.deviceURL, s.tokenURL, s.scopes,
		s.secretKeep, s.secretFile, s.secretEnv, s.secretCommand, s.secretInline, s.tokenFile}}
	s.form.hidden = s.hidden
	return s
}

// checker checks a field with its own rule first, then with
// config.Validate's message for incoming.oauth2.KEY.
func (s *oauthScreen) checker(key string, own func(string) string) func(string) string {
	return func(v string) string {
		if p := callCheck(own, v); p != "" {
			return p
		}
		return s.validation(key)
	}
}

// validation is config.Validate's message for incoming.oauth2.KEY, or "".
func (s *oauthScreen) validation(key string) string {
	if !s.m.spa.oauth2() {
		return ""
	}
	c := s.m.config()
	_, err := c.Validate()
	for _, e := range flattenErrors(err) {
		var ve *config.ValidationError
		if errors.As(e, &ve) && ve.Key == "incoming.oauth2."+key {
			return ve.Message
		}
	}
	return ""
}

// flattenErrors undoes errors.Join.
func flattenErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func (s *oauthScreen) clientCredentials() bool {
	return s.provider.value() != config.ProviderGoogle && s.flow.value() == config.FlowClientCredentials
}

// secretShown: a client secret applies to client credentials, Google's and
// custom apps, and a Microsoft app that already has one.
func (s *oauthScreen) secretShown() bool {
	return s.clientCredentials() || s.provider.value() != config.ProviderMicrosoft ||
		s.base != nil && s.base.ClientSecretSource() != ""
}

func (s *oauthScreen) hidden(i int) bool {
	prov := s.provider.value()
	switch s.form.fields[i] {
	case s.flow:
		return prov == config.ProviderGoogle
	case s.tenant:
		return prov != config.ProviderMicrosoft
	case s.deviceURL:
		return prov != config.ProviderCustom || s.clientCredentials()
	case s.tokenURL, s.scopes:
		return prov != config.ProviderCustom
	case s.secretKeep:
		return !s.secretShown()
	case s.secretFile:
		return !s.secretShown() || s.secretKeep.value() != "client_secret_file"
	case s.secretEnv:
		return !s.secretShown() || s.secretKeep.value() != "client_secret_env"
	case s.secretCommand:
		return !s.secretShown() || s.secretKeep.value() != "client_secret_command"
	case s.secretInline:
		return !s.secretShown() || s.secretKeep.value() != "client_secret"
	case s.tokenFile:
		return s.clientCredentials()
	}
	return false
}

// load fills the fields from in's table, or with defaults for a new one.
func (s *oauthScreen) load(in config.Incoming) {
	s.base = nil
	o := &config.OAuth2{Provider: suggestProvider(in.Server)}
	if in.Auth == config.AuthOAuth2 && in.OAuth2 != nil {
		s.base = in.OAuth2
		o = in.OAuth2
	}
	s.provider.set(config.ProviderMicrosoft)
	s.provider.set(o.Provider)
	s.flow.set(o.EffectiveFlow())
	s.tenant.setValue(o.Tenant)
	s.clientID.setValue(o.ClientID)
	s.deviceURL.setValue(o.DeviceAuthorizationURL)
	s.tokenURL.setValue(o.TokenURL)
	s.scopes.setValue(strings.Join(o.Scopes, " "))
	s.secretKeep.set(secretSource(o))
	s.secretFile.setValue(o.ClientSecretFile)
	s.secretEnv.setValue(o.ClientSecretEnv)
	s.secretCommand.setValue(o.ClientSecretCommand)
	s.currentSecret = o.ClientSecret
	s.secretInline.setValue("")
	s.secretInline.input.Placeholder = ""
	if o.ClientSecret != "" {
		s.secretInline.input.Placeholder = "(unchanged)"
	}
	tf := o.TokenFile
	if tf == "" {
		tf = oauth.SuggestTokenFile(s.m.path)
	}
	s.tokenFile.setValue(tf)
}

// chosen is called when OAuth 2.0 is chosen: a new table follows the server.
func (s *oauthScreen) chosen() {
	if s.base == nil && s.clientID.value() == "" {
		s.provider.set(suggestProvider(s.m.server.server.value()))
	}
}

// apply sets in.OAuth2 from the fields when in signs in with OAuth 2.0.
func (s *oauthScreen) apply(in *config.Incoming) {
	if in.Auth != config.AuthOAuth2 {
		in.OAuth2 = nil
		return
	}
	v := oauthValues{
		provider: s.provider.value(), flow: s.flow.value(), tenant: s.tenant.value(), clientID: s.clientID.value(),
		deviceURL: s.deviceURL.value(), tokenURL: s.tokenURL.value(), scopes: strings.Fields(s.scopes.value()),
		tokenFile: s.tokenFile.value(),
	}
	if s.secretShown() {
		v.secretKey = s.secretKeep.value()
		switch v.secretKey {
		case "client_secret":
			v.secret = s.secretInline.input.Value()
			if v.secret == "" {
				v.secret = s.currentSecret
			}
		case "client_secret_file":
			v.secret = s.secretFile.value()
		case "client_secret_env":
			v.secret = s.secretEnv.value()
		case "client_secret_command":
			v.secret = s.secretCommand.value()
		}
	}
	in.OAuth2 = buildOAuth2(s.base, v)
}

// key handles the OAuth 2.0 screen's keys: ctrl+s signs in now.
func (s *oauthScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, signInKey) {
		if bad, cmd := s.form.firstProblem(); bad {
			return cmd
		}
		return s.m.startSignIn(scrOAuth)
	}
	return s.m.updateForm(s.form, msg)
}

func (s *oauthScreen) help() []key.Binding {
	k := s.m.keys
	var bs []key.Binding
	if _, ok := s.form.current().(*inlineChoice); ok && s.m.width >= 76 {
		bs = append(bs, with(k.Up, lrArrows(s.m.st), "choose"))
	}
	next, back := with(k.Next, "enter", "next"), with(k.Back, "esc", "back") // room for ctrl+s
	if s.form.atLast() && s.m.fixReturn {
		next = with(next, "enter", "test again")
	}
	sign := signInKey
	if s.clientCredentials() {
		sign = with(sign, "ctrl+s", "try the app")
	}
	return append(bs, next, back, sign, k.Quit)
}

func (s *oauthScreen) view(width int) page {
	st := s.m.st
	var parts []string
	for i, f := range s.form.fields {
		if s.form.visible(i) {
			parts = append(parts, f.view(st, width, i == s.form.idx))
		}
	}
	outro := "Press ctrl+s to sign in now; otherwise the sign-in comes before the connection test."
	if s.clientCredentials() {
		outro = "Client credentials need no sign-in: the test fetches a token with the secret. " +
			"A tenant admin must have registered the app in Exchange Online; the checklist shows if the test fails."
	}
	return page{
		intro: para("The app the Mail Connector signs in with ([incoming.oauth2]); your Microsoft 365 or Google admin registers it once.", width),
		main:  strings.Join(parts, "\n"),
		outro: para(st.muted.Render(outro), width),
	}
}

// oauthTarget is the screen and input of an incoming.oauth2 key (or
// "oauth2", the table), or scrWelcome and nil.
func (m *Model) oauthTarget(name string) (screenID, field) {
	k, ok := strings.CutPrefix(strings.TrimPrefix(name, "incoming."), "oauth2")
	if !ok || !m.spa.oauth2() {
		return scrWelcome, nil
	}
	s := m.oauthScr
	fields := map[string]field{
		"": s.clientID, ".provider": s.provider, ".flow": s.flow, ".tenant": s.tenant, ".client_id": s.clientID,
		".device_authorization_url": s.deviceURL, ".token_url": s.tokenURL, ".scopes": s.scopes,
		".client_secret": s.secretKeep, ".client_secret_file": s.secretFile, ".client_secret_env": s.secretEnv,
		".client_secret_command": s.secretCommand, ".token_file": s.tokenFile,
	}
	if f, ok := fields[k]; ok {
		return scrOAuth, f
	}
	return scrOAuth, s.provider
}

// oauthFieldLabel names an incoming.oauth2 key for the user.
func oauthFieldLabel(name string) string {
	k := strings.TrimPrefix(strings.TrimPrefix(name, "incoming."), "oauth2")
	switch k {
	case "":
		return "OAuth 2.0 settings"
	case ".client_id":
		return "client ID"
	case ".device_authorization_url":
		return "device URL"
	}
	return strings.ReplaceAll(strings.TrimPrefix(k, "."), "_", " ")
}

// signInAgainKey signs in again from the test screen after a failure.
var signInAgainKey = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sign in again"))

// canSignInAgain: the test failed with OAuth 2.0 and a user's sign-in.
func (m *Model) canSignInAgain() bool {
	t := m.test
	return m.spa.oauth2() && !m.oauthScr.clientCredentials() && !t.running && t.result != nil && !t.result.OK
}
