package oauth

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// Severity says how sure a Finding is that the server will refuse.
type Severity string

// Severities of a Finding.
const (
	SeverityFail Severity = "fail" // the server will refuse this token
	SeverityWarn Severity = "warn" // likely wrong, or a risk
	SeverityNote Severity = "note" // right in some setups (a shared mailbox)
)

// Checks a Finding can come from.
const (
	CheckAudience   = "audience"   // the token is for another API (Graph)
	CheckPermission = "permission" // scp or roles lack the IMAP/POP permission
	CheckExpired    = "expired"    // exp has passed
	CheckClock      = "clock"      // this machine's clock disagrees with the issuer's
	CheckUser       = "user"       // the token's user is not the config's user name
	CheckTenant     = "tenant"     // the token comes from another tenant than configured
)

// clockTolerance is the clock difference Preflight lets pass.
const clockTolerance = 5 * time.Minute

// Finding is one thing Preflight saw in a token that explains (or may
// explain) a refused AUTHENTICATE. It holds no part of the token.
type Finding struct {
	Check    string   `json:"check"`    // one of the Check constants
	Severity Severity `json:"severity"` //
	Field    string   `json:"field"`    // the config key at fault: "oauth2" or "username" (mailconn's Field values)
	Message  string   `json:"message"`  // what the token shows
	Hint     string   `json:"hint"`     // what to change
}

func (f Finding) String() string { return f.Message + "; " + f.Hint }

// Audiences of Microsoft access tokens.
var (
	exchangeAudiences = []string{"https://outlook.office.com", "https://outlook.office365.com", "00000002-0000-0ff1-ce00-000000000000"}
	graphAudiences    = []string{"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"}
)

// Preflight reads an access token before it is sent and returns what in
// it will make the server refuse it, most certain first. It checks every
// JWT's exp and iat against now; for provider = "microsoft" also the
// audience (Exchange Online, not Graph), the IMAP or POP permission in scp
// (delegated) or roles (client credentials), the tenant, and whether the
// token's user is the config's user name (a note only: a shared mailbox
// signs in with another user's token). An opaque token (Google, personal
// Microsoft accounts) gives no findings.
func Preflight(token string, in *config.Incoming, now time.Time) []Finding {
	if in == nil || in.OAuth2 == nil {
		return nil
	}
	c, ok := ParseClaims(token)
	if !ok {
		return nil
	}
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	if in.OAuth2.Provider == config.ProviderMicrosoft {
		microsoftChecks(c, in, add)
	}
	timeChecks(c, now, add)
	slices.SortStableFunc(out, func(a, b Finding) int { return rank(a.Severity) - rank(b.Severity) })
	return out
}

func rank(s Severity) int {
	switch s {
	case SeverityFail:
		return 0
	case SeverityWarn:
		return 1
	}
	return 2
}

func timeChecks(c Claims, now time.Time, add func(Finding)) {
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		add(Finding{Check: CheckExpired, Severity: SeverityFail, Field: "oauth2",
			Message: fmt.Sprintf("the access token expired at %s (this machine's clock says %s)", utc(c.Expires), utc(now)),
			Hint:    "if it was just issued, this machine's clock is ahead: turn on time sync (timedatectl set-ntp true); else run the test again to refresh it"})
	}
	issued := c.IssuedAt
	if issued.IsZero() {
		issued = c.NotBefore
	}
	if !issued.IsZero() && issued.Sub(now) > clockTolerance {
		add(Finding{Check: CheckClock, Severity: SeverityWarn, Field: "oauth2",
			Message: fmt.Sprintf("the token was issued at %s, %s later than this machine's clock says it is", utc(issued), issued.Sub(now).Round(time.Minute)),
			Hint:    "this machine's clock is behind, so expired tokens will be sent as if valid: turn on time sync (timedatectl set-ntp true)"})
	}
}

