// Package oauth gets and keeps the OAuth 2.0 access token that
// auth = "oauth2" signs in with (XOAUTH2 or OAUTHBEARER), on a headless
// server with no browser:
//
//   - Microsoft 365: the device authorization grant (RFC 8628): a code the
//     admin enters at https://microsoft.com/devicelogin on any device; or
//     client credentials (an app registration with a secret, no user).
//   - Google: the authorization-code flow with PKCE and a loopback redirect,
//     finished in the admin's own browser through an SSH port forward
//     (Google's device flow does not allow the mail scope).
//   - custom: a device authorization endpoint and a token endpoint.
//
// Login runs a sign-in and stores the token in the token file (mode 0600,
// written atomically). AccessToken and NewTokenSource return a valid access
// token, refreshing it when it has expired and storing a rotated refresh
// token; a refresh token the provider no longer accepts gives a
// *SignInError that names the command to sign in again.
//
// Preflight reads a Microsoft access token (a JWT; the signature is not
// checked) and names the usual causes of Exchange Online's bare
// "AUTHENTICATE failed" before the server is asked; AfterFailure lists the
// causes a token cannot show.
//
// No token, refresh token, authorization code or client secret ever
// appears in an error, a Finding or a callback of this package.
package oauth

import (
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/internal/shellquote"
)

// defaultHTTPTimeout bounds each request to the provider when
// Options.HTTPClient is nil.
const defaultHTTPTimeout = 30 * time.Second

// DefaultTokenFileName is the token file's usual name, in the config
// file's folder; see SuggestTokenFile.
const DefaultTokenFileName = "oauth2-token.json"

// Options tune token retrieval. The zero value is ready to use; ConfigPath
// makes the "sign in again" command exact.
type Options struct {
	// ConfigPath is the config file the settings came from, for the
	// command that signs in again.
	ConfigPath string
	// HTTPClient makes every request to the provider; nil means a client
	// with a 30 s timeout per request.
	HTTPClient *http.Client
	// Endpoint, when not nil, replaces the provider's built-in endpoints
	// (tests; private clouds).
	Endpoint *oauth2.Endpoint
	// Warn, when not nil, is told of problems that do not stop the token
	// from working, e.g. a refreshed token that could not be stored.
	Warn func(msg string)
}

// SuggestTokenFile is a token_file for the config at configPath:
// oauth2-token.json in the same folder. The wizard and init offer it; the
// config must name the file, since the connector reads it too.
func SuggestTokenFile(configPath string) string {
	if abs, err := filepath.Abs(configPath); err == nil {
		configPath = abs
	}
	return filepath.Join(filepath.Dir(configPath), DefaultTokenFileName)
}

// errNoTokenFile is returned when a flow that stores its token has no
// token_file to store it in.
func errNoTokenFile(configPath string) error {
	ex := "/var/lib/mailsetup/" + DefaultTokenFileName
	if configPath != "" {
		ex = SuggestTokenFile(configPath)
	}
	return fmt.Errorf("incoming.oauth2.token_file is not set; set it to where the sign-in is kept, e.g. token_file = %q", ex)
}

// LoginCommand is the command that signs in for the config at configPath.
func LoginCommand(configPath string) string {
	if configPath == "" {
		return "mailsetup oauth2 login"
	}
	return "mailsetup oauth2 login --config " + shellQuote(configPath)
}

// shellQuote is shellquote.Quote (the one quoting for the whole program).
func shellQuote(s string) string { return shellquote.Quote(s) }
