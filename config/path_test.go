package config

import (
	"path/filepath"
	"testing"
)

func TestResolvePath(t *testing.T) {
	tests := []struct {
		name                 string
		flag, env, xdg, home string
		euid                 int
		want                 string
	}{
		{"flag wins", "/tmp/a.toml", "/tmp/b.toml", "/xdg", "/home/u", 0, "/tmp/a.toml"},
		{"relative flag kept", "conf.toml", "", "", "/home/u", 1000, "conf.toml"},
		{"env next", "", "/tmp/b.toml", "/xdg", "/home/u", 0, "/tmp/b.toml"},
		{"root", "", "", "/xdg", "/root", 0, "/etc/mailsetup/config.toml"},
		{"user with XDG_CONFIG_HOME", "", "", "/xdg", "/home/u", 1000, "/xdg/mailsetup/config.toml"},
		{"user without XDG_CONFIG_HOME", "", "", "", "/home/u", 1000, "/home/u/.config/mailsetup/config.toml"},
		{"relative XDG_CONFIG_HOME is ignored", "", "", "rel", "/home/u", 1000, "/home/u/.config/mailsetup/config.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAILSETUP_CONFIG", tt.env)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			old := geteuid
			geteuid = func() int { return tt.euid }
			t.Cleanup(func() { geteuid = old })
			got, err := ResolvePath(tt.flag)
			if err != nil || got != filepath.FromSlash(tt.want) {
				t.Errorf("ResolvePath(%q) = %q, %v; want %q", tt.flag, got, err, tt.want)
			}
		})
	}
}

func TestResolvePathWithoutHome(t *testing.T) {
	t.Setenv("MAILSETUP_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	old := geteuid
	geteuid = func() int { return 1000 }
	t.Cleanup(func() { geteuid = old })
	if got, err := ResolvePath(""); err == nil {
		t.Errorf("ResolvePath = %q, want an error saying to pass --config", got)
	}
}
