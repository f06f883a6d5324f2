package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// oauthRejectedRun is a test whose AUTHENTICATE the server refuses, with
// mailconn's hint for a refused token.
func oauthRejectedRun() scriptRun {
	ev := passingEvents()[:6]
	const hint = "The server rejected the OAuth 2.0 token: sign in again with mailsetup oauth2 login, and check the user name and the app's mail permission."
	ev = append(ev, mailconn.Event{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail, Title: "Authenticate",
		Detail: "NO AUTHENTICATE failed.", Hint: hint, Field: mailconn.FieldOAuth2, Elapsed: 20 * time.Millisecond})
	return scriptRun{events: ev, result: mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: mailconn.FieldOAuth2,
		Error: "AUTHENTICATE failed", Hint: hint, Elapsed: 60 * time.Millisecond}}
}

// toSPA types a new IMAP account on outlook.office365.com up to the SPA
// screen, with a password.
func toSPA(d *driver) {
	d.t.Helper()
	d.press("enter", "enter", "type:outlook.office365.com", "enter", "enter", "enter", "type:support@example.com", "enter", "enter", "type:pw", "enter")
	d.wantScreen(scrSPA)
}

func TestOAuthStateMachine(t *testing.T) {
	tests := []struct {
		name  string
		start start
		runs  []scriptRun
		setup func(f *fakeOAuth)
		drive func(t *testing.T, d *driver, f *fakeOAuth, sc *script)
	}{
		{
			name:  "OAuth 2.0 chosen on the SPA screen, set up, signed in with a device code; the test gets the token",
			setup: func(f *fakeOAuth) { f.release = make(chan struct{}) },
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				toSPA(d)
				d.wantText("Exchange Online turned off passwords for IMAP and POP in 2022: choose OAuth 2.0.", "Step 5 of 9")
				d.press("3")
				d.wantText("Step 5 of 10", "No password is stored")
				if d.m.creds.keep.value() != keepOAuth {
					t.Errorf("keep = %q, want the OAuth 2.0 choice", d.m.creds.keep.value())
				}
				d.press("enter")
				d.wantScreen(scrOAuth)
				d.wantText("Step 6 of 10", "(•) Microsoft 365", "(•) Device code", "ctrl+s sign in")
				d.press("enter", "enter", "enter", "type:app-id", "enter", "enter") // provider, flow, tenant, client ID, token file
				d.wantScreen(scrSecurity)
				d.press("enter", "enter", "enter", "enter", "enter", "enter")
				d.until("the sign-in shows the code", func() bool { return d.m.screen == scrSignIn && d.m.signIn.code != nil })
				d.wantText("OAuth 2.0 sign-in", "Sign in to Microsoft 365 for support@example.com",
					"Open this address on any device and enter the code", "https://microsoft.com/devicelogin",
					"W D J B - M J H T", "The code expires in 15:00.", "esc cancel")
				if !strings.Contains(d.m.signIn.reason, "no OAuth 2.0 sign-in is stored") {
					t.Errorf("reason = %q", d.m.signIn.reason)
				}
				if !strings.Contains(d.m.View().Content, "\x1b]8;;https://microsoft.com/devicelogin") {
					t.Error("the address is not a hyperlink")
				}
				close(f.release)
				d.until("the test passes", d.testDone)
				d.wantText("OAuth 2.0 sign-in  signed in as support@example.com", "Token file", "stored in /tmp/", "OAuth 2.0 token",
					"Connection test passed")
				c := sc.call(0)
				if c.secret != f.token || c.in.Auth != config.AuthOAuth2 || c.in.OAuth2 == nil || c.in.OAuth2.ClientID != "app-id" ||
					c.in.Password != "" || c.in.OAuth2.TokenFile != oauth.SuggestTokenFile(d.m.path) {
					t.Errorf("test ran with secret %q and %+v (oauth2 %+v)", c.secret, c.in, c.in.OAuth2)
				}
				if strings.Contains(d.text(), f.token) {
					t.Error("the screen shows the token")
				}
			},
		},
		{
			name: "no password: OAuth 2.0 on the credentials screen chooses OAuth 2.0 on the SPA screen",
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.press("enter", "enter", "type:imap.gmail.com", "enter", "enter", "enter", "type:support@example.com", "enter", "5")
				d.wantText("With OAuth 2.0 no password is stored", "shared mailbox")
				if strings.Contains(d.text(), "› Password") || d.m.creds.form.visible(2) {
					t.Error("the password field shows with OAuth 2.0")
				}
				d.press("enter")
				d.wantScreen(scrSPA)
				d.wantText("(•) OAuth 2.0 (Microsoft 365, Google)")
				d.press("enter")
				d.wantScreen(scrOAuth)
				d.wantText("(•) Google", "Client secret") // from the server name; Google's apps have a secret
				if d.m.oauthScr.form.visible(1) || d.m.oauthScr.form.visible(2) {
					t.Error("flow or tenant show for Google")
				}
				d.press("1") // the provider
				d.wantText("(•) Microsoft 365", "Tenant")
			},
		},
		{
			name:  "esc cancels the sign-in and goes back to the settings",
			start: oauthConfig(),
			setup: func(f *fakeOAuth) { f.release = make(chan struct{}) },
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.exec(d.m.goTo(scrTest, false))
				d.until("the code shows", func() bool { return d.m.signIn.code != nil })
				d.press("esc")
				select {
				case <-f.canceled:
				case <-time.After(15 * time.Second):
					t.Fatal("the sign-in's context was not cancelled")
				}
				d.wantScreen(scrOAuth)
				if sc.callCount() != 0 {
					t.Error("the test ran after a cancelled sign-in")
				}
			},
		},
		{
			name:  "an expired code shows the error; r tries again",
			start: oauthConfig(),
			setup: func(f *fakeOAuth) {
				f.loginErr = &oauth.ProviderError{Op: "sign-in", Code: "expired_token",
					Hint: "the code expired before the sign-in finished; run the sign-in again and enter the new code within its time"}
			},
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.exec(d.m.goTo(scrTest, false))
				d.until("the sign-in fails", func() bool { return d.m.signIn.err != nil })
				d.wantScreen(scrSignIn)
				d.wantText("The sign-in failed: Sign-in: the provider answered expired_token.",
					"The code expired before the sign-in finished", "r try again", "esc back to the settings")
				d.press("r")
				d.until("a second sign-in fails", func() bool { return f.loginCount() == 2 && d.m.signIn.err != nil })
				if sc.callCount() != 0 {
					t.Error("the test ran without a sign-in")
				}
			},
		},
		{
			name:  "ctrl+s on the settings signs in; enter goes on to the next step",
			start: oauthConfig(),
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.exec(d.m.goTo(scrOAuth, false))
				d.press("ctrl+s")
				d.until("signed in", func() bool { return d.m.signIn.res != nil })
				d.wantText("Signed in as support@example.com.", "The token is stored in /etc/mailsetup/oauth2-token.json",
					"refreshed automatically", "Press enter to go on.")
				d.press("enter")
				d.wantScreen(scrSecurity)
			},
		},
		{
			name:  "client credentials: no sign-in screen; a refused app shows the tenant checklist and f fixes the settings",
			start: ccConfig(),
			setup: func(f *fakeOAuth) {
				f.tokenErr = &oauth.ProviderError{Op: "client credentials", Code: "invalid_client",
					Description: "AADSTS7000215: Invalid client secret provided.",
					Hint:        "the client secret is wrong: use the secret's Value (not its Secret ID) from Certificates & secrets"}
			},
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.exec(d.m.goTo(scrTest, false))
				d.until("the test fails", d.testDone)
				d.wantText("The test failed: cannot get an OAuth 2.0 token", "The client secret is wrong",
					"The tenant admin's checklist is above.", "f fix OAuth 2.0 settings")
				ev := d.m.test.steps[0]
				if ev.Step != stepToken || ev.Status != mailconn.StatusFail ||
					!strings.Contains(ev.Detail, "Client credentials: the provider answered invalid_client (AADSTS7000215") ||
					!strings.Contains(ev.Hint, "New-ServicePrincipal -AppId app-id") {
					t.Errorf("token line = %+v", ev)
				}
				if f.loginCount() != 0 || sc.callCount() != 0 {
					t.Errorf("logins %d, tests %d: want neither", f.loginCount(), sc.callCount())
				}
				d.press("f")
				d.wantScreen(scrOAuth)
				if d.m.oauthScr.form.current() != field(d.m.oauthScr.clientID) {
					t.Error("f did not focus the client ID")
				}
			},
		},
		{
			name:  "preflight findings come before the steps; a refused token lists the usual causes; s signs in again",
			start: oauthConfig(),
			runs:  []scriptRun{oauthRejectedRun()},
			setup: func(f *fakeOAuth) {
				f.signedIn = true
				f.token = oauthtest.JWT(map[string]any{"aud": "https://graph.microsoft.com", "upn": "support@example.com",
					"scp": "Mail.Read", "exp": fixedNow.Add(time.Hour).Unix(), "iat": fixedNow.Unix()})
			},
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				d.exec(d.m.goTo(scrTest, false))
				d.until("the test fails", d.testDone)
				d.wantText("The usual causes of a refused token are listed above.", "s sign in again")
				var titles []string
				for _, ev := range d.m.test.steps {
					titles = append(titles, ev.Title+": "+ev.Detail)
				}
				got := strings.Join(titles, " | ")
				if !strings.HasPrefix(got, "OAuth 2.0 token: for support@example.com | Token audience: ") || !strings.Contains(got, "| Resolve:") {
					t.Errorf("log = %s", got)
				}
				if auth := d.m.test.steps[len(d.m.test.steps)-1]; !strings.Contains(auth.Hint, "the usual causes:\n- IMAP is turned off for the mailbox (Set-CASMailbox") {
					t.Errorf("authenticate hint = %q", auth.Hint)
				}
				if sc.call(0).secret != f.token {
					t.Error("the test did not get the token as its secret")
				}
				d.press("s")
				d.wantScreen(scrSignIn)
			},
		},
		{
			name: "the settings show config.Validate's messages beside the fields and block going on",
			drive: func(t *testing.T, d *driver, f *fakeOAuth, sc *script) {
				toSPA(d)
				d.press("3", "enter")
				d.wantScreen(scrOAuth)
				d.press("enter", "enter", "enter", "enter", "enter") // leave the client ID empty
				d.wantScreen(scrOAuth)
				d.wantText("incoming.oauth2.client_id is missing")
				d.press("type:app-id", "shift+tab", "shift+tab", "right") // the flow: client credentials
				d.press("enter", "enter", "enter", "enter", "enter")
				d.wantScreen(scrOAuth)
				d.wantText(`needs your directory's tenant ID or domain in incoming.oauth2.tenant (not "common")`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth()
			if tt.setup != nil {
				tt.setup(f)
			}
			sc := &script{runs: tt.runs}
			if sc.runs == nil {
				sc.runs = []scriptRun{passingRun()}
			}
			d := newDriver(t, tt.start, sc, f)
			if tt.start.cfg != nil {
				d.press("enter") // welcome: edit
			}
			tt.drive(t, d, f, sc)
		})
	}
}

