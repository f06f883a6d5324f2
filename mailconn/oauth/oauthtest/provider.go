// Package oauthtest starts a local OAuth 2.0 authorization server for tests,
// in the style of net/http/httptest: the device authorization grant
// (RFC 8628) with scripted polling answers, the authorization-code grant
// with PKCE, refresh tokens (optionally rotated, revocable), client
// credentials, and token introspection (RFC 7662) for a mail server such as
// Dovecot's oauth2 passdb to verify the tokens it issued.
//
// Access tokens are JSON Web Tokens (HS256 with SigningKey) carrying the
// claims the test sets, so the shape of Microsoft's tokens (aud, scp, roles,
// upn, exp) can be reproduced. It listens on 127.0.0.1 only.
package oauthtest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Answers the token endpoint can give to a device-code poll (RFC 8628
// section 3.5), for Provider.ScriptDevice.
const (
	AuthorizationPending = "authorization_pending"
	SlowDown             = "slow_down"
	ExpiredToken         = "expired_token"
	AccessDenied         = "access_denied"
)

// Options configure a Provider. The zero value is a public client
// "test-client" whose tokens have no claims but jti, iat, nbf and exp.
type Options struct {
	// ClientID is the only client the provider knows; default "test-client".
	ClientID string
	// ClientSecret, when set, is required for client credentials and
	// checked whenever a client sends one.
	ClientSecret string
	// Claims go into every access token issued (a copy); exp, iat and nbf
	// are added unless set here. Change them later with SetClaims.
	Claims map[string]any
	// Username is what introspection reports as "username"; default the
	// claim upn, else preferred_username, else email, else sub.
	Username string
	// AccessTTL is the access tokens' lifetime (expires_in); default 1h.
	AccessTTL time.Duration
	// RotateRefreshTokens makes every refresh return a new refresh token
	// and revoke the old one, as Microsoft does.
	RotateRefreshTokens bool
	// DenyAuthorization makes the authorization endpoint redirect with
	// error=access_denied, as when the user clicks "Cancel".
	DenyAuthorization bool
	// DeviceExpiresIn is the device authorization's expires_in in seconds
	// (negative and huge values are sent as they are); 0 means 900.
	DeviceExpiresIn int64
	// NoDeviceExpiresIn leaves expires_in out of the device authorization,
	// as some providers do.
	NoDeviceExpiresIn bool
}

// Provider is a running authorization server. Its URL fields are set by
// Start and must not be changed.
type Provider struct {
	// URL is the base, "http://127.0.0.1:port".
	URL string
	// The endpoints.
	DeviceAuthorizationURL, AuthorizationURL, TokenURL, IntrospectionURL string
	// ClientID and ClientSecret are the accepted client credentials.
	ClientID, ClientSecret string

	srv *httptest.Server

	mu            sync.Mutex
	opts          Options
	claims        map[string]any
	script        []string // answers to device-code polls before success
	deviceCodes   map[string]string
	authCodes     map[string]authCode
	refreshTokens map[string]grant // live refresh tokens
	accessTokens  map[string]issued
	counts        map[string]int
}

type authCode struct {
	challenge, redirectURI, scope string
}

type grant struct{ scope string }

type issued struct {
	expires  time.Time
	username string
	scope    string
	revoked  bool
}

// Start starts a Provider on a free loopback port and stops it in
// t.Cleanup.
func Start(t testing.TB, opts Options) *Provider {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "test-client"
	}
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = time.Hour
	}
	p := &Provider{
		ClientID:      opts.ClientID,
		ClientSecret:  opts.ClientSecret,
		opts:          opts,
		claims:        maps.Clone(opts.Claims),
		deviceCodes:   map[string]string{},
		authCodes:     map[string]authCode{},
		refreshTokens: map[string]grant{},
		accessTokens:  map[string]issued{},
		counts:        map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /devicecode", p.deviceAuthorization)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /introspect", p.introspect)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.DeviceAuthorizationURL = p.URL + "/devicecode"
	p.AuthorizationURL = p.URL + "/authorize"
	p.TokenURL = p.URL + "/token"
	p.IntrospectionURL = p.URL + "/introspect"
	return p
}

// Client returns an HTTP client for the provider (no proxies).
func (p *Provider) Client() *http.Client { return p.srv.Client() }

// ScriptDevice sets the answers to the next device-code polls, in order
// (AuthorizationPending, SlowDown, ExpiredToken, AccessDenied). A poll after
// the script runs out succeeds. An ExpiredToken or AccessDenied answer ends
// that device code, as a real server does.
func (p *Provider) ScriptDevice(answers ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = append([]string(nil), answers...)
}

// SetClaims replaces the claims of access tokens issued from now on.
func (p *Provider) SetClaims(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claims = maps.Clone(claims)
}

// RevokeAll revokes every refresh token and access token issued so far: a
// refresh answers invalid_grant and introspection says inactive, as after
// a password change or an admin's "revoke sessions".
func (p *Provider) RevokeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.refreshTokens)
	for k, v := range p.accessTokens {
		v.revoked = true
		p.accessTokens[k] = v
	}
}

// Count returns how many requests of a kind the provider answered:
// "device_authorization", "authorize", "introspect", or a token grant type
// ("urn:ietf:params:oauth:grant-type:device_code", "refresh_token",
// "client_credentials", "authorization_code").
func (p *Provider) Count(kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[kind]
}

// RefreshTokens returns how many refresh tokens are live.
func (p *Provider) RefreshTokens() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.refreshTokens)
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError answers an RFC 6749 section 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
