package oauth_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// expire rewrites the token file so that its access token has expired.
func expire(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	st["token"].(map[string]any)["expiry"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
	data, _ = json.Marshal(st)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAccessTokenRefresh(t *testing.T) {
	t.Parallel()
	for _, rotate := range []bool{false, true} {
		name := "same refresh token"
		if rotate {
			name = "rotated refresh token"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := oauthtest.Start(t, oauthtest.Options{RotateRefreshTokens: rotate})
			in := customIncoming(t, p)
			opts := oauth.Options{HTTPClient: p.Client(), ConfigPath: "/etc/mailsetup/config.toml"}
			login(t, in, opts)
			path := in.OAuth2.TokenFile
			access0, refresh0 := storedTokens(t, path)

			got, err := oauth.AccessToken(testContext(t), in, opts)
			if err != nil || got != access0 || p.Count("refresh_token") != 0 {
				t.Fatalf("valid token: got a different one (%v) or refreshed %d times", err, p.Count("refresh_token"))
			}

			expire(t, path)
			got, err = oauth.AccessToken(testContext(t), in, opts)
			if err != nil {
				t.Fatalf("AccessToken after expiry: %v", err)
			}
			access1, refresh1 := storedTokens(t, path)
			if got == access0 || got != access1 || p.Count("refresh_token") != 1 {
				t.Errorf("expired token: want one refresh whose new token is returned and stored")
			}
			if rotate != (refresh1 != refresh0) || refresh1 == "" {
				t.Errorf("refresh token rotated=%v, stored one changed=%v", rotate, refresh1 != refresh0)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("token file after refresh: %v %v, want mode 0600", err, info.Mode())
			}
			if rotate && p.RefreshTokens() != 1 {
				t.Errorf("%d live refresh tokens, want 1", p.RefreshTokens())
			}
			// The stored (rotated) refresh token works for the next refresh.
			expire(t, path)
			if _, err := oauth.AccessToken(testContext(t), in, opts); err != nil {
				t.Fatalf("second refresh: %v", err)
			}
		})
	}
}

func TestAccessTokenSignInAgain(t *testing.T) {
	t.Parallel()
	const command = "mailsetup oauth2 login --config '/etc/mail setup/config.toml'"
	p := oauthtest.Start(t, oauthtest.Options{})
	opts := oauth.Options{HTTPClient: p.Client(), ConfigPath: "/etc/mail setup/config.toml"}
	tests := []struct {
		name   string
		spoil  func(in *config.Incoming)
		reason string
	}{
		{"revoked", func(in *config.Incoming) { p.RevokeAll(); expire(t, in.OAuth2.TokenFile) }, "no longer accepts the stored sign-in"},
		{"no token file", func(in *config.Incoming) { os.Remove(in.OAuth2.TokenFile) }, "no OAuth 2.0 sign-in is stored in"},
		{"other client", func(in *config.Incoming) { in.OAuth2.ClientID = "new-app" }, "another app registration"},
		{"other scopes", func(in *config.Incoming) { in.OAuth2.Scopes = []string{"other"} }, "other permissions"},
		{"not a token file", func(in *config.Incoming) { os.WriteFile(in.OAuth2.TokenFile, []byte("{}"), 0o600) }, "is not one this version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := customIncoming(t, p)
			login(t, in, opts)
			access, refresh := storedTokens(t, in.OAuth2.TokenFile)
			tc.spoil(in)
			_, err := oauth.AccessToken(testContext(t), in, opts)
			var se *oauth.SignInError
			if !errors.Is(err, oauth.ErrSignInRequired) || !errors.As(err, &se) {
				t.Fatalf("AccessToken = %v, want a SignInError", err)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.HasSuffix(err.Error(), "sign in again with: "+command) {
				t.Errorf("error %q: want %q and the command %q", err, tc.reason, command)
			}
			noSecret(t, []string{access, refresh}, err.Error())
		})
	}
}

func TestTokenFileReadableByOthers(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	in := customIncoming(t, p)
	opts := oauth.Options{HTTPClient: p.Client()}
	login(t, in, opts)
	if err := os.Chmod(in.OAuth2.TokenFile, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := oauth.AccessToken(testContext(t), in, opts)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+in.OAuth2.TokenFile) {
		t.Fatalf("world-readable token file: %v, want the chmod that fixes it", err)
	}
	// Group-readable (0640, for the connector's group) is kept on refresh.
	if err := os.Chmod(in.OAuth2.TokenFile, 0o640); err != nil {
		t.Fatal(err)
	}
	expire(t, in.OAuth2.TokenFile)
	if _, err := oauth.AccessToken(testContext(t), in, opts); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(in.OAuth2.TokenFile); info.Mode().Perm() != 0o640 {
		t.Errorf("mode after refresh %v, want 0640 kept", info.Mode())
	}
}

func TestTokenFileFolder(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	in := customIncoming(t, p)
	dir := filepath.Join(t.TempDir(), "new", "folder")
	in.OAuth2.TokenFile = filepath.Join(dir, "token.json")
	login(t, in, oauth.Options{HTTPClient: p.Client()})
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("new folder: %v %v, want mode 0700", err, info.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the token file (no temp files)", len(entries))
	}
}

func TestNoTokenFile(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	in := customIncoming(t, p)
	in.OAuth2.TokenFile = ""
	opts := oauth.Options{HTTPClient: p.Client(), ConfigPath: "/etc/mailsetup/config.toml"}
	want := `token_file = "/etc/mailsetup/oauth2-token.json"`
	_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{Options: opts})
	if err == nil || !strings.Contains(err.Error(), want) || p.Count("device_authorization") != 0 {
		t.Errorf("Login without token_file: %v, want %q before any request", err, want)
	}
	_, err = oauth.AccessToken(testContext(t), in, opts)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("AccessToken without token_file: %v, want %q", err, want)
	}
	if got := oauth.SuggestTokenFile("/etc/mailsetup/config.toml"); got != "/etc/mailsetup/oauth2-token.json" {
		t.Errorf("SuggestTokenFile = %s", got)
	}
}

func TestNewTokenSourceReuses(t *testing.T) {
	t.Parallel()
	p := oauthtest.Start(t, oauthtest.Options{})
	in := customIncoming(t, p)
	opts := oauth.Options{HTTPClient: p.Client()}
	login(t, in, opts)
	expire(t, in.OAuth2.TokenFile)
	ts, err := oauth.NewTokenSource(testContext(t), in, opts)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Count("refresh_token"); n != 1 {
		t.Errorf("%d refreshes for 3 Token calls, want 1", n)
	}
}