// TestOAuthSignInWithProvider signs in against a real OAuth 2.0 provider
// on loopback (device flow: two "authorization_pending" polls, then
// tokens), driving the model through Update; the test then runs with the
// stored access token as its secret.
func TestOAuthSignInWithProvider(t *testing.T) {
	t.Parallel() // owns its servers and ports
	p := oauthtest.Start(t, oauthtest.Options{Claims: map[string]any{"upn": "support@example.com"}})
	p.ScriptDevice(oauthtest.AuthorizationPending, oauthtest.AuthorizationPending)
	tokenFile := filepath.Join(t.TempDir(), "oauth2-token.json")
	s := existing()
	in := &s.cfg.Incoming
	in.Password, in.Auth = "", config.AuthOAuth2
	in.OAuth2 = &config.OAuth2{Provider: config.ProviderCustom, ClientID: p.ClientID, DeviceAuthorizationURL: p.DeviceAuthorizationURL,
		TokenURL: p.TokenURL, Scopes: []string{"mail", "offline_access"}, TokenFile: tokenFile}
	sc := &script{runs: []scriptRun{passingRun()}}
	d := newDriver(t, s, sc, nil)
	d.m.oauth.httpClient = p.Client()
	d.press("enter")
	d.exec(d.m.goTo(scrTest, false))
	d.until("the provider's code shows", func() bool { return d.m.screen == scrSignIn && d.m.signIn.code != nil })
	d.wantText(p.URL+"/device", "W D J B - M J H T")
	d.until("the test passes", d.testDone)
	d.wantText("Connection test passed")
	if ev := d.m.test.steps[1]; ev.Title != "Token file" || ev.Detail != "stored in "+tokenFile {
		t.Errorf("second log line = %+v", ev)
	}

	data, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Token struct {
			AccessToken string `json:"access_token"`
		} `json:"token"`
	}
	if err := json.Unmarshal(data, &stored); err != nil || stored.Token.AccessToken == "" {
		t.Fatalf("token file: %v\n%s", err, data)
	}
	if got := sc.call(0).secret; got != stored.Token.AccessToken {
		t.Errorf("the test's secret is not the stored access token")
	}
	if n := p.Count("urn:ietf:params:oauth:grant-type:device_code"); n != 3 {
		t.Errorf("%d device-code polls, want 3 (two pending, then the token)", n)
	}
	if info, err := os.Stat(tokenFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode: %v %v", info, err)
	}
}
