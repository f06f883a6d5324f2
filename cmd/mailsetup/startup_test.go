package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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

// TestStartupInitWork: mailsetup's own packages do little at start-up (no
// regexps compiled, no schema walked, no Prometheus registry), and
// client_golang is not in the binary: GODEBUG=inittrace=1 lists each
// package's init with what it allocated.
func TestStartupInitWork(t *testing.T) {
	bin := buildMailsetup(t, t.TempDir())
	cmd := exec.Command(bin, "--config", filepath.Join(t.TempDir(), "none.toml"), "version")
	cmd.Env = append(cmd.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	ours := 0
	for _, l := range strings.Split(stderr.String(), "\n") {
		// init github.com/x/y @1.2 ms, 0.01 ms clock, 160 bytes, 4 allocs
		f := strings.Fields(l)
		if len(f) < 9 || f[0] != "init" {
			continue
		}
		pkg := f[1]
		if strings.HasPrefix(pkg, "github.com/prometheus/") {
			t.Errorf("%s is in the binary: %s", pkg, l)
		}
		if !strings.HasPrefix(pkg, "github.com/mailsetup/") {
			continue
		}
		ours++
		bytesAt := slices.Index(f, "bytes,")
		n, err := strconv.Atoi(f[bytesAt-1])
		if bytesAt < 1 || err != nil {
			t.Fatalf("cannot read %q", l)
		}
		// Before: monitor 44 KB (regexps, Prometheus registry), tui 69
		// KB (regexps), config 11 KB (regexp, schema).
		if n > 8<<10 {
			t.Errorf("%s allocates %d bytes at init, over 8 KiB: %s", pkg, n, l)
		}
	}
	if ours == 0 {
		t.Fatalf("no init of mailsetup's packages traced:\n%s", stderr.String())
	}
}
