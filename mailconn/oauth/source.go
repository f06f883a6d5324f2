package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/config"
)

// AccessToken returns a valid access token for in: with client
// credentials a new one from the provider; otherwise the stored one,
// refreshed (and the refresh stored) when it has expired. See
// NewTokenSource for the errors.
func AccessToken(ctx context.Context, in *config.Incoming, opts Options) (string, error) {
	ts, err := NewTokenSource(ctx, in, opts)
	if err != nil {
		return "", err
	}
	t, err := ts.Token()
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// NewTokenSource returns a source of valid access tokens for in, for a
// caller that needs tokens for a while (the wizard). Each Token call
// returns the current token while it is valid, else refreshes it and stores
// the new token (and a rotated refresh token) in the token file. Refreshes
// use ctx, which must outlive the source.
//
// Errors: a missing token file, a token file made for another app
// registration, provider or scope, or a refresh token the provider no
// longer accepts (invalid_grant) are a *SignInError (errors.Is
// ErrSignInRequired) naming the command to sign in again; an error answer
// of the provider is a *ProviderError. When a refreshed token cannot be
// stored, Token still returns it and opts.Warn, if set, is told why.
func NewTokenSource(ctx context.Context, in *config.Incoming, opts Options) (oauth2.TokenSource, error) {
	c, err := newClient(ctx, in, opts)
	if err != nil {
		return nil, err
	}
	if c.o.EffectiveFlow() == config.FlowClientCredentials {
		return &errorSource{op: "client credentials", src: c.clientCredentials().TokenSource(c.ctx(ctx)), secret: c.cfg.ClientSecret}, nil
	}
	command := LoginCommand(opts.ConfigPath)
	path := c.o.TokenFile
	if path == "" {
		return nil, errNoTokenFile(opts.ConfigPath)
	}
	st, err := readToken(path, command)
	if err != nil {
		return nil, err
	}
	if why := c.mismatch(st); why != "" {
		return nil, &SignInError{Reason: "the sign-in stored in " + path + " " + why, Command: command}
	}
	return &persistSource{
		base:    c.cfg.TokenSource(c.ctx(ctx), st.Token),
		st:      st,
		path:    path,
		command: command,
		warn:    opts.Warn,
		secret:  c.cfg.ClientSecret,
	}, nil
}

// mismatch says why a stored token does not fit the config, or "".
func (c *client) mismatch(st *storedToken) string {
	switch {
	case st.Provider != c.o.Provider:
		return fmt.Sprintf("is for provider %q, not %q", st.Provider, c.o.Provider)
	case st.ClientID != c.cfg.ClientID:
		return "was made for another app registration (client_id " + clean(st.ClientID, 60) + ")"
	case st.TokenURL != c.cfg.Endpoint.TokenURL:
		return "was made with another tenant or token endpoint (" + clean(st.TokenURL, 120) + ")"
	case scopeKey(st.Scopes) != scopeKey(c.cfg.Scopes):
		return "was made for other permissions (" + clean(scopeKey(st.Scopes), 200) + ")"
	}
	return ""
}

// persistSource refreshes through base and stores every new token.
type persistSource struct {
	base    oauth2.TokenSource
	path    string
	command string
	warn    func(string)
	secret  string // the client secret, hidden in the provider's errors

	mu sync.Mutex
	st *storedToken
}

func (p *persistSource) Token() (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.st.Token.Valid() && p.st.Token.RefreshToken == "" {
		return nil, &SignInError{Reason: "the stored token has expired and holds no refresh token", Command: p.command}
	}
	t, err := p.base.Token()
	if err != nil {
		return nil, refreshError(err, p.command, p.secret, p.st.Token.RefreshToken, p.st.Token.AccessToken)
	}
	if t.AccessToken == p.st.Token.AccessToken && t.RefreshToken == p.st.Token.RefreshToken {
		return t, nil
	}
	next := *p.st
	next.Token = bareToken(t)
	next.Saved = time.Now().UTC()
	if a := Account(t.AccessToken); a != "" {
		next.Account = a
	}
	if err := writeToken(p.path, &next); err != nil {
		if p.warn != nil {
			p.warn("the refreshed OAuth 2.0 token could not be stored, so the next run refreshes it again: " + err.Error())
		}
		return t, nil
	}
	p.st = &next
	return t, nil
}

// refreshError turns a failed refresh into a *SignInError when only a new
// sign-in can fix it.
func refreshError(err error, command string, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		reason := "the provider no longer accepts the stored sign-in (it was revoked, or expired after long disuse)"
		if d := describe(re.ErrorDescription, secrets...); d != "" {
			reason += ": " + d
		}
		return &SignInError{Reason: reason, Command: command}
	}
	return providerError("refresh", err, secrets...)
}

// bareToken copies the fields worth storing (not the raw response, which
// may hold an id_token).
func bareToken(t *oauth2.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
}

// errorSource gives a token source's errors their hints.
type errorSource struct {
	op     string
	src    oauth2.TokenSource
	secret string // the client secret, hidden in the provider's errors
}

func (e *errorSource) Token() (*oauth2.Token, error) {
	t, err := e.src.Token()
	if err != nil {
		return nil, providerError(e.op, err, e.secret)
	}
	return t, nil
}
