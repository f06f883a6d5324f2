package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// toOAuth are the keys from the welcome screen of a loaded OAuth 2.0
// config (oauthConfig) to its OAuth 2.0 screen; toOAuthTest go on from
// there to the test.
var (
	toOAuth     = repeat("enter", 8)
	toOAuthTest = keys(toOAuth, repeat("enter", 5), []string{"enter"}, repeat("enter", 4))
)

// TestOAuthScreens renders the OAuth 2.0 screens in a real Bubble Tea
// program (teatest) against a fake OAuth engine whose clock stands still,
// at 80×24 unless said otherwise, and compares the final frame, without
// styles and with the spinner at its first frame, to
// testdata/TestOAuthScreens/NAME.golden. Regenerate with -update.
func TestOAuthScreens(t *testing.T) {
	newTokenWithGraphAudience := func(f *fakeOAuth) {
		f.signedIn = true
		f.token = oauthtest.JWT(map[string]any{"aud": "https://graph.microsoft.com", "upn": "support@example.com",
			"scp": "IMAP.AccessAsUser.All", "exp": fixedNow.Add(time.Hour).Unix(), "iat": fixedNow.Unix()})
	}
	tests := []struct {
		name    string
		start   start
		setup   func(f *fakeOAuth)
		ascii   bool
		size    [2]int
		keys    []string
		waitFor string
	}{
		{name: "spa_office365", keys: []string{"enter", "enter", "type:outlook.office365.com", "enter", "enter", "enter",
			"type:support@example.com", "enter", "enter", "type:pw", "enter"}},
		{name: "spa_oauth", keys: []string{"enter", "enter", "type:outlook.office365.com", "enter", "enter", "enter",
			"type:support@example.com", "enter", "5", "enter"}},
		{name: "credentials_oauth", start: oauthConfig(), keys: []string{"enter", "enter", "enter", "enter", "enter"}},
		{name: "oauth_settings", start: oauthConfig(), keys: toOAuth},
		{name: "oauth_settings_60x20", start: oauthConfig(), size: [2]int{60, 20}, keys: toOAuth},
		{name: "oauth_settings_client_credentials", start: ccConfig(), keys: keys(toOAuth, []string{"down"})},
		{name: "oauth_settings_custom", start: oauthConfig(), keys: keys(toOAuth, []string{"3", "down", "down", "down", "type:https://auth.example.com/device"})},
		{name: "oauth_settings_invalid", start: oauthConfig(), keys: keys(toOAuth, []string{"down", "right", "down", "type:common", "enter",
			"enter", "enter"})},
		{name: "devicecode", start: oauthConfig(), setup: blockLogin, keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "W D J B"},
		{name: "devicecode_60x20", start: oauthConfig(), setup: blockLogin, size: [2]int{60, 20}, keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "W D J B"},
		{name: "devicecode_ascii", start: oauthConfig(), setup: blockLogin, ascii: true, keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "W D J B"},
		{name: "devicecode_from_test", start: oauthConfig(), setup: blockLogin, keys: toOAuthTest, waitFor: "W D J B"},
		{name: "signin_google", start: oauthConfig(), setup: googleBrowser,
			keys: keys(toOAuth, []string{"2", "ctrl+s"}), waitFor: "ssh -L"},
		{name: "signin_google_60x20", start: oauthConfig(), size: [2]int{60, 20}, setup: googleBrowser,
			keys: keys(toOAuth, []string{"2", "ctrl+s"}), waitFor: "ssh -L"},
		{name: "signin_expired", start: oauthConfig(), setup: func(f *fakeOAuth) {
			f.loginErr = &oauth.ProviderError{Op: "sign-in", Code: "expired_token",
				Hint: "the code expired before the sign-in finished; run the sign-in again and enter the new code within its time"}
		}, keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "try again"},
		{name: "signin_done", start: oauthConfig(), keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "go on"},
		{name: "signin_starting_60x20", start: ccConfig(), size: [2]int{60, 20}, setup: func(f *fakeOAuth) {
			blockLogin(f)
			f.code = nil
		}, keys: keys(toOAuth, []string{"ctrl+s"}), waitFor: "Fetching"},
		{name: "test_oauth_preflight", start: oauthConfig(), setup: newTokenWithGraphAudience, keys: toOAuthTest, waitFor: "Connection test passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth()
			if tt.setup != nil {
				tt.setup(f)
			}
			sc := &script{runs: []scriptRun{passingRun()}}
			m := newModel(testPath, tt.start, environment{ascii: tt.ascii}, sc.test)
			m.oauth = f.deps()
			t.Cleanup(m.stopRuns)
			w, h := 80, 24
			if tt.size[0] != 0 {
				w, h = tt.size[0], tt.size[1]
			}
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
			send(tm, tt.keys)
			waitFor(t, tm, tt.waitFor)
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(*Model)
			fm.signIn.frame = 0
			out := ansi.Strip(fm.View().Content)
			for i, l := range strings.Split(out, "\n") {
				if ansi.StringWidth(l) > w {
					t.Errorf("line %d is wider than %d: %q", i+1, w, l)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}

// blockLogin makes the fake sign-in wait until it is cancelled.
func blockLogin(f *fakeOAuth) { f.release = make(chan struct{}) }

// googleBrowser makes the fake sign-in Google's loopback flow, waiting.
func googleBrowser(f *fakeOAuth) {
	blockLogin(f)
	f.browser = &oauth.BrowserSignIn{Port: 8749, RedirectURI: "http://127.0.0.1:8749/",
		SSHCommand: "ssh -L 8749:127.0.0.1:8749 root@203.0.113.5",
		URL: "https://accounts.google.com/o/oauth2/auth?access_type=offline&client_id=1234567890-abcdefghijklmnop.apps.googleusercontent.com" +
			"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&prompt=consent" +
			"&redirect_uri=http%3A%2F%2F127.0.0.1%3A8749%2F&response_type=code&scope=https%3A%2F%2Fmail.google.com%2F&state=0123456789abcdef"}
}
