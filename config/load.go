package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// DecodeError is a syntax error, an unknown key or a value of the wrong type
// in a config file, with the position where it was found.
type DecodeError struct {
	File    string // the file name as given to Parse or Load
	Line    int    // 1-based; 0 when unknown
	Column  int    // 1-based; 0 when unknown
	Key     string // dotted key, e.g. "incoming.port"; empty for a syntax error outside a key
	Message string // one sentence naming what to fix
}

// Error returns "FILE:LINE:COL: message".
func (e *DecodeError) Error() string {
	switch {
	case e.Line > 0 && e.File != "":
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message)
	case e.File != "":
		return e.File + ": " + e.Message
	}
	return e.Message
}

// Parse decodes data strictly over Default() (absent keys keep their
// defaults), then validates it. filename names the file in error messages.
//
// A syntax error, an unknown key or a wrong type is a *DecodeError (several
// unknown keys are joined with errors.Join, one per line); a version other
// than 1 or an invalid value is a *ValidationError (several are joined).
// Warnings are returned with a nil error only.
func Parse(data []byte, filename string) (*Config, []Warning, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark from a Windows editor
	c := Default()
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, nil, translateDecodeError(data, filename, err)
	}
	// A file states its version; Validate accepts 0 only for a Config built in code.
	if c.Version != SchemaVersion {
		return nil, nil, &ValidationError{File: filename, Key: "version",
			Message: fmt.Sprintf("version = %d is not supported; this mailsetup reads version %d", c.Version, SchemaVersion)}
	}
	warnings, err := c.Validate()
	if err != nil {
		return nil, nil, withFile(err, filename)
	}
	return &c, warnings, nil
}

// withFile sets File on every *ValidationError inside err.
func withFile(err error, filename string) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.File = filename
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			withFile(e, filename)
		}
	}
	return err
}

// maxConfigSize bounds what Load reads: a config is a few hundred bytes.
const maxConfigSize = 1 << 20

// Load reads the file at path and Parses it. Syntax, schema and validation
// errors come first; then the trust rule (see ReadRegularFile and
// CheckFiles) is applied to the config and every file it names: each must
// be owned by root or the running user and writable by no one else, and,
// when running as root, so must every folder leading to them
// (*PermissionError with Untrusted set, naming the chown or chmod that fixes
// it). Then a file readable by others that holds an inline password or
// client secret, or whose password_file or client_secret_file is readable
// by others, is refused (*PermissionError, with the chmod that fixes it).
// The config must be a regular file (a FIFO or device fails at once).
// Load reads no secret: files named by the config are only stat()ed, and
// no command runs.
//
// A missing file is an error wrapping fs.ErrNotExist that says how to create one.
func Load(path string) (*Config, []Warning, error) {
	f, info, err := openRegular("config", path)
	if err != nil {
		var nre *NotRegularError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("no config file at %s; run `mailsetup` or `mailsetup init` to create one: %w", path, fs.ErrNotExist)
		case errors.As(err, &nre) && nre.Mode.IsDir():
			return nil, nil, fmt.Errorf("config path %s is a directory; pass the file's path, e.g. %s", path, strings.TrimSuffix(path, "/")+"/config.toml")
		case errors.As(err, &nre):
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("cannot read config: %w", err)
	}
	defer f.Close()
	data, err := readLimited(f, maxConfigSize)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read config %s: %w", path, err)
	}
	c, warnings, err := Parse(data, path)
	if err != nil {
		return nil, nil, err
	}
	if err := checkFileTrust("config", path, info); err != nil {
		return nil, nil, err
	}
	if err := checkPathTrust("config", path); err != nil {
		return nil, nil, err
	}
	if err := CheckFiles(&c.Incoming); err != nil {
		return nil, nil, err
	}
	if err := checkConfigMode(path, info.Mode(), c); err != nil {
		return nil, nil, err
	}
	if err := checkSecretFiles(c); err != nil {
		return nil, nil, err
	}
	return c, warnings, nil
}
