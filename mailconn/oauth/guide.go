package oauth

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// AfterFailure is the hint for an AUTHENTICATE the server refused with a
// token that passed Preflight: the usual causes a token cannot show, as
// one sentence.
func AfterFailure(in *config.Incoming) string {
	causes := AfterFailureCauses(in)
	if len(causes) == 0 {
		return ""
	}
	return "The server refused the OAuth 2.0 token; the usual causes: " + strings.Join(causes, "; ") + "."
}

// AfterFailureCauses lists the causes AfterFailure names, most likely first.
func AfterFailureCauses(in *config.Incoming) []string {
	if in == nil || in.OAuth2 == nil {
		return nil
	}
	user := in.Username
	if user == "" {
		user = "<mailbox>"
	}
	proto, flag := "IMAP", "-ImapEnabled"
	if in.Protocol == config.ProtocolPOP3 {
		proto, flag = "POP", "-PopEnabled"
	}
	switch in.OAuth2.Provider {
	case config.ProviderMicrosoft:
		if in.OAuth2.EffectiveFlow() == config.FlowClientCredentials {
			return []string{
				"the app's service principal is not registered in Exchange Online (New-ServicePrincipal -AppId " + orPlaceholder(in.OAuth2.ClientID, "<client_id>") + " -ObjectId <enterprise app object id>)",
				"the service principal has no permission on the mailbox (Add-MailboxPermission -Identity " + user + " -User <enterprise app object id> -AccessRights FullAccess)",
				proto + ".AccessAsApp has no admin consent (API permissions > Grant admin consent)",
				proto + " is turned off for the mailbox (Set-CASMailbox -Identity " + user + " " + flag + " $true)",
				"the tenant is not the mailbox's tenant (incoming.oauth2.tenant)",
				"a change in Exchange can take up to an hour to apply",
			}
		}
		return []string{
			proto + " is turned off for the mailbox (Set-CASMailbox -Identity " + user + " " + flag + " $true, or Exchange admin center > Mailboxes > Email apps)",
			"the app has no consent for " + proto + ".AccessAsUser.All (API permissions > Grant admin consent)",
			"the account that signed in is in another tenant than the mailbox",
			"for a shared mailbox, the account that signed in has no Full Access to " + user + " (Add-MailboxPermission -Identity " + user + " -User <signed-in user> -AccessRights FullAccess)",
			"the sign-in was revoked (sign in again with mailsetup oauth2 login)",
		}
	case config.ProviderGoogle:
		return []string{
			"the user name is not the Google account that signed in",
			"IMAP access is turned off (Google Workspace Admin console > Apps > Gmail > End User Access)",
			"the OAuth consent screen does not include the scope " + ScopeGoogleMail,
			"the sign-in was revoked (sign in again with mailsetup oauth2 login)",
		}
	}
	return []string{
		"the user name is not the one the token was issued to",
		"the token lacks the scope the mail server requires",
		"the mail server cannot reach or does not trust the authorization server",
		"the sign-in was revoked (sign in again with mailsetup oauth2 login)",
	}
}

// AppChecklist is what a Microsoft 365 tenant administrator must set up once
// for client credentials, with the config's client ID and mailbox filled in;
// nil for other providers and flows.
func AppChecklist(in *config.Incoming) []string {
	if in == nil || in.OAuth2 == nil || in.OAuth2.Provider != config.ProviderMicrosoft || in.OAuth2.EffectiveFlow() != config.FlowClientCredentials {
		return nil
	}
	perm := "IMAP.AccessAsApp"
	if in.Protocol == config.ProtocolPOP3 {
		perm = "POP.AccessAsApp"
	}
	clientID := orPlaceholder(in.OAuth2.ClientID, "<client_id>")
	user := orPlaceholder(in.Username, "<mailbox>")
	return []string{
		"Entra ID > App registrations: register an app; its Application (client) ID is client_id (" + clientID + "), its Directory (tenant) ID is tenant; under Certificates & secrets add a client secret and keep its Value",
		"API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > " + perm + "; then Grant admin consent",
		"Exchange Online PowerShell (Connect-ExchangeOnline): New-ServicePrincipal -AppId " + clientID + " -ObjectId <Object ID from Enterprise applications, not App registrations>",
		"Add-MailboxPermission -Identity " + user + " -User <the same Object ID> -AccessRights FullAccess",
		"wait up to an hour for Exchange to apply it, then run: mailsetup oauth2 login",
	}
}

// GoogleAppPassword is the guidance for signing in to Google with an app
// password instead of OAuth 2.0.
const GoogleAppPassword = `Without an OAuth client, use an app password: turn on 2-Step Verification
for the account, create an app password at https://myaccount.google.com/apppasswords,
and set auth = "password" with the 16-character app password (spaces removed)
as the password. Google Workspace admins can forbid app passwords.`

func orPlaceholder(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}
