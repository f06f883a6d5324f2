package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

func TestLoginDevice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  []string
		wantErr error  // nil: the sign-in succeeds
		hint    string // in the error
	}{
		{name: "at once"},
		{name: "after authorization_pending", script: []string{oauthtest.AuthorizationPending, oauthtest.AuthorizationPending}},
		{name: "after slow_down", script: []string{oauthtest.SlowDown}},
		{name: "expired_token", script: []string{oauthtest.AuthorizationPending, oauthtest.ExpiredToken}, wantErr: oauth.ErrCodeExpired, hint: "run the sign-in again"},
		{name: "access_denied", script: []string{oauthtest.AccessDenied}, wantErr: oauth.ErrAccessDenied, hint: "declined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := oauthtest.Start(t, oauthtest.Options{Claims: map[string]any{"upn": "alice@contoso.com"}})
			p.ScriptDevice(tc.script...)
			in := customIncoming(t, p)
			var codes []oauth.DeviceCode
			res, err := oauth.Login(testContext(t), in, oauth.LoginOptions{
				Options:      oauth.Options{HTTPClient: p.Client(), ConfigPath: "/etc/mailsetup/config.toml"},
				OnDeviceCode: func(dc oauth.DeviceCode) { codes = append(codes, dc) },
			})
			if len(codes) != 1 || codes[0].UserCode != "WDJB-MJHT" || codes[0].VerificationURI != p.URL+"/device" || codes[0].ExpiresIn <= 0 {
				t.Fatalf("OnDeviceCode got %+v, want one call with the provider's code, URI and lifetime", codes)
			}
			if got, want := p.Count("urn:ietf:params:oauth:grant-type:device_code"), len(tc.script)+1; tc.wantErr == nil && got != want {
				t.Errorf("polled %d times, want %d", got, want)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.hint) {
					t.Fatalf("Login error = %v, want %v with %q", err, tc.wantErr, tc.hint)
				}
				if _, serr := os.Stat(in.OAuth2.TokenFile); !errors.Is(serr, os.ErrNotExist) {
					t.Errorf("a failed sign-in left a token file (%v)", serr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if res.Account != "alice@contoso.com" || !res.Refresh || res.TokenFile != in.OAuth2.TokenFile || res.Expiry.IsZero() {
				t.Errorf("result %+v: want account alice@contoso.com, a refresh token, the token file and an expiry", res)
			}
			info, err := os.Stat(in.OAuth2.TokenFile)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("token file: %v, mode %v; want 0600", err, info.Mode())
			}
			access, refresh := storedTokens(t, in.OAuth2.TokenFile)
			if access == "" || refresh == "" {
				t.Fatal("the token file lacks the access or refresh token")
			}
			noSecret(t, []string{access, refresh}, fmt.Sprintf("%+v %+v", res, codes))
		})
	}
}

func TestLoginCanceled(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	p.ScriptDevice(oauthtest.AuthorizationPending, oauthtest.AuthorizationPending, oauthtest.AuthorizationPending)
	in := customIncoming(t, p)
	ctx, cancel := context.WithCancel(testContext(t))
	_, err := oauth.Login(ctx, in, oauth.LoginOptions{
		Options:      oauth.Options{HTTPClient: p.Client()},
		OnDeviceCode: func(oauth.DeviceCode) { cancel() },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Login after cancel = %v, want context.Canceled", err)
	}
}

func TestLoginMicrosoftDeviceScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ protocol, scope string }{
		{config.ProtocolIMAP, oauth.ScopeMicrosoftIMAP},
		{config.ProtocolPOP3, oauth.ScopeMicrosoftPOP},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			t.Parallel()
			p := oauthtest.Start(t, oauthtest.Options{})
			in, opts := microsoftIncoming(t, p, config.FlowDevice)
			in.Protocol = tc.protocol
			res := login(t, in, opts)
			if strings.Join(res.Scopes, " ") != tc.scope+" offline_access" {
				t.Errorf("scopes %q, want %s offline_access", res.Scopes, tc.scope)
			}
		})
	}
}

func TestLoginErrors(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	in := customIncoming(t, p)
	in.OAuth2.ClientID = "someone-else"
	_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{Options: oauth.Options{HTTPClient: p.Client()}})
	var pe *oauth.ProviderError
	if !errors.Is(err, oauth.ErrInvalidClient) || !errors.As(err, &pe) || pe.Op != "device authorization" {
		t.Fatalf("unknown client: %v, want a device authorization ProviderError matching ErrInvalidClient", err)
	}

	in = customIncoming(t, p)
	in.OAuth2.DeviceAuthorizationURL = "http://127.0.0.1:1/devicecode"
	_, err = oauth.Login(testContext(t), in, oauth.LoginOptions{Options: oauth.Options{HTTPClient: p.Client()}})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the provider") {
		t.Fatalf("unreachable provider: %v", err)
	}
}

