package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantRefresh           = "refresh_token"
	grantClientCredentials = "client_credentials"
	grantAuthorizationCode = "authorization_code"
)

// deviceAuthorization is RFC 8628 section 3.1.
func (p *Provider) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts["device_authorization"]++
	if id, _, _ := clientAuth(r); id != p.ClientID {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "unknown client_id "+id)
		return
	}
	code := randomID()
	p.deviceCodes[code] = r.PostForm.Get("scope")
	answer := map[string]any{
		"device_code":               code,
		"user_code":                 "WDJB-MJHT",
		"verification_uri":          p.URL + "/device",
		"verification_uri_complete": p.URL + "/device?user_code=WDJB-MJHT",
		"expires_in":                900,
		"interval":                  1,
	}
	switch {
	case p.opts.NoDeviceExpiresIn:
		delete(answer, "expires_in")
	case p.opts.DeviceExpiresIn != 0:
		answer["expires_in"] = p.opts.DeviceExpiresIn
	}
	writeJSON(w, http.StatusOK, answer)
}

// authorize is the authorization endpoint (RFC 6749 section 4.1.1 with
// PKCE, RFC 7636): it approves at once, as if the user had signed in, and
// redirects back with a code.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts["authorize"]++
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || q.Get("client_id") != p.ClientID {
		http.Error(w, "bad redirect_uri or client_id", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	switch {
	case p.opts.DenyAuthorization:
		back.Set("error", AccessDenied)
		back.Set("error_description", "the user declined")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	default:
		code := randomID()
		p.authCodes[code] = authCode{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), scope: q.Get("scope")}
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is the token endpoint for every grant.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	p.mu.Lock()
	defer p.mu.Unlock()
	grantType := f.Get("grant_type")
	p.counts[grantType]++
	id, secret, hasSecret := clientAuth(r)
	switch {
	case id != p.ClientID:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id "+id)
		return
	case hasSecret && secret != p.ClientSecret,
		grantType == grantClientCredentials && (p.ClientSecret == "" || !hasSecret):
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	switch grantType {
	case grantDeviceCode:
		p.deviceToken(w, f.Get("device_code"))
	case grantRefresh:
		g, ok := p.refreshTokens[f.Get("refresh_token")]
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The refresh token has expired or was revoked.")
			return
		}
		rt := f.Get("refresh_token")
		if p.opts.RotateRefreshTokens {
			delete(p.refreshTokens, rt)
			rt = p.newRefreshToken(g.scope)
		}
		p.issue(w, g.scope, rt)
	case grantClientCredentials:
		p.issue(w, f.Get("scope"), "")
	case grantAuthorizationCode:
		c, ok := p.authCodes[f.Get("code")]
		delete(p.authCodes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		case f.Get("redirect_uri") != c.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
		default:
			p.issue(w, c.scope, p.newRefreshToken(c.scope))
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", grantType)
	}
}

// deviceToken answers a device-code poll from the script, else with tokens.
func (p *Provider) deviceToken(w http.ResponseWriter, code string) {
	scope, ok := p.deviceCodes[code]
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown device_code")
		return
	}
	if len(p.script) > 0 {
		answer := p.script[0]
		p.script = p.script[1:]
		if answer == ExpiredToken || answer == AccessDenied {
			delete(p.deviceCodes, code)
		}
		oauthError(w, http.StatusBadRequest, answer, "scripted answer "+answer)
		return
	}
	delete(p.deviceCodes, code)
	p.issue(w, scope, p.newRefreshToken(scope))
}

func (p *Provider) newRefreshToken(scope string) string {
	rt := "rt-" + randomID()
	p.refreshTokens[rt] = grant{scope: scope}
	return rt
}

// issue answers a token response with a new access token (and rt, if any).
func (p *Provider) issue(w http.ResponseWriter, scope, rt string) {
	now := time.Now()
	claims := maps.Clone(p.claims)
	if claims == nil {
		claims = map[string]any{}
	}
	claims["jti"] = randomID()
	for k, v := range map[string]int64{"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(p.opts.AccessTTL).Unix()} {
		if _, set := claims[k]; !set {
			claims[k] = v
		}
	}
	at := JWT(claims)
	p.accessTokens[at] = issued{expires: now.Add(p.opts.AccessTTL), username: p.username(claims), scope: scope}
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int(p.opts.AccessTTL / time.Second),
		"scope":        scope,
	}
	if rt != "" {
		resp["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) username(claims map[string]any) string {
	if p.opts.Username != "" {
		return p.opts.Username
	}
	for _, k := range []string{"upn", "preferred_username", "email", "sub"} {
		if s, ok := claims[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// introspect is RFC 7662: POST token=… answers whether it is active and
// whose it is.
func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		// Dovecot's "auth" mode sends the token as a bearer header.
		token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts["introspect"]++
	t, ok := p.accessTokens[token]
	if !ok || t.revoked || time.Now().After(t.expires) {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active":     true,
		"username":   t.username,
		"scope":      t.scope,
		"client_id":  p.ClientID,
		"token_type": "Bearer",
		"exp":        t.expires.Unix(),
	})
}

// clientAuth returns the client id and secret from HTTP Basic
// authentication or the form (client_secret_basic or client_secret_post).
func clientAuth(r *http.Request) (id, secret string, hasSecret bool) {
	if u, pw, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
		return id, secret, secret != ""
	}
	secret = r.PostForm.Get("client_secret")
	id = r.PostForm.Get("client_id")
	if id == "" {
		id = r.URL.Query().Get("client_id")
	}
	return id, secret, secret != ""
}
