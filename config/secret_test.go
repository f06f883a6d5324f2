package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPasswordSource(t *testing.T) {
	tests := []struct {
		in   Incoming
		want string
	}{
		{Incoming{Password: "x"}, "password"},
		{Incoming{PasswordFile: "/x"}, "password_file"},
		{Incoming{PasswordEnv: "X"}, "password_env"},
		{Incoming{PasswordCommand: "x"}, "password_command"},
		{Incoming{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.PasswordSource(); got != tt.want {
				t.Errorf("PasswordSource = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolvePassword(t *testing.T) {
	dir := t.TempDir()
	file := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, data, mode)
		return p
	}
	t.Setenv("MAILSETUP_TEST_PW", "from env")
	t.Setenv("MAILSETUP_TEST_EMPTY", "")
	tests := []struct {
		name    string
		in      Incoming
		want    string
		wantErr string // substring; "" = no error
		key     string // SecretError.Key, when an error is expected
	}{
		{"inline", Incoming{Password: "p@ss word"}, "p@ss word", "", ""},
		{"file trims the newline", Incoming{PasswordFile: file("pw", "s3cret\n", 0o600)}, "s3cret", "", ""},
		{"file trims CRLF", Incoming{PasswordFile: file("pw-crlf", "s3cret\r\n", 0o600)}, "s3cret", "", ""},
		{"file keeps inner spaces", Incoming{PasswordFile: file("pw-sp", " a b \n", 0o600)}, " a b ", "", ""},
		{"file 0640 for the group", Incoming{PasswordFile: file("pw-group", "g\n", 0o640)}, "g", "", ""},
		{"file missing", Incoming{PasswordFile: filepath.Join(dir, "nope")}, "", "incoming.password_file " + filepath.Join(dir, "nope") + ": no such file", "incoming.password_file"},
		{"file empty", Incoming{PasswordFile: file("pw-empty", "\n", 0o600)}, "", "is empty", "incoming.password_file"},
		{"file is a directory", Incoming{PasswordFile: dir}, "", "is a directory", "incoming.password_file"},
		{"env", Incoming{PasswordEnv: "MAILSETUP_TEST_PW"}, "from env", "", ""},
		{"env missing", Incoming{PasswordEnv: "MAILSETUP_TEST_UNSET"}, "",
			"environment variable MAILSETUP_TEST_UNSET (named by incoming.password_env) is not set", "incoming.password_env"},
		{"env empty", Incoming{PasswordEnv: "MAILSETUP_TEST_EMPTY"}, "", "MAILSETUP_TEST_EMPTY (named by incoming.password_env) is empty", "incoming.password_env"},
		{"command", Incoming{PasswordCommand: "printf 'from command\\n\\n'"}, "from command", "", ""},
		{"command sees the environment", Incoming{PasswordCommand: `echo "$MAILSETUP_TEST_PW"`}, "from env", "", ""},
		{"command fails with stderr", Incoming{PasswordCommand: "echo 'vault: permission denied' >&2; exit 3"}, "",
			"incoming.password_command failed (exit status 3): vault: permission denied", "incoming.password_command"},
		{"command prints nothing", Incoming{PasswordCommand: "true"}, "", "printed nothing", "incoming.password_command"},
		{"command not found", Incoming{PasswordCommand: "mailsetup-no-such-command-xyz"}, "", "exit status 127", "incoming.password_command"},
		{"command prints too much", Incoming{PasswordCommand: "head -c 100000 /dev/zero"}, "", "printed more than 64 KiB", "incoming.password_command"},
		{"none", Incoming{}, "", "no password is set", "incoming.password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.ResolvePassword(context.Background())
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ResolvePassword = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			var se *SecretError
			if !errors.As(err, &se) || se.Key != tt.key {
				t.Errorf("err = %#v, want *SecretError with Key %q", err, tt.key)
			}
			if got != "" {
				t.Errorf("got %q with an error", got)
			}
		})
	}
}

func TestResolvePasswordFileReadableByOthers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	writeFile(t, p, "secret\n", 0o644)
	in := Incoming{PasswordFile: p}
	got, err := in.ResolvePassword(context.Background())
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("ResolvePassword = %q, %v; want a *PermissionError", got, err)
	}
	if pe.Fix != "chmod 640 "+p || !strings.Contains(err.Error(), "readable by every user") || !strings.Contains(err.Error(), pe.Fix) {
		t.Errorf("err = %q, Fix = %q", err, pe.Fix)
	}
}

func TestResolvePasswordCommandTimeout(t *testing.T) {
	// The context's deadline is earlier than SecretCommandTimeout, so it
	// applies; the command's child (sleep) must die with it, or Run would
	// wait for its stdout. The deadline is generous: only a hang fails.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	in := Incoming{PasswordCommand: "echo waiting >&2; sleep 60; echo never"}
	done := make(chan error, 1)
	go func() {
		_, err := in.ResolvePassword(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not finish in time: waiting") || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a timeout that carries stderr", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ResolvePassword did not return after its context expired")
	}
}

func TestResolvePasswordCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := Incoming{PasswordCommand: "sleep 60"}
	_, err := in.ResolvePassword(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestResolveClientSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cs")
	writeFile(t, p, "from file\n", 0o600)
	t.Setenv("MAILSETUP_TEST_CS", "from env")
	tests := []struct {
		name   string
		o      OAuth2
		source string
		want   string
	}{
		{"inline", OAuth2{ClientSecret: "inline"}, "client_secret", "inline"},
		{"file", OAuth2{ClientSecretFile: p}, "client_secret_file", "from file"},
		{"env", OAuth2{ClientSecretEnv: "MAILSETUP_TEST_CS"}, "client_secret_env", "from env"},
		{"command", OAuth2{ClientSecretCommand: "echo from command"}, "client_secret_command", "from command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s := tt.o.ClientSecretSource(); s != tt.source {
				t.Errorf("ClientSecretSource = %q, want %q", s, tt.source)
			}
			got, err := tt.o.ResolveClientSecret(context.Background())
			if err != nil || got != tt.want {
				t.Errorf("ResolveClientSecret = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		var o OAuth2
		_, err := o.ResolveClientSecret(context.Background())
		if !errors.Is(err, ErrNoSecretSource) {
			t.Errorf("err = %v, want ErrNoSecretSource", err)
		}
	})
	t.Run("missing env names the key", func(t *testing.T) {
		o := OAuth2{ClientSecretEnv: "MAILSETUP_TEST_UNSET"}
		_, err := o.ResolveClientSecret(context.Background())
		if err == nil || !strings.Contains(err.Error(), "incoming.oauth2.client_secret_env") {
			t.Errorf("err = %v", err)
		}
	})
}
