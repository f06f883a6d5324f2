//go:build unix

package config

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// otherUID is a user that is neither root nor the test's (nobody).
const otherUID = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test runs as root (CI does): it gives files to another user")
	}
}

// trustDoc is a config whose password_command would leave a marker.
func trustDoc(marker, extra string) string {
	return `version = 1
[incoming]
protocol = "imap"
server = "127.0.0.1"
port = 1
username = "u"
password_command = "touch ` + marker + `; echo pw"
` + extra
}

// TestLoadTrust: as root, a config or a file it names that another user
// owns or may write, or a folder on the way that another user may write,
// is refused by Load with the chown or chmod that fixes it.
func TestLoadTrust(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the config path
		wantFix string                                // "" = loads
	}{
		{"root's own config loads", func(t *testing.T, dir string) string {
			return writeConfig(t, dir, "", 0o600)
		}, ""},
		{"group-readable config loads", func(t *testing.T, dir string) string {
			return writeConfig(t, dir, "", 0o640)
		}, ""},
		{"config owned by another user", func(t *testing.T, dir string) string {
			p := writeConfig(t, dir, "", 0o600)
			chown(t, p, otherUID)
			return p
		}, "chown root "},
		{"group-writable config", func(t *testing.T, dir string) string {
			return writeConfig(t, dir, "", 0o660)
		}, "chmod go-w "},
		{"group-writable password_file", func(t *testing.T, dir string) string {
			pw := filepath.Join(dir, "pw")
			writeFile(t, pw, "pw\n", 0o620)
			return writeConfig(t, dir, "", 0o600, `password_file = "`+pw+`"`)
		}, "chmod go-w " + filepath.Join("$DIR", "pw")},
		{"password_file owned by another user", func(t *testing.T, dir string) string {
			pw := filepath.Join(dir, "pw")
			writeFile(t, pw, "pw\n", 0o600)
			chown(t, pw, otherUID)
			return writeConfig(t, dir, "", 0o600, `password_file = "`+pw+`"`)
		}, "chown root " + filepath.Join("$DIR", "pw")},
		{"ca_file writable by others", func(t *testing.T, dir string) string {
			ca := filepath.Join(dir, "ca.pem")
			writeFile(t, ca, "x", 0o646)
			return writeConfig(t, dir, `ca_file = "`+ca+`"`, 0o600)
		}, "chmod go-w " + filepath.Join("$DIR", "ca.pem")},
		{"folder writable by others", func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "shared")
			mkdir(t, sub, 0o777)
			return writeConfig(t, sub, "", 0o600)
		}, "chmod go-w " + filepath.Join("$DIR", "shared")},
		{"folder owned by another user", func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "theirs")
			mkdir(t, sub, 0o755)
			chown(t, sub, otherUID)
			return writeConfig(t, sub, "", 0o600)
		}, "chown root " + filepath.Join("$DIR", "theirs")},
		{"sticky folder like /tmp is fine", func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "sticky")
			mkdir(t, sub, 0o777|os.ModeSticky)
			return writeConfig(t, sub, "", 0o600)
		}, ""},
		{"another user's file in a sticky folder", func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "sticky")
			mkdir(t, sub, 0o777|os.ModeSticky)
			p := writeConfig(t, sub, "", 0o600)
			chown(t, p, otherUID)
			return p
		}, "chown root "},
		{"symlink in a folder others may write", func(t *testing.T, dir string) string {
			real := writeConfig(t, dir, "", 0o600)
			sub := filepath.Join(dir, "shared")
			mkdir(t, sub, 0o777)
			link := filepath.Join(sub, "config.toml")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "chmod go-w " + filepath.Join("$DIR", "shared")},
		{"password_file through a folder others may write", func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "shared")
			mkdir(t, sub, 0o775)
			pw := filepath.Join(sub, "pw")
			writeFile(t, pw, "pw\n", 0o600)
			return writeConfig(t, dir, "", 0o600, `password_file = "`+pw+`"`)
		}, "chmod go-w " + filepath.Join("$DIR", "shared")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			_, _, err := Load(path)
			if tt.wantFix == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var pe *PermissionError
			if !errors.As(err, &pe) || !pe.Untrusted {
				t.Fatalf("Load = %v, want an untrusted *PermissionError", err)
			}
			want := strings.ReplaceAll(tt.wantFix, "$DIR", dir)
			if !strings.HasPrefix(pe.Fix, want) || !strings.Contains(err.Error(), "`"+pe.Fix+"`") {
				t.Errorf("Fix = %q, want prefix %q; error %q must carry it", pe.Fix, want, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// writeConfig writes trustDoc into dir/config.toml with mode, replacing
// the password_command with repl when given.
func writeConfig(t *testing.T, dir, extra string, mode os.FileMode, repl ...string) string {
	t.Helper()
	doc := trustDoc(filepath.Join(dir, "marker"), extra)
	if len(repl) > 0 {
		lines := strings.Split(doc, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "password_command") {
				lines[i] = repl[0]
			}
		}
		doc = strings.Join(lines, "\n")
	}
	p := filepath.Join(dir, "config.toml")
	writeFile(t, p, doc, mode)
	return p
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, -1); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

// TestResolvePasswordTrust: ResolvePassword enforces the rule on its own,
// for configs built in code (init, the wizard).
func TestResolvePasswordTrust(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	writeFile(t, pw, "s3cret\n", 0o600)
	in := base().Incoming
	in.Password, in.PasswordFile = "", pw
	if got, err := in.ResolvePassword(context.Background()); err != nil || got != "s3cret" {
		t.Fatalf("root's own file: %q, %v", got, err)
	}
	chown(t, pw, otherUID)
	_, err := in.ResolvePassword(context.Background())
	var pe *PermissionError
	if !errors.As(err, &pe) || pe.Fix != "chown root "+pw {
		t.Fatalf("file of another user: %v, want a *PermissionError with chown root", err)
	}
	if err := CheckFiles(&in); !errors.As(err, &pe) {
		t.Errorf("CheckFiles: %v, want a *PermissionError", err)
	}
}

// TestReadRegularFileSpecial: a FIFO (which would block an open or a read
// forever) or a device is refused at once, naming the key and the fix.
func TestReadRegularFileSpecial(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, kind string }{
		{fifo, "a FIFO (named pipe)"},
		{"/dev/zero", "a character device"},
		{dir, "a directory"},
	} {
		_, err := ReadRegularFile("incoming.ca_file", tt.path, 1<<20)
		var nre *NotRegularError
		if !errors.As(err, &nre) {
			t.Fatalf("%s: %v, want *NotRegularError", tt.path, err)
		}
		want := "incoming.ca_file " + tt.path + " is " + tt.kind + ", not a regular file; point incoming.ca_file at a file"
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		in := base().Incoming
		in.Password, in.PasswordFile = "", tt.path
		if _, err := in.ResolvePassword(context.Background()); err == nil || !strings.Contains(err.Error(), "incoming.password_file "+tt.path) {
			t.Errorf("ResolvePassword with password_file %s: %v", tt.path, err)
		}
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("x", 100), 0o600)
	if _, err := ReadRegularFile("incoming.ca_file", big, 10); err == nil || !strings.Contains(err.Error(), "larger than 10 bytes") {
		t.Errorf("a file over the limit: %v", err)
	}
}

