package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	mailoauth "github.com/mailsetup/mailsetup/mailconn/oauth"
)

type testFlags struct {
	json    bool
	timeout time.Duration
	trace   string
}

func newTestCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Test the saved config with no UI; streams the step log",
		Long: `Connect to the incoming mail server of the saved config and walk through every
step the Mail Connector takes: resolve, connect, TLS, greeting, capabilities,
STARTTLS, authenticate, mailbox, logout. Each step is printed as it finishes;
a failure names the setting at fault and how to fix it.

Exit status: 0 passed, 1 the test failed, 2 the config is missing or invalid,
130 interrupted.`,
		Example: `  mailsetup test
  mailsetup test --json | jq .
  mailsetup test --trace /tmp/mail-trace.txt   # protocol transcript, secrets redacted`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, path, err := loadConfig(g, stderr)
			if err != nil {
				return err
			}
			return runConnectionTest(cmd.Context(), &c.Incoming, path, f, stdout, stderr)
		},
	}
	addTestFlags(cmd, &f, "")
	return cmd
}

// addTestFlags adds --json, --timeout and --trace; prefix distinguishes them
// where another command has flags of the same name.
func addTestFlags(cmd *cobra.Command, f *testFlags, prefix string) {
	fl := cmd.Flags()
	if prefix == "" {
		fl.BoolVar(&f.json, "json", false, "print one JSON object per finished step, then the result")
	}
	fl.DurationVar(&f.timeout, prefix+"timeout", 0, "bound the whole test (default: the config's timeout, else 30s)")
	fl.StringVar(&f.trace, prefix+"trace", "", "write the protocol transcript, secrets redacted, to `FILE`")
}

// runConnectionTest runs the test, getting the secret at its authenticate
// step, and prints it.
// It returns nil when the test passed, an exit-1 error when it failed, an
// exit-2 error for config problems and exit 130 when interrupted.
func runConnectionTest(ctx context.Context, in *config.Incoming, path string, f testFlags, stdout, stderr io.Writer) error {
	// The trust rule before any secret is read or command run: a config
	// built from flags (init) names files that Load never saw.
	if err := config.CheckFiles(in); err != nil {
		return usageErr(err)
	}
	var trace *os.File
	if f.trace != "" {
		tf, err := config.CreatePrivateFile(f.trace)
		if err != nil {
			return usageErrf("cannot write the trace: %v", err)
		}
		defer func() { _ = tf.Close() }()
		trace = tf
	}
	// The secret is got at the authenticate step, after the network steps:
	// a source that fails there (a password_command, a revoked OAuth 2.0
	// sign-in) is a failed test, not a config error. Only the trust rule
	// refuses: CheckFiles above, or a file changed since (refused the same).
	var refused error
	opts := mailconn.Options{Timeout: f.timeout, SecretFunc: func(ctx context.Context) (string, error) {
		s, err := resolveSecret(ctx, in, path, stderr)
		var pe *config.PermissionError
		if errors.As(err, &pe) && pe.Untrusted {
			refused = err
		}
		return s, err
	}}
	if in.Auth == config.AuthOAuth2 {
		opts.AuthFailureHint = mailoauth.AfterFailure(in)
	}
	if trace != nil {
		opts.Trace = trace
	}
	p := newStepPrinter(stdout, f.json)
	res := mailconn.Test(ctx, *in, opts, p.Event)
	p.Result(res)
	switch {
	case refused != nil && !res.OK:
		return usageErr(refused)
	case res.OK:
		return nil
	case res.Canceled || errors.Is(ctx.Err(), context.Canceled):
		return &exitError{code: exitInterrupted}
	default:
		return &exitError{code: exitTestFailed}
	}
}

// resolveSecret reads the password from its source; for auth = "oauth2" it
// gets a fresh access token (refreshing the stored one as needed) and
// writes what the token preflight found to stderr. path is the config's,
// for the "sign in again" command.
func resolveSecret(ctx context.Context, in *config.Incoming, path string, stderr io.Writer) (string, error) {
	if in.Auth == config.AuthOAuth2 {
		return oauthSecret(ctx, in, path, stderr)
	}
	return in.ResolvePassword(ctx)
}
