package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// ourCommands are the names of the root's commands that mailsetup
// defines (cobra adds help and completion).
func ourCommands(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			names = append(names, c.Name())
		}
	}
	return names
}

// TestRootForOneCommand: a run of one known command builds that command
// alone; anything else builds them all.
func TestRootForOneCommand(t *testing.T) {
	all := ourCommands(newRootCmd(strings.NewReader(""), io.Discard, io.Discard))
	if len(all) != 8 {
		t.Fatalf("commands %v", all)
	}
	for _, name := range all {
		for _, args := range [][]string{{name}, {name, "--help"}, {"--config", "/x.toml", name, "a"}, {"--config=" + name, name}} {
			root := newRootCmdFor(args, strings.NewReader(""), io.Discard, io.Discard)
			got := ourCommands(root)
			want := []string{name}
			if name == "man" {
				want = all // the man page shows every command
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q: commands %v, want %v", args, got, want)
			}
			if root.CompletionOptions.DisableDefaultCmd != (name != "man") {
				t.Errorf("%q: completion command disabled %v", args, root.CompletionOptions.DisableDefaultCmd)
			}
		}
	}
	for _, args := range [][]string{nil, {"--config"}, {"--config", "x"}, {"help", "test"}, {"tset"}, {"-v"}, {"--accessible"}, {"completion", "bash"}, {"__complete", "te"}, {"--", "test"}, {"-h"}} {
		if got := ourCommands(newRootCmdFor(args, strings.NewReader(""), io.Discard, io.Discard)); !slices.Equal(got, all) {
			t.Errorf("%q: commands %v, want all", args, got)
		}
	}
}

// TestRootForSameRun: the command lines that build one command print and
// exit exactly as with every command built.
func TestRootForSameRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.toml")
	lines := [][]string{
		{"version"},
		{"--config", missing, "version", "extra"},
		{"test", "--help"},
		{"check", "--help"},
		{"show", "--help"},
		{"init", "--help"},
		{"discover", "--help"},
		{"oauth2", "--help"},
		{"oauth2", "login", "--help"},
		{"oauth2", "bogus", "--config", missing},
		{"test", "--config", missing},
		{"--config=" + missing, "test", "--json"},
		{"--config", missing, "check"},
		{"--config", missing, "check", "--format", "openmetrics"},
		{"check", "--bogus", "--config", missing},
		{"test", "--bogus", "--config", missing},
		{"test", "extra", "--config", missing},
		{"show", "--config", missing},
		{"discover", "--config", missing},
	}
	type out struct {
		code           int
		stdout, stderr string
	}
	runIt := func(args []string) out {
		var o, e bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &o, &e)
		return out{code, o.String(), e.String()}
	}
	t.Setenv("COLUMNS", "100")
	for _, args := range lines {
		one := runIt(args)
		rootFor = func(_ []string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
			return newRootCmd(stdin, stdout, stderr)
		}
		full := runIt(args)
		rootFor = newRootCmdFor
		if one != full {
			t.Errorf("%q:\none command: %+v\nall:         %+v", args, one, full)
		}
		if one.stdout == "" && one.stderr == "" {
			t.Errorf("%q printed nothing", args)
		}
	}
}