// TestLoadSpecialFiles: Load refuses a FIFO as the config, password_file
// or ca_file without opening them for a blocking read.
func TestLoadSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(fifo); err == nil || !strings.Contains(err.Error(), "is a FIFO (named pipe), not a regular file") {
		t.Errorf("Load(fifo) = %v", err)
	}
	for _, key := range []string{"password_file", "ca_file"} {
		p := writeConfig(t, dir, key+` = "`+fifo+`"`, 0o600)
		if key == "password_file" {
			p = writeConfig(t, dir, "", 0o600, key+` = "`+fifo+`"`)
		}
		if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), "incoming."+key+" "+fifo+" is a FIFO") {
			t.Errorf("Load with %s = fifo: %v", key, err)
		}
	}
}

// TestCreatePrivateFile: a new file is 0600; an existing file is replaced
// only when it is the running user's regular file; a symlink, another
// user's file or a hard link is refused and left unchanged.
func TestCreatePrivateFile(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	writeFile(t, victim, "precious", 0o644)

	write := func(path string) error {
		f, err := CreatePrivateFile(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString("trace")
		return err
	}
	assertFile := func(path, want string, mode fs.FileMode, uid int) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil || string(data) != want {
			t.Errorf("%s holds %q (%v), want %q", path, data, err, want)
		}
		m, u, _ := statOwner(t, path)
		if m != mode || u != uid {
			t.Errorf("%s: mode %04o owner %d, want %04o %d", path, m, u, mode, uid)
		}
	}

	fresh := filepath.Join(dir, "fresh")
	if err := write(fresh); err != nil {
		t.Fatal(err)
	}
	assertFile(fresh, "trace", 0o600, 0)

	mine := filepath.Join(dir, "mine")
	writeFile(t, mine, "old old old", 0o644)
	if err := write(mine); err != nil {
		t.Fatal(err)
	}
	assertFile(mine, "trace", 0o600, 0)

	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nothing-yet"), dangling); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "theirs")
	writeFile(t, theirs, "theirs", 0o644)
	chown(t, theirs, otherUID)
	hard := filepath.Join(dir, "hard")
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{link, "is a symbolic link"},
		{dangling, "is a symbolic link"},
		{theirs, "is owned by nobody"},
		{hard, "other hard links"},
		{dir, "not a regular file"},
	} {
		err := write(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("CreatePrivateFile(%s) = %v, want an error with %q", tt.path, err, tt.want)
		}
	}
	assertFile(victim, "precious", 0o644, 0)
	assertFile(theirs, "theirs", 0o644, otherUID)
	if _, err := os.Lstat(filepath.Join(dir, "nothing-yet")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling link's target was created: %v", err)
	}
}

