package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/internal/safetext"
	"github.com/mailsetup/mailsetup/mailconn/internal/redact"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrSignInRequired: there is no usable sign-in (no token file, or the
	// provider no longer accepts the refresh token). Wrapped by *SignInError.
	ErrSignInRequired = errors.New("oauth2: sign-in required")
	// ErrAccessDenied: the user declined the sign-in (access_denied).
	ErrAccessDenied = errors.New("oauth2: access denied")
	// ErrCodeExpired: the device code expired before the user signed in.
	ErrCodeExpired = errors.New("oauth2: the sign-in code expired")
	// ErrInvalidClient: the provider does not accept the client ID or secret.
	ErrInvalidClient = errors.New("oauth2: client not accepted")
)

// SignInError says that the admin must sign in again, and how.
type SignInError struct {
	Reason  string // what is wrong, e.g. "the stored sign-in was revoked or has expired"
	Command string // the command that signs in again
	Err     error  // the cause, if any
}

func (e *SignInError) Error() string {
	return e.Reason + "; sign in again with: " + e.Command
}

// Is makes errors.Is(err, ErrSignInRequired) true.
func (e *SignInError) Is(target error) bool { return target == ErrSignInRequired }

func (e *SignInError) Unwrap() error { return e.Err }

// ProviderError is an error answer of the authorization server (RFC 6749
// section 5.2), with a hint for the well-known causes. It carries the
// error code and the first line of its description, never the response
// body.
type ProviderError struct {
	Op          string // "device authorization", "sign-in", "refresh", "client credentials"
	Status      int    // the HTTP status, 0 if unknown
	Code        string // e.g. "invalid_client", "access_denied"
	Description string // first line of error_description, e.g. "AADSTS7000215: Invalid client secret provided."
	Hint        string // what to change; may be empty
}

func (e *ProviderError) Error() string {
	s := e.Op + ": the provider answered " + e.Code
	if e.Code == "" {
		s = fmt.Sprintf("%s: the provider answered HTTP %d", e.Op, e.Status)
	}
	if e.Description != "" {
		s += " (" + e.Description + ")"
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Is matches the sentinel errors by error code.
func (e *ProviderError) Is(target error) bool {
	switch target {
	case ErrAccessDenied:
		return e.Code == "access_denied"
	case ErrCodeExpired:
		return e.Code == "expired_token"
	case ErrInvalidClient:
		return e.Code == "invalid_client" || e.Code == "unauthorized_client"
	}
	return false
}

// providerError turns an x/oauth2 error into a *ProviderError, or wraps
// any other error with op, dropping anything that could carry a secret
// (a *url.Error keeps its URL, which holds none). secrets (the client
// secret, the refresh token) are hidden in the provider's description.
func providerError(op string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return safetext.Err(fmt.Errorf("%s: cannot reach the provider: %w", op, ue))
		}
		return safetext.Err(fmt.Errorf("%s: %w", op, err))
	}
	pe := &ProviderError{Op: op, Code: clean(re.ErrorCode, 60), Description: describe(re.ErrorDescription, secrets...)}
	if re.Response != nil {
		pe.Status = re.Response.StatusCode
	}
	pe.Hint = hintFor(pe.Code, pe.Description)
	return pe
}

// hintFor names the fix for well-known error answers of Microsoft Entra ID,
// Google and RFC 6749/8628.
func hintFor(code, desc string) string {
	for _, h := range []struct{ aadsts, hint string }{
		{"AADSTS7000218", "the app registration does not allow the device code flow: in Entra ID > App registrations > your app > Authentication, set \"Allow public client flows\" to Yes"},
		{"AADSTS700016", "no app with this client_id exists in the tenant: check incoming.oauth2.client_id (the Application (client) ID) and tenant"},
		{"AADSTS90002", "the tenant does not exist: set incoming.oauth2.tenant to your directory's tenant ID or domain"},
		{"AADSTS7000215", "the client secret is wrong: use the secret's Value (not its Secret ID) from Certificates & secrets"},
		{"AADSTS7000222", "the client secret has expired: add a new one under Certificates & secrets and update the client secret source"},
		{"AADSTS65001", "the app has no consent for the mail permission: an administrator must grant admin consent under API permissions"},
		{"AADSTS500011", "Exchange Online is not found in the tenant: check the tenant and that the organisation has Exchange Online"},
		{"AADSTS70011", "the scope is not valid for this app; check the app's API permissions"},
		{"AADSTS53003", "a Conditional Access policy blocked the sign-in; ask your Entra ID administrator"},
	} {
		if strings.Contains(desc, h.aadsts) {
			return h.hint
		}
	}
	switch code {
	case "access_denied":
		return "the sign-in was declined; run the sign-in again and accept the request"
	case "expired_token":
		return "the code expired before the sign-in finished; run the sign-in again and enter the new code within its time"
	case "invalid_client", "unauthorized_client":
		return "check incoming.oauth2.client_id and the client secret"
	case "invalid_scope":
		return "the provider does not grant the requested scope to this app"
	case "redirect_uri_mismatch":
		return "the OAuth client must be of type \"Desktop app\", which accepts any loopback redirect"
	}
	return ""
}

// describe is firstLine of a provider's description with secrets and
// their encodings hidden (before the cut, so that no part of one is left):
// a provider that echoes what it was sent must not get it onto the screen.
func describe(s string, secrets ...string) string {
	return redact.TrimCut(firstLine(redact.NewSet("", secrets...).String(s)), "…")
}

// firstLine is the first line of s, without Microsoft's trace and
// correlation ids, made safe by clean, at most 200 characters.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	return clean(strings.TrimSpace(s), 200)
}

// clean makes provider text safe to print (safetext: controls escaped,
// invalid UTF-8 as U+FFFD) and cuts it to max characters.
func clean(s string, max int) string { return safetext.Bound(s, max) }
