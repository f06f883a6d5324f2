package oauth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

func TestPreflight(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	valid := func(extra map[string]any) map[string]any {
		c := map[string]any{
			"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All",
			"upn": "support@contoso.com", "tid": "11111111-2222-3333-4444-555555555555",
			"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	app := func(extra map[string]any) map[string]any {
		c := valid(map[string]any{"aud": "https://outlook.office365.com", "scp": nil, "upn": nil, "roles": []string{"IMAP.AccessAsApp"}})
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name     string
		token    string
		protocol string
		flow     string
		tenant   string
		provider string
		want     []string // "check/severity/field", most certain first
		hint     string   // in the first finding's hint
	}{
		{name: "valid delegated token", token: oauthtest.JWT(valid(nil))},
		{name: "aud with trailing slash and full scope URL", token: oauthtest.JWT(valid(map[string]any{"aud": "https://outlook.office.com/", "scp": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"}))},
		{name: "exchange aud as GUID", token: oauthtest.JWT(valid(map[string]any{"aud": "00000002-0000-0ff1-ce00-000000000000"}))},
		{name: "valid app token", token: oauthtest.JWT(app(nil)), flow: config.FlowClientCredentials},
		{name: "opaque token", token: "EwBwA8l6BAAURSN/FHlDW5xN74t6GzbtsBBeBUYAAQ"},
		{name: "graph audience as GUID", token: oauthtest.JWT(valid(map[string]any{"aud": "00000003-0000-0000-c000-000000000000", "scp": "Mail.Read User.Read"})),
			want: []string{"audience/fail/oauth2", "permission/fail/oauth2"}, hint: oauth.ScopeMicrosoftIMAP},
		{name: "graph audience as URL", token: oauthtest.JWT(valid(map[string]any{"aud": "https://graph.microsoft.com"})),
			want: []string{"audience/fail/oauth2"}, hint: "wrong scope"},
		{name: "other audience", token: oauthtest.JWT(valid(map[string]any{"aud": "api://something"})),
			want: []string{"audience/warn/oauth2"}},
		{name: "IMAP scope on POP3", token: oauthtest.JWT(valid(nil)), protocol: config.ProtocolPOP3,
			want: []string{"permission/fail/oauth2"}, hint: "POP.AccessAsUser.All"},
		{name: "app token without role", token: oauthtest.JWT(app(map[string]any{"roles": []string{}})), flow: config.FlowClientCredentials,
			want: []string{"permission/fail/oauth2"}, hint: "grant admin consent"},
		{name: "app token with POP role on IMAP", token: oauthtest.JWT(app(map[string]any{"roles": []string{"POP.AccessAsApp"}})), flow: config.FlowClientCredentials,
			want: []string{"permission/fail/oauth2"}, hint: "IMAP.AccessAsApp"},
		{name: "expired", token: oauthtest.JWT(valid(map[string]any{"exp": now.Add(-time.Minute).Unix()})),
			want: []string{"expired/fail/oauth2"}, hint: "clock is ahead"},
		{name: "clock behind", token: oauthtest.JWT(valid(map[string]any{"iat": now.Add(2 * time.Hour).Unix(), "exp": now.Add(3 * time.Hour).Unix()})),
			want: []string{"clock/warn/oauth2"}, hint: "timedatectl"},
		{name: "small clock difference passes", token: oauthtest.JWT(valid(map[string]any{"iat": now.Add(2 * time.Minute).Unix()}))},
		{name: "shared mailbox", token: oauthtest.JWT(valid(map[string]any{"upn": "alice@contoso.com"})),
			want: []string{"user/note/username"}, hint: "shared mailbox"},
		{name: "user name in preferred_username", token: oauthtest.JWT(valid(map[string]any{"upn": nil, "preferred_username": "Support@Contoso.com"}))},
		{name: "user of another domain", token: oauthtest.JWT(valid(map[string]any{"upn": "alice@fabrikam.com"})),
			want: []string{"user/warn/username"}},
		{name: "wrong tenant", token: oauthtest.JWT(valid(nil)), tenant: "99999999-2222-3333-4444-555555555555",
			want: []string{"tenant/warn/oauth2"}},
		{name: "google checks only time", provider: config.ProviderGoogle, token: oauthtest.JWT(valid(map[string]any{"aud": "https://graph.microsoft.com", "exp": now.Add(-time.Hour).Unix()})),
			want: []string{"expired/fail/oauth2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &config.Incoming{Protocol: config.ProtocolIMAP, Username: "support@contoso.com", Auth: config.AuthOAuth2,
				OAuth2: &config.OAuth2{Provider: config.ProviderMicrosoft, ClientID: "c", Flow: tc.flow, Tenant: tc.tenant}}
			if tc.protocol != "" {
				in.Protocol = tc.protocol
			}
			if tc.provider != "" {
				in.OAuth2.Provider = tc.provider
			}
			got := oauth.Preflight(tc.token, in, now)
			var keys []string
			for _, f := range got {
				keys = append(keys, f.Check+"/"+string(f.Severity)+"/"+f.Field)
				if f.Message == "" || f.Hint == "" {
					t.Errorf("finding %+v lacks a message or hint", f)
				}
				if strings.Contains(f.String(), tc.token) {
					t.Errorf("finding holds the token")
				}
			}
			if strings.Join(keys, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("findings %q, want %q\n%+v", keys, tc.want, got)
			}
			if tc.hint != "" && !strings.Contains(got[0].String(), tc.hint) {
				t.Errorf("first finding %q lacks %q", got[0], tc.hint)
			}
		})
	}
}

func TestAfterFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, flow, protocol string
		want                     []string
	}{
		{config.ProviderMicrosoft, config.FlowDevice, config.ProtocolIMAP, []string{"Set-CASMailbox -Identity support@contoso.com -ImapEnabled $true", "consent", "another tenant", "Full Access"}},
		{config.ProviderMicrosoft, config.FlowDevice, config.ProtocolPOP3, []string{"-PopEnabled $true", "POP.AccessAsUser.All"}},
		{config.ProviderMicrosoft, config.FlowClientCredentials, config.ProtocolIMAP, []string{"New-ServicePrincipal -AppId app-id", "Add-MailboxPermission -Identity support@contoso.com", "IMAP.AccessAsApp"}},
		{config.ProviderGoogle, config.FlowDevice, config.ProtocolIMAP, []string{"IMAP access is turned off"}},
		{config.ProviderCustom, config.FlowDevice, config.ProtocolIMAP, []string{"user name"}},
	}
	for _, tc := range tests {
		t.Run(tc.provider+"/"+tc.flow+"/"+tc.protocol, func(t *testing.T) {
			in := &config.Incoming{Protocol: tc.protocol, Username: "support@contoso.com", Auth: config.AuthOAuth2,
				OAuth2: &config.OAuth2{Provider: tc.provider, Flow: tc.flow, ClientID: "app-id"}}
			got := oauth.AfterFailure(in)
			if !strings.HasPrefix(got, "The server refused the OAuth 2.0 token") || !strings.HasSuffix(got, ".") || strings.Contains(got, "\n") {
				t.Errorf("AfterFailure = %q, want one sentence", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("AfterFailure = %q, want %q", got, w)
				}
			}
		})
	}
	if got := oauth.AfterFailure(&config.Incoming{Auth: config.AuthPassword}); got != "" {
		t.Errorf("AfterFailure without oauth2 = %q, want empty", got)
	}
}

func TestAppChecklist(t *testing.T) {
	t.Parallel()
	in := &config.Incoming{Protocol: config.ProtocolPOP3, Username: "support@contoso.com", Auth: config.AuthOAuth2,
		OAuth2: &config.OAuth2{Provider: config.ProviderMicrosoft, Flow: config.FlowClientCredentials, ClientID: "app-id", Tenant: "contoso.onmicrosoft.com"}}
	got := strings.Join(oauth.AppChecklist(in), "\n")
	for _, w := range []string{"App registrations", "POP.AccessAsApp", "Grant admin consent", "New-ServicePrincipal -AppId app-id", "Add-MailboxPermission -Identity support@contoso.com"} {
		if !strings.Contains(got, w) {
			t.Errorf("checklist lacks %q:\n%s", w, got)
		}
	}
	in.OAuth2.Flow = config.FlowDevice
	if c := oauth.AppChecklist(in); c != nil {
		t.Errorf("checklist for the device flow: %q, want none", c)
	}
}
