package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SaveOptions sets the owner and group of the written file.
type SaveOptions struct {
	// Owner is a user name or numeric id; empty keeps the existing file's
	// owner (or the caller's, for a new file).
	Owner string
	// Group is a group name or numeric id; empty keeps the existing file's
	// group (or the caller's, for a new file). A Group gives mode 0640, so
	// that the connector's service group can read the file.
	Group string
}

// saveHook, when set (by tests), is called at each stage of Save; an error
// it returns fails Save at that stage as if the system call had.
var saveHook func(stage string) error

func hook(stage string) error {
	if saveHook == nil {
		return nil
	}
	return saveHook(stage)
}

// staleTempAge is how old a leftover temp file of an interrupted save must
// be before Save removes it (a younger one may belong to a save in progress).
const staleTempAge = time.Minute

// Save validates c and writes it to path atomically: a temp file in the same
// folder is written, fsynced, given its mode and owner, renamed over path,
// and the folder is fsynced. At every moment path holds the old file or the
// new one, whole. A missing folder is created with mode 0700.
//
// The file gets mode 0600, or 0640 with opts.Group or when the file it
// replaces was group-readable. Rewriting an existing file keeps its owner
// and group unless opts say otherwise. A symlink at path (or a chain of
// them) is followed and its target is replaced; the link stays. An invalid
// config is refused with Validate's error and nothing is written; on any
// failure (full disk, read-only folder, no permission) the error names the
// folder, the old file is unchanged and the temp file is removed.
func Save(path string, c *Config, opts SaveOptions) error {
	if path == "" {
		return errors.New("cannot save: no config path given")
	}
	if _, err := c.Validate(); err != nil {
		return err
	}
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	if _, _, err := Parse(data, path); err != nil {
		return fmt.Errorf("cannot save %s: mailsetup produced a file it cannot read back (a bug; please report it): %w", path, err)
	}
	return WriteFile(path, data, opts)
}

// WriteFile writes data to path as Save writes a config, without the
// config's checks: atomically, at mode 0600 (0640 with opts.Group or when
// the file it replaces was group-readable), keeping the replaced file's
// owner and group unless opts say otherwise, through a symlink to its
// target, creating a missing folder with mode 0700. Other secrets the
// connector reads (the OAuth 2.0 token file) are written with it.
func WriteFile(path string, data []byte, opts SaveOptions) error {
	if path == "" {
		return errors.New("cannot save: no path given")
	}
	uid, gid, err := lookupOwner(opts)
	if err != nil {
		return err
	}
	s := &saver{path: path, dir: filepath.Dir(path), mode: 0o600, uid: -1, gid: -1}
	target, err := resolveTarget(path)
	if err != nil {
		return s.fail(err)
	}
	dir, base := filepath.Dir(target), filepath.Base(target)
	s.target, s.dir = target, dir
	old, err := os.Stat(target)
	switch {
	case err == nil && old.IsDir():
		return fmt.Errorf("cannot save %s: it is a directory; name the file instead, e.g. %s", path, filepath.Join(path, "config.toml"))
	case err == nil && !old.Mode().IsRegular():
		return fmt.Errorf("cannot save %s: it is not a regular file (%s)", path, old.Mode().Type())
	case err == nil:
		s.exists = true
		if old.Mode()&0o040 != 0 {
			s.mode = 0o640
		}
		s.uid, s.gid, _ = fileOwner(old)
	case !errors.Is(err, fs.ErrNotExist):
		return s.fail(err)
	}
	if uid >= 0 {
		s.uid = uid
	}
	if gid >= 0 {
		s.gid, s.mode = gid, 0o640
	}
	if err := s.makeDir(); err != nil {
		return err
	}
	removeStaleTemps(dir, base)
	return s.write(base, data)
}

// saver holds the state of one Save.
type saver struct {
	path, target, dir string
	exists            bool
	mode              fs.FileMode
	uid, gid          int // -1: leave as created
}

func (s *saver) makeDir() error {
	if _, err := os.Stat(s.dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return s.fail(err)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return s.fail(err)
	}
	return nil
}

