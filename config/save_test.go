//go:build unix

package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// mustSave saves c and fails the test on error.
func mustSave(t *testing.T, path string, c Config, opts SaveOptions) {
	t.Helper()
	if err := Save(path, &c, opts); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

// statOwner returns the mode, owner and group of path.
func statOwner(t *testing.T, path string) (fs.FileMode, int, int) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	uid, gid, _ := fileOwner(info)
	return info.Mode().Perm(), uid, gid
}

// readServer loads path and returns its server.
func readServer(t *testing.T, path string) string {
	t.Helper()
	c, _, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c.Incoming.Server
}

func TestSaveNewFileInMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc", "mailsetup")
	path := filepath.Join(dir, "config.toml")
	c := newConfig()
	mustSave(t, path, c, SaveOptions{})
	for _, d := range []string{dir, filepath.Dir(dir)} {
		info, err := os.Stat(d)
		if err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("folder %s: %v, mode %04o; want 0700", d, err, info.Mode().Perm())
		}
	}
	mode, uid, gid := statOwner(t, path)
	if mode != 0o600 || uid != os.Geteuid() || gid != os.Getegid() {
		t.Errorf("new file: mode %04o owner %d:%d; want 0600 %d:%d", mode, uid, gid, os.Geteuid(), os.Getegid())
	}
	got, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Incoming != c.Incoming {
		t.Errorf("loaded %+v, want %+v", got.Incoming, c.Incoming)
	}
}

func TestSaveModeAndOwner(t *testing.T) {
	root := os.Geteuid() == 0
	other := os.Getgid() // a group the caller may give
	if root {
		other = 4321
	}
	tests := []struct {
		name       string
		oldMode    fs.FileMode // 0 = no old file
		oldOwner   [2]int      // uid, gid of the old file; -1 = the caller's
		opts       SaveOptions
		wantMode   fs.FileMode
		wantOwner  [2]int // -1 = the caller's
		onlyAsRoot bool
	}{
		{"new file", 0, [2]int{-1, -1}, SaveOptions{}, 0o600, [2]int{-1, -1}, false},
		{"new file with a group", 0, [2]int{-1, -1}, SaveOptions{Group: strconv.Itoa(other)}, 0o640, [2]int{-1, other}, false},
		{"rewrite tightens 0604 to 0600", 0o604, [2]int{-1, -1}, SaveOptions{}, 0o600, [2]int{-1, -1}, false},
		{"rewrite tightens 0644 to 0640", 0o644, [2]int{-1, -1}, SaveOptions{}, 0o640, [2]int{-1, -1}, false},
		{"rewrite keeps group read", 0o640, [2]int{-1, -1}, SaveOptions{}, 0o640, [2]int{-1, -1}, false},
		// Root never hands the new file to another user: it did not ask to.
		{"rewrite of another user's file is root's", 0o600, [2]int{1234, 4321}, SaveOptions{}, 0o600, [2]int{-1, -1}, true},
		{"rewrite of another user's file drops its group", 0o640, [2]int{1234, 4321}, SaveOptions{}, 0o600, [2]int{-1, -1}, true},
		{"rewrite keeps a service group", 0o640, [2]int{0, 4321}, SaveOptions{}, 0o640, [2]int{0, 4321}, true},
		{"owner reads through the group, root keeps the file", 0o600, [2]int{1234, 4321}, SaveOptions{Owner: "2000", Group: "3000"}, 0o640, [2]int{0, 3000}, true},
		{"owner by name gets its own group", 0, [2]int{-1, -1}, SaveOptions{Owner: "daemon"}, 0o640, [2]int{0, daemonGID()}, true},
		{"owner and group by name", 0o600, [2]int{1234, 4321}, SaveOptions{Owner: "root", Group: "root"}, 0o640, [2]int{0, 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.onlyAsRoot && !root {
				// A non-root user cannot give files away: Save must say so.
				path := filepath.Join(t.TempDir(), "config.toml")
				mustSave(t, path, oldConfig(), SaveOptions{})
				c := newConfig()
				err := Save(path, &c, SaveOptions{Owner: "0"})
				if err == nil || !strings.Contains(err.Error(), "cannot set the owner") {
					t.Fatalf("Save as non-root to owner 0: %v, want a clear error", err)
				}
				return
			}
			path := filepath.Join(t.TempDir(), "config.toml")
			if tt.oldMode != 0 {
				writeFile(t, path, "old", tt.oldMode)
				if err := os.Chown(path, tt.oldOwner[0], tt.oldOwner[1]); err != nil {
					t.Fatal(err)
				}
			}
			mustSave(t, path, newConfig(), tt.opts)
			mode, uid, gid := statOwner(t, path)
			want := tt.wantOwner
			if want[0] < 0 {
				want[0] = os.Geteuid()
			}
			if want[1] < 0 {
				want[1] = os.Getegid()
			}
			if mode != tt.wantMode || uid != want[0] || gid != want[1] {
				t.Errorf("mode %04o owner %d:%d; want %04o %d:%d", mode, uid, gid, tt.wantMode, want[0], want[1])
			}
		})
	}
}

