package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/shellquote"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// lineOptions configure the line mode.
type lineOptions struct {
	path     string
	in       io.Reader
	out      io.Writer
	start    start
	test     testFunc
	terminal bool
	oauth    oauthDeps // zero: package oauth's
}

// runLines is the accessible line mode: the wizard's steps as plain
// prompts, one answer per line, for pipes, TERM=dumb, serial consoles and
// screen readers. An empty answer keeps the default shown in brackets; a
// choice is answered by its number or its name; "-" clears an optional
// value. An answer that cannot be used asks again (at most 5 times); input
// that ends before the last question is an error and nothing is written.
//
// The questions, in order (those in parentheses only when their condition
// holds):
//
//  1. (a config file exists) Edit the existing settings in PATH? [Y/n]
//     — no starts from the defaults. If the file cannot be loaded the
//     error is printed and the question is "Start from the defaults? [Y/n]".
//  2. Account type: 1) IMAP4 2) POP3 — "imap" or "pop3" also work.
//  3. Server name
//  4. Port — empty: the default for the protocol and security.
//  5. (IMAP4) Mail box [INBOX]
//  6. User name
//  7. Keep the password: 1) in this config file, 2) in a password file,
//     or 3) in an environment variable, 4) from a command, 5) no password:
//     OAuth 2.0 — also "password", "file", "env", "command", "oauth".
//     5 skips 8 and 9.
//  8. Password (echo off on a terminal; "[unchanged]" keeps the current
//     one) — or, by the answer to 7: Password file, Environment variable,
//     Command.
//  9. Authentication: 1) Password, 2) Require Secure Password
//     Authentication (SPA), 3) OAuth 2.0 — "n" and "y" (the answers of the
//     former SPA yes/no question) mean 1 and 2.
//  10. (OAuth 2.0) The [incoming.oauth2] settings: provider (Microsoft 365,
//     Google, other), sign-in flow (device code or client credentials; not
//     for Google), tenant (Microsoft), device authorization URL, token URL
//     and scopes (other), client ID, client secret source and value
//     (client credentials, Google, other), token file (not for client
//     credentials); asked again while config.Validate finds a problem.
//  11. Secure connection: 1) None, 2) STARTTLS, if available,
//     then STARTTLS as 3) and SSL/TLS as 4) — also "none",
//     "starttls-if-available", "starttls", "tls".
//  12. (not None) Reject invalid certificates? [Y/n]
//  13. (not None) CA file (optional)
//  14. (not None) Pinned certificate SHA-256 (optional)
//  15. (not None) Name to verify on the certificate (optional)
//  16. Test the connection now? [Y/n] — the steps are printed as they run.
//     With OAuth 2.0 and no usable sign-in, the sign-in comes first: "Open
//     https://… and enter the code ABCD-EFGH (expires in 14:59)."; the
//     test runs once it is done.
//  17. Either "Save to PATH? [Y/n]" (test passed or skipped), or "The
//     connection test failed. Save anyway? [y/N]". No returns ErrNotSaved.
//
// For example, a new IMAPS account with a subfolder:
//
//	printf '%s\n' imap mail.example.com '' INBOX/Support support@example.com \
//	    1 "$PASSWORD" n tls y '' '' '' y y | mailsetup --accessible
func runLines(ctx context.Context, o lineOptions) error {
	p := &prompter{ctx: ctx, r: bufio.NewReader(o.in), w: o.out, in: o.in, terminal: o.terminal}
	if o.oauth.login == nil {
		o.oauth = defaultOAuthDeps()
	}
	w := o.out
	fmt.Fprintln(w, "mailsetup: set up the Mail Connector's incoming mail server.")
	fmt.Fprintf(w, "Config file: %s. Nothing is written until you save.\n\n", o.path)

	in := config.Default().Incoming
	switch s := o.start; {
	case s.cfg != nil:
		if s.permErr != nil {
			fmt.Fprintf(w, "[warn] %s. %s\n", s.permErr.Message, s.saveNote())
		}
		for _, wn := range s.warnings {
			fmt.Fprintf(w, "[warn] %s\n", wn)
		}
		edit, err := p.yesNo(fmt.Sprintf("Edit the existing settings in %s?", o.path), true)
		if err != nil {
			return err
		}
		if edit {
			in = s.cfg.Incoming
		}
	case s.loadErr != nil:
		fmt.Fprintf(w, "[FAIL] %s cannot be used: %s\n", o.path, describeLoadError(s.loadErr))
		fresh, err := p.yesNo("Start from the defaults? The file stays as it is until you save.", true)
		if err != nil {
			return err
		}
		if !fresh {
			return fmt.Errorf("config %s: %w", o.path, s.loadErr)
		}
	}
	if err := askSettings(p, &in, o.path); err != nil {
		return err
	}
	finishPort(&in)
	c := config.Config{Version: config.SchemaVersion, Incoming: in}
	if _, err := c.Validate(); err != nil {
		return fmt.Errorf("the answers make an invalid config: %w", err)
	}

	passed := true
	run, err := p.yesNo("Test the connection now?", true)
	if err != nil {
		return err
	}
	if run {
		passed = printTest(ctx, w, o, in)
		if ctx.Err() != nil {
			return ErrInterrupted
		}
	}
	var save bool
	if passed {
		save, err = p.yesNo(fmt.Sprintf("Save to %s?", o.path), true)
	} else {
		save, err = p.yesNo("The connection test failed. Save anyway?", false)
	}
	if err != nil {
		return err
	}
	if !save {
		fmt.Fprintln(w, "Nothing was saved.")
		return ErrNotSaved
	}
	if err := config.Save(o.path, &c, config.SaveOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(w, "Saved %s.\nTest it again at any time with: mailsetup test --config %s\n", o.path, shellquote.Quote(o.path))
	if !run && in.Auth == config.AuthOAuth2 && in.OAuth2.EffectiveFlow() != config.FlowClientCredentials {
		fmt.Fprintf(w, "Sign in before the connector starts: %s\n", oauth.LoginCommand(o.path))
	}
	return nil
}

// askSettings asks questions 2-15 and fills in; path is the config's, for
// the suggested token file.
func askSettings(p *prompter, in *config.Incoming, path string) error {
	var err error
	if in.Protocol, err = p.choose("Account type", accountChoices, in.Protocol, map[string]string{"imap4": "imap", "pop": "pop3"}); err != nil {
		return err
	}
	if in.Server, err = p.ask("Server name", in.Server, checkServer); err != nil {
		return err
	}
	portDef := ""
	if in.Port != 0 && in.Port != config.DefaultPort(in.Protocol, in.Security) {
		portDef = strconv.Itoa(in.Port)
	}
	hint := fmt.Sprintf("  An empty port means the default: %d with SSL/TLS, else %d.",
		config.DefaultPort(in.Protocol, config.SecurityTLS), config.DefaultPort(in.Protocol, config.SecurityStartTLS))
	if portDef != "" {
		hint += " Type - for the default."
	}
	fmt.Fprintln(p.w, hint)
	port, err := p.ask("Port", portDef, func(v string) string {
		if v == clearAnswer {
			return ""
		}
		return checkPort(v)
	})
	if err != nil {
		return err
	}
	in.Port, _ = strconv.Atoi(port) // "" and "-": 0, the default
	if in.Protocol == config.ProtocolIMAP {
		fmt.Fprintln(p.w, "  A subfolder is written with the server's separator, e.g. INBOX.Support or INBOX/Support; Office 365 takes only slashes.")
		mb, err := p.ask("Mail Box", in.EffectiveMailbox(), func(v string) string {
			if msg := checkMailbox(v); msg != "" {
				return msg
			}
			if w := office365Warning(in.Server, v); w != "" {
				fmt.Fprintln(p.w, "  [warn] "+w)
			}
			return ""
		})
		if err != nil {
			return err
		}
		in.Mailbox = mb
	} else {
		in.Mailbox = ""
	}
	if in.Username, err = p.ask("User name", in.Username, required("Type the mailbox's user name.")); err != nil {
		return err
	}
	if err := askAuth(p, in, path); err != nil {
		return err
	}
	return askSecurity(p, in)
}

// askPassword asks where the password is kept and for the password or its
// source; "no password" chooses OAuth 2.0.
func askPassword(p *prompter, in *config.Incoming) error {
	def := in.PasswordSource()
	switch {
	case in.Auth == config.AuthOAuth2:
		def = keepOAuth
	case def == "":
		def = keepInline
	}
	keep, err := p.choose("Keep the password", keepChoices, def, map[string]string{
		"inline": keepInline, "config": keepInline, "file": keepFile, "env": keepEnv, "environment": keepEnv, "command": keepCommand,
		"none": keepOAuth, "oauth": keepOAuth,
	})
	if err != nil {
		return err
	}
	if keep == keepOAuth {
		in.Auth = config.AuthOAuth2
		return nil
	}
	if in.Auth == config.AuthOAuth2 {
		in.Auth = config.AuthPassword
	}
	current := *in
	in.Password, in.PasswordFile, in.PasswordEnv, in.PasswordCommand = "", "", "", ""
	switch keep {
	case keepInline:
		pw, err := p.password(current.Password != "")
		if err != nil {
			return err
		}
		if pw == "" {
			pw = current.Password
		}
		in.Password = pw
	case keepFile:
		in.PasswordFile, err = p.ask("Password file", current.PasswordFile, checkAbsPath("Type the path of the file that holds the password."))
	case keepEnv:
		in.PasswordEnv, err = p.ask("Environment variable", current.PasswordEnv, checkEnvName)
	case keepCommand:
		in.PasswordCommand, err = p.ask("Command", current.PasswordCommand, required("Type the command that prints the password."))
	}
	return err
}

// askSecurity asks questions 11-15.
func askSecurity(p *prompter, in *config.Incoming) error {
	var modes []choice
	for _, c := range securityChoices {
		c.short = securityMeaning[c.value]
		modes = append(modes, c)
	}
	sec, err := p.choose("Secure connection", modes, in.Security, map[string]string{
		"ssl": config.SecurityTLS, "ssl/tls": config.SecurityTLS, "if-available": config.SecurityStartTLSIfAvailable,
	})
	if err != nil {
		return err
	}
	in.Security = sec
	if w := securityWarning[sec]; w != "" {
		fmt.Fprintln(p.w, "  [warn] "+w)
	}
	if sec == config.SecurityNone {
		return nil
	}
	if in.RejectInvalidCertificates, err = p.yesNo("Reject invalid certificates?", in.RejectInvalidCertificates); err != nil {
		return err
	}
	if in.CAFile, err = p.optional("CA file", in.CAFile, checkOptionalPath); err != nil {
		return err
	}
	if in.PinnedCertificateSHA256, err = p.optional("Pinned certificate SHA-256", in.PinnedCertificateSHA256, checkPin); err != nil {
		return err
	}
	in.TLSServerName, err = p.optional("Name to verify on the certificate", in.TLSServerName, checkTLSName)
	return err
}

// printTest runs the connection test and prints each finished step as it
// is reported, then the result. With OAuth 2.0 it gets the token first
// (signing in when there is no usable sign-in). It reports whether the
// test passed.
func printTest(ctx context.Context, w io.Writer, o lineOptions, in config.Incoming) bool {
	fmt.Fprintf(w, "Testing %s %s:%d (%s) as %s\n", protocolName(in.Protocol), in.Server, in.Port, securityLabel[in.Security], orDash(in.Username))
	report := func(ev mailconn.Event) { printEvent(w, ev) }
	var res mailconn.Result
	var failed *mailconn.Result
	secret, err := "", error(nil)
	if in.Auth == config.AuthOAuth2 {
		secret, failed = lineToken(ctx, w, o, in, report)
		report = withAfterFailure(in, report)
	} else {
		secret, err = in.ResolvePassword(ctx)
	}
	switch {
	case err != nil:
		res = secretResult(err)
	case failed != nil:
		res = *failed
	default:
		res = oauthResult(in, o.test(ctx, in, mailconn.Options{Secret: secret}, report))
	}
	res = safeResult(res)
	switch {
	case res.OK:
		fmt.Fprintf(w, "Connection test passed in %s.\n", fmtDuration(res.Elapsed))
	case res.Canceled || errors.Is(ctx.Err(), context.Canceled):
		fmt.Fprintln(w, "Connection test cancelled.")
	default:
		msg := "The test failed"
		if res.FailedStep != "" {
			msg += " at " + string(res.FailedStep)
		}
		if res.Error != "" {
			msg += ": " + res.Error
		}
		fmt.Fprintln(w, msg)
		if res.Hint != "" {
			fmt.Fprintln(w, "Hint: "+res.Hint)
		}
		if res.Field != "" {
			fmt.Fprintf(w, "The setting at fault: %s.\n", strings.TrimPrefix(res.Field, "incoming."))
		}
	}
	return res.OK
}

// printEvent prints a finished step and, for a warning or failure, its hint.
func printEvent(w io.Writer, ev mailconn.Event) {
	if ev.Status == mailconn.StatusRunning {
		return
	}
	ev = safeEvent(ev)
	line := fmt.Sprintf("%-6s %s", lineIcon(ev.Status), ev.Title)
	if ev.Detail != "" {
		line += ": " + ev.Detail
	}
	if ev.Elapsed > 0 {
		line += " (" + fmtDuration(ev.Elapsed) + ")"
	}
	fmt.Fprintln(w, line)
	if ev.Hint != "" && (ev.Status == mailconn.StatusWarn || ev.Status == mailconn.StatusFail) {
		fmt.Fprintln(w, "       "+ev.Hint)
	}
}

// lineIcon is the word for a status: the line mode never relies on symbols.
func lineIcon(s mailconn.Status) string {
	switch s {
	case mailconn.StatusOK:
		return "[ok]"
	case mailconn.StatusWarn:
		return "[warn]"
	case mailconn.StatusFail:
		return "[FAIL]"
	case mailconn.StatusSkipped:
		return "[skip]"
	}
	return "[..]"
}
