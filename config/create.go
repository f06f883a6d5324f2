package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// CreatePrivateFile creates path for writing a trace or an output file,
// mode 0600, for the running user only. A new file is created with
// O_EXCL|O_NOFOLLOW, so a symlink planted at path is never followed. An
// existing file is replaced (truncated) only when it is a regular file, not
// a symlink, with one link, owned by the running user; it is opened with
// O_NOFOLLOW and checked again on the open file before it is truncated and
// set to mode 0600. Anything else is refused with an error that names path
// and says what to do, and the file is left unchanged.
func CreatePrivateFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|flagNoFollow, 0o600)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("cannot create %s: %s", path, errText(err))
	}
	li, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %s", path, errText(err))
	}
	if err := replaceable(path, li); err != nil {
		return nil, err
	}
	f, err = os.OpenFile(path, os.O_WRONLY|flagNoFollow|flagNonBlock, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %s; remove it or choose another file", path, errText(err))
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		return nil, err
	}
	info, err := f.Stat()
	switch {
	case err != nil:
		return fail(fmt.Errorf("cannot write %s: %s", path, errText(err)))
	case !os.SameFile(li, info):
		return fail(fmt.Errorf("%s was replaced while mailsetup opened it; choose a file in a folder only you can write", path))
	}
	if err := replaceable(path, info); err != nil {
		return fail(err)
	}
	if err := f.Truncate(0); err != nil {
		return fail(fmt.Errorf("cannot write %s: %s", path, errText(err)))
	}
	if unixChecks {
		if err := f.Chmod(0o600); err != nil {
			return fail(fmt.Errorf("cannot write %s: %s", path, errText(err)))
		}
	}
	return f, nil
}

// replaceable refuses an existing file that CreatePrivateFile must not
// truncate: a symlink, not a regular file, another user's, or hard-linked.
func replaceable(path string, info fs.FileInfo) error {
	m := info.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link, and mailsetup does not write through one (it could point at any file); remove it (`rm %s`) or choose another file", path, shellQuote(path))
	case !m.IsRegular():
		return fmt.Errorf("%s exists and is %s, not a regular file; choose another file", path, kindOf(m))
	}
	if !unixChecks {
		return nil
	}
	if uid, _, ok := fileOwner(info); ok && uid != geteuid() {
		return fmt.Errorf("%s exists and is owned by %s, who could read what mailsetup writes into it; remove it (`rm %s`) or choose another file", path, describeUser(uid), shellQuote(path))
	}
	if fileLinks(info) > 1 {
		return fmt.Errorf("%s exists and has other hard links (it may be another file under a second name); remove it (`rm %s`) or choose another file", path, shellQuote(path))
	}
	return nil
}
