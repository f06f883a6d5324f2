package main

import (
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// TestCheckOAuth2: check refreshes an expired access token as test does
// (which keeps the refresh token alive), and a revoked sign-in is CRITICAL
// at authenticate with the "sign in again" hint, not UNKNOWN.
func TestCheckOAuth2(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{Username: mailtest.Alice.Name})
	srv := mailtest.Start(t, mailtest.Options{OAuth2IntrospectionURL: p.IntrospectionURL})
	path, tokenFile := oauthConfig(t, p, func(c *config.Config) {
		c.Incoming.Port = srv.IMAPS
		c.Incoming.CAFile = srv.CAFile
	})
	if code, out, errs := cli(t, "", "oauth2", "login", "--config", path); code != 0 {
		t.Fatalf("login: %d\n%s\n%s", code, out, errs)
	}
	tokens := tokensIn(t, tokenFile)

	expireTokenFile(t, tokenFile)
	code, out, errs := runCheckCLI(t, "--config", path)
	if code != 0 || p.Count("refresh_token") != 1 {
		t.Fatalf("expired token: exit %d, %d refreshes\n%s%s", code, p.Count("refresh_token"), out, errs)
	}
	assertNoOAuthToken(t, append(tokens, tokensIn(t, tokenFile)...), out, errs)

	p.RevokeAll()
	expireTokenFile(t, tokenFile)
	code, out, errs = runCheckCLI(t, "--config", path)
	if code != 2 {
		t.Fatalf("revoked sign-in: exit %d, want 2 (CRITICAL)\n%s%s", code, out, errs)
	}
	text, _ := nagiosStatus(t, code, out)
	if !strings.Contains(text, "the authenticate step failed: ") || !strings.Contains(text, "sign in again") {
		t.Errorf("status %q does not say to sign in again", text)
	}
	code, out, _ = runCheckCLI(t, "--config", path, "--format", "openmetrics")
	if code != 2 || !strings.Contains(out, `failed_step="authenticate",field="oauth2"`) {
		t.Errorf("exit %d, metrics lack the failed sign-in:\n%s", code, out)
	}
	// The token is got at the authenticate step, after the server was
	// reached: the server is up, only the sign-in failed (no outage alert).
	if !strings.Contains(out, `mailsetup_up{mailbox="INBOX"`) || !strings.Contains(out, `server="127.0.0.1"} 1`+"\n") {
		t.Errorf("mailsetup_up is not 1 for a reachable server whose sign-in failed:\n%s", out)
	}
	assertNoOAuthToken(t, append(tokens, tokensIn(t, tokenFile)...), out, errs)
}
