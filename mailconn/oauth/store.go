package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"
)

// tokenFileVersion is the format of the token file this build writes.
const tokenFileVersion = 1

// maxTokenFile bounds what is read from a token file.
const maxTokenFile = 1 << 20

// storedToken is the token file: the token and what it was issued for, so
// that a changed app registration or protocol asks for a new sign-in
// instead of failing at the server.
type storedToken struct {
	Version  int           `json:"version"`
	Provider string        `json:"provider"`
	ClientID string        `json:"client_id"`
	TokenURL string        `json:"token_url"`
	Scopes   []string      `json:"scopes"`
	Account  string        `json:"account,omitempty"` // who signed in, from the token's claims
	Saved    time.Time     `json:"saved"`
	Token    *oauth2.Token `json:"token"`
}

// readToken reads the token file at path. A missing or unreadable file is
// a *SignInError; a file others may read is refused with the chmod that
// fixes it.
func readToken(path, command string) (*storedToken, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &SignInError{Reason: "no OAuth 2.0 sign-in is stored in " + path, Command: command, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the token file %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the token file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("the token file %s is not a regular file", path)
	}
	if info.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("the token file %s is readable by other users (mode %04o) and holds a credential; run: chmod 600 %s", path, info.Mode().Perm(), shellQuote(path))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenFile))
	if err != nil {
		return nil, fmt.Errorf("cannot read the token file %s: %w", path, err)
	}
	var st storedToken
	if err := json.Unmarshal(data, &st); err != nil || st.Token == nil || st.Version != tokenFileVersion {
		return nil, &SignInError{Reason: "the token file " + path + " is not one this version of mailsetup wrote", Command: command}
	}
	return &st, nil
}

// writeToken writes st to path atomically: a temp file in the same folder
// is written, fsynced, given its mode and owner, and renamed over path; the
// folder is fsynced. The file gets mode 0600 (0640 when the file it replaces
// was group-readable) and keeps the owner and group of the file it
// replaces. A missing folder is created with mode 0700; a symlink at path
// is followed.
func writeToken(path string, st *storedToken) (err error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot save the token: %w", err)
	}
	data = append(data, '\n')
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	mode := fs.FileMode(0o600)
	uid, gid := -1, -1
	if old, err := os.Stat(path); err == nil {
		if old.Mode().Perm()&0o040 != 0 {
			mode = 0o640
		}
		uid, gid, _ = fileOwner(old)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	if uid >= 0 && (uid != os.Geteuid() || gid != os.Getegid()) {
		// Keep the owner the connector's service user gave the file; an
		// unprivileged caller that cannot is still the file's owner.
		if err := tmp.Chown(uid, gid); err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("cannot save the token in %s: %w", dir, err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot save the token in %s: %w", dir, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
