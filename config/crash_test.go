//go:build unix

package config

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child is the test binary run as a child process in one mode.
type child struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan error
}

// startChild starts the test binary as a child in the given mode.
func startChild(t *testing.T, mode string, env ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$"), exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), append([]string{envChild + "=" + mode}, env...)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() { c.cmd.Process.Kill() })
	return c
}

// waitForMarker waits until the child writes marker, failing if the child
// exits first. The timeout only guards against a hang.
func (c *child) waitForMarker(t *testing.T, marker string) {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		select {
		case err := <-c.exited:
			t.Fatalf("child exited (%v) before the marker: %s", err, c.out.String())
		case <-deadline:
			t.Fatal("child never reached the marker")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the child to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("killed child did not go away")
	}
}

// testGroup is a group for the saved file: a foreign one as root (so that
// keeping it is tested), else the caller's own (a non-root user cannot
// give a file away).
func testGroup() int {
	if os.Geteuid() == 0 {
		return 4321
	}
	return os.Getgid()
}

// tempFiles lists leftover temp files of Save in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".config.toml.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// assertWhole checks that path holds a whole config with the given server,
// with mode 0640 and group gid.
func assertWhole(t *testing.T, path, server string, gid int) {
	t.Helper()
	c, _, err := Load(path)
	if err != nil {
		t.Fatalf("file after the kill does not load: %v", err)
	}
	if c.Incoming.Server != server {
		t.Errorf("server = %q, want %q", c.Incoming.Server, server)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %04o, want 0640", info.Mode().Perm())
	}
	if _, g, _ := fileOwner(info); g != gid {
		t.Errorf("group = %d, want %d", g, gid)
	}
}

// saveStages are the stages of Save, in order, where the crash test stops
// the child: before the temp file exists, after each step, after the rename.
var saveStages = []string{"create", "created", "written", "synced", "chowned", "chmodded", "closed", "renamed", "dir-synced"}

// TestSaveCrashAtEveryStage kills a saving process with SIGKILL at every
// stage of Save and checks that the file is always the old one or the new
// one, whole, at the right mode and group, and that a leftover temp file is
// cleaned up by the next save.
func TestSaveCrashAtEveryStage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	gid := testGroup() // a group the old file has; the new one must keep it
	old := oldConfig()
	renamedAt := slices.Index(saveStages, "renamed")
	for i, stage := range saveStages {
		t.Run(stage, func(t *testing.T) {
			// Start from the old file, saved the same way; this save must
			// also remove the (backdated) temp file of the previous kill.
			if err := Save(path, &old, SaveOptions{Group: strconv.Itoa(gid)}); err != nil {
				t.Fatal(err)
			}
			if left := tempFiles(t, dir); len(left) != 0 {
				t.Fatalf("stale temp files not removed by the next save: %v", left)
			}
			marker := filepath.Join(t.TempDir(), "marker")
			c := startChild(t, "crash", envPath+"="+path, envStage+"="+stage, envMarker+"="+marker)
			c.waitForMarker(t, marker)
			c.kill(t)

			want := "old.example.com"
			if i >= renamedAt {
				want = "new.example.com"
			}
			assertWhole(t, path, want, gid)

			left := tempFiles(t, dir)
			wantLeft := 1
			if stage == "create" || i >= renamedAt {
				wantLeft = 0
			}
			if len(left) != wantLeft {
				t.Fatalf("temp files after a kill at %q: %v, want %d", stage, left, wantLeft)
			}
			for _, f := range left {
				info, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				if info.Mode().Perm()&0o007 != 0 {
					t.Errorf("temp file %s has mode %04o: readable by others", f, info.Mode().Perm())
				}
				old := time.Now().Add(-time.Hour)
				if err := os.Chtimes(f, old, old); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	t.Run("a fresh temp file is kept", func(t *testing.T) {
		fresh := filepath.Join(dir, ".config.toml.tmp-fresh")
		writeFile(t, fresh, "partial", 0o600)
		if err := Save(path, &old, SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		if left := tempFiles(t, dir); len(left) != 1 || left[0] != fresh {
			t.Errorf("temp files = %v, want only the fresh one (it may belong to a save in progress)", left)
		}
	})
}

// TestSaveCrashAtRandomMoments kills a process that saves two configs over
// each other in a loop at random moments; the file must always be one of
// them, whole, at the right mode.
func TestSaveCrashAtRandomMoments(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	old := oldConfig()
	gid := testGroup()
	if err := Save(path, &old, SaveOptions{Group: strconv.Itoa(gid)}); err != nil {
		t.Fatal(err)
	}
	const kills = 20
	for i := range kills {
		marker := filepath.Join(t.TempDir(), "marker")
		c := startChild(t, "loop", envPath+"="+path, envMarker+"="+marker)
		c.waitForMarker(t, marker)
		time.Sleep(time.Duration(rand.IntN(20_000)) * time.Microsecond)
		c.kill(t)
		cfg, _, err := Load(path)
		if err != nil {
			t.Fatalf("kill %d: the file does not load: %v", i, err)
		}
		if s := cfg.Incoming.Server; s != "old.example.com" && s != "new.example.com" {
			t.Fatalf("kill %d: server = %q", i, s)
		}
		assertWhole(t, path, cfg.Incoming.Server, gid)
	}
	if left := tempFiles(t, dir); len(left) > kills {
		t.Errorf("%d temp files left after %d kills", len(left), kills)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), "# Mail Connector") {
		t.Errorf("final file: %q, %v", data, err)
	}
}