func TestLoginClientCredentials(t *testing.T) {
	t.Parallel()
	const secret = "app-secret-value-123"
	p := oauthtest.Start(t, oauthtest.Options{ClientSecret: secret, Claims: map[string]any{
		"aud": "https://outlook.office365.com", "roles": []string{"IMAP.AccessAsApp"},
	}})
	t.Run("works", func(t *testing.T) {
		in, opts := microsoftIncoming(t, p, config.FlowClientCredentials)
		res := login(t, in, opts)
		if res.TokenFile != "" || len(res.Findings) != 0 || res.Scopes[0] != oauth.ScopeMicrosoftApp {
			t.Errorf("result %+v: want no token file, no findings, the .default scope", res)
		}
		if _, err := os.Stat(in.OAuth2.TokenFile); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("client credentials stored a token (%v)", err)
		}
		tok, err := oauth.AccessToken(testContext(t), in, opts)
		if err != nil || tok == "" {
			t.Fatalf("AccessToken: %q, %v", tok, err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		in, opts := microsoftIncoming(t, p, config.FlowClientCredentials)
		in.OAuth2.ClientSecret = "wrong-secret-value"
		_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{Options: opts})
		if !errors.Is(err, oauth.ErrInvalidClient) || !strings.Contains(err.Error(), "Value (not its Secret ID)") {
			t.Fatalf("wrong secret: %v, want ErrInvalidClient with the AADSTS7000215 hint", err)
		}
		noSecret(t, []string{secret, "wrong-secret-value"}, err.Error())
	})
	t.Run("missing permission", func(t *testing.T) {
		q := oauthtest.Start(t, oauthtest.Options{ClientSecret: secret, Claims: map[string]any{"aud": "https://outlook.office365.com"}})
		in, opts := microsoftIncoming(t, q, config.FlowClientCredentials)
		res := login(t, in, opts)
		if len(res.Findings) != 1 || res.Findings[0].Check != oauth.CheckPermission || !strings.Contains(res.Findings[0].Hint, "IMAP.AccessAsApp") {
			t.Errorf("findings %+v, want the missing IMAP.AccessAsApp role", res.Findings)
		}
	})
}

func TestLoginLoopback(t *testing.T) {
	t.Parallel()
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("deny=%v", deny), func(t *testing.T) {
			t.Parallel()
			p := oauthtest.Start(t, oauthtest.Options{DenyAuthorization: deny, ClientSecret: "google-desktop-secret"})
			in, opts := microsoftIncoming(t, p, config.FlowDevice)
			in.OAuth2.Provider, in.OAuth2.Tenant = config.ProviderGoogle, ""
			var prompt oauth.BrowserSignIn
			var browserErr error
			res, err := oauth.Login(testContext(t), in, oauth.LoginOptions{
				Options: opts,
				OnBrowser: func(b oauth.BrowserSignIn) {
					prompt = b
					// The admin's browser: follow the provider's redirect
					// back to the loopback listener.
					resp, err := http.Get(b.URL)
					if err != nil {
						browserErr = err
						return
					}
					resp.Body.Close()
				},
			})
			if browserErr != nil {
				t.Fatalf("browser: %v", browserErr)
			}
			want := fmt.Sprintf("ssh -L %d:127.0.0.1:%d ", prompt.Port, prompt.Port)
			if prompt.Port == 0 || !strings.HasPrefix(prompt.SSHCommand, want) || prompt.RedirectURI != fmt.Sprintf("http://127.0.0.1:%d/", prompt.Port) {
				t.Errorf("prompt %+v: want a port, %q…, the loopback redirect", prompt, want)
			}
			for _, param := range []string{"code_challenge_method=S256", "access_type=offline", "scope=https%3A%2F%2Fmail.google.com%2F", "login_hint=alice%40contoso.com"} {
				if !strings.Contains(prompt.URL, param) {
					t.Errorf("authorization URL %s lacks %s", prompt.URL, param)
				}
			}
			if deny {
				if !errors.Is(err, oauth.ErrAccessDenied) {
					t.Fatalf("declined sign-in: %v, want ErrAccessDenied", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if !res.Refresh || p.Count("authorization_code") != 1 {
				t.Errorf("result %+v, %d code exchanges: want a refresh token from one exchange", res, p.Count("authorization_code"))
			}
		})
	}
}

// TestProviderErrorHidesBody: an error answer's body never reaches the
// error text; only the RFC 6749 error code and description do.
func TestProviderErrorHidesBody(t *testing.T) {
	t.Parallel()
	const leak = "body-that-must-not-leak-7f3a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/plain") {
			http.Error(w, leak, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":"bad request","debug":%q}`, leak)
	}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/plain", "/json"} {
		t.Run(path, func(t *testing.T) {
			in := &config.Incoming{Protocol: config.ProtocolIMAP, Username: "a", Auth: config.AuthOAuth2, OAuth2: &config.OAuth2{
				Provider: config.ProviderCustom, ClientID: "c", DeviceAuthorizationURL: srv.URL + path, TokenURL: srv.URL + path,
				TokenFile: filepath.Join(t.TempDir(), "t.json"),
			}}
			_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{})
			var pe *oauth.ProviderError
			if !errors.As(err, &pe) || strings.Contains(err.Error(), leak) {
				t.Fatalf("error %v: want a ProviderError without the body", err)
			}
		})
	}
}

