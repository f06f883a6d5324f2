package mailconn

import (
	"context"
	"errors"
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// SecretSourceError is a secret that could not be had at the authenticate
// step: Options.SecretFunc failed (a password_command that fails or times
// out, a password_file that is missing or empty, a password_env not set, a
// revoked OAuth 2.0 sign-in). The test fails at the authenticate step with
// the field of the secret's source and the source's own sentence as the hint.
type SecretSourceError struct {
	Err error // what SecretFunc returned
}

func (e *SecretSourceError) Error() string { return e.Err.Error() }

// Unwrap returns what SecretFunc returned.
func (e *SecretSourceError) Unwrap() error { return e.Err }

// obtainSecret gets the secret at the authenticate step: from
// Options.SecretFunc when set, else Options.Secret. It adds the secret to
// the trace's redaction and fails with ErrNoSecret when there is none.
func (r *runner) obtainSecret(ctx context.Context) error {
	if r.secretErr != nil {
		return r.secretErr // asked before the authenticate step (imappipe.go)
	}
	if f := r.opts.SecretFunc; f != nil {
		r.opts.SecretFunc = nil // once per test
		s, err := f(ctx)
		if err != nil {
			r.secretErr = &SecretSourceError{Err: err}
			return r.secretErr
		}
		r.opts.Secret = s
		r.addSecret(s) // the trace derives the encodings itself
	}
	if r.opts.Secret == "" {
		return ErrNoSecret
	}
	return nil
}

// classifyStep is classify for the steps of a test, where a secret source
// can fail: its errors come first, since what they wrap (a token endpoint's
// DNS or connection failure, a command's deadline) is not the mail
// server's.
func classifyStep(id StepID, err error, in *config.Incoming, ci connInfo) failure {
	var se *SecretSourceError
	if errors.As(err, &se) {
		return classifySecret(failure{}, se, in)
	}
	return classify(id, err, in, ci)
}

// classifySecret fills in the failure of a secret source.
func classifySecret(f failure, e *SecretSourceError, in *config.Incoming) failure {
	f.field, f.short = FieldPassword, "cannot read the password"
	if in.Auth == config.AuthOAuth2 {
		f.field, f.short = FieldOAuth2, "cannot get an OAuth 2.0 token"
	}
	var se *config.SecretError
	if errors.As(e.Err, &se) && strings.HasPrefix(se.Key, "incoming.oauth2.client_secret") {
		f.short = "cannot read the client secret"
	}
	f.hint = hintSentence(e.Err.Error())
	f.detail = f.short // the hint carries the source's sentence
	return f
}

// hintSentence ends msg with a full stop; a message that begins with a
// config key keeps its case.
func hintSentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "\n") && !strings.Contains(msg, "\n") {
		msg += "."
	}
	return msg
}
