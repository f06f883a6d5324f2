package oauth_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// TestProviderEchoHidesSecrets: a provider whose error description echoes
// the client secret (raw, or as the base64 of HTTP basic authentication)
// or the refresh token gets none of it, nor part of it, into the error —
// also when the echo straddles the description's 200-character cut.
func TestProviderEchoHidesSecrets(t *testing.T) {
	t.Parallel()
	const (
		clientID     = "app-client-id"
		clientSecret = "cs-Very-Secret-Value-0123"
		refresh      = "rt-Stored-Refresh-Token-4567"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret))
	pad := strings.Repeat("x", 190)
	for _, echo := range []string{
		"bad secret " + clientSecret + " for " + clientID,
		"bad credentials Basic " + basic,
		pad + " " + clientSecret, // across the cut
		"refresh token " + refresh + " was revoked",
		pad + " " + refresh,
	} {
		t.Run(echo[:min(len(echo), 30)], func(t *testing.T) {
			t.Parallel()
			var refreshFails atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				fail := func(code string) {
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"error":%q,"error_description":%q}`, code, echo)
				}
				switch {
				case strings.HasSuffix(r.URL.Path, "/devicecode") && !strings.Contains(echo, refresh):
					fail("invalid_client")
				case strings.HasSuffix(r.URL.Path, "/devicecode"):
					fmt.Fprint(w, `{"device_code":"dc","user_code":"UC-1","verification_uri":"https://example.com/device","expires_in":600,"interval":1}`)
				case r.Form.Get("grant_type") == "refresh_token" && refreshFails.Load():
					fail("invalid_grant")
				case r.Form.Get("grant_type") == "refresh_token":
					refreshFails.Store(true)
					fail("server_error")
				default:
					fmt.Fprintf(w, `{"access_token":"at-1","refresh_token":%q,"token_type":"Bearer","expires_in":3600}`, refresh)
				}
			}))
			t.Cleanup(srv.Close)
			in := &config.Incoming{Protocol: config.ProtocolIMAP, Username: "a", Auth: config.AuthOAuth2, OAuth2: &config.OAuth2{
				Provider: config.ProviderCustom, ClientID: clientID, ClientSecret: clientSecret,
				DeviceAuthorizationURL: srv.URL + "/devicecode", TokenURL: srv.URL + "/token",
				TokenFile: filepath.Join(t.TempDir(), "t.json"),
			}}
			var errs []error
			_, err := oauth.Login(testContext(t), in, oauth.LoginOptions{})
			if strings.Contains(echo, refresh) {
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				expire(t, in.OAuth2.TokenFile)
				for range 2 { // server_error, then invalid_grant
					_, err := oauth.AccessToken(testContext(t), in, oauth.Options{})
					errs = append(errs, err)
				}
			} else {
				errs = append(errs, err)
			}
			for _, err := range errs {
				if err == nil {
					t.Fatal("want an error")
				}
				text := err.Error()
				for _, leak := range []string{clientSecret, clientSecret[:8], basic, refresh, refresh[:8], "<reda…"} {
					if strings.Contains(text, leak) {
						t.Errorf("error %q holds %q", text, leak)
					}
				}
				if !strings.Contains(text, "<redacted>") && !strings.Contains(text, "…") {
					t.Errorf("error %q: the echo is neither redacted nor cut", text)
				}
			}
		})
	}
}
