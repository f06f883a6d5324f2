package tui

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

func TestOAuthLineMode(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		setup   func(f *fakeOAuth)
		wantErr error
		want    func(t *testing.T, in config.Incoming, path string)
		out     []string // in the output, in this order
		not     []string // not in the output
		tested  bool     // the connection test ran, with the token
	}{
		{
			name: "no password: OAuth 2.0; the device code as plain lines; the test with the token",
			input: answers("imap", "outlook.office365.com", "", "", "support@example.com",
				"5", "", "", "", "", "app-id", "", "tls", "y", "", "", "", "y", "y"),
			want: func(t *testing.T, in config.Incoming, path string) {
				o := in.OAuth2
				if in.Auth != config.AuthOAuth2 || in.PasswordSource() != "" || o == nil || o.Provider != config.ProviderMicrosoft ||
					o.Flow != "" || o.Tenant != "" || o.ClientID != "app-id" || o.TokenFile != oauth.SuggestTokenFile(path) || o.ClientSecretSource() != "" {
					t.Errorf("saved %+v, oauth2 %+v", in, o)
				}
			},
			out: []string{"[warn] Exchange Online turned off passwords for IMAP and POP in 2022", "5) No password: OAuth 2.0",
				"Authentication:", "Choose 1-3 [3]: ", "shared mailbox", "Provider:", "1) Microsoft 365", "Choose 1-3 [1]:", "Sign-in:",
				"empty: common, any tenant", "Tenant (optional):", "Client ID: app-id", "Token file [",
				"Test the connection now?", "The test needs an OAuth 2.0 sign-in first: no OAuth 2.0 sign-in is stored",
				"Open https://microsoft.com/devicelogin and enter the code WDJB-MJHT (expires in 15:00).",
				"[ok]   Signed in as support@example.com; token stored in ", "[ok]   OAuth 2.0 token: from ",
				"[ok]   Resolve", "Connection test passed", "Saved "},
			not:    []string{"Password:", "Client secret"},
			tested: true,
		},
		{
			name: "OAuth 2.0 at the authentication question drops the password; client credentials with a secret file",
			input: answers("imap", "outlook.office365.com", "", "", "support@example.com", "1", "pw", "3",
				"", "2", "contoso.onmicrosoft.com", "app-id", "file", "/etc/mailsetup/oauth-secret", "tls", "y", "", "", "", "n", "y"),
			want: func(t *testing.T, in config.Incoming, path string) {
				o := in.OAuth2
				if in.Auth != config.AuthOAuth2 || in.Password != "" || o == nil || o.Flow != config.FlowClientCredentials ||
					o.Tenant != "contoso.onmicrosoft.com" || o.ClientSecretFile != "/etc/mailsetup/oauth-secret" || o.TokenFile != "" {
					t.Errorf("saved %+v, oauth2 %+v", in, o)
				}
			},
			out: []string{"Authentication:", "3) OAuth 2.0 (Microsoft 365, Google)", "Client secret:", "2) File", "Secret file: /etc/mailsetup/oauth-secret", "Saved "},
			not: []string{"Token file", "Sign in before the connector starts"},
		},
		{
			name: "settings config.Validate refuses are asked again",
			input: answers("imap", "outlook.office365.com", "", "", "support@example.com", "oauth",
				"", "", "2", "", // tenant common: refused for client credentials
				"contoso.onmicrosoft.com", "app-id", "env", "OAUTH_SECRET",
				"tls", "y", "", "", "", "n", "y"),
			want: func(t *testing.T, in config.Incoming, path string) {
				if o := in.OAuth2; o == nil || o.Tenant != "contoso.onmicrosoft.com" || o.ClientSecretEnv != "OAUTH_SECRET" {
					t.Errorf("saved oauth2 %+v", o)
				}
			},
			out: []string{`needs your directory's tenant ID or domain in incoming.oauth2.tenant (not "common")`,
				"Tenant: contoso.onmicrosoft.com", "Client ID: app-id", "Variable: OAUTH_SECRET", "Saved "},
		},
		{
			name: "an expired code fails the test; nothing is saved",
			input: answers("imap", "outlook.office365.com", "", "", "support@example.com", "5", "", "", "", "", "app-id", "",
				"tls", "y", "", "", "", "y", "n"),
			setup: func(f *fakeOAuth) {
				f.loginErr = &oauth.ProviderError{Op: "sign-in", Code: "expired_token",
					Hint: "the code expired before the sign-in finished; run the sign-in again and enter the new code within its time"}
			},
			wantErr: ErrNotSaved,
			out: []string{"enter the code WDJB-MJHT", "[FAIL] The sign-in failed: Sign-in: the provider answered expired_token.",
				"Hint: The code expired before the sign-in finished", "The test failed: no OAuth 2.0 sign-in",
				"The connection test failed. What now?", "Choose 1-4 [2]: n", "Nothing was saved."},
		},
		{
			name: "a skipped test says how to sign in later",
			input: answers("imap", "outlook.office365.com", "", "", "support@example.com", "5", "", "", "", "", "app-id", "",
				"tls", "y", "", "", "", "n", "y"),
			out: []string{"Saved ", "Sign in before the connector starts: mailsetup oauth2 login --config "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth()
			if tt.setup != nil {
				tt.setup(f)
			}
			sc := &script{runs: []scriptRun{passingRun()}}
			path := filepath.Join(t.TempDir(), "config.toml")
			var out bytes.Buffer
			err := runLines(context.Background(), lineOptions{path: path, in: strings.NewReader(tt.input), out: &out,
				start: loadStart(path), test: sc.test, oauth: f.deps()})
			text := out.String()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v\n%s", err, tt.wantErr, text)
			}
			wantInOrder(t, text, tt.out)
			for _, o := range tt.not {
				if strings.Contains(text, o) {
					t.Errorf("output has %q:\n%s", o, text)
				}
			}
			if tt.tested && (sc.callCount() != 1 || sc.call(0).secret != f.token) {
				t.Errorf("the test ran %d times; want once with the token", sc.callCount())
			}
			if strings.Contains(text, f.token) {
				t.Error("the output shows the token")
			}
			if tt.want != nil {
				c, _, err := config.Load(path)
				if err != nil {
					t.Fatalf("load: %v\n%s", err, text)
				}
				tt.want(t, c.Incoming, path)
			}
		})
	}
}
