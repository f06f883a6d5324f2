package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/internal/safetext"
)

// SecretCommandTimeout bounds a password_command or client_secret_command
// when the context has no earlier deadline.
const SecretCommandTimeout = 10 * time.Second

// maxSecretSize bounds what a secret file or command may produce.
const maxSecretSize = 64 << 10

// SecretError says why a password or client secret could not be obtained.
// Key is the config key of the source, e.g. "incoming.password_env".
type SecretError struct {
	Key     string
	Message string
	Err     error // the underlying error, if any
}

func (e *SecretError) Error() string { return e.Message }

// Unwrap returns the underlying error.
func (e *SecretError) Unwrap() error { return e.Err }

// ErrNoSecretSource is wrapped when no password (or client secret) source is set.
var ErrNoSecretSource = errors.New("no secret source is set")

// PasswordSource names the password key that is set: "password",
// "password_file", "password_env", "password_command", or "" when none is.
// When several are set (an invalid config) the first in that order wins.
func (in *Incoming) PasswordSource() string {
	if s := in.passwordSources(); len(s) > 0 {
		return s[0]
	}
	return ""
}

// ResolvePassword returns the password from its source: inline; from
// password_file (refused with a *PermissionError when readable by others —
// group-readable 0640 is fine — trailing newline trimmed); from
// password_env (a missing variable is an error naming it); or from the
// standard output of password_command, run with /bin/sh -c under ctx and at
// most SecretCommandTimeout (trailing newline trimmed; on failure the error
// carries the command's stderr). Errors are *SecretError or *PermissionError.
func (in *Incoming) ResolvePassword(ctx context.Context) (string, error) {
	const t = "incoming."
	switch in.PasswordSource() {
	case "password":
		return in.Password, nil
	case "password_file":
		return readSecretFile(t+"password_file", in.PasswordFile)
	case "password_env":
		return readSecretEnv(t+"password_env", in.PasswordEnv)
	case "password_command":
		return runSecretCommand(ctx, t+"password_command", in.PasswordCommand)
	}
	return "", &SecretError{Key: t + "password", Err: ErrNoSecretSource,
		Message: "no password is set; set one of incoming.password, password_file, password_env, password_command"}
}

// ClientSecretSource names the client secret key that is set:
// "client_secret", "client_secret_file", "client_secret_env",
// "client_secret_command", or "" when none is.
func (o *OAuth2) ClientSecretSource() string {
	for _, s := range []struct{ key, value string }{
		{"client_secret", o.ClientSecret}, {"client_secret_file", o.ClientSecretFile},
		{"client_secret_env", o.ClientSecretEnv}, {"client_secret_command", o.ClientSecretCommand},
	} {
		if s.value != "" {
			return s.key
		}
	}
	return ""
}

// ResolveClientSecret returns the OAuth 2.0 client secret from its source,
// with the same rules as ResolvePassword. With no source set it returns ""
// and an error wrapping ErrNoSecretSource (a public client has no secret).
func (o *OAuth2) ResolveClientSecret(ctx context.Context) (string, error) {
	const t = "incoming.oauth2."
	switch o.ClientSecretSource() {
	case "client_secret":
		return o.ClientSecret, nil
	case "client_secret_file":
		return readSecretFile(t+"client_secret_file", o.ClientSecretFile)
	case "client_secret_env":
		return readSecretEnv(t+"client_secret_env", o.ClientSecretEnv)
	case "client_secret_command":
		return runSecretCommand(ctx, t+"client_secret_command", o.ClientSecretCommand)
	}
	return "", &SecretError{Key: t + "client_secret", Err: ErrNoSecretSource,
		Message: "no client secret is set; set one of incoming.oauth2.client_secret_file, client_secret_env, client_secret_command, client_secret"}
}

func readSecretFile(key, path string) (string, error) {
	data, err := readRegular(key, path, maxSecretSize, func(info fs.FileInfo) error {
		return checkSecretFileMode(key, path, info.Mode())
	})
	if err != nil {
		var pe *PermissionError
		var nre *NotRegularError
		switch {
		case errors.As(err, &pe):
			return "", err
		case errors.As(err, &nre) && nre.Mode.IsDir():
			return "", &SecretError{Key: key, Err: err, Message: fmt.Sprintf("%s %s is a directory; name the file that holds the secret", key, path)}
		case errors.As(err, &nre):
			return "", &SecretError{Key: key, Err: err, Message: err.Error()}
		}
		return "", &SecretError{Key: key, Err: err, Message: fmt.Sprintf("cannot read %s %s: %s", key, path, errText(err))}
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", &SecretError{Key: key, Message: fmt.Sprintf("%s %s is empty; write the secret into it", key, path)}
	}
	return s, nil
}

func readSecretEnv(key, name string) (string, error) {
	v, ok := os.LookupEnv(name)
	switch {
	case !ok:
		return "", &SecretError{Key: key, Message: fmt.Sprintf("environment variable %s (named by %s) is not set; set it in the connector's environment or choose another source", name, key)}
	case v == "":
		return "", &SecretError{Key: key, Message: fmt.Sprintf("environment variable %s (named by %s) is empty; set it to the secret", name, key)}
	}
	return v, nil
}

// runSecretCommand runs command with /bin/sh -c and returns its standard
// output without the trailing newline.
func runSecretCommand(ctx context.Context, key, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, SecretCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	var stdout, stderr cappedBuffer
	stdout.limit, stderr.limit = maxSecretSize, 4<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	killProcessGroup(cmd)
	err := cmd.Run()
	detail := strings.TrimSpace(stderr.String())
	if detail != "" {
		detail = ": " + oneLine(detail)
	}
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", &SecretError{Key: key, Err: ctx.Err(), Message: fmt.Sprintf("%s did not finish in time%s; make it print the secret and exit", key, detail)}
	case ctx.Err() != nil:
		return "", &SecretError{Key: key, Err: ctx.Err(), Message: fmt.Sprintf("%s was cancelled", key)}
	case err != nil:
		return "", &SecretError{Key: key, Err: err, Message: fmt.Sprintf("%s failed (%s)%s", key, errText(err), detail)}
	case stdout.overflow:
		return "", &SecretError{Key: key, Message: fmt.Sprintf("%s printed more than %d KiB; it must print only the secret", key, maxSecretSize>>10)}
	}
	s := strings.TrimRight(stdout.String(), "\r\n")
	if s == "" {
		return "", &SecretError{Key: key, Message: fmt.Sprintf("%s printed nothing%s; it must print the secret on standard output", key, detail)}
	}
	return s, nil
}

// cappedBuffer keeps at most limit bytes and notes whether more came. It
// does not embed bytes.Buffer: io.Copy would use its ReadFrom and bypass Write.
type cappedBuffer struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) String() string { return b.buf.String() }

// oneLine joins the non-empty lines of s with "; " and bounds the length
// for an error message. s is a command's stderr, text from outside: it is
// cleaned by safetext (controls escaped, invalid UTF-8 as U+FFFD).
func oneLine(s string) string {
	var lines []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return safetext.Bound(strings.Join(lines, "; "), 500)
}

// errText is the innermost message of an error, e.g. "permission denied".
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readLimited reads r up to limit bytes; more is an error.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
