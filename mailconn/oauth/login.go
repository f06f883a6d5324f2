package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/config"
)

// LoginOptions tune Login. The zero value works for client credentials;
// the interactive flows need OnDeviceCode or OnBrowser to show the user
// what to do.
type LoginOptions struct {
	Options
	// OnDeviceCode is called once, from Login's goroutine, when the device
	// flow has a code for the user to enter (Microsoft, custom).
	OnDeviceCode func(DeviceCode)
	// OnBrowser is called once, from Login's goroutine, when the loopback
	// flow (Google) waits for the user to open a URL in a browser.
	OnBrowser func(BrowserSignIn)
	// ListenPort is the loopback port of the Google flow; 0 picks a free one.
	ListenPort int
	// Now is the clock for the new token's Preflight; nil means time.Now.
	Now func() time.Time
	// DeviceLimit bounds the device flow below MaxDeviceFlow (for tests);
	// 0, or more than MaxDeviceFlow, means MaxDeviceFlow.
	DeviceLimit time.Duration
}

// MaxDeviceFlow bounds the device flow whatever the provider says: Login
// polls until the code's expiry (expires_in) or this long, whichever comes
// first. A provider that omits expires_in, or sends zero, a negative or a
// huge value, gets this bound.
const MaxDeviceFlow = 15 * time.Minute

// CodeExpiredError is a device sign-in whose code was not used in time:
// the provider's expires_in passed, or MaxDeviceFlow did. errors.Is(err,
// ErrCodeExpired) holds.
type CodeExpiredError struct {
	After    time.Duration // how long Login waited
	Provider bool          // the provider's expires_in ended it, not MaxDeviceFlow
	Command  string        // the command that signs in again
}

func (e *CodeExpiredError) Error() string {
	limit := "within " + minutes(e.After)
	if e.Provider {
		limit += " (the provider's limit)"
	}
	return "sign-in: the sign-in code was not used " + limit + " and has expired; run " + e.Command + " again for a new code"
}

// Is makes errors.Is(err, ErrCodeExpired) true.
func (e *CodeExpiredError) Is(target error) bool { return target == ErrCodeExpired }

// minutes is d as "15 minutes", or in seconds below two minutes.
func minutes(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second).Seconds()))
	}
	return fmt.Sprintf("%d minutes", int(d.Round(time.Minute).Minutes()))
}

// DeviceCode is what the user needs to finish a device sign-in on another
// device. It holds no secret: the device code itself stays inside Login.
type DeviceCode struct {
	VerificationURI         string        // e.g. https://microsoft.com/devicelogin
	VerificationURIComplete string        // the URI with the code filled in, if the provider gives one
	UserCode                string        // e.g. "WDJB-MJHT"
	ExpiresAt               time.Time     // when the code stops working
	ExpiresIn               time.Duration // its lifetime when issued
	Interval                time.Duration // how often Login polls
}

// BrowserSignIn is what the user needs to finish a loopback sign-in.
type BrowserSignIn struct {
	URL         string // open it in a browser
	Port        int    // the loopback port the browser is sent back to
	RedirectURI string // http://127.0.0.1:PORT/
	// SSHCommand forwards Port from the admin's own machine to this one,
	// e.g. "ssh -L 8749:127.0.0.1:8749 root@203.0.113.5".
	SSHCommand string
}

// LoginResult describes a finished sign-in. It holds no token.
type LoginResult struct {
	Flow      string    // config.FlowDevice or config.FlowClientCredentials
	Account   string    // who signed in (from the token's claims), or ""
	TokenFile string    // where the token was stored; "" for client credentials (nothing is stored)
	Expiry    time.Time // the access token's expiry
	Refresh   bool      // a refresh token was stored: tests and the connector can refresh on their own
	Scopes    []string  // the scopes asked for
	Findings  []Finding // Preflight of the new access token
}

