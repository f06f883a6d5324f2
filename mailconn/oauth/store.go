package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/config"
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
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, &SignInError{Reason: "no OAuth 2.0 sign-in is stored in " + path, Command: command, Err: err}
	}
	data, err := config.ReadRegularFile("incoming.oauth2.token_file", path, maxTokenFile)
	var pe *config.PermissionError
	var nre *config.NotRegularError
	switch {
	case errors.As(err, &pe) || errors.As(err, &nre):
		return nil, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, &SignInError{Reason: "no OAuth 2.0 sign-in is stored in " + path, Command: command, Err: err}
	case err != nil:
		return nil, fmt.Errorf("cannot read the token file %s: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("the token file %s is readable by other users (mode %04o) and holds a credential; run: chmod 600 %s", path, info.Mode().Perm(), shellQuote(path))
	}
	var st storedToken
	if err := json.Unmarshal(data, &st); err != nil || st.Token == nil || st.Version != tokenFileVersion {
		return nil, &SignInError{Reason: "the token file " + path + " is not one this version of mailsetup wrote", Command: command}
	}
	return &st, nil
}

// writeToken writes st to path as the config is written (config.WriteFile):
// atomically, at mode 0600 (0640 when the file it replaces was
// group-readable), keeping that file's owner and group, through a symlink,
// creating a missing folder with mode 0700.
func writeToken(path string, st *storedToken) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot save the token: %w", err)
	}
	return config.WriteFile(path, append(data, '\n'), config.SaveOptions{})
}
