package config

import (
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/mailsetup/mailsetup/internal/shellquote"
)

// PermissionError is a file whose mode exposes a secret or lets others
// change the config. Fix is the shell command that fixes it.
type PermissionError struct {
	Path    string
	Message string // what is wrong, e.g. "… is readable by every user on this machine"
	Fix     string // e.g. "chmod 600 /etc/mailsetup/config.toml"
	// Untrusted is set when the file (or a folder or link leading to it)
	// could be changed by a user other than root and the running user: its
	// contents must not steer what mailsetup runs or reads. When it is not
	// set, the file only exposes a secret to others.
	Untrusted bool
}

// Error returns the message and the fix in one sentence.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s; fix it with `%s`", e.Message, e.Fix)
}

// chmodFix is the chmod that takes access away from others and keeps a
// group's read access if the file has it.
func chmodFix(path string, mode fs.FileMode) string {
	if mode&0o040 != 0 {
		return "chmod 640 " + shellQuote(path)
	}
	return "chmod 600 " + shellQuote(path)
}

// checkConfigMode refuses a config file readable by others that holds an
// inline secret (who may write it is the trust rule's, see trust.go).
func checkConfigMode(path string, mode fs.FileMode, c *Config) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode&0o004 == 0 {
		return nil
	}
	what := ""
	switch {
	case c.Incoming.Password != "":
		what = "an inline password"
	case c.Incoming.OAuth2 != nil && c.Incoming.OAuth2.ClientSecret != "":
		what = "an inline client secret"
	default:
		return nil
	}
	return &PermissionError{Path: path, Fix: chmodFix(path, mode),
		Message: fmt.Sprintf("config %s holds %s and is readable by every user on this machine (mode %04o)", path, what, mode.Perm())}
}

// CheckConfigMode is Load's last checks on a config c read from path by
// other means (the wizard's lenient load): a file readable by others that
// holds an inline secret, or whose password_file or client_secret_file is
// readable by others, is a *PermissionError naming the chmod that fixes it.
func CheckConfigMode(path string, c *Config) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := checkConfigMode(path, info.Mode(), c); err != nil {
		return err
	}
	return checkSecretFiles(c)
}

// checkSecretFileMode refuses a secret file readable by others.
func checkSecretFileMode(key, path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" || mode&0o004 == 0 {
		return nil
	}
	return &PermissionError{Path: path, Fix: chmodFix(path, mode),
		Message: fmt.Sprintf("%s %s is readable by every user on this machine (mode %04o)", key, path, mode.Perm())}
}

// checkSecretFiles stats (never reads) the password_file and
// client_secret_file of c; a missing file is left to ResolvePassword.
func checkSecretFiles(c *Config) error {
	in := &c.Incoming
	files := []struct{ key, path string }{}
	if in.Auth != AuthOAuth2 && in.PasswordSource() == "password_file" {
		files = append(files, struct{ key, path string }{"incoming.password_file", in.PasswordFile})
	}
	if o := in.OAuth2; o != nil && o.ClientSecretSource() == "client_secret_file" {
		files = append(files, struct{ key, path string }{"incoming.oauth2.client_secret_file", o.ClientSecretFile})
	}
	for _, f := range files {
		info, err := os.Stat(f.path)
		if err != nil {
			continue
		}
		if err := checkSecretFileMode(f.key, f.path, info.Mode()); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote is shellquote.Quote (the one quoting for the whole program).
func shellQuote(s string) string { return shellquote.Quote(s) }
