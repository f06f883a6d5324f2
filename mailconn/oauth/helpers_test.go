package oauth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// hangGuard bounds every sign-in in these tests; it is not a measurement.
const hangGuard = 60 * time.Second

// customIncoming is an IMAP config whose [incoming.oauth2] points at p.
func customIncoming(t *testing.T, p *oauthtest.Provider) *config.Incoming {
	t.Helper()
	return &config.Incoming{
		Protocol: config.ProtocolIMAP,
		Server:   "127.0.0.1",
		Username: "alice@contoso.com",
		Auth:     config.AuthOAuth2,
		Security: config.SecurityTLS,
		OAuth2: &config.OAuth2{
			Provider:               config.ProviderCustom,
			ClientID:               p.ClientID,
			ClientSecret:           p.ClientSecret,
			DeviceAuthorizationURL: p.DeviceAuthorizationURL,
			TokenURL:               p.TokenURL,
			Scopes:                 []string{"mail.read", "offline_access"},
			TokenFile:              filepath.Join(t.TempDir(), "oauth2-token.json"),
		},
	}
}

// microsoftIncoming is a Microsoft 365 config whose endpoints (through
// the returned options) are p's.
func microsoftIncoming(t *testing.T, p *oauthtest.Provider, flow string) (*config.Incoming, oauth.Options) {
	t.Helper()
	in := customIncoming(t, p)
	in.OAuth2.Provider = config.ProviderMicrosoft
	in.OAuth2.Flow = flow
	in.OAuth2.Tenant = "contoso.onmicrosoft.com"
	in.OAuth2.DeviceAuthorizationURL, in.OAuth2.TokenURL, in.OAuth2.Scopes = "", "", nil
	opts := oauth.Options{
		ConfigPath: "/etc/mailsetup/config.toml",
		HTTPClient: p.Client(),
		Endpoint:   &oauth2.Endpoint{DeviceAuthURL: p.DeviceAuthorizationURL, TokenURL: p.TokenURL, AuthURL: p.AuthorizationURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	return in, opts
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	t.Cleanup(cancel)
	return ctx
}

// login signs in with the device flow and fails the test on error.
func login(t *testing.T, in *config.Incoming, opts oauth.Options) *oauth.LoginResult {
	t.Helper()
	res, err := oauth.Login(testContext(t), in, oauth.LoginOptions{Options: opts})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return res
}

// storedTokens returns the access and refresh token in the token file.
func storedTokens(t *testing.T, path string) (access, refresh string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	return field(s, "access_token"), field(s, "refresh_token")
}

// field pulls "key": "value" out of JSON text.
func field(s, key string) string {
	_, rest, ok := strings.Cut(s, `"`+key+`": "`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// noSecret fails the test if any of texts holds any of secrets.
func noSecret(t *testing.T, secrets []string, texts ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("secret %q too short to search for", s)
		}
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Errorf("output holds a secret (%.8s…): %q", s, txt)
			}
		}
	}
}