// write does the temp-file dance; on error the temp file is removed.
func (s *saver) write(base string, data []byte) (err error) {
	if err := hook("create"); err != nil {
		return s.fail(err)
	}
	tmp, err := os.CreateTemp(s.dir, "."+base+".tmp-*")
	if err != nil {
		return s.fail(err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	steps := []struct {
		stage string
		do    func() error
	}{
		{"created", func() error { return nil }},
		{"written", func() error { _, err := tmp.Write(data); return err }},
		{"synced", tmp.Sync},
		{"chowned", func() error { return s.chown(tmp) }},
		{"chmodded", func() error { return tmp.Chmod(s.mode) }},
		{"closed", tmp.Close},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return s.fail(err)
		}
		if err := hook(st.stage); err != nil {
			return s.fail(err)
		}
	}
	if err := os.Rename(tmp.Name(), s.target); err != nil {
		return s.fail(err)
	}
	renamed = true
	if err := hook("renamed"); err != nil {
		return s.fail(err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("saved %s, but flushing the folder %s to disk failed: %w", s.path, s.dir, err)
	}
	return hook("dir-synced")
}

// chown gives the temp file the wanted owner and group, if they differ.
func (s *saver) chown(f *os.File) error {
	if s.uid < 0 && s.gid < 0 {
		return nil
	}
	info, err := f.Stat()
	if err != nil {
		return err
	}
	uid, gid, ok := fileOwner(info)
	if !ok || (s.uid < 0 || s.uid == uid) && (s.gid < 0 || s.gid == gid) {
		return nil
	}
	if err := f.Chown(s.uid, s.gid); err != nil {
		return fmt.Errorf("%w to %d:%d: %w", errChown, s.uid, s.gid, err)
	}
	return nil
}

// fail turns a system error into one sentence that names the folder and
// says the old file is intact.
func (s *saver) fail(err error) error {
	intact := "nothing was written"
	if s.exists {
		intact = "the old file is unchanged"
	}
	var msg string
	switch {
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		msg = fmt.Sprintf("no space left on the device that holds %s; free some space and save again", s.dir)
	case errors.Is(err, syscall.EROFS):
		msg = fmt.Sprintf("the folder %s is on a read-only file system; remount it read-write or choose another --config", s.dir)
	case errors.Is(err, syscall.ENOTDIR):
		msg = fmt.Sprintf("a part of the folder path %s is a file, not a folder; choose another --config", s.dir)
	case errors.Is(err, errChown):
		msg = fmt.Sprintf("cannot set the owner or group of the new file in %s (%s); run as root to keep or set them", s.dir, errText(err))
	case errors.Is(err, fs.ErrPermission):
		msg = fmt.Sprintf("no permission to write in the folder %s; run as a user who may (e.g. root) or choose another --config", s.dir)
	default:
		msg = fmt.Sprintf("writing in the folder %s failed: %s", s.dir, errText(err))
	}
	return &wrapError{msg: fmt.Sprintf("cannot save %s: %s (%s)", s.path, msg, intact), err: err}
}

// errChown marks a failed chown of the temp file.
var errChown = errors.New("setting the owner")

// wrapError is an error with its own message that still matches the
// underlying error with errors.Is and errors.As.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// resolveTarget follows a chain of symlinks at path to the file to replace,
// which may not exist yet.
func resolveTarget(path string) (string, error) {
	p := path
	for range 40 {
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// removeStaleTemps removes leftover temp files of interrupted saves.
func removeStaleTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + ".tmp-"
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// syncDir fsyncs a folder so a rename in it is durable; file systems that
// cannot sync a folder are not an error.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// lookupOwner turns SaveOptions into numeric ids; -1 means not given.
func lookupOwner(opts SaveOptions) (uid, gid int, err error) {
	uid, gid = -1, -1
	if opts.Owner != "" {
		if uid, err = strconv.Atoi(opts.Owner); err != nil || uid < 0 {
			u, lerr := user.Lookup(opts.Owner)
			if lerr != nil {
				return -1, -1, fmt.Errorf("cannot save: owner %q is not a user on this machine", opts.Owner)
			}
			if uid, err = strconv.Atoi(u.Uid); err != nil {
				return -1, -1, fmt.Errorf("cannot save: user %q has no numeric id on this system", opts.Owner)
			}
		}
	}
	if opts.Group != "" {
		if gid, err = strconv.Atoi(opts.Group); err != nil || gid < 0 {
			g, lerr := user.LookupGroup(opts.Group)
			if lerr != nil {
				return -1, -1, fmt.Errorf("cannot save: group %q is not a group on this machine", opts.Group)
			}
			if gid, err = strconv.Atoi(g.Gid); err != nil {
				return -1, -1, fmt.Errorf("cannot save: group %q has no numeric id on this system", opts.Group)
			}
		}
	}
	return uid, gid, nil
}
