package tui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
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
	formScreen
	provider, flow, secretKeep                         *inlineChoice
	tenant, clientID, deviceURL, tokenURL, scopes      *textField
	secretFile, secretEnv, secretCommand, secretInline *textField
	tokenFile                                          *textField
}

func newOAuthScreen(c *common) *oauthScreen {
	d := c.draft
	s := &oauthScreen{provider: d.provider, flow: d.flow, secretKeep: d.secretKeep, tenant: d.tenant, clientID: d.clientID,
		deviceURL: d.deviceURL, tokenURL: d.tokenURL, scopes: d.scopes, secretFile: d.secretFile, secretEnv: d.secretEnv,
		secretCommand: d.secretCommand, secretInline: d.secretInline, tokenFile: d.tokenFile}
	f := &form{fields: d.oauthFields}
	f.hidden = func(i int) bool { return d.oauthInputHidden(f.fields[i]) }
	s.formScreen = formScreen{c: c, id: scrOAuth, form: f}
	return s
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

// key handles the OAuth 2.0 screen's keys: ctrl+s signs in now.
func (s *oauthScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, signInKey) {
		if bad, cmd := s.form.firstProblem(); bad {
			return cmd
		}
		s.c.request(signInMsg{from: scrOAuth})
		return nil
	}
	return s.formScreen.key(msg)
}

func (s *oauthScreen) help() []key.Binding {
	k := s.c.keys
	var bs []key.Binding
	if _, ok := s.form.current().(*inlineChoice); ok && s.c.width >= 76 {
		bs = append(bs, with(k.Up, lrArrows(s.c.st), "choose"))
	}
	next, back := with(k.Next, "enter", "next"), with(k.Back, "esc", "back") // room for ctrl+s
	if s.form.atLast() && s.c.fixReturn {
		next = with(next, "enter", "test again")
	}
	sign := signInKey
	if s.c.draft.clientCredentials() {
		sign = with(sign, "ctrl+s", "try the app")
	}
	return append(bs, next, back, sign, k.Quit)
}

func (s *oauthScreen) view(width, _ int) page {
	st := s.c.st
	var parts []string
	for i, f := range s.form.fields {
		if s.form.visible(i) {
			parts = append(parts, f.view(st, width, i == s.form.idx))
		}
	}
	outro := "Press ctrl+s to sign in now; otherwise the sign-in comes before the connection test."
	if s.c.draft.clientCredentials() {
		outro = "Client credentials need no sign-in: the test fetches a token with the secret. " +
			"A tenant admin must have registered the app in Exchange Online; the checklist shows if the test fails."
	}
	return page{
		intro: para("The app the Mail Connector signs in with ([incoming.oauth2]); your Microsoft 365 or Google admin registers it once.", width),
		main:  strings.Join(parts, "\n"),
		outro: para(st.muted.Render(outro), width),
	}
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
