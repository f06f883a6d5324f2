package config

import (
	"bytes"
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

// SaveOptions sets who may read the written file.
//
// The written file is always owned by the user who saves it (root, as a
// rule): a file another user owns could be changed by that user, and the
// trust rule (see Load) refuses it. So Owner, when root saves, names the
// user who must be able to read the file: the file stays owned by root,
// gets that user's group and mode 0640. When that group is not the user's
// own (same name as the user), it may have other members and Save refuses;
// give Group instead.
type SaveOptions struct {
	// Owner is a user name or numeric id that must be able to read the
	// file. As root: the file stays root's and gets Owner's primary group
	// (or Group) with mode 0640. As another user: only that user itself.
	Owner string
	// Group is a group name or numeric id; empty keeps the existing file's
	// group when that file is owned by root or the running user (else the
	// caller's, as for a new file). A Group gives mode 0640, so that the
	// connector's service group can read the file.
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
// The file gets mode 0600, or 0640 with opts.Group or opts.Owner, or when
// the file it replaces was group-readable and owned by root or the running
// user. The new file is owned by the running user, whoever owned the file
// it replaces (see SaveOptions); it keeps the replaced file's group when
// that file was owned by root or the running user. A symlink at path (or a
// chain of them) is followed and its target is replaced (the link stays),
// unless a user other than root and the running user could swap a link on
// the way: the link must be owned by root or the running user and lie in a
// folder no one else may write (or a sticky one, like /tmp), else Save
// refuses with a *PermissionError. When root saves, the folders leading to
// the file must pass the trust rule as well (see Load). An invalid
// config is refused with Validate's error and nothing is written; on any
// failure (full disk, read-only folder, no permission) the error names the
// folder, the old file is unchanged and the temp file is removed.
func Save(path string, c *Config, opts SaveOptions) error {
	data, err := marshalChecked(path, c)
	if err != nil {
		return err
	}
	return writeNamed("config", path, data, opts)
}

// SaveIfChanged is Save, except that a file that already holds exactly
// what Save would write, with the mode, owner and group Save would give it,
// is left alone: same bytes, same mtime, same inode. changed reports
// whether the file was written. When only the mode, owner or group differ,
// the file is written anew (atomically, as Save does), which sets them.
func SaveIfChanged(path string, c *Config, opts SaveOptions) (changed bool, err error) {
	data, err := marshalChecked(path, c)
	if err != nil {
		return false, err
	}
	s, err := planSave("config", path, opts)
	if err != nil {
		return false, err
	}
	if s.same(data) {
		return false, nil
	}
	return true, s.commit(data)
}

// SaveState is what Save would do to the file at a path.
type SaveState int

const (
	// SaveNew: there is no file yet; Save would create it.
	SaveNew SaveState = iota
	// SaveSame: the file already holds what Save would write, with the
	// same mode, owner and group; SaveIfChanged would leave it alone.
	SaveSame
	// SaveDiffers: the file exists and Save would replace it.
	SaveDiffers
)

// CompareSaved reports what Save(path, c, opts) would do, writing nothing.
// Errors are those Save would return before writing (an invalid config,
// an unknown owner or group, a path that fails the trust rule, a folder).
func CompareSaved(path string, c *Config, opts SaveOptions) (SaveState, error) {
	data, err := marshalChecked(path, c)
	if err != nil {
		return SaveNew, err
	}
	s, err := planSave("config", path, opts)
	switch {
	case err != nil:
		return SaveNew, err
	case !s.exists:
		return SaveNew, nil
	case s.same(data):
		return SaveSame, nil
	}
	return SaveDiffers, nil
}

// SaveMode is the mode Save(path, c, opts) would give the file, writing
// nothing: 0600, or 0640 with opts.Group or opts.Owner, or when the file it
// replaces is group-readable and owned by root or the running user. Errors
// are those of the trust rule and the owner and group lookups.
func SaveMode(path string, opts SaveOptions) (fs.FileMode, error) {
	s, err := planSave("config", path, opts)
	if err != nil {
		return 0, err
	}
	return s.mode, nil
}

// marshalChecked validates c and renders it as Save writes it.
func marshalChecked(path string, c *Config) ([]byte, error) {
	if path == "" {
		return nil, errors.New("cannot save: no config path given")
	}
	if _, err := c.Validate(); err != nil {
		return nil, err
	}
	data, err := Marshal(c)
	if err != nil {
		return nil, err
	}
	if _, _, err := Parse(data, path); err != nil {
		return nil, fmt.Errorf("cannot save %s: mailsetup produced a file it cannot read back (a bug; please report it): %w", path, err)
	}
	return data, nil
}

// WriteFile writes data to path as Save writes a config, without the
// config's checks: atomically, at mode 0600 (0640 with opts.Group or
// opts.Owner, or when the file it replaces was group-readable and owned by
// root or the running user), owned by the running user, never through a
// symlink that another user could swap, creating a missing folder with mode
// 0700. Other secrets the connector reads (the OAuth 2.0 token file) are
// written with it.
func WriteFile(path string, data []byte, opts SaveOptions) error {
	return writeNamed("file", path, data, opts)
}

func writeNamed(key, path string, data []byte, opts SaveOptions) error {
	s, err := planSave(key, path, opts)
	if err != nil {
		return err
	}
	return s.commit(data)
}

// planSave works out where and how a save of path would write: the file
// the symlinks at path lead to, and the mode, owner and group of the new
// file. It checks the trust rule on the way and writes nothing.
func planSave(key, path string, opts SaveOptions) (*saver, error) {
	if path == "" {
		return nil, errors.New("cannot save: no path given")
	}
	uid, gid, err := lookupOwner(opts)
	if err != nil {
		return nil, err
	}
	if uid >= 0 && uid != geteuid() && geteuid() == 0 && gid < 0 {
		if gid, err = readerGroup(opts.Owner, uid); err != nil {
			return nil, err
		}
	}
	s := &saver{key: key, path: path, dir: filepath.Dir(path), mode: 0o600, uid: -1, gid: -1}
	target, err := resolveTarget(key, path)
	if err != nil {
		var pe *PermissionError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot save %s: %w", path, err)
		}
		return nil, s.fail(err)
	}
	if err := checkPathTrust(key, target); err != nil {
		return nil, fmt.Errorf("cannot save %s: %w", path, err)
	}
	s.target, s.dir = target, filepath.Dir(target)
	old, err := os.Stat(target)
	switch {
	case err == nil && old.IsDir():
		return nil, fmt.Errorf("cannot save %s: it is a directory; name the file instead, e.g. %s", path, filepath.Join(path, "config.toml"))
	case err == nil && !old.Mode().IsRegular():
		return nil, fmt.Errorf("cannot save %s: it is not a regular file (%s)", path, old.Mode().Type())
	case err == nil:
		s.exists = true
		// The new file is the running user's. It keeps the old group
		// (and group read) only when a trusted user chose them.
		if oldUID, oldGID, ok := fileOwner(old); !ok || trustedUID(oldUID) {
			if old.Mode()&0o040 != 0 {
				s.mode = 0o640
			}
			s.gid = oldGID
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, s.fail(err)
	}
	if uid >= 0 && geteuid() != 0 {
		s.uid = uid // another user than oneself fails with a clear error
	}
	if gid >= 0 {
		s.gid, s.mode = gid, 0o640
	}
	return s, nil
}

// commit writes data as planned.
func (s *saver) commit(data []byte) error {
	if err := s.makeDir(); err != nil {
		return err
	}
	base := filepath.Base(s.target)
	removeStaleTemps(s.dir, base)
	return s.write(base, data)
}

// same reports whether the file to replace already holds exactly data,
// with the mode, owner and group the new file would get. A file that
// cannot be read, or fails the trust rule, is not the same: writing it
// anew is what fixes it.
func (s *saver) same(data []byte) bool {
	if !s.exists {
		return false
	}
	f, info, err := openRegular(s.key, s.target)
	if err != nil {
		return false
	}
	defer f.Close()
	if info.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != s.mode {
		return false
	}
	if uid, gid, ok := fileOwner(info); ok {
		want := s.uid
		if want < 0 {
			want = geteuid()
		}
		if uid != want || s.gid >= 0 && gid != s.gid {
			return false
		}
	}
	if info.Size() != int64(len(data)) {
		return false
	}
	got, err := readLimited(f, int64(len(data)))
	return err == nil && bytes.Equal(got, data)
}

// saver holds the state of one Save.
type saver struct {
	key, path, target, dir string
	exists                 bool
	mode                   fs.FileMode
	uid, gid               int // -1: leave as created
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
// which may not exist yet. A link that a user other than root and the
// running user owns, or that lies in a folder such a user may write (and
// that is not sticky), is refused with a *PermissionError: that user could
// point it at any file.
func resolveTarget(key, path string) (string, error) {
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
		if err := checkLinkTrust(key, path, p, info); err != nil {
			return "", err
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

// checkLinkTrust refuses a symlink (at link, with lstat info) on the way to
// path that another user could swap.
func checkLinkTrust(key, path, link string, info fs.FileInfo) error {
	if !unixChecks {
		return nil
	}
	if uid, _, ok := fileOwner(info); ok && !trustedUID(uid) {
		return &PermissionError{Path: link, Untrusted: true, Fix: "rm " + shellQuote(link),
			Message: fmt.Sprintf("the symbolic link %s, on the way to %s, is owned by %s, so that user could point it at any file; mailsetup does not write through it", link, what(key, path), describeUser(uid))}
	}
	dir := filepath.Dir(link)
	dinfo, err := os.Stat(dir)
	if err != nil {
		return err
	}
	swap := "so that user could point it at any file; mailsetup does not write through it"
	if uid, _, ok := fileOwner(dinfo); ok && !trustedUID(uid) {
		return &PermissionError{Path: dir, Untrusted: true, Fix: chownFix(dir),
			Message: fmt.Sprintf("the symbolic link %s, on the way to %s, lies in the folder %s owned by %s, %s", link, what(key, path), dir, describeUser(uid), swap)}
	}
	if m := dinfo.Mode(); m&0o022 != 0 && m&fs.ModeSticky == 0 {
		return &PermissionError{Path: dir, Untrusted: true, Fix: "chmod go-w " + shellQuote(dir),
			Message: fmt.Sprintf("the symbolic link %s, on the way to %s, lies in the folder %s writable by %s (mode %04o), so others could point it at any file; mailsetup does not write through it", link, what(key, path), dir, writers(m), m.Perm())}
	}
	return nil
}

// readerGroup is the group that lets user uid (named owner) read a file
// that root keeps: its primary group, which must be its own (named like the
// user), since another group may have other members.
func readerGroup(owner string, uid int) (int, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return -1, fmt.Errorf("cannot save: owner %s has no entry in the user database, so its group is unknown; give the group that may read the file instead (--group)", owner)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil || g.Name != u.Username {
		name := u.Gid
		if err == nil {
			name = g.Name
		}
		return -1, fmt.Errorf("cannot save: the file stays owned by root and %s would read it through its primary group %s, which other users may share; give a group only the connector's user is in (--group)", u.Username, name)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return -1, fmt.Errorf("cannot save: user %q has no numeric group id on this system", owner)
	}
	return gid, nil
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

// CheckSaveOptions looks up opts.Owner and opts.Group as Save will, so a
// caller can refuse an unknown user or group before slower work (init
// --test runs the connection test first).
func CheckSaveOptions(opts SaveOptions) error {
	uid, gid, err := lookupOwner(opts)
	if err == nil && uid >= 0 && uid != geteuid() && geteuid() == 0 && gid < 0 {
		_, err = readerGroup(opts.Owner, uid)
	}
	return err
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
