package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// `mailsetup discover HOST|EMAIL`, and init's --from-discover.

type discoverFlags struct {
	json          bool
	timeout       time.Duration
	caFile        string
	tlsServerName string
	ports         map[string]int
	extraPorts    []int
}

func newDiscoverCmd(g *globals, stdout, _ io.Writer) *cobra.Command {
	f := discoverFlags{}
	cmd := &cobra.Command{
		Use:   "discover HOST|EMAIL",
		Short: "Probe a server (or find an address's server) and suggest protocol, port and security",
		Long: `Probe a mail server on every usual way in, in parallel: IMAP over TLS (993), IMAP
with STARTTLS (143), POP3 over TLS (995), POP3 with STLS (110), and plain-text
IMAP and POP3. Each probe reads the greeting and capabilities, upgrades with
STARTTLS where asked, checks the certificate and lists the sign-in mechanisms
(NTLM is SPA); it never signs in. Then it recommends the best: TLS before
STARTTLS before plain text, IMAP before POP3, a valid certificate before an
invalid one (an invalid certificate is flagged, never hidden). It never
recommends plain text: when no candidate offers TLS or STARTTLS it says so
and recommends nothing, since that is also what a connection looks like when
an attacker on the network strips TLS.

A server behind a port mapping answers elsewhere: --port N probes port N as
well, as every protocol and security mode (repeat it or list ports with commas).

Given an address (user@example.com), it first looks for the domain's server:
RFC 6186 SRV records, the domain's autoconfig file, the usual host names
(imap., pop3., pop., mail.) and MX, and knows Microsoft 365 and Gmail.

Exit status: 0 when any candidate answered (even in plain text only), 1 when none did, 2 for a usage
error, 130 interrupted.`,
		Example: `  mailsetup discover mail.example.com
  mailsetup discover support@example.com
  mailsetup discover 192.0.2.10 --tls-server-name mail.example.com --ca-file /etc/ssl/internal-ca.pem
  mailsetup discover mail.example.com --port 44115
  mailsetup discover mail.example.com --ports imaps=10993,pop3s=10995 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPorts(f.ports, "--ports"); err != nil {
				return err
			}
			if len(f.extraPorts) > 0 && strings.Contains(args[0], "@") {
				return usageErrf("--port: give the server's HOST, not an email address")
			}
			for _, p := range f.extraPorts {
				if p < 1 || p > 65535 {
					return usageErrf("--port: %d is not a port (1-65535)", p)
				}
			}
			return runDiscover(cmd.Context(), g, args[0], f, stdout)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print one JSON object per candidate as it finishes, then the recommendation")
	fl.DurationVar(&f.timeout, "timeout", mailconn.DefaultDiscoverTimeout, "bound the whole run")
	fl.StringVar(&f.caFile, "ca-file", "", "a PEM `file` of a CA to trust in addition to the system's")
	fl.StringVar(&f.tlsServerName, "tls-server-name", "", "`name` to verify in certificates when HOST is an IP address or an alias")
	fl.StringToIntVar(&f.ports, "ports", nil, "probe other ports, e.g. imaps=10993,imap=10143,pop3s=10995,pop3=10110 (imap-plain and pop3-plain follow imap and pop3)")
	fl.IntSliceVar(&f.extraPorts, "port", nil, "also probe this `port` as every protocol and security mode, for a server behind a port mapping (repeat or comma-separate for more)")
	return cmd
}

// checkPorts accepts only candidate kinds and valid port numbers.
func checkPorts(ports map[string]int, flag string) error {
	for k, p := range ports {
		if !slices.Contains(mailconn.Kinds, k) {
			return usageErrf("%s: unknown kind %q; use %s", flag, k, strings.Join(mailconn.Kinds, ", "))
		}
		if p < 1 || p > 65535 {
			return usageErrf("%s: %s=%d is not a port (1-65535)", flag, k, p)
		}
	}
	return nil
}

func (f discoverFlags) options() mailconn.DiscoverOptions {
	ca := f.caFile
	if ca != "" {
		if abs, err := filepath.Abs(ca); err == nil {
			ca = abs
		}
	}
	return mailconn.DiscoverOptions{Timeout: f.timeout, CAFile: ca, TLSServerName: f.tlsServerName, Ports: f.ports, ExtraPorts: f.extraPorts}
}

// discovered is the outcome of one discover run, for printing and for init.
type discovered struct {
	target  string
	domain  string // email mode only
	results []mailconn.ProbeResult
	disc    *mailconn.Discovery // email mode only
	best    mailconn.ProbeResult
	ok      bool
	// plainOnly: candidates answered, but none over TLS or STARTTLS, so
	// nothing is recommended (mailconn.PlainTextOnly).
	plainOnly bool
}

// discover runs the host probe, or email discovery when target has an '@',
// streaming to p (which may be nil).
func discover(ctx context.Context, target string, opts mailconn.DiscoverOptions, p *discoverPrinter) (*discovered, error) {
	d := &discovered{target: target}
	var err error
	if strings.Contains(target, "@") {
		var ev func(mailconn.DiscoverEvent)
		if p != nil {
			ev = p.event
		}
		d.disc, err = mailconn.DiscoverEmail(ctx, target, opts, ev)
		if d.disc != nil {
			d.results, d.domain = d.disc.Results, d.disc.Domain
		}
	} else {
		var rep func(mailconn.ProbeResult)
		if p != nil {
			p.start(target, opts)
			rep = p.probe
		}
		d.results, err = mailconn.ProbeHost(ctx, target, opts, rep)
	}
	if err != nil {
		return nil, usageErr(err)
	}
	d.best, d.ok = mailconn.Recommend(d.results)
	d.plainOnly = mailconn.PlainTextOnly(d.results)
	return d, nil
}

func runDiscover(ctx context.Context, g *globals, target string, f discoverFlags, stdout io.Writer) error {
	p := newDiscoverPrinter(stdout, f.json)
	d, err := discover(ctx, target, f.options(), p)
	if err != nil {
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return &exitError{code: exitInterrupted}
	}
	p.finish(d, f, configArg(g))
	if !d.ok && !d.plainOnly {
		return &exitError{code: exitTestFailed}
	}
	return nil
}

// initArgs are the `mailsetup init` flags that take the recommendation.
func initArgs(d *discovered, f discoverFlags) []string {
	c := d.best.Candidate
	args := []string{"--protocol", c.Protocol, "--server", c.Host}
	if c.Port != config.DefaultPort(c.Protocol, c.Security) {
		args = append(args, "--port", fmt.Sprint(c.Port))
	}
	args = append(args, "--security", c.Security)
	if f.caFile != "" && d.best.TLS != nil {
		args = append(args, "--ca-file", f.caFile)
	}
	if f.tlsServerName != "" && d.best.TLS != nil {
		args = append(args, "--tls-server-name", f.tlsServerName)
	}
	if pinnable(d.best) {
		args = append(args, "--pinned-certificate-sha256", d.best.TLS.SHA256)
	}
	if pr := d.provider(); pr != nil && pr.OAuthRequired {
		args = append(args, "--auth", config.AuthOAuth2, "--oauth2-provider", pr.ID)
	}
	if d.disc != nil && d.disc.Username != "" {
		args = append(args, "--username", d.disc.Username)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return args
}

// pinnable reports whether the recommendation's certificate fails only for
// want of a trusted issuer (self-signed, private CA): pinning it is then the
// narrowest trust to add.
func pinnable(r mailconn.ProbeResult) bool {
	t := r.TLS
	return t != nil && t.Problem != nil && t.Problem.Problem == mailconn.CertUnknownAuthority && t.SHA256 != ""
}

// provider is the built-in knowledge that applies, if any.
func (d *discovered) provider() *mailconn.Provider {
	if d.disc != nil {
		return d.disc.Provider
	}
	return mailconn.KnownProvider(d.target)
}

// fromDiscover is init's --from-discover: run discover and take the
// recommendation's server, protocol, port and security where no flag gave
// them.
type fromDiscover struct {
	target string
	ports  map[string]int
	// allowPlaintext takes a plain-text candidate when none offers TLS or
	// STARTTLS (as an explicit --security none does).
	allowPlaintext bool
}

// addFromDiscoverFlags registers --from-discover and --discover-ports.
func addFromDiscoverFlags(fl *pflag.FlagSet, d *fromDiscover) {
	fl.StringVar(&d.target, "from-discover", "", "probe this `HOST` (or find the server of this EMAIL address) and take the recommended server, protocol, port and security; explicit flags still win")
	fl.StringToIntVar(&d.ports, "discover-ports", nil, "with --from-discover: probe other ports, as discover --ports")
	fl.BoolVar(&d.allowPlaintext, "allow-plaintext", false, "with --from-discover: accept a plain-text candidate when none offers TLS or STARTTLS (the password then crosses the network unencrypted)")
}

// apply runs the discovery into c, saying what it chose on w.
func (d *fromDiscover) apply(ctx context.Context, fl *pflag.FlagSet, c *config.Config, w io.Writer) error {
	if d.target == "" {
		if d.allowPlaintext {
			return usageErrf("--allow-plaintext only applies with --from-discover; to write a plain-text config, give --security none")
		}
		return nil
	}
	if err := checkPorts(d.ports, "--discover-ports"); err != nil {
		return err
	}
	in := &c.Incoming
	opts := mailconn.DiscoverOptions{CAFile: in.CAFile, TLSServerName: in.TLSServerName, Ports: d.ports}
	if fl.Changed("timeout") {
		opts.Timeout = in.Timeout.Duration
	}
	got, err := discover(ctx, d.target, opts, nil)
	if err != nil {
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return &exitError{code: exitInterrupted}
	}
	// Keep only what the explicit flags allow, then take the best.
	var fit []mailconn.ProbeResult
	for _, r := range got.results {
		c := r.Candidate
		switch {
		case fl.Changed("protocol") && c.Protocol != in.Protocol,
			fl.Changed("port") && c.Port != in.Port,
			fl.Changed("server") && !strings.EqualFold(c.Host, in.Server),
			fl.Changed("security") && !securityFits(in.Security, c.Security):
			continue
		}
		fit = append(fit, r)
	}
	best, ok := mailconn.Recommend(fit)
	if !ok {
		// Plain text only when the admin asked for it: a server without
		// TLS looks exactly like one whose TLS an attacker stripped.
		plain, found := mailconn.BestPlainText(fit)
		switch {
		case found && (d.allowPlaintext || (fl.Changed("security") && in.Security == config.SecurityNone)):
			best = plain
		case found:
			return &exitError{code: exitTestFailed, err: fmt.Errorf("--from-discover %s: no candidate offered TLS or STARTTLS, only plain text, "+
				"which is exactly what a connection looks like when an attacker strips TLS, so nothing was written; "+
				"check that the server offers TLS (run mailsetup discover %s), or add --allow-plaintext (or --security none) to accept plain text knowingly",
				d.target, shellQuote(d.target))}
		default:
			return &exitError{code: exitTestFailed, err: fmt.Errorf("--from-discover %s: no server answered that fits the other flags; run mailsetup discover %s to see what answers", d.target, shellQuote(d.target))}
		}
	}
	bc := best.Candidate
	if !fl.Changed("server") {
		in.Server = bc.Host
	}
	if !fl.Changed("protocol") {
		in.Protocol = bc.Protocol
	}
	if !fl.Changed("security") {
		in.Security = bc.Security
	}
	if !fl.Changed("port") {
		in.Port = 0
		if bc.Port != config.DefaultPort(bc.Protocol, bc.Security) {
			in.Port = bc.Port
		}
	}
	if !fl.Changed("username") && got.disc != nil && got.disc.Username != "" {
		in.Username = got.disc.Username
	}
	_, _ = fmt.Fprintf(w, "mailsetup: discover chose %s on %s, port %d, security %s (%s)\n",
		protoLabel(bc.Protocol), bc.Host, bc.Port, bc.Security, certVerdict(best))
	if best.TLS != nil && !best.CertificateOK && in.RejectInvalidCertificates && in.PinnedCertificateSHA256 == "" {
		_, _ = fmt.Fprintf(w, "mailsetup: warning: %s; the connector will refuse it unless you add --ca-file, --pinned-certificate-sha256 %s or --reject-invalid-certificates=false\n",
			best.CertificateError, best.TLS.SHA256)
	}
	if pr := got.provider(); pr != nil {
		_, _ = fmt.Fprintf(w, "mailsetup: note: %s: %s\n", pr.Name, pr.Note)
	}
	return nil
}

// securityFits reports whether a candidate of security cand satisfies the
// security the admin asked for.
func securityFits(want, cand string) bool {
	if want == config.SecurityStartTLSIfAvailable {
		return cand == config.SecurityStartTLS || cand == config.SecurityNone
	}
	return want == cand
}

func protoLabel(p string) string {
	if p == config.ProtocolPOP3 {
		return "POP3"
	}
	return "IMAP"
}

// certVerdict is a short phrase for the recommendation line.
func certVerdict(r mailconn.ProbeResult) string {
	switch {
	case r.TLS == nil:
		return "no TLS: passwords and mail cross the network in plain text"
	case r.CertificateOK:
		return r.TLS.Version + ", certificate verified"
	default:
		return r.TLS.Version + ", " + r.CertificateError
	}
}

// termWidth is the output's width: the terminal's, at most 80; 80 off a
// terminal.
func termWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			return min(cols, 80)
		}
	}
	return 80
}
