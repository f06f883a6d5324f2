package tui

import (
	"context"
	"fmt"
	"io"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// lineToken is fetchToken for the line mode: without a usable sign-in it
// signs in first (printing the code), then gets the token.
func lineToken(ctx context.Context, w io.Writer, o lineOptions, in config.Incoming, report func(mailconn.Event)) (string, *mailconn.Result) {
	token, failed, signIn := fetchToken(ctx, o.oauth, o.path, in, report)
	if signIn == nil {
		return token, failed
	}
	fmt.Fprintf(w, "The test needs an OAuth 2.0 sign-in first: %s.\n", signIn.Reason)
	if err := lineSignIn(ctx, w, o.oauth, o.path, in); err != nil {
		if ctx.Err() != nil {
			return "", &mailconn.Result{Canceled: true, Error: "cancelled"}
		}
		return "", &mailconn.Result{Error: "no OAuth 2.0 sign-in", Field: mailconn.FieldOAuth2}
	}
	token, failed, signIn = fetchToken(ctx, o.oauth, o.path, in, report)
	if signIn != nil {
		return "", &mailconn.Result{Error: "no usable OAuth 2.0 sign-in", Field: mailconn.FieldOAuth2, Hint: sentence(signIn.Error())}
	}
	return token, failed
}

// lineSignIn runs oauth.Login and prints what to do as plain lines: the
// address and the code with the time left, or Google's ssh -L command and
// address; then the outcome.
func lineSignIn(ctx context.Context, w io.Writer, d oauthDeps, path string, in config.Incoming) error {
	res, err := d.login(ctx, &in, oauth.LoginOptions{
		Options: d.options(path, func(msg string) { fmt.Fprintln(w, "[warn] "+sentence(msg)) }),
		OnDeviceCode: func(dc oauth.DeviceCode) {
			left := dc.ExpiresIn
			if !dc.ExpiresAt.IsZero() {
				left = dc.ExpiresAt.Sub(d.now())
			}
			line := fmt.Sprintf("Open %s and enter the code %s", dc.VerificationURI, dc.UserCode)
			if left > 0 {
				line += " (expires in " + mmss(left) + ")"
			}
			fmt.Fprintln(w, line+".")
			fmt.Fprintln(w, "Sign in with the mailbox's account, or one with access to it, and accept. Waiting for the sign-in... (Ctrl+C cancels)")
		},
		OnBrowser: func(b oauth.BrowserSignIn) {
			fmt.Fprintln(w, "Google does not allow mail access with a device code: finish the sign-in in a browser on your own computer.")
			fmt.Fprintln(w, "On your own computer, in a new terminal, run: "+b.SSHCommand)
			fmt.Fprintln(w, "Then open this address in a browser there:")
			fmt.Fprintln(w, b.URL)
			fmt.Fprintln(w, "Waiting for the browser... (Ctrl+C cancels)")
		},
		Now: d.now,
	})
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(w, "Sign-in cancelled; nothing was stored.")
			return err
		}
		head, hint := signInFailure(err)
		fmt.Fprintln(w, "[FAIL] The sign-in failed: "+head)
		if hint != "" {
			fmt.Fprintln(w, "Hint: "+hint)
		}
		if cl := oauth.AppChecklist(&in); len(cl) > 0 {
			fmt.Fprintln(w, "For client credentials the tenant admin must have done this:")
			for i, c := range cl {
				fmt.Fprintf(w, "  %d. %s\n", i+1, c)
			}
		}
		return err
	}
	fmt.Fprintln(w, "[ok]   "+sentence(signedInText(res)))
	for _, f := range res.Findings {
		fmt.Fprintf(w, "[%s] The token: %s %s\n", f.Severity, sentence(f.Message), sentence(f.Hint))
	}
	return nil
}