// Login signs in for in and stores the token:
//
//   - flow = "client-credentials": fetches a token to prove the app's
//     credentials work (nothing is stored; a token is fetched at each use).
//   - provider = "google": the authorization-code flow with PKCE on a
//     loopback port; OnBrowser tells the user where to go.
//   - otherwise the device authorization grant (RFC 8628); OnDeviceCode
//     tells the user the code, and Login polls until the user has signed
//     in, declined (ErrAccessDenied) or the code expired (ErrCodeExpired,
//     a *CodeExpiredError when it was not used in time: at the provider's
//     expires_in, and never later than MaxDeviceFlow).
//
// It blocks until then or until ctx is cancelled (ctx.Err() is returned).
// The token goes to incoming.oauth2.token_file, mode 0600, written
// atomically; the interactive flows refuse to start without one. Errors of the provider are a *ProviderError with a
// hint for the usual Microsoft and Google causes.
func Login(ctx context.Context, in *config.Incoming, opts LoginOptions) (*LoginResult, error) {
	c, err := newClient(ctx, in, opts.Options)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	res := &LoginResult{Flow: c.o.EffectiveFlow(), Scopes: c.cfg.Scopes}
	if res.Flow != config.FlowClientCredentials && c.o.TokenFile == "" {
		return nil, errNoTokenFile(opts.ConfigPath)
	}
	var tok *oauth2.Token
	switch {
	case res.Flow == config.FlowClientCredentials:
		tok, err = c.clientCredentials().Token(c.ctx(ctx))
		if err != nil {
			return nil, providerError("client credentials", err, c.cfg.ClientSecret)
		}
	case c.o.Provider == config.ProviderGoogle:
		tok, err = c.loopback(ctx, opts)
	default:
		tok, err = c.device(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	res.Account, res.Expiry = Account(tok.AccessToken), tok.Expiry
	res.Findings = Preflight(tok.AccessToken, in, now())
	if res.Flow == config.FlowClientCredentials {
		return res, nil
	}
	res.TokenFile = c.o.TokenFile
	res.Refresh = tok.RefreshToken != ""
	st := &storedToken{
		Version:  tokenFileVersion,
		Provider: c.o.Provider,
		ClientID: c.cfg.ClientID,
		TokenURL: c.cfg.Endpoint.TokenURL,
		Scopes:   c.cfg.Scopes,
		Account:  res.Account,
		Saved:    time.Now().UTC(),
		Token:    bareToken(tok),
	}
	if err := writeToken(res.TokenFile, st); err != nil {
		return nil, err
	}
	if !res.Refresh && opts.Warn != nil {
		opts.Warn("the provider gave no refresh token, so the sign-in lasts only until " + tok.Expiry.Format(time.RFC3339) + "; the app may need the offline_access permission")
	}
	return res, nil
}

// device runs the device authorization grant.
func (c *client) device(ctx context.Context, opts LoginOptions) (*oauth2.Token, error) {
	hctx := c.ctx(ctx)
	da, err := c.cfg.DeviceAuth(hctx)
	if err != nil {
		return nil, providerError("device authorization", err, c.cfg.ClientSecret)
	}
	if da.UserCode == "" || da.VerificationURI == "" || da.DeviceCode == "" {
		return nil, errors.New("device authorization: the provider's answer has no user code or verification URI")
	}
	// The flow ends at the code's expiry or after the limit, whichever is
	// first; a missing, zero, negative or huge expires_in gets the limit.
	limit := MaxDeviceFlow
	if opts.DeviceLimit > 0 && opts.DeviceLimit < limit {
		limit = opts.DeviceLimit
	}
	start := time.Now()
	expiry, byProvider := start.Add(limit), false
	if !da.Expiry.IsZero() && da.Expiry.After(start) && da.Expiry.Before(expiry) {
		expiry, byProvider = da.Expiry, true
	}
	da.Expiry = expiry // DeviceAccessToken stops polling then
	hctx, cancel := context.WithDeadline(hctx, expiry)
	defer cancel()
	dc := DeviceCode{
		VerificationURI:         clean(da.VerificationURI, 500),
		VerificationURIComplete: clean(da.VerificationURIComplete, 500),
		UserCode:                clean(da.UserCode, 40),
		ExpiresAt:               expiry,
		ExpiresIn:               expiry.Sub(start).Round(time.Second),
		Interval:                5 * time.Second, // RFC 8628's default
	}
	if da.Interval > 0 {
		dc.Interval = time.Duration(da.Interval) * time.Second
	}
	if opts.OnDeviceCode != nil {
		opts.OnDeviceCode(dc)
	}
	tok, err := c.cfg.DeviceAccessToken(hctx, da)
	switch {
	case err == nil:
		return tok, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &CodeExpiredError{After: expiry.Sub(start), Provider: byProvider, Command: LoginCommand(opts.ConfigPath)}
	}
	return nil, providerError("sign-in", err, c.cfg.ClientSecret)
}
