package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// Steps the wizard adds to the test log for auth = "oauth2", before
// mailconn's own: the sign-in (when the test waited for one), the token,
// and one per Preflight finding ("oauth2_" + the finding's check).
const (
	stepSignIn mailconn.StepID = "oauth2_signin"
	stepToken  mailconn.StepID = "oauth2_token"
)

// preflightTitles name the test log's line of each Preflight check.
var preflightTitles = map[string]string{
	oauth.CheckAudience:   "Token audience",
	oauth.CheckPermission: "Token permission",
	oauth.CheckExpired:    "Token expiry",
	oauth.CheckClock:      "Clock",
	oauth.CheckUser:       "Token user",
	oauth.CheckTenant:     "Token tenant",
}

// fetchToken gets the access token the test signs in with and reports it
// as log lines: the token, then Preflight's findings (warn or fail icons;
// the test goes on, since the server decides). It returns the token; or a
// failed result; or, when there is no usable sign-in, the *SignInError
// (nothing is reported then beyond the running line).
func fetchToken(ctx context.Context, d oauthDeps, path string, in config.Incoming, report func(mailconn.Event)) (string, *mailconn.Result, *oauth.SignInError) {
	const title = "OAuth 2.0 token"
	begin := time.Now()
	report(mailconn.Event{Step: stepToken, Status: mailconn.StatusRunning, Title: title})
	var warns []string
	token, err := d.accessToken(ctx, &in, d.options(path, func(msg string) { warns = append(warns, msg) }))
	elapsed := time.Since(begin)
	var se *oauth.SignInError
	switch {
	case errors.As(err, &se):
		return "", nil, se
	case err != nil:
		ev, res := tokenFailure(in, err)
		ev.Elapsed, res.Elapsed = elapsed, elapsed
		report(ev)
		return "", &res, nil
	}
	detail := "issued to the app"
	if in.OAuth2 != nil && in.OAuth2.EffectiveFlow() != config.FlowClientCredentials {
		detail = "from " + in.OAuth2.TokenFile
	}
	if a := oauth.Account(token); a != "" {
		detail = "for " + a
	}
	report(mailconn.Event{Step: stepToken, Status: mailconn.StatusOK, Title: title, Detail: detail, Elapsed: elapsed})
	for _, w := range warns {
		report(mailconn.Event{Step: "oauth2_store", Status: mailconn.StatusWarn, Title: "Token file", Detail: sentence(w)})
	}
	for _, f := range oauth.Preflight(token, &in, d.now()) {
		status := mailconn.StatusWarn
		if f.Severity == oauth.SeverityFail {
			status = mailconn.StatusFail
		}
		title := preflightTitles[f.Check]
		if title == "" {
			title = "Token " + f.Check
		}
		report(mailconn.Event{Step: mailconn.StepID("oauth2_" + f.Check), Status: status, Title: title,
			Detail: sentence(f.Message), Hint: sentence(f.Hint), Field: f.Field})
	}
	return token, nil, nil
}

// tokenFailure is the log line and the failed result of a token that
// could not be had. For client credentials the line's hint lists what the
// tenant admin must have set up (the log scrolls; the result does not).
func tokenFailure(in config.Incoming, err error) (mailconn.Event, mailconn.Result) {
	ev := mailconn.Event{Step: stepToken, Status: mailconn.StatusFail, Title: "OAuth 2.0 token", Field: mailconn.FieldOAuth2}
	r := mailconn.Result{Error: "cannot get an OAuth 2.0 token", Field: mailconn.FieldOAuth2}
	var pe *oauth.ProviderError
	var se *config.SecretError
	switch {
	case errors.As(err, &se):
		r.Error, r.Field = "cannot read the client secret", strings.TrimPrefix(se.Key, "incoming.")
		ev.Detail, ev.Field = sentence(err.Error()), r.Field
	case errors.As(err, &pe):
		ev.Detail, r.Hint = signInFailure(pe)
	default:
		ev.Detail = sentence(err.Error())
	}
	ev.Hint = r.Hint
	if cl := oauth.AppChecklist(&in); len(cl) > 0 {
		ev.Hint = strings.TrimSpace(ev.Hint + "\nFor client credentials the tenant admin must have done this:" + numbered(cl))
		r.Hint = strings.TrimSpace(r.Hint + " The tenant admin's checklist is above.")
	}
	return ev, r
}

// numbered is items as lines "1. …".
func numbered(items []string) string {
	var b strings.Builder
	for i, c := range items {
		fmt.Fprintf(&b, "\n%d. %s", i+1, c)
	}
	return b.String()
}

// withAfterFailure adds the usual causes of a refused token
// (oauth.AfterFailure, as a list) to the hint of a refused AUTHENTICATE
// in the test log; oauthResult points the result's hint to them.
func withAfterFailure(in config.Incoming, report func(mailconn.Event)) func(mailconn.Event) {
	return func(ev mailconn.Event) {
		if causes := oauth.AfterFailureCauses(&in); ev.Step == mailconn.StepAuthenticate && ev.Status == mailconn.StatusFail && len(causes) > 0 {
			ev.Hint = strings.TrimSpace(ev.Hint + "\nThe server refused the OAuth 2.0 token; the usual causes:" + bulleted(causes))
		}
		report(ev)
	}
}

// oauthResult is res with a pointer to the usual causes of a refused
// token in the hint of a refused AUTHENTICATE; other results are returned
// unchanged.
func oauthResult(in config.Incoming, res mailconn.Result) mailconn.Result {
	if in.Auth == config.AuthOAuth2 && !res.OK && res.FailedStep == mailconn.StepAuthenticate && len(oauth.AfterFailureCauses(&in)) > 0 {
		res.Hint = strings.TrimSpace(res.Hint + " The usual causes of a refused token are listed above.")
	}
	return res
}

// bulleted is items as lines "- …".
func bulleted(items []string) string {
	var b strings.Builder
	for _, c := range items {
		b.WriteString("\n- " + c)
	}
	return b.String()
}
