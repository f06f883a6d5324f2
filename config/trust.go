package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// The trust rule (like OpenSSH's StrictModes): only root and the user
// running mailsetup may steer what it runs or reads. The config and every
// file it names (password_file, ca_file, client_secret_file, token_file)
// must be owned by root or the running user and writable by no one else
// (no group or other write bit; group read is fine). When mailsetup runs as
// root, every folder leading to those files, and every symlink on the way,
// must pass the same test: a folder owned by root or the user and not
// writable by group or others. A sticky folder owned by root or the user
// (like /tmp, mode 1777) is accepted: others cannot rename or remove what
// they do not own in it, and the entry in it is checked in its own right
// (owned by root or the user), so nobody else can swap it.
//
// Files are also opened as files: a FIFO, device, socket or folder named
// where a file belongs is refused at once (the open never blocks).

// NotRegularError is a path that names something other than a regular file
// (a FIFO, a device, a socket, a folder) where a file was expected.
type NotRegularError struct {
	Key  string // e.g. "incoming.password_file", or "config"
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	if e.Key == "config" {
		return fmt.Sprintf("config %s is %s, not a regular file; pass the config file's path with --config", e.Path, kindOf(e.Mode))
	}
	return fmt.Sprintf("%s %s is %s, not a regular file; point %s at a file", e.Key, e.Path, kindOf(e.Mode), e.Key)
}

// kindOf names a file type for an error message.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}

// ReadRegularFile reads the file that the config key names (key is used
// in messages, e.g. "incoming.ca_file"), at most limit bytes. The open does
// not block (O_NONBLOCK): what is opened must be a regular file, checked on
// the open file, so a FIFO or a device fails at once with a
// *NotRegularError. Symlinks are followed. The file must pass the trust
// rule (owned by root or the running user, writable by no one else, and for
// root the folders and links leading to it too), else a *PermissionError
// with the chown or chmod that fixes it.
func ReadRegularFile(key, path string, limit int64) ([]byte, error) {
	return readRegular(key, path, limit, nil)
}

// readRegular is ReadRegularFile with one more check of the open file's
// fstat (e.g. that a secret is not readable by others).
func readRegular(key, path string, limit int64, check func(fs.FileInfo) error) ([]byte, error) {
	f, info, err := openRegular(key, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkFileTrust(key, path, info); err != nil {
		return nil, err
	}
	if err := checkPathTrust(key, path); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(info); err != nil {
			return nil, err
		}
	}
	data, err := readLimited(f, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s %s: %s", key, path, errText(err))
	}
	return data, nil
}

// openRegular opens path for reading without blocking and returns it with
// its fstat, or a *NotRegularError when it is not a regular file.
func openRegular(key, path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|flagNonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Key: key, Path: path, Mode: info.Mode()}
	}
	return f, info, nil
}

// CheckFiles applies the trust rule to every file in names that exists
// (password_file, ca_file, oauth2.client_secret_file, oauth2.token_file),
// without opening any: a missing file is left to the code that reads it.
// Load calls it; callers that build a Config in code (init) call it before
// anything is read or run.
func CheckFiles(in *Incoming) error {
	for _, f := range namedFiles(in) {
		info, err := os.Stat(f.path)
		if err != nil {
			continue
		}
		if !info.Mode().IsRegular() {
			return &NotRegularError{Key: f.key, Path: f.path, Mode: info.Mode()}
		}
		if err := checkFileTrust(f.key, f.path, info); err != nil {
			return err
		}
		if err := checkPathTrust(f.key, f.path); err != nil {
			return err
		}
	}
	return nil
}

type namedFile struct{ key, path string }

// namedFiles lists the files a config names and will read.
func namedFiles(in *Incoming) []namedFile {
	var out []namedFile
	add := func(key, path string) {
		if path != "" {
			out = append(out, namedFile{key, path})
		}
	}
	if in.Auth != AuthOAuth2 && in.PasswordSource() == "password_file" {
		add("incoming.password_file", in.PasswordFile)
	}
	add("incoming.ca_file", in.CAFile)
	if o := in.OAuth2; o != nil && in.Auth == AuthOAuth2 {
		if o.ClientSecretSource() == "client_secret_file" {
			add("incoming.oauth2.client_secret_file", o.ClientSecretFile)
		}
		add("incoming.oauth2.token_file", o.TokenFile)
	}
	return out
}

// trustedUID reports whether uid may steer what mailsetup runs: root or
// the running user.
func trustedUID(uid int) bool { return uid == 0 || uid == geteuid() }

