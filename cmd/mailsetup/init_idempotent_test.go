//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// initResult is the line init --json prints.
type initResult struct {
	Changed *bool  `json:"changed"`
	Path    string `json:"path"`
}

// initJSON runs init --json and returns the one line it printed, parsed.
func initJSON(t *testing.T, stdin string, args ...string) initResult {
	t.Helper()
	code, out, errs := cli(t, stdin, append([]string{"init", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("init %v: exit %d, stderr %q", args, code, errs)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("init --json stdout is not exactly one line: %q", out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var r initResult
	if err := dec.Decode(&r); err != nil || r.Changed == nil {
		t.Fatalf("init --json stdout %q: %v (or no \"changed\")", out, err)
	}
	return r
}

type stamp struct {
	ino   uint64
	mtime time.Time
	mode  os.FileMode
	data  string
}

// stampOf stats and reads path; the mtime is set an hour back first, so a
// rewrite within the same clock tick still shows.
func stampOf(t *testing.T, path string) stamp {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return stamp{info.Sys().(*syscall.Stat_t).Ino, info.ModTime(), info.Mode(), string(data)}
}

func backdate(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestInitIdempotent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	args := []string{"--config", path, "--server", "mail.example.com", "--username", "support@example.com",
		"--password-stdin", "--mailbox", "INBOX/Support"}
	withoutForce := args
	args = append(args[:len(args):len(args)], "--force")

	r := initJSON(t, "pw1\n", args...)
	if !*r.Changed || r.Path != path {
		t.Fatalf("first init: %+v, want changed=true path=%s", r, path)
	}

	check := func(name, stdin string, wantChanged bool, extra ...string) {
		t.Helper()
		backdate(t, path)
		before := stampOf(t, path)
		r := initJSON(t, stdin, append(append([]string{}, args...), extra...)...)
		after := stampOf(t, path)
		if *r.Changed != wantChanged {
			t.Errorf("%s: changed=%v, want %v", name, *r.Changed, wantChanged)
		}
		if !wantChanged && after != before {
			t.Errorf("%s: the file was touched: before %+v after %+v", name, before, after)
		}
		if wantChanged && after.ino == before.ino {
			t.Errorf("%s: reported changed but the file is the same inode", name)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("%s: the folder holds %d entries (a backup or temp file?)", name, len(entries))
		}
	}
	check("same flags, same password", "pw1\n", false)
	check("same password without a newline", "pw1", false)
	check("another password", "pw2\n", true)
	check("back to the first password", "pw1\n", true)
	check("one flag changed", "pw1\n", true, "--timeout", "45s")
	check("that flag again", "pw1\n", false, "--timeout", "45s")
	check("the flag dropped", "pw1\n", true)

	// Mode drift alone is a change, and init sets the mode back.
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	check("mode drift", "pw1\n", true)
	if st := stampOf(t, path); st.mode.Perm() != 0o600 {
		t.Errorf("mode after the fix %04o, want 0600", st.mode.Perm())
	}

	// No --force is needed to find that nothing changes...
	backdate(t, path)
	before := stampOf(t, path)
	code, out, errs := cli(t, "pw1", append([]string{"init"}, withoutForce...)...)
	if code != 0 || !strings.Contains(out, path+" is already up to date; nothing written") {
		t.Errorf("init without --force on an up-to-date file: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if after := stampOf(t, path); after != before {
		t.Errorf("the file was touched: before %+v after %+v", before, after)
	}
	// ...but replacing other settings still needs it.
	code, _, errs = cli(t, "pw2", append([]string{"init"}, withoutForce...)...)
	if code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("init without --force over other settings: exit %d, stderr %q", code, errs)
	}
	if after := stampOf(t, path); after != before {
		t.Errorf("a refused init touched the file")
	}
}

// TestInitJSONHumanTextOnStderr: with --json the sentence for people goes
// to stderr, so stdout stays one JSON line.
func TestInitJSONHumanTextOnStderr(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	args := []string{"init", "--json", "--config", path, "--server", "m.example.com", "--username", "u", "--password-env", "PW"}
	code, out, errs := cli(t, "", args...)
	if code != 0 || out != `{"changed":true,"path":"`+path+`"}`+"\n" || !strings.Contains(errs, "Wrote "+path) {
		t.Errorf("first: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = cli(t, "", args...)
	if code != 0 || out != `{"changed":false,"path":"`+path+`"}`+"\n" || !strings.Contains(errs, "already up to date") {
		t.Errorf("second: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestInitTestJSON: with --test and --json, stdout is the test's JSON lines
// (steps, then the result), then init's own line; an unchanged file is
// still tested, and left alone.
func TestInitTestJSON(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	alice := mailtest.Alice
	path := filepath.Join(t.TempDir(), "config.toml")
	args := []string{"init", "--json", "--test", "--config", path, "--server", srv.Host, "--port", strconv.Itoa(srv.IMAPS),
		"--security", "tls", "--ca-file", srv.CAFile, "--username", alice.Name, "--password-stdin"}
	var before stamp
	for i, wantChanged := range []bool{true, false} {
		code, out, errs := cli(t, alice.Password+"\n", args...)
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) < 3 {
			t.Fatalf("run %d: too few lines:\n%s", i+1, out)
		}
		var types []string
		for _, l := range lines[:len(lines)-1] {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("run %d: not JSON: %q", i+1, l)
			}
			types = append(types, m["type"].(string))
		}
		if types[len(types)-1] != "result" || types[0] != "step" {
			t.Errorf("run %d: line types %v, want steps then the result", i+1, types)
		}
		var r initResult
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil || r.Changed == nil || *r.Changed != wantChanged || r.Path != path {
			t.Errorf("run %d: last line %q, want changed=%v path=%s", i+1, lines[len(lines)-1], wantChanged, path)
		}
		if i == 0 {
			backdate(t, path)
			before = stampOf(t, path)
		} else if after := stampOf(t, path); after != before {
			t.Errorf("the second init --test touched the file: before %+v after %+v", before, after)
		}
	}
}
