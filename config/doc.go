// Package config holds the Mail Connector's incoming-mail settings: the TOML
// schema (version 1) and its defaults (config.go), strict loading with the
// line and column of a mistake (load.go, decodeerr.go), validation with the
// key at fault (validate.go), where the file lives (path.go), how secrets
// are resolved from the file, a password file, the environment or a
// command (secret.go), the permission and ownership checks that keep a
// secret private and an untrusted file out (perm.go, trust.go, owner_*.go),
// redaction for display (redact.go), TOML output with comments
// (marshal.go), and the atomic, crash-safe save (save.go, create.go).
//
// It does no network I/O; the connection test lives in package mailconn.
package config
