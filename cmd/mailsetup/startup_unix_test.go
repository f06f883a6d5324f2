//go:build unix

package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

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