// daemonGID is the group of the user "daemon", whose primary group is its
// own on Debian and its kin.
func daemonGID() int {
	u, err := user.Lookup("daemon")
	if err != nil {
		return -2
	}
	gid, _ := strconv.Atoi(u.Gid)
	return gid
}

// TestSaveOwnerWithSharedGroup: root keeps the file and the owner reads it
// through its primary group; a group that is not the user's own may have
// other members, so Save refuses and asks for --group.
func TestSaveOwnerWithSharedGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs as root (CI does)")
	}
	u, err := user.Lookup("sync") // primary group nogroup on Debian
	if err != nil {
		t.Fatal(err)
	}
	if g, err := user.LookupGroupId(u.Gid); err != nil || g.Name == "sync" {
		t.Fatalf("user sync has its own group here (%v); pick another user", err)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	c := newConfig()
	err = Save(path, &c, SaveOptions{Owner: "sync"})
	if err == nil || !strings.Contains(err.Error(), "--group") || !strings.Contains(err.Error(), "other users may share") {
		t.Fatalf("Save with owner sync = %v, want a refusal asking for --group", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written: %v", err)
	}
}

func TestSaveUnknownOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	c := newConfig()
	for _, opts := range []SaveOptions{{Owner: "no-such-user-mailsetup"}, {Group: "no-such-group-mailsetup"}} {
		err := Save(path, &c, opts)
		if err == nil || !strings.Contains(err.Error(), "no-such-") || !strings.Contains(err.Error(), "is not a") {
			t.Errorf("Save(%+v) = %v, want an error naming the unknown owner", opts, err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written: %v", err)
	}
}

func TestSaveThroughSymlinks(t *testing.T) {
	tests := []struct {
		name  string
		links map[string]string // link name → target, relative to the folder
		path  string
		real  string
	}{
		{"absolute link", map[string]string{"config.toml": "$DIR/real/config.toml"}, "config.toml", "real/config.toml"},
		{"relative link", map[string]string{"config.toml": "real/config.toml"}, "config.toml", "real/config.toml"},
		{"chain of links", map[string]string{"config.toml": "link2", "link2": "real/config.toml"}, "config.toml", "real/config.toml"},
		{"dangling link", map[string]string{"config.toml": "real/new.toml"}, "config.toml", "real/new.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "real"), 0o700); err != nil {
				t.Fatal(err)
			}
			real := filepath.Join(dir, tt.real)
			if tt.name != "dangling link" {
				mustSave(t, real, oldConfig(), SaveOptions{Group: strconv.Itoa(testGroup())})
			}
			for link, target := range tt.links {
				if err := os.Symlink(strings.ReplaceAll(target, "$DIR", dir), filepath.Join(dir, link)); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, tt.path)
			mustSave(t, path, newConfig(), SaveOptions{})
			for link := range tt.links {
				if info, err := os.Lstat(filepath.Join(dir, link)); err != nil || info.Mode()&fs.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symlink (%v)", link, err)
				}
			}
			if s := readServer(t, real); s != "new.example.com" {
				t.Errorf("target holds %q, want the new config", s)
			}
			if tt.name != "dangling link" {
				if mode, _, gid := statOwner(t, real); mode != 0o640 || gid != testGroup() {
					t.Errorf("target mode %04o group %d, want 0640 and the old group", mode, gid)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(left) != 0 {
				t.Errorf("temp file beside the link: %v", left)
			}
		})
	}
}

func TestSaveRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x", 0o600)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	invalid := newConfig()
	invalid.Incoming.Security = "ssl"
	tests := []struct {
		name string
		path string
		c    Config
		want string
	}{
		{"path is a directory", dir, newConfig(), "cannot save " + dir + ": it is a directory; name the file instead, e.g. " + filepath.Join(dir, "config.toml")},
		{"path under a file", filepath.Join(file, "config.toml"), newConfig(), "is a file, not a folder"},
		{"path is a fifo", fifo, newConfig(), "is not a regular file"},
		{"empty path", "", newConfig(), "no config path"},
		{"invalid config", filepath.Join(dir, "config.toml"), invalid, `incoming.security = "ssl" is not valid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Save(tt.path, &tt.c, SaveOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Save = %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "config.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the invalid config was written: %v", err)
	}
	if data, _ := os.ReadFile(file); string(data) != "x" {
		t.Errorf("file changed: %q", data)
	}
}

// assertSaveFails checks that saving the new config over the old one at
// path fails with want, leaves the old file intact and no temp file.
func assertSaveFails(t *testing.T, path string, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Save = %v, want an error containing %q", err, want)
	}
	dir := filepath.Dir(path)
	for _, w := range []string{"cannot save " + path, dir, "the old file is unchanged"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if s := readServer(t, path); s != "old.example.com" {
		t.Errorf("old file changed: server %q", s)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestSaveFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	path := filepath.Join(dir, "config.toml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	real := mountTmpfs(t, dir, "size=64k")
	mustSave(t, path, oldConfig(), SaveOptions{})
	if real {
		fillDisk(t, dir)
	} else {
		t.Log("cannot mount a tmpfs here: simulating ENOSPC at the write instead")
		injectFault(t, "written", syscall.ENOSPC)
	}
	c := newConfig()
	err := Save(path, &c, SaveOptions{})
	assertSaveFails(t, path, err, "no space left on the device that holds "+dir+"; free some space")
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("errors.Is(err, ENOSPC) = false for %v", err)
	}
}

func TestSaveReadOnlyFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	path := filepath.Join(dir, "config.toml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	real := mountTmpfs(t, dir, "size=64k")
	mustSave(t, path, oldConfig(), SaveOptions{})
	if real {
		remountReadOnly(t, dir)
	} else {
		t.Log("cannot mount a tmpfs here: simulating EROFS at the temp file instead")
		injectFault(t, "create", syscall.EROFS)
	}
	c := newConfig()
	err := Save(path, &c, SaveOptions{})
	assertSaveFails(t, path, err, "the folder "+dir+" is on a read-only file system")
}

func TestSaveFolderNotWritable(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "cfg")
	path := filepath.Join(dir, "config.toml")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := oldConfig()
	old.Incoming.Password, old.Incoming.PasswordEnv = "", "PW" // so another user may read it
	mustSave(t, path, old, SaveOptions{})
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var msg string
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		c := newConfig()
		if err := Save(path, &c, SaveOptions{}); err != nil {
			msg = err.Error()
		}
	} else {
		// Root may write anywhere: save as the user nobody in a child.
		msg = saveAsNobody(t, base, path)
	}
	if !strings.Contains(msg, "no permission to write in the folder "+dir) || !strings.Contains(msg, "the old file is unchanged") {
		t.Errorf("Save in a folder not writable: %q", msg)
	}
	if s := readServer(t, path); s != "old.example.com" {
		t.Errorf("old file changed: %q", s)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// saveAsNobody runs the test binary as uid/gid 65534 to save over path and
// returns what it printed. base must be world-traversable afterwards.
func saveAsNobody(t *testing.T, base, path string) string {
	t.Helper()
	for _, d := range []string{base, filepath.Dir(base)} { // t.TempDir() and its parent are 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(base, "config.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{envChild + "=save", envPath + "=" + path, "PATH=/usr/bin:/bin"}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v: %s", err, out)
	}
	return string(out)
}

// injectFault makes Save fail at stage with errno, as the system would.
func injectFault(t *testing.T, stage string, errno syscall.Errno) {
	t.Helper()
	saveHook = func(s string) error {
		if s == stage {
			return &fs.PathError{Op: stage, Path: "injected", Err: errno}
		}
		return nil
	}
	t.Cleanup(func() { saveHook = nil })
}
