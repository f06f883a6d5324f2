package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// The line mode's answers besides the numbers and names of the choices.
var (
	authAliases = map[string]string{
		"n": config.AuthPassword, "no": config.AuthPassword, // the answers to the old SPA yes/no question
		"y": config.AuthSPA, "yes": config.AuthSPA,
		"oauth": config.AuthOAuth2, "oauth 2.0": config.AuthOAuth2,
	}
	providerAliases = map[string]string{
		"microsoft 365": config.ProviderMicrosoft, "m365": config.ProviderMicrosoft, "office365": config.ProviderMicrosoft,
		"gmail": config.ProviderGoogle, "other": config.ProviderCustom,
	}
	flowAliases = map[string]string{
		"device code": config.FlowDevice, "client credentials": config.FlowClientCredentials, "app": config.FlowClientCredentials,
	}
	secretAliases = map[string]string{
		"file": "client_secret_file", "env": "client_secret_env", "variable": "client_secret_env",
		"command": "client_secret_command", "in the config": "client_secret",
	}
)

// askAuth asks where the password is kept (5: no password, OAuth 2.0),
// the password or its source, and how to sign in (password, SPA, OAuth
// 2.0); with OAuth 2.0 the [incoming.oauth2] settings.
func askAuth(p *prompter, in *config.Incoming, path string) error {
	if n := oauthServerNote(in.Server); n != "" {
		fmt.Fprintln(p.w, "  [warn] "+n)
	}
	if err := askPassword(p, in); err != nil {
		return err
	}
	if in.Auth != config.AuthOAuth2 {
		auth, err := p.choose("Authentication", authChoices, in.Auth, authAliases)
		if err != nil {
			return err
		}
		in.Auth = auth
	}
	if in.Auth != config.AuthOAuth2 {
		in.OAuth2 = nil
		return nil
	}
	in.Password, in.PasswordFile, in.PasswordEnv, in.PasswordCommand = "", "", "", ""
	fmt.Fprintln(p.w, "  With OAuth 2.0 no password is stored. For a shared mailbox the user name is the shared address; "+
		"the token is that of the user who signs in.")
	return askOAuth(p, in, path)
}

// askOAuth asks the [incoming.oauth2] settings, and asks them again (the
// answers as defaults) while config.Validate finds a problem in them.
func askOAuth(p *prompter, in *config.Incoming, path string) error {
	base := in.OAuth2
	o := base
	if o == nil {
		o = &config.OAuth2{Provider: suggestProvider(in.Server)}
	}
	for range maxAttempts {
		v, err := askOAuthValues(p, o, path)
		if err != nil {
			return err
		}
		next := *in
		next.OAuth2 = buildOAuth2(base, v)
		probs := oauthProblems(next)
		if len(probs) == 0 {
			in.OAuth2 = next.OAuth2
			return nil
		}
		for _, pr := range probs {
			fmt.Fprintln(p.w, "  "+pr)
		}
		fmt.Fprintln(p.w, "  The OAuth 2.0 settings again:")
		o = next.OAuth2
	}
	return fmt.Errorf("no usable OAuth 2.0 settings after %d tries", maxAttempts)
}

// oauthProblems are config.Validate's messages about [incoming.oauth2].
func oauthProblems(in config.Incoming) []string {
	c := config.Config{Version: config.SchemaVersion, Incoming: in}
	_, err := c.Validate()
	var out []string
	for _, e := range flattenErrors(err) {
		var ve *config.ValidationError
		if errors.As(e, &ve) && strings.HasPrefix(ve.Key, "incoming.oauth2") {
			out = append(out, ve.Message)
		}
	}
	return out
}

// askOAuthValues asks each setting once, o's values as defaults.
func askOAuthValues(p *prompter, o *config.OAuth2, path string) (oauthValues, error) {
	var v oauthValues
	var err error
	def := o.Provider
	if def == "" {
		def = config.ProviderMicrosoft
	}
	if v.provider, err = p.choose("OAuth 2.0 provider", providerChoices, def, providerAliases); err != nil {
		return v, err
	}
	v.flow = config.FlowDevice
	if v.provider != config.ProviderGoogle {
		if v.flow, err = p.choose("Sign-in flow", flowChoices, o.EffectiveFlow(), flowAliases); err != nil {
			return v, err
		}
	}
	cc := v.flow == config.FlowClientCredentials
	switch v.provider {
	case config.ProviderMicrosoft:
		if v.tenant, err = p.ask("Tenant (directory ID or domain; common: any)", o.EffectiveTenant(), nil); err != nil {
			return v, err
		}
		if v.tenant == "common" && o.Tenant == "" {
			v.tenant = "" // the default, as the file had it
		}
	case config.ProviderCustom:
		if !cc {
			if v.deviceURL, err = p.ask("Device authorization URL", o.DeviceAuthorizationURL, required("Type the device authorization endpoint.")); err != nil {
				return v, err
			}
		}
		if v.tokenURL, err = p.ask("Token URL", o.TokenURL, required("Type the token endpoint.")); err != nil {
			return v, err
		}
		scopes, err := p.ask("Scopes (separated by spaces)", strings.Join(o.Scopes, " "), required("Type the scopes the mail server needs."))
		if err != nil {
			return v, err
		}
		v.scopes = strings.Fields(scopes)
	}
	if v.clientID, err = p.ask("Client ID", o.ClientID, required("Type the app's Application (client) ID.")); err != nil {
		return v, err
	}
	v.secretKey = secretNone
	if cc || v.provider != config.ProviderMicrosoft || o.ClientSecretSource() != "" {
		if v.secretKey, v.secret, err = askClientSecret(p, o); err != nil {
			return v, err
		}
	}
	if !cc {
		tf := o.TokenFile
		if tf == "" {
			tf = oauth.SuggestTokenFile(path)
		}
		if v.tokenFile, err = p.ask("Token file", tf, checkAbsPath("Type where the sign-in is kept.")); err != nil {
			return v, err
		}
	}
	return v, nil
}

// askClientSecret asks where the client secret is kept and its source.
func askClientSecret(p *prompter, o *config.OAuth2) (key, value string, err error) {
	key, err = p.choose("Client secret", secretChoices, secretSource(o), secretAliases)
	if err != nil {
		return "", "", err
	}
	switch key {
	case "client_secret_file":
		value, err = p.ask("Client secret file", o.ClientSecretFile, checkAbsPath("Type the path of the file that holds the client secret."))
	case "client_secret_env":
		value, err = p.ask("Environment variable", o.ClientSecretEnv, checkEnvName)
	case "client_secret_command":
		value, err = p.ask("Command", o.ClientSecretCommand, required("Type the command that prints the client secret."))
	case "client_secret":
		value, err = p.secret("Client secret", "Type the client secret (its Value, not its ID).", o.ClientSecret != "")
		if value == "" {
			value = o.ClientSecret
		}
	}
	return key, value, err
}

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