// describeUser is "nobody (uid 65534)", or "uid 65534" when it has no name.
func describeUser(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return fmt.Sprintf("%s (uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// chownFix is the chown that gives path to root, or to the running user
// when mailsetup does not run as root.
func chownFix(path string) string {
	who := "root"
	if id := geteuid(); id != 0 {
		who = strconv.Itoa(id)
		if u, err := user.LookupId(who); err == nil && u.Username != "" {
			who = u.Username
		}
	}
	return "chown " + who + " " + shellQuote(path)
}

// writers names who besides the owner may write a file of mode m.
func writers(m fs.FileMode) string {
	switch {
	case m&0o022 == 0o022:
		return "its group and every user on this machine"
	case m&0o002 != 0:
		return "every user on this machine"
	}
	return "its group"
}

// what names a file for a message: "config /etc/x" or "incoming.ca_file /x".
func what(key, path string) string { return key + " " + path }

// checkFileTrust applies the trust rule to one file whose (l)stat is info.
func checkFileTrust(key, path string, info fs.FileInfo) error {
	if !unixChecks {
		return nil
	}
	uid, _, ok := fileOwner(info)
	if !ok {
		return nil
	}
	if !trustedUID(uid) {
		return &PermissionError{Path: path, Untrusted: true, Fix: chownFix(path),
			Message: fmt.Sprintf("%s is owned by %s, not by root or the user running mailsetup, so that user could change what mailsetup runs or reads", what(key, path), describeUser(uid))}
	}
	if m := info.Mode(); m&0o022 != 0 {
		return &PermissionError{Path: path, Untrusted: true, Fix: "chmod go-w " + shellQuote(path),
			Message: fmt.Sprintf("%s is writable by %s (mode %04o), so others could change what mailsetup runs or reads", what(key, path), writers(m), m.Perm())}
	}
	return nil
}

// checkDirTrust applies the trust rule to a folder on the way to a file.
func checkDirTrust(key, path, dir string, info fs.FileInfo) error {
	uid, _, ok := fileOwner(info)
	if !ok {
		return nil
	}
	if !trustedUID(uid) {
		return &PermissionError{Path: dir, Untrusted: true, Fix: chownFix(dir),
			Message: fmt.Sprintf("the folder %s, on the way to %s, is owned by %s, so that user could swap the file", dir, what(key, path), describeUser(uid))}
	}
	m := info.Mode()
	if m&0o022 != 0 && m&fs.ModeSticky == 0 {
		return &PermissionError{Path: dir, Untrusted: true, Fix: "chmod go-w " + shellQuote(dir),
			Message: fmt.Sprintf("the folder %s, on the way to %s, is writable by %s (mode %04o), so others could swap the file", dir, what(key, path), writers(m), m.Perm())}
	}
	return nil
}

// checkPathTrust, when mailsetup runs as root, applies the trust rule to
// every folder leading to path (both as written and as the symlinks
// resolve) and to every symlink on the way. It is a no-op for other users,
// who cannot be tricked into using rights they do not have.
func checkPathTrust(key, path string) error {
	if !unixChecks || geteuid() != 0 {
		return nil
	}
	return checkPathChain(key, path)
}

// checkPathChain is checkPathTrust without the root condition.
func checkPathChain(key, path string) error {
	p, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for range 40 {
		dir := filepath.Dir(p)
		if err := checkDirs(key, path, dir, seen); err != nil {
			return err
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
			if err := checkDirs(key, path, real, seen); err != nil {
				return err
			}
		}
		li, err := os.Lstat(p)
		if err != nil || li.Mode()&fs.ModeSymlink == 0 {
			return nil
		}
		if uid, _, ok := fileOwner(li); ok && !trustedUID(uid) {
			return &PermissionError{Path: p, Untrusted: true, Fix: "rm " + shellQuote(p),
				Message: fmt.Sprintf("the symbolic link %s, on the way to %s, is owned by %s, so that user could point it elsewhere", p, what(key, path), describeUser(uid))}
		}
		target, err := os.Readlink(p)
		if err != nil {
			return nil
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		p = filepath.Clean(target)
	}
	return nil
}

// checkDirs checks dir and each folder above it (following symlinks, so a
// link's target folder is checked; the folder holding the link is one of
// the prefixes). A folder that does not exist ends the walk.
func checkDirs(key, path, dir string, seen map[string]bool) error {
	var chain []string
	for d := dir; ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		if seen[d] {
			continue
		}
		seen[d] = true
		info, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			continue
		}
		if err := checkDirTrust(key, path, d, info); err != nil {
			return err
		}
	}
	return nil
}