// TestSaveRefusesSwappableSymlink: a symlinked config in a folder another
// user may write (or a link another user owns) is not written through; the
// target stays as it was.
func TestSaveRefusesSwappableSymlink(t *testing.T) {
	needRoot(t)
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir, link string)
		want  string
	}{
		{"folder writable by others", func(t *testing.T, dir, link string) {
			if err := os.Chmod(filepath.Dir(link), 0o777); err != nil {
				t.Fatal(err)
			}
		}, "chmod go-w "},
		{"folder of another user", func(t *testing.T, dir, link string) {
			chown(t, filepath.Dir(link), otherUID)
		}, "chown root "},
		{"link of another user in a sticky folder", func(t *testing.T, dir, link string) {
			if err := os.Chmod(filepath.Dir(link), 0o777|os.ModeSticky); err != nil {
				t.Fatal(err)
			}
			chown(t, link, otherUID)
		}, "rm "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			victim := filepath.Join(dir, "victim")
			writeFile(t, victim, "precious", 0o600)
			shared := filepath.Join(dir, "shared")
			mkdir(t, shared, 0o755)
			link := filepath.Join(shared, "config.toml")
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir, link)
			c := newConfig()
			err := Save(link, &c, SaveOptions{})
			var pe *PermissionError
			if !errors.As(err, &pe) || !strings.HasPrefix(pe.Fix, tt.want) || !strings.Contains(err.Error(), "cannot save "+link) {
				t.Fatalf("Save = %v, want a refusal with %q", err, tt.want)
			}
			if data, _ := os.ReadFile(victim); string(data) != "precious" {
				t.Errorf("the link's target was written: %q", data)
			}
		})
	}
	// A sticky folder with root's own link is fine (like /tmp).
	dir := t.TempDir()
	real := filepath.Join(dir, "real.toml")
	sticky := filepath.Join(dir, "sticky")
	mkdir(t, sticky, 0o777|os.ModeSticky)
	if err := os.Symlink(real, filepath.Join(sticky, "config.toml")); err != nil {
		t.Fatal(err)
	}
	mustSave(t, filepath.Join(sticky, "config.toml"), newConfig(), SaveOptions{})
	if s := readServer(t, real); s != "new.example.com" {
		t.Errorf("target holds %q", s)
	}
}

// TestSaveOverAnotherUsersFile: root saving over a file another user owns
// (no owner asked for) writes a file of its own, without the old group.
func TestSaveOverAnotherUsersFile(t *testing.T) {
	needRoot(t)
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "old", 0o640)
	if err := os.Chown(path, otherUID, 4321); err != nil {
		t.Fatal(err)
	}
	mustSave(t, path, newConfig(), SaveOptions{})
	mode, uid, gid := statOwner(t, path)
	if uid != 0 || gid == 4321 || mode != 0o600 {
		t.Errorf("new file: mode %04o owner %d:%d; want 0600, root's, not group 4321", mode, uid, gid)
	}
	if _, _, err := Load(path); err != nil {
		t.Errorf("Load of the saved file: %v", err)
	}
}
