package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/shellquote"
)

// initFlags are the flags of `mailsetup init` that do not map to a config key.
type initFlags struct {
	passwordStdin bool
	owner, group  string
	force         bool
	test          bool
	json          bool
	testFlags     testFlags
	discover      fromDiscover
}

// keyFlag binds one flag to one config key. Each flag can also come from the
// environment as MAILSETUP_<FLAG> (dashes become underscores), for
// provisioning tools that set variables more easily than arguments.
type keyFlag struct {
	name, usage string
	set         func(c *config.Config, fs *pflag.FlagSet) error
}

func newInitCmd(g *globals, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a config from flags and environment, with no UI (provisioning)",
		Long: `Write the config file from flags (or MAILSETUP_<FLAG> environment variables),
with no questions asked: for Ansible, cloud-init and other scripts.

A password is never taken as a flag value (it would show in ps and in shell
history). Give exactly one of:
  --password-stdin            read it from standard input; stored in the file (0600)
  --password-file PATH        store a reference to a file holding it
  --password-env NAME         store a reference to an environment variable
  --password-command CMD      store a command that prints it (run with /bin/sh -c)

With --test the connection is tested first and the file is written only when
the test passes. An existing file is replaced only with --force.

init is idempotent: when the file already holds exactly what init would
write, with the mode, owner and group init would give it, it is left alone
(same bytes, same modification time) and init says it is up to date; no
--force is needed for that. A password on --password-stdin that equals the
one stored in the file is no change. With --json, standard output is one
line {"changed":true|false,"path":"…"} (after the test's JSON lines with
--test), so that Ansible, Salt or Puppet report "changed" truthfully.

The file is always owned by the user who runs init: a config another user
owns or may write is refused by every later run (it could change what
mailsetup runs as root). --owner USER, as root, keeps the file root's and
lets USER read it through USER's own group (mode 0640); --group GROUP lets a
service group read it (0640). Neither may write it.`,
		Example: `  printf '%s' "$PW" | mailsetup init --server mail.example.com \
      --username support@example.com --password-stdin --mailbox INBOX/Support --test
  mailsetup init --protocol pop3 --server pop.example.com --security starttls \
      --username helpdesk --password-env MAILCONNECTOR_PASSWORD --group mailconn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(cmd, g, &f, stdin, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	for _, k := range keyFlags() {
		k.register(fl)
	}
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input and store it in the file")
	fl.StringVar(&f.owner, "owner", "", "`user` who must read the written file (name or id); as root the file stays root's, with that user's own group and mode 0640")
	fl.StringVar(&f.group, "group", "", "group of the written file (name or id); makes the file 0640 so the connector's service `group` can read it")
	fl.BoolVar(&f.force, "force", false, "replace an existing config file")
	fl.BoolVar(&f.test, "test", false, "test the connection first; write the file only when the test passes")
	fl.BoolVar(&f.json, "json", false, `print one JSON line {"changed":true|false,"path":"…"} (after the test's JSON lines with --test)`)
	addTestFlags(cmd, &f.testFlags, "test-")
	addFromDiscoverFlags(fl, &f.discover)
	return cmd
}

func runInit(cmd *cobra.Command, g *globals, f *initFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := cmd.Flags()
	if err := applyEnv(fl, os.LookupEnv); err != nil {
		return usageErr(err)
	}
	path, err := g.resolveConfigPath()
	if err != nil {
		return err
	}
	c := config.Default()
	for _, k := range keyFlags() {
		if err := k.set(&c, fl); err != nil {
			return usageErr(err)
		}
	}
	if err := f.discover.apply(cmd.Context(), fl, &c, stderr); err != nil {
		return err
	}
	if f.passwordStdin {
		if c.Incoming.PasswordSource() != "" {
			return usageErrf("give only one of --password-stdin, --password-file, --password-env, --password-command")
		}
		pw, err := readSecret(stdin)
		if err != nil {
			return usageErr(err)
		}
		c.Incoming.Password = pw
	}
	warnings, err := c.Validate()
	if err != nil {
		return usageErr(flagNames(err))
	}
	printWarnings(stderr, warnings)

	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageErrf("%s is a folder; give the config file's path with --config", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usageErrf("cannot check %s: %v", path, err)
	}
	opts := config.SaveOptions{Owner: f.owner, Group: f.group}
	state, err := config.CompareSaved(path, &c, opts)
	if err != nil {
		return usageErr(err)
	}
	if state == config.SaveDiffers && !f.force {
		return usageErrf("%s already exists with other settings (or another mode, owner or group); add --force to replace it, or use `mailsetup` to edit it", path)
	}

	// An unknown --owner or --group is refused before the test, not after.
	if err := config.CheckSaveOptions(config.SaveOptions{Owner: f.owner, Group: f.group}); err != nil {
		return usageErr(err)
	}
	if f.test {
		tf := f.testFlags
		tf.json = f.json
		if err := runConnectionTest(cmd.Context(), &c.Incoming, path, tf, stdout, stderr); err != nil {
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitTestFailed {
				_, _ = fmt.Fprintf(stderr, "mailsetup: the connection test failed; %s was not written\n", path)
			}
			return err
		}
	}
	changed, err := config.SaveIfChanged(path, &c, opts)
	if err != nil {
		return usageErr(err)
	}
	human := stdout
	if f.json {
		human = stderr
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		b, _ := json.Marshal(struct {
			Changed bool   `json:"changed"`
			Path    string `json:"path"`
		}{changed, abs})
		_, _ = fmt.Fprintf(stdout, "%s\n", b)
	}
	if changed {
		_, _ = fmt.Fprintf(human, "Wrote %s\nTest it any time with: mailsetup test%s\n", path, configArg(g))
	} else {
		_, _ = fmt.Fprintf(human, "%s is already up to date; nothing written\n", path)
	}
	return nil
}

// configArg is " --config PATH" when the path was given by flag.
func configArg(g *globals) string {
	if g.configPath == "" {
		return ""
	}
	return " --config " + shellQuote(g.configPath)
}

// shellQuote is shellquote.Quote (the one quoting for the whole program).
func shellQuote(s string) string { return shellquote.Quote(s) }

// readSecret reads the whole of r and trims one trailing newline.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(bufio.NewReader(io.LimitReader(r, 64<<10)))
	if err != nil {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", errors.New("--password-stdin read an empty password; pipe it in, e.g. printf '%s' \"$PW\" | mailsetup init …")
	}
	return s, nil
}

// applyEnv sets every flag that was not given on the command line from
// MAILSETUP_<FLAG>, when that variable is set.
func applyEnv(fl *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fl.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		switch f.Name {
		case "password-stdin", "force", "test", "json", "help":
			return // actions, not settings
		}
		env := "MAILSETUP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := lookup(env); ok {
			if e := fl.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	return err
}

// flagNames rewrites a validation error to name the flag as well as the
// key; of several joined errors, each names its own flag.
func flagNames(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range j.Unwrap() {
			errs = append(errs, flagName(e))
		}
		return errors.Join(errs...)
	}
	return flagName(err)
}

func flagName(err error) error {
	var ve *config.ValidationError
	if errors.As(err, &ve) && ve.Key != "" {
		k := strings.TrimPrefix(ve.Key, "incoming.")
		if k == "password" {
			return fmt.Errorf("%w (flags --password-stdin, --password-file, --password-env, --password-command)", err)
		}
		k = strings.ReplaceAll(strings.ReplaceAll(k, "oauth2.", "oauth2-"), "_", "-")
		return fmt.Errorf("%w (flag --%s)", err, k)
	}
	return err
}
