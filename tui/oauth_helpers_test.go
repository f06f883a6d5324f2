package tui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// fixedNow is the fake OAuth engine's clock: countdowns stay still.
var fixedNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeOAuth is a scripted OAuth 2.0 engine: Login reports a device code
// (or a browser sign-in), then waits for release (if set) or its context,
// then fails with loginErr or signs in; AccessToken returns token once
// signed in (or always, for client credentials), else a *SignInError.
type fakeOAuth struct {
	mu       sync.Mutex
	token    string
	tokenErr error // AccessToken's error, when set
	code     *oauth.DeviceCode
	browser  *oauth.BrowserSignIn
	release  chan struct{}
	loginErr error
	signedIn bool
	logins   int
	canceled chan struct{} // closed when a Login saw its context end
}

func newFakeOAuth() *fakeOAuth {
	return &fakeOAuth{
		token: "fake-access-token-1234567890",
		code: &oauth.DeviceCode{VerificationURI: "https://microsoft.com/devicelogin", UserCode: "WDJB-MJHT",
			ExpiresAt: fixedNow.Add(15 * time.Minute), ExpiresIn: 15 * time.Minute, Interval: 5 * time.Second},
		canceled: make(chan struct{}),
	}
}

func (f *fakeOAuth) deps() oauthDeps {
	return oauthDeps{login: f.login, accessToken: f.accessToken, now: func() time.Time { return fixedNow }}
}

func (f *fakeOAuth) login(ctx context.Context, in *config.Incoming, o oauth.LoginOptions) (*oauth.LoginResult, error) {
	f.mu.Lock()
	f.logins++
	code, browser, release, loginErr := f.code, f.browser, f.release, f.loginErr
	f.mu.Unlock()
	cc := in.OAuth2.EffectiveFlow() == config.FlowClientCredentials
	switch {
	case cc:
	case browser != nil:
		o.OnBrowser(*browser)
	case code != nil:
		o.OnDeviceCode(*code)
	}
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			close(f.canceled)
			return nil, ctx.Err()
		}
	}
	if loginErr != nil {
		return nil, loginErr
	}
	f.mu.Lock()
	f.signedIn = true
	f.mu.Unlock()
	if cc {
		return &oauth.LoginResult{Flow: config.FlowClientCredentials}, nil
	}
	return &oauth.LoginResult{Flow: config.FlowDevice, Account: "support@example.com", TokenFile: in.OAuth2.TokenFile, Refresh: true}, nil
}

func (f *fakeOAuth) accessToken(_ context.Context, in *config.Incoming, o oauth.Options) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.tokenErr != nil:
		return "", f.tokenErr
	case f.signedIn || in.OAuth2.EffectiveFlow() == config.FlowClientCredentials:
		return f.token, nil
	}
	return "", &oauth.SignInError{Reason: "no OAuth 2.0 sign-in is stored in " + in.OAuth2.TokenFile, Command: oauth.LoginCommand(o.ConfigPath)}
}

func (f *fakeOAuth) loginCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins
}

// oauthConfig is a loaded IMAP config that signs in to Microsoft 365 with
// the device flow.
func oauthConfig() start {
	s := existing()
	in := &s.cfg.Incoming
	in.Server, in.Password, in.Auth = "outlook.office365.com", "", config.AuthOAuth2
	in.OAuth2 = &config.OAuth2{Provider: config.ProviderMicrosoft, ClientID: "app-id", TokenFile: "/etc/mailsetup/oauth2-token.json"}
	return s
}

// ccConfig signs in with client credentials, the secret in a variable.
func ccConfig() start {
	s := oauthConfig()
	o := s.cfg.Incoming.OAuth2
	o.Flow, o.Tenant, o.ClientSecretEnv, o.TokenFile = config.FlowClientCredentials, "contoso.onmicrosoft.com", "OAUTH_SECRET", ""
	return s
}

// driver runs a Model the way Bubble Tea does, commands in goroutines,
// for screens that wait on background work (the sign-in, the test).
type driver struct {
	t    *testing.T
	m    *Model
	msgs chan tea.Msg
}

func newDriver(t *testing.T, s start, sc *script, f *fakeOAuth) *driver {
	t.Helper()
	if sc == nil {
		sc = &script{runs: []scriptRun{passingRun()}}
	}
	m := newModel(filepath.Join(t.TempDir(), "config.toml"), s, environment{}, sc.test)
	if f != nil {
		m.oauth = f.deps()
	}
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 4096)}
	t.Cleanup(m.stopRuns)
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd != nil {
		go func() { d.msgs <- cmd() }()
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil, tea.QuitMsg:
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
	default:
		_, cmd := d.m.Update(msg)
		d.exec(cmd)
	}
}

func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range text {
				_, cmd := d.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
				d.exec(cmd)
			}
			continue
		}
		_, cmd := d.m.Update(keyPress(k))
		d.exec(cmd)
	}
}

// until handles messages until cond holds; 15 s is a hang guard only.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.handle(msg)
		case <-deadline:
			d.t.Fatalf("never: %s\n%s", what, d.text())
		}
	}
}

func (d *driver) text() string { return viewText(d.m) }

func (d *driver) wantScreen(s screenID) {
	d.t.Helper()
	wantScreen(d.t, d.m, s)
}

// wantText checks that the screen shows each part (whitespace-insensitive).
func (d *driver) wantText(parts ...string) {
	d.t.Helper()
	wantText(d.t, d.m, parts...)
}

func (d *driver) testDone() bool {
	return d.m.screen == scrTest && !d.m.test.running && d.m.test.result != nil
}
