package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/mailsetup/mailsetup/config"
	mailoauth "github.com/mailsetup/mailsetup/mailconn/oauth"
)

type oauth2LoginFlags struct {
	json bool
	port int
}

func newOAuth2Cmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "oauth2",
		Short: "OAuth 2.0 sign-in for auth = \"oauth2\" (Microsoft 365, Google)",
		Args:  cobra.NoArgs,
	}
	var f oauth2LoginFlags
	login := &cobra.Command{
		Use:   "login",
		Short: "Sign in for auth = \"oauth2\" with no browser on this machine; stores the token",
		Long: `Sign in for the OAuth 2.0 settings of the config ([incoming.oauth2]) and store
the token in token_file (mode 0600). No browser is needed on this machine:

  Microsoft 365 (flow = "device"): open the printed address on any device and
  enter the printed code. flow = "client-credentials": fetches a token with the
  app's secret to prove it works, and lists what the tenant admin must set up.
  Google: finish the sign-in in a browser on your own computer through the
  printed "ssh -L" port forward.

The token is refreshed automatically by mailsetup test and the connector.

Exit status: 0 signed in, 1 the sign-in failed or was declined, 2 the config
is missing or invalid, 130 interrupted.`,
		Example: `  mailsetup oauth2 login
  mailsetup oauth2 login --json      # {"type":"device_code",…} then {"type":"result",…}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, path, err := loadConfig(g, stderr)
			if err != nil {
				return err
			}
			return runOAuth2Login(cmd.Context(), &c.Incoming, path, f, stdout, stderr)
		},
	}
	login.Flags().BoolVar(&f.json, "json", false, "print JSON lines: the code to enter, then the result")
	login.Flags().IntVar(&f.port, "port", 0, "loopback `PORT` for Google's browser sign-in (default: a free one)")
	cmd.AddCommand(login)
	return cmd
}

// runOAuth2Login signs in and reports it as text or JSON lines.
func runOAuth2Login(ctx context.Context, in *config.Incoming, path string, f oauth2LoginFlags, stdout, stderr io.Writer) error {
	if in.Auth != config.AuthOAuth2 || in.OAuth2 == nil {
		return usageErrf("%s has auth = %q; set auth = \"oauth2\" and an [incoming.oauth2] table to sign in with OAuth 2.0", path, in.Auth)
	}
	o := in.OAuth2
	if o.EffectiveFlow() != config.FlowClientCredentials && o.TokenFile == "" {
		return usageErrf("incoming.oauth2.token_file is not set in %s; add token_file = %q to [incoming.oauth2] (the connector reads the sign-in from there)", path, mailoauth.SuggestTokenFile(path))
	}
	if f.port < 0 || f.port > 65535 {
		return usageErrf("--port %d is not a port; use 1-65535, or 0 for a free one", f.port)
	}
	p := newLoginPrinter(stdout, f.json)
	p.intro(in)
	res, err := mailoauth.Login(ctx, in, mailoauth.LoginOptions{
		Options: mailoauth.Options{
			ConfigPath: path,
			Warn:       func(msg string) { _, _ = fmt.Fprintf(stderr, "mailsetup: warning: %s\n", msg) },
		},
		OnDeviceCode: p.deviceCode,
		OnBrowser:    p.browser,
		ListenPort:   f.port,
	})
	var se *config.SecretError
	switch {
	case err == nil:
		p.success(in, res, path)
		return nil
	case ctx.Err() != nil:
		p.canceled()
		return &exitError{code: exitInterrupted}
	case errors.As(err, &se):
		return usageErr(err)
	}
	p.failure(in, err)
	return &exitError{code: exitTestFailed}
}

// loginPrinter renders the sign-in for a person or a script.
type loginPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	ti   termInfo
	bold lipgloss.Style
}

func newLoginPrinter(w io.Writer, asJSON bool) *loginPrinter {
	ti := detectTerm(w, os.Environ())
	p := &loginPrinter{w: w, json: asJSON, ti: ti}
	if ti.color && !asJSON {
		p.w = colorprofile.NewWriter(w, os.Environ())
		p.bold = lipgloss.NewStyle().Bold(true)
	}
	return p
}

func (p *loginPrinter) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = fmt.Fprintf(p.w, format, args...)
}

func (p *loginPrinter) writeJSON(v any) {
	b, _ := json.Marshal(v)
	p.printf("%s\n", b)
}

func (p *loginPrinter) icon(ok bool) string {
	switch {
	case p.ti.utf8 && ok:
		return "✓"
	case p.ti.utf8:
		return "✗"
	case ok:
		return "[ok]"
	}
	return "[FAIL]"
}

// intro says what is about to happen (text only).
func (p *loginPrinter) intro(in *config.Incoming) {
	if p.json {
		return
	}
	o := in.OAuth2
	switch {
	case o.EffectiveFlow() == config.FlowClientCredentials:
		p.printf("Fetching a token for the app %s with its client secret…\n", o.ClientID)
	case o.Provider == config.ProviderGoogle:
		p.printf("Sign in to Google for %s.\nGoogle does not allow mail access with a device code, so the sign-in finishes\nin a browser on your own computer, through an SSH port forward.\n", in.Username)
	default:
		p.printf("Sign in for %s.\n", in.Username)
	}
}

// deviceCode shows the address and the code, large enough to read over SSH.
func (p *loginPrinter) deviceCode(dc mailoauth.DeviceCode) {
	secs := int64(dc.ExpiresIn / time.Second)
	if p.json {
		p.writeJSON(struct {
			Type                    string `json:"type"`
			VerificationURI         string `json:"verification_uri"`
			VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
			UserCode                string `json:"user_code"`
			ExpiresIn               int64  `json:"expires_in"`
		}{"device_code", dc.VerificationURI, dc.VerificationURIComplete, dc.UserCode, secs})
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n  1. On any device (phone, laptop), open:  %s\n", p.bold.Render(dc.VerificationURI))
	fmt.Fprintf(&b, "  2. Enter this code:\n\n")
	for _, line := range codeBox(dc.UserCode, p.ti.utf8) {
		fmt.Fprintf(&b, "       %s\n", p.bold.Render(line))
	}
	b.WriteString("\n  3. Sign in with the mailbox's account (or one with access to it) and accept.\n\n")
	if dc.ExpiresIn > 0 {
		fmt.Fprintf(&b, "The code works for %s. ", roundMinutes(dc.ExpiresIn))
	}
	b.WriteString("Waiting for the sign-in… (Ctrl+C cancels)\n")
	p.printf("%s", b.String())
}

// codeBox frames the user code with padding: box drawing on UTF-8, else ASCII.
func codeBox(code string, utf8 bool) []string {
	inner := "   " + code + "   "
	n := len([]rune(inner))
	if utf8 {
		return []string{"╭" + strings.Repeat("─", n) + "╮", "│" + inner + "│", "╰" + strings.Repeat("─", n) + "╯"}
	}
	return []string{"+" + strings.Repeat("-", n) + "+", "|" + inner + "|", "+" + strings.Repeat("-", n) + "+"}
}

func roundMinutes(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
	return fmt.Sprintf("%d minutes", int(d.Round(time.Minute).Minutes()))
}

// browser shows the Google loopback sign-in.
func (p *loginPrinter) browser(b mailoauth.BrowserSignIn) {
	if p.json {
		p.writeJSON(struct {
			Type        string `json:"type"`
			URL         string `json:"url"`
			Port        int    `json:"port"`
			SSHCommand  string `json:"ssh_command"`
			RedirectURI string `json:"redirect_uri"`
		}{"browser", b.URL, b.Port, b.SSHCommand, b.RedirectURI})
		return
	}
	p.printf("\n  1. On your own computer, in a new terminal, forward the port:\n\n       %s\n\n"+
		"  2. In a browser on that computer, open:\n\n       %s\n\n"+
		"  3. Sign in and allow access. The browser is sent back to %s,\n"+
		"     which reaches this machine through the forward, and this command finishes.\n\n"+
		"Waiting for the browser… (Ctrl+C cancels)\n\n%s\n\n",
		p.bold.Render(b.SSHCommand), b.URL, b.RedirectURI, mailoauth.GoogleAppPassword)
}

// jsonLoginResult is the last line of --json.
type jsonLoginResult struct {
	Type      string              `json:"type"`
	OK        bool                `json:"ok"`
	Account   string              `json:"account,omitempty"`
	TokenFile string              `json:"token_file,omitempty"`
	ExpiresAt string              `json:"expires_at,omitempty"`
	Refresh   bool                `json:"refresh,omitempty"`
	Findings  []mailoauth.Finding `json:"findings,omitempty"`
	Checklist []string            `json:"checklist,omitempty"`
	Error     string              `json:"error,omitempty"`
	Hint      string              `json:"hint,omitempty"`
	Canceled  bool                `json:"canceled,omitempty"`
}

func (p *loginPrinter) success(in *config.Incoming, res *mailoauth.LoginResult, path string) {
	checklist := mailoauth.AppChecklist(in)
	if p.json {
		r := jsonLoginResult{Type: "result", OK: true, Account: res.Account, TokenFile: res.TokenFile,
			Refresh: res.Refresh, Findings: res.Findings, Checklist: checklist}
		if !res.Expiry.IsZero() {
			r.ExpiresAt = res.Expiry.UTC().Format(time.RFC3339)
		}
		p.writeJSON(r)
		return
	}
	var b strings.Builder
	switch {
	case res.TokenFile == "":
		fmt.Fprintf(&b, "\n%s The app's credentials work: the provider issued a token.\n", p.icon(true))
	case res.Account != "":
		fmt.Fprintf(&b, "\n%s Signed in as %s. The token is stored in %s.\n", p.icon(true), res.Account, res.TokenFile)
	default:
		fmt.Fprintf(&b, "\n%s Signed in. The token is stored in %s.\n", p.icon(true), res.TokenFile)
	}
	if res.Refresh {
		b.WriteString("  It is refreshed automatically; sign in again only if it is revoked.\n")
	}
	writeFindings(&b, res.Findings, p.ti.utf8)
	if len(checklist) > 0 {
		b.WriteString("\nExchange Online must also know the app. If the test fails at authenticate, check\nthat the tenant admin has done this:\n")
		writeChecklist(&b, checklist)
	}
	fmt.Fprintf(&b, "\nNext: mailsetup test --config %s\n", path)
	p.printf("%s", b.String())
}

func (p *loginPrinter) failure(in *config.Incoming, err error) {
	hint := ""
	var pe *mailoauth.ProviderError
	if errors.As(err, &pe) {
		hint = pe.Hint
	}
	checklist := mailoauth.AppChecklist(in)
	if p.json {
		p.writeJSON(jsonLoginResult{Type: "result", OK: false, Error: err.Error(), Hint: hint, Checklist: checklist})
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s The sign-in failed: %s.\n", p.icon(false), strings.TrimSuffix(err.Error(), "."))
	if len(checklist) > 0 {
		b.WriteString("\nFor client credentials the tenant admin must have done this:\n")
		writeChecklist(&b, checklist)
	}
	p.printf("%s", b.String())
}

func (p *loginPrinter) canceled() {
	if p.json {
		p.writeJSON(jsonLoginResult{Type: "result", OK: false, Canceled: true, Error: "sign-in cancelled"})
		return
	}
	p.printf("\nSign-in cancelled; nothing was stored.\n")
}

func writeChecklist(b *strings.Builder, steps []string) {
	for i, s := range steps {
		fmt.Fprintf(b, "  %d. %s\n", i+1, s)
	}
}

// writeFindings prints Preflight's findings, one per line with its hint.
func writeFindings(b *strings.Builder, findings []mailoauth.Finding, utf8 bool) {
	for _, f := range findings {
		mark := "!"
		if !utf8 {
			mark = "[" + string(f.Severity) + "]"
		}
		fmt.Fprintf(b, "%s The token: %s.\n    %s.\n", mark, f.Message, f.Hint)
	}
}

// oauthSecret returns a fresh access token for mailsetup test (refreshing
// and storing it as needed) and writes Preflight's findings about it to
// notes: what in the token will make the server refuse it.
func oauthSecret(ctx context.Context, in *config.Incoming, configPath string, notes io.Writer) (string, error) {
	token, err := mailoauth.AccessToken(ctx, in, mailoauth.Options{
		ConfigPath: configPath,
		Warn:       func(msg string) { _, _ = fmt.Fprintf(notes, "mailsetup: warning: %s\n", msg) },
	})
	if err != nil {
		if c := mailoauth.AppChecklist(in); len(c) > 0 {
			var b strings.Builder
			writeChecklist(&b, c)
			return "", fmt.Errorf("%w\nFor client credentials the tenant admin must have done this:\n%s", err, strings.TrimRight(b.String(), "\n"))
		}
		return "", err
	}
	for _, f := range mailoauth.Preflight(token, in, time.Now()) {
		_, _ = fmt.Fprintf(notes, "mailsetup: %s: the OAuth 2.0 token: %s; %s\n", noteWord(f.Severity), f.Message, f.Hint)
	}
	return token, nil
}

func noteWord(s mailoauth.Severity) string {
	if s == mailoauth.SeverityNote {
		return "note"
	}
	return "warning"
}