// TestLoginDeviceBound: the device flow ends at the provider's expires_in
// or at MaxDeviceFlow, whichever is first, whatever the provider says.
func TestLoginDeviceBound(t *testing.T) {
	t.Parallel()
	const limit = 2 * time.Second // stands in for MaxDeviceFlow
	pending := make([]string, 100)
	for i := range pending {
		pending[i] = oauthtest.AuthorizationPending
	}
	tests := []struct {
		name         string
		opts         oauthtest.Options
		script       []string
		wantErr      string // in the error; "" when the sign-in succeeds
		wantProvider bool   // the provider's expires_in ended it
	}{
		{name: "expires_in omitted", opts: oauthtest.Options{NoDeviceExpiresIn: true}, script: pending,
			wantErr: "the sign-in code was not used within 2 seconds and has expired; run mailsetup oauth2 login --config /etc/mailsetup/config.toml again"},
		{name: "huge expires_in is capped", opts: oauthtest.Options{DeviceExpiresIn: 1 << 40}, script: pending,
			wantErr: "was not used within 2 seconds and has expired"},
		{name: "expires_in beyond time.Duration is capped", opts: oauthtest.Options{DeviceExpiresIn: 1 << 62}, script: pending,
			wantErr: "was not used within 2 seconds and has expired"},
		{name: "negative expires_in does not expire at once", opts: oauthtest.Options{DeviceExpiresIn: -30}},
		{name: "a shorter expires_in of the provider ends it first", opts: oauthtest.Options{DeviceExpiresIn: 1}, script: pending,
			wantErr: "was not used within 1 seconds (the provider's limit)", wantProvider: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := oauthtest.Start(t, tc.opts)
			p.ScriptDevice(tc.script...)
			in := customIncoming(t, p)
			var codes []oauth.DeviceCode
			start := time.Now()
			_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{
				Options:      oauth.Options{HTTPClient: p.Client(), ConfigPath: "/etc/mailsetup/config.toml"},
				OnDeviceCode: func(dc oauth.DeviceCode) { codes = append(codes, dc) },
				DeviceLimit:  limit,
			})
			elapsed := time.Since(start)
			if len(codes) != 1 || codes[0].ExpiresIn <= 0 || codes[0].ExpiresIn > limit || codes[0].ExpiresAt.After(start.Add(limit+time.Second)) {
				t.Fatalf("OnDeviceCode got %+v, want one code that expires within %s", codes, limit)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				return
			}
			var ce *oauth.CodeExpiredError
			if !errors.Is(err, oauth.ErrCodeExpired) || !errors.As(err, &ce) || ce.Provider != tc.wantProvider || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Login error = %v, want a code-expired error with %q (provider's limit %v)", err, tc.wantErr, tc.wantProvider)
			}
			if elapsed > limit+5*time.Second {
				t.Errorf("Login took %s, bound %s", elapsed, limit)
			}
			if _, serr := os.Stat(in.OAuth2.TokenFile); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("an expired sign-in left a token file (%v)", serr)
			}
		})
	}
}

// TestLoginDeviceMaxBound: without a test limit, a code that never expires
// is offered for MaxDeviceFlow (15 minutes), not longer.
func TestLoginDeviceMaxBound(t *testing.T) {
	t.Parallel()
	for _, opts := range []oauthtest.Options{{NoDeviceExpiresIn: true}, {DeviceExpiresIn: 30 * 24 * 3600}, {DeviceExpiresIn: -1}} {
		p := oauthtest.Start(t, opts)
		p.ScriptDevice(oauthtest.AuthorizationPending, oauthtest.AuthorizationPending)
		ctx, cancel := context.WithCancel(testContext(t))
		var got oauth.DeviceCode
		_, err := oauth.Login(ctx, customIncoming(t, p), oauth.LoginOptions{
			Options:      oauth.Options{HTTPClient: p.Client()},
			OnDeviceCode: func(dc oauth.DeviceCode) { got = dc; cancel() },
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%+v: Login = %v, want cancelled", opts, err)
		}
		if got.ExpiresIn != oauth.MaxDeviceFlow || oauth.MaxDeviceFlow != 15*time.Minute {
			t.Errorf("%+v: the code works for %s, want %s", opts, got.ExpiresIn, 15*time.Minute)
		}
	}
	msg := (&oauth.CodeExpiredError{After: oauth.MaxDeviceFlow, Command: "mailsetup oauth2 login"}).Error()
	if want := "the sign-in code was not used within 15 minutes and has expired; run mailsetup oauth2 login again"; !strings.Contains(msg, want) {
		t.Errorf("message %q, want %q", msg, want)
	}
}
