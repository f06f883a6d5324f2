package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/endpoints"

	"github.com/mailsetup/mailsetup/config"
)

// Scopes of the built-in providers.
const (
	ScopeMicrosoftIMAP = "https://outlook.office.com/IMAP.AccessAsUser.All"
	ScopeMicrosoftPOP  = "https://outlook.office.com/POP.AccessAsUser.All"
	ScopeMicrosoftApp  = "https://outlook.office365.com/.default"
	ScopeOfflineAccess = "offline_access"
	ScopeGoogleMail    = "https://mail.google.com/"
)

// Scopes returns the scopes a sign-in asks for: for Microsoft the IMAP or
// POP delegated scope plus offline_access (device flow) or the Exchange
// Online .default scope (client credentials); for Google the mail scope; for
// custom the configured scopes.
func Scopes(in *config.Incoming) []string {
	o := in.OAuth2
	switch o.Provider {
	case config.ProviderMicrosoft:
		if o.EffectiveFlow() == config.FlowClientCredentials {
			return []string{ScopeMicrosoftApp}
		}
		if in.Protocol == config.ProtocolPOP3 {
			return []string{ScopeMicrosoftPOP, ScopeOfflineAccess}
		}
		return []string{ScopeMicrosoftIMAP, ScopeOfflineAccess}
	case config.ProviderGoogle:
		return []string{ScopeGoogleMail}
	}
	return slices.Clone(o.Scopes)
}

// Endpoint returns the provider's endpoints: Microsoft's for the tenant,
// Google's, or the configured ones for custom.
func Endpoint(o *config.OAuth2) oauth2.Endpoint {
	switch o.Provider {
	case config.ProviderMicrosoft:
		e := endpoints.AzureAD(o.EffectiveTenant())
		e.AuthStyle = oauth2.AuthStyleInParams
		return e
	case config.ProviderGoogle:
		e := endpoints.Google
		e.AuthStyle = oauth2.AuthStyleInParams
		return e
	}
	return oauth2.Endpoint{
		AuthURL:       o.AuthorizationURL,
		DeviceAuthURL: o.DeviceAuthorizationURL,
		TokenURL:      o.TokenURL,
	}
}

// client is what a sign-in or a refresh talks with.
type client struct {
	in        *config.Incoming
	o         *config.OAuth2
	opts      Options
	cfg       *oauth2.Config
	hasSecret bool
}

// newClient builds the oauth2 configuration of in, resolving the client
// secret when one is set (a public client has none).
func newClient(ctx context.Context, in *config.Incoming, opts Options) (*client, error) {
	if in.OAuth2 == nil {
		return nil, errors.New("auth = \"oauth2\" needs an [incoming.oauth2] table")
	}
	o := in.OAuth2
	secret, err := o.ResolveClientSecret(ctx)
	if err != nil && !errors.Is(err, config.ErrNoSecretSource) {
		return nil, err
	}
	e := Endpoint(o)
	if opts.Endpoint != nil {
		e = *opts.Endpoint
	}
	if secret == "" && e.AuthStyle == oauth2.AuthStyleAutoDetect {
		e.AuthStyle = oauth2.AuthStyleInParams // a public client sends client_id in the form
	}
	return &client{
		in: in, o: o, opts: opts, hasSecret: secret != "",
		cfg: &oauth2.Config{ClientID: o.ClientID, ClientSecret: secret, Endpoint: e, Scopes: Scopes(in)},
	}, nil
}

// ctx returns ctx carrying the HTTP client for x/oauth2.
func (c *client) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.opts.httpClient())
}

// clientCredentials is the client-credentials configuration.
func (c *client) clientCredentials() *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		TokenURL:     c.cfg.Endpoint.TokenURL,
		Scopes:       c.cfg.Scopes,
		AuthStyle:    c.cfg.Endpoint.AuthStyle,
	}
}

// scopeKey is the scopes as one string, to compare a stored token's.
func scopeKey(scopes []string) string {
	s := slices.Clone(scopes)
	slices.Sort(s)
	return strings.Join(s, " ")
}

// httpClient is the client for every request to the provider.
func (o Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: defaultHTTPTimeout}
}
