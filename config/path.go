package config

import (
	"errors"
	"os"
	"path/filepath"
)

// SystemPath is the config file used when mailsetup runs as root.
const SystemPath = "/etc/mailsetup/config.toml"

// EnvConfig names the environment variable that overrides the config path.
const EnvConfig = "MAILSETUP_CONFIG"

// geteuid is replaced in tests.
var geteuid = os.Geteuid

// ResolvePath returns the config file to use: flag (the --config value)
// when set, else $MAILSETUP_CONFIG, else /etc/mailsetup/config.toml when
// running as root, else $XDG_CONFIG_HOME/mailsetup/config.toml, where an
// unset or relative XDG_CONFIG_HOME means ~/.config. It does not look at the
// file system.
func ResolvePath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv(EnvConfig); p != "" {
		return p, nil
	}
	if geteuid() == 0 {
		return SystemPath, nil
	}
	if dir := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "mailsetup", "config.toml"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("cannot find the config file: $HOME is not set; pass --config PATH or set " + EnvConfig)
	}
	return filepath.Join(home, ".config", "mailsetup", "config.toml"), nil
}
