//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// nobody is a user that is neither root nor the test's.
const nobody = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test runs as root (CI does): it gives files to another user")
	}
}

// cliBounded runs the command line like cli, but fails the test when it has
// not returned within bound: a hang guard, not a measurement of speed.
func cliBounded(t *testing.T, bound time.Duration, args ...string) (int, string, string) {
	t.Helper()
	type res struct {
		code     int
		out, err string
	}
	done := make(chan res, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
		done <- res{code, out.String(), errb.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(bound):
		t.Fatalf("mailsetup %s did not return within %v", strings.Join(args, " "), bound)
	}
	return 0, "", ""
}

func writeMode(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestTrustRefusedBeforeCommand: as root, a config that another user owns
// or may write, a password_file that another user may write, or a folder on
// the way that another user may write, is refused with exit 2 and the fix,
// before password_command runs (it would leave a marker file).
func TestTrustRefusedBeforeCommand(t *testing.T) {
	needRoot(t)
	// password_command runs at the authenticate step: the control case
	// needs a server that gets that far.
	srv := mailtest.Start(t, mailtest.Options{})
	doc := func(marker, extra string) string {
		return fmt.Sprintf("version = 1\n[incoming]\nprotocol = \"imap\"\nserver = %q\nport = %d\nsecurity = \"none\"\nusername = \"u\"\n",
			srv.Host, srv.IMAP) + "password_command = \"touch " + marker + "; echo pw\"\n" + extra
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir, marker string) string // returns the config path
		wantFix string                                        // "" = the command runs
	}{
		{"root's own config runs the command", func(t *testing.T, dir, marker string) string {
			p := filepath.Join(dir, "config.toml")
			writeMode(t, p, doc(marker, ""), 0o640)
			return p
		}, ""},
		{"config owned by another user", func(t *testing.T, dir, marker string) string {
			p := filepath.Join(dir, "config.toml")
			writeMode(t, p, doc(marker, ""), 0o600)
			if err := os.Chown(p, nobody, -1); err != nil {
				t.Fatal(err)
			}
			return p
		}, "chown root $DIR/config.toml"},
		{"group-writable config", func(t *testing.T, dir, marker string) string {
			p := filepath.Join(dir, "config.toml")
			writeMode(t, p, doc(marker, ""), 0o660)
			return p
		}, "chmod go-w $DIR/config.toml"},
		{"group-writable ca_file", func(t *testing.T, dir, marker string) string {
			ca := filepath.Join(dir, "ca.pem")
			writeMode(t, ca, "x", 0o664)
			p := filepath.Join(dir, "config.toml")
			writeMode(t, p, doc(marker, "ca_file = \""+ca+"\"\n"), 0o600)
			return p
		}, "chmod go-w $DIR/ca.pem"},
		{"folder writable by another user", func(t *testing.T, dir, marker string) string {
			sub := filepath.Join(dir, "shared")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(sub, nobody, -1); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(sub, "config.toml")
			writeMode(t, p, doc(marker, ""), 0o600)
			return p
		}, "chown root $DIR/shared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			marker := filepath.Join(dir, "marker")
			path := tt.setup(t, dir, marker)
			code, _, errs := cli(t, "", "test", "--config", path, "--timeout", "5s")
			_, mErr := os.Stat(marker)
			if tt.wantFix == "" {
				if mErr != nil {
					t.Fatalf("the command did not run for a trusted config (code %d): %s", code, errs)
				}
				return
			}
			if code != exitUsage {
				t.Errorf("exit %d, want 2: %s", code, errs)
			}
			if !errors.Is(mErr, fs.ErrNotExist) {
				t.Errorf("password_command ran before the refusal")
			}
			want := strings.ReplaceAll(tt.wantFix, "$DIR", dir)
			if !strings.Contains(errs, "`"+want+"`") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("stderr %q, want one line with `%s`", errs, want)
			}
		})
	}

	// init --test with a group-writable password_file is refused before
	// the file is read, and nothing is written.
	t.Run("init --test with a group-writable password_file", func(t *testing.T) {
		dir := t.TempDir()
		pw := filepath.Join(dir, "pw")
		writeMode(t, pw, "pw\n", 0o620)
		path := filepath.Join(dir, "config.toml")
		code, _, errs := cli(t, "", "init", "--config", path, "--server", "127.0.0.1", "--port", "1",
			"--username", "u", "--password-file", pw, "--test", "--test-timeout", "5s")
		if code != exitUsage || !strings.Contains(errs, "`chmod go-w "+pw+"`") {
			t.Errorf("exit %d, stderr %q; want 2 and the chmod", code, errs)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the config was written: %v", err)
		}
	})
}

