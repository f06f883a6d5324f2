package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckConfigMode: Load's mode checks, for a config read by other
// means: an inline password in a world-readable file is refused with the
// chmod that keeps the group's read access.
func TestCheckConfigMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	c := Default()
	c.Incoming.Server, c.Incoming.Username, c.Incoming.Password = "mail.example.com", "u", "secret"
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckConfigMode(path, &c); err != nil {
		t.Errorf("mode 0600: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var pe *PermissionError
	if err := CheckConfigMode(path, &c); !errors.As(err, &pe) || pe.Fix != "chmod 640 "+path {
		t.Errorf("mode 0644: %v, want a *PermissionError fixed by chmod 640", err)
	}
	c.Incoming.Password, c.Incoming.PasswordEnv = "", "PW"
	if err := CheckConfigMode(path, &c); err != nil {
		t.Errorf("mode 0644 without an inline secret: %v", err)
	}
}
