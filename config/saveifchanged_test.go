//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fileID is what tells a file left alone from one written anew.
type fileID struct {
	ino   uint64
	mtime time.Time
	data  string
}

func identify(t *testing.T, path string) fileID {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileID{info.Sys().(*syscall.Stat_t).Ino, info.ModTime(), string(data)}
}

// setOldMtime moves the file's mtime into the past, so that a rewrite in
// the same clock tick cannot hide behind an equal mtime.
func setOldMtime(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestSaveIfChanged(t *testing.T) {
	root := os.Geteuid() == 0
	group := strconv.Itoa(os.Getegid())
	if root {
		group = "4321"
	}
	tests := []struct {
		name        string
		prepare     func(t *testing.T, path string) // after the first save
		second      func() Config
		opts        SaveOptions
		wantChanged bool
		wantMode    os.FileMode
	}{
		{"same settings", nil, oldConfig, SaveOptions{}, false, 0o600},
		{"same settings and group", nil, oldConfig, SaveOptions{Group: group}, false, 0o640},
		{"one setting differs", nil, func() Config {
			c := oldConfig()
			c.Incoming.Mailbox = "INBOX/Other"
			return c
		}, SaveOptions{}, true, 0o600},
		{"the password differs", nil, func() Config {
			c := oldConfig()
			c.Incoming.Password += "x"
			return c
		}, SaveOptions{}, true, 0o600},
		{"mode drift 0400", func(t *testing.T, path string) {
			if err := os.Chmod(path, 0o400); err != nil {
				t.Fatal(err)
			}
		}, oldConfig, SaveOptions{}, true, 0o600},
		{"mode drift setgid", func(t *testing.T, path string) {
			if err := os.Chmod(path, 0o600|os.ModeSetgid); err != nil {
				t.Fatal(err)
			}
		}, oldConfig, SaveOptions{}, true, 0o600},
		{"a comment edited by hand", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(data, "# note\n"...), 0o600); err != nil {
				t.Fatal(err)
			}
		}, oldConfig, SaveOptions{}, true, 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			first := oldConfig()
			opts := SaveOptions{}
			if !tt.wantChanged {
				opts = tt.opts
			}
			if changed, err := SaveIfChanged(path, &first, opts); err != nil || !changed {
				t.Fatalf("first save: changed %v, %v; want true", changed, err)
			}
			if tt.prepare != nil {
				tt.prepare(t, path)
			}
			setOldMtime(t, path)
			before := identify(t, path)
			c := tt.second()
			state, err := CompareSaved(path, &c, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]SaveState{true: SaveDiffers, false: SaveSame}[tt.wantChanged]; state != want {
				t.Errorf("CompareSaved = %v, want %v", state, want)
			}
			changed, err := SaveIfChanged(path, &c, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			after := identify(t, path)
			if !tt.wantChanged && after != before {
				t.Errorf("unchanged file was touched: before %+v, after %+v", before, after)
			}
			if tt.wantChanged && after.ino == before.ino {
				t.Errorf("changed file was not replaced (same inode %d)", after.ino)
			}
			if mode, _, _ := statOwner(t, path); mode != tt.wantMode {
				t.Errorf("mode %04o, want %04o", mode, tt.wantMode)
			}
			info, _ := os.Stat(path)
			if info.Mode()&(os.ModeSetgid|os.ModeSetuid) != 0 {
				t.Errorf("mode %v keeps a set-id bit", info.Mode())
			}
		})
	}
}

// TestSaveIfChangedOwnerDrift: a file with the right bytes and mode but
// the wrong group is written anew with the group asked for.
func TestSaveIfChangedOwnerDrift(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change a file's group to one the user is not in")
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	c := oldConfig()
	mustSave(t, path, c, SaveOptions{Group: "4321"})
	if err := os.Chown(path, 0, 4322); err != nil {
		t.Fatal(err)
	}
	changed, err := SaveIfChanged(path, &c, SaveOptions{Group: "4321"})
	if err != nil || !changed {
		t.Fatalf("changed %v, %v; want true", changed, err)
	}
	if _, _, gid := statOwner(t, path); gid != 4321 {
		t.Errorf("group %d, want 4321", gid)
	}
}

func TestCompareSavedNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	c := oldConfig()
	if state, err := CompareSaved(path, &c, SaveOptions{}); err != nil || state != SaveNew {
		t.Errorf("CompareSaved on a missing file = %v, %v; want SaveNew", state, err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("CompareSaved wrote a file")
	}
}