// TestTraceRefusesPlantedFiles: --trace and init --test-trace never write
// through a planted symlink nor into a file another user owns.
func TestTraceRefusesPlantedFiles(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	writeMode(t, victim, "root's file", 0o644)
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(shared, "trace.txt")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(shared, "theirs.txt")
	writeMode(t, theirs, "their file", 0o666)
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.toml")
	writeMode(t, config, "version = 1\n[incoming]\nserver = \"127.0.0.1\"\nport = 1\nusername = \"u\"\npassword = \"pw\"\n", 0o600)

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"test --trace to a symlink", []string{"test", "--config", config, "--trace", link}, "is a symbolic link"},
		{"test --trace to another user's file", []string{"test", "--config", config, "--trace", theirs}, "is owned by nobody"},
		{"init --test-trace to a symlink", []string{"init", "--config", filepath.Join(dir, "new.toml"), "--server", "127.0.0.1", "--port", "1",
			"--username", "u", "--password-env", "HOME", "--test", "--test-trace", link}, "is a symbolic link"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := cli(t, "", tt.args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
	for path, want := range map[string]string{victim: "root's file", theirs: "their file"} {
		if data, _ := os.ReadFile(path); string(data) != want {
			t.Errorf("%s now holds %q, want %q", path, data, want)
		}
	}
	if st, err := os.Stat(victim); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("victim mode changed: %v %v", st.Mode(), err)
	}
	if st, err := os.Stat(theirs); err != nil || st.Mode().Perm() != 0o666 {
		t.Errorf("their file's mode changed: %v %v", st.Mode(), err)
	}
}

// TestSpecialFilesFailAtOnce: a FIFO or /dev/zero as password_file or
// ca_file is a clear error, never a hang, whether the file comes from a
// loaded config (test) or from flags (init --test).
func TestSpecialFilesFailAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	base := "version = 1\n[incoming]\nserver = \"127.0.0.1\"\nport = 1\nusername = \"u\"\n"
	for _, special := range []string{fifo, "/dev/zero"} {
		for _, key := range []string{"password_file", "ca_file"} {
			t.Run(key+"="+special, func(t *testing.T) {
				doc := base + key + " = \"" + special + "\"\n"
				if key == "ca_file" {
					doc += "password = \"pw\"\n"
				}
				path := filepath.Join(t.TempDir(), "config.toml")
				writeMode(t, path, doc, 0o600)
				code, _, errs := cliBounded(t, 5*time.Second, "test", "--config", path)
				if code != exitUsage || !strings.Contains(errs, "incoming."+key+" "+special+" is ") || !strings.Contains(errs, "not a regular file") {
					t.Errorf("test: exit %d, stderr %q; want 2 and 'not a regular file'", code, errs)
				}
				flag := "--" + strings.ReplaceAll(key, "_", "-")
				args := []string{"init", "--config", filepath.Join(t.TempDir(), "c.toml"), "--server", "127.0.0.1", "--port", "1",
					"--username", "u", flag, special, "--test", "--test-timeout", "5s"}
				if key == "ca_file" {
					args = append(args, "--password-env", "HOME")
				}
				code, _, errs = cliBounded(t, 5*time.Second, args...)
				if code != exitUsage || !strings.Contains(errs, "not a regular file") {
					t.Errorf("init --test: exit %d, stderr %q; want 2 and 'not a regular file'", code, errs)
				}
			})
		}
	}
}

// TestTLSServerNameDotRefused: tls_server_name = "." used to turn the
// host-name check off, so a certificate for another host passed. It is now
// a config error at load (exit 2), and the same config without it fails the
// test on the wrong host (exit 1).
func TestTLSServerNameDotRefused(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertWrongHost})
	user := mailtest.Alice
	path := rigConfig(t, srv, "imap", "tls", srv.IMAPS, user.Name, user.Password)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withDot := strings.Replace(string(data), "[incoming]\n", "[incoming]\ntls_server_name = \".\"\n", 1)
	writeMode(t, path, withDot, 0o600)
	code, out, errs := cliBounded(t, cliHangGuard, "test", "--config", path)
	if code != exitUsage || !strings.Contains(errs, "incoming.tls_server_name") || !strings.Contains(errs, "names no host") {
		t.Fatalf("tls_server_name = \".\": exit %d\n%s%s\nwant exit 2 naming incoming.tls_server_name", code, out, errs)
	}
	writeMode(t, path, string(data), 0o600)
	if code, out, errs := cliBounded(t, cliHangGuard, "test", "--config", path); code != exitTestFailed {
		t.Errorf("wrong-host certificate without tls_server_name: exit %d, want 1\n%s%s", code, out, errs)
	}
}