func microsoftChecks(c Claims, in *config.Incoming, add func(Finding)) {
	command := "sign in again with mailsetup oauth2 login"
	pop := in.Protocol == config.ProtocolPOP3
	appOnly := len(c.Roles) > 0 || (len(c.Scopes) == 0 && c.account() == "")
	if len(c.Audience) > 0 && !anyFold(c.Audience, exchangeAudiences) {
		f := Finding{Check: CheckAudience, Severity: SeverityWarn, Field: "oauth2",
			Message: "the token is for " + strings.Join(c.Audience, ", ") + ", not for Exchange Online (https://outlook.office.com)",
			Hint:    "the sign-in asked for the wrong scope; ask for " + wantScope(in, appOnly) + ", then " + command}
		if anyFold(c.Audience, graphAudiences) {
			f.Severity = SeverityFail
			f.Message = "the token is for Microsoft Graph (aud " + strings.Join(c.Audience, ", ") + "), which Exchange Online refuses for IMAP and POP"
		}
		add(f)
	}
	switch {
	case appOnly:
		want := "IMAP.AccessAsApp"
		if pop {
			want = "POP.AccessAsApp"
		}
		if !hasPermission(c.Roles, want) {
			have := "no application permission (roles is empty)"
			if len(c.Roles) > 0 {
				have = "roles " + strings.Join(c.Roles, " ")
			}
			add(Finding{Check: CheckPermission, Severity: SeverityFail, Field: "oauth2",
				Message: "the app's token carries " + have + ", not " + want,
				Hint:    "in Entra ID > App registrations > your app > API permissions, add Office 365 Exchange Online > Application permissions > " + want + " and grant admin consent"})
		}
	default:
		want := "IMAP.AccessAsUser.All"
		if pop {
			want = "POP.AccessAsUser.All"
		}
		if len(c.Scopes) > 0 && !hasPermission(c.Scopes, want) {
			add(Finding{Check: CheckPermission, Severity: SeverityFail, Field: "oauth2",
				Message: "the token grants " + strings.Join(c.Scopes, " ") + " but not " + want,
				Hint:    "add the delegated permission Office 365 Exchange Online > " + want + " to the app registration, grant consent, then " + command})
		}
		userCheck(c, in, add)
	}
	if t := strings.ToLower(in.OAuth2.Tenant); isGUID(t) && c.TenantID != "" && !strings.EqualFold(c.TenantID, t) {
		add(Finding{Check: CheckTenant, Severity: SeverityWarn, Field: "oauth2",
			Message: "the token comes from tenant " + c.TenantID + ", not the configured tenant " + in.OAuth2.Tenant,
			Hint:    "set incoming.oauth2.tenant to the mailbox's tenant and " + command})
	}
}

// userCheck compares the token's user with the config's user name.
func userCheck(c Claims, in *config.Incoming, add func(Finding)) {
	names := c.names()
	if len(names) == 0 || in.Username == "" {
		return
	}
	for _, n := range names {
		if strings.EqualFold(n, in.Username) {
			return
		}
	}
	who := c.account()
	f := Finding{Check: CheckUser, Severity: SeverityNote, Field: "username",
		Message: "the token is " + who + "'s and the user name is " + in.Username,
		Hint:    "right for a shared mailbox " + who + " has Full Access to; otherwise set username = \"" + who + "\" or sign in as " + in.Username}
	if domain(who) != domain(in.Username) {
		f.Severity = SeverityWarn
	}
	add(f)
}

func wantScope(in *config.Incoming, appOnly bool) string {
	if appOnly {
		return ScopeMicrosoftApp
	}
	if in.Protocol == config.ProtocolPOP3 {
		return ScopeMicrosoftPOP
	}
	return ScopeMicrosoftIMAP
}

// hasPermission reports whether perms holds want, with or without the
// resource prefix ("https://outlook.office.com/IMAP.AccessAsUser.All").
func hasPermission(perms []string, want string) bool {
	for _, p := range perms {
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			p = p[i+1:]
		}
		if strings.EqualFold(p, want) {
			return true
		}
	}
	return false
}

// anyFold reports whether any of have (trailing slash ignored) is in want.
func anyFold(have, want []string) bool {
	for _, h := range have {
		h = strings.TrimSuffix(h, "/")
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

func domain(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(addr), "@")
	return d
}

// isGUID reports whether s looks like 8-4-4-4-12 hex digits.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdef", r):
			return false
		}
	}
	return true
}
