package mailconn

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sentinel errors of the connection test. The Result's hint and field are
// derived from them (and from *CertError, *AuthError, *FolderError, …) with
// errors.Is and errors.As.
var (
	// ErrAuthFailed means the server rejected the credentials. *AuthError
	// wraps it with the server's response code and text.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrLoginDisabled means the server refuses passwords on this
	// (unencrypted) connection: IMAP LOGINDISABLED.
	ErrLoginDisabled = errors.New("the server refuses passwords before STARTTLS")
	// ErrStartTLSNotOffered means security is starttls but the server does
	// not offer STARTTLS (IMAP) or STLS (POP3).
	ErrStartTLSNotOffered = errors.New("the server does not offer STARTTLS")
	// ErrStartTLSRefused means the server offered STARTTLS but refused it
	// (NO or BAD, -ERR) or did not follow it with a TLS handshake.
	ErrStartTLSRefused = errors.New("STARTTLS failed")
	// ErrDataBeforeTLS means the server sent more data after its STARTTLS
	// reply before the TLS handshake: someone may be injecting commands.
	ErrDataBeforeTLS = errors.New("data after the STARTTLS reply before the TLS handshake")
	// ErrNoGreeting means the server accepted the connection but sent no
	// greeting before the step's deadline.
	ErrNoGreeting = errors.New("no greeting from the server")
	// ErrGreetingRejected means the server's greeting was a refusal (IMAP
	// BYE, POP3 -ERR).
	ErrGreetingRejected = errors.New("the server refused the session")
	// ErrMalformed means the server sent something that is not a response
	// of the protocol.
	ErrMalformed = errors.New("malformed response")
	// ErrLineTooLong means a response line exceeded the reader's limit.
	ErrLineTooLong = errors.New("response line too long")
	// ErrTooMuchData means the server sent more than the session's byte
	// limit (a hostile or broken server).
	ErrTooMuchData = errors.New("the server sent too much data")
	// ErrServerClosed means the server closed the connection.
	ErrServerClosed = errors.New("the server closed the connection")
	// ErrInUse means a POP3 server answered [IN-USE]: another session
	// holds the mailbox lock.
	ErrInUse = errors.New("the mailbox is in use by another session")
	// ErrNoAddresses means the name resolved to no address.
	ErrNoAddresses = errors.New("no addresses for the name")
	// ErrPreauth means an IMAP server greeted with PREAUTH where STARTTLS
	// was required: it can no longer be upgraded.
	ErrPreauth = errors.New("the server sent PREAUTH on an unencrypted connection")
	// ErrNoSecret means no password or token was given.
	ErrNoSecret = errors.New("no password or token")
	// ErrCanceled means the caller cancelled the test.
	ErrCanceled = errors.New("canceled")
)

// AuthError is a refusal of the credentials. It wraps ErrAuthFailed.
type AuthError struct {
	Mechanism string // "PLAIN", "LOGIN", "NTLM", "XOAUTH2", "USER/PASS", …
	Code      string // IMAP response code or POP3 extended code, e.g. "AUTHENTICATIONFAILED", "AUTH"
	Text      string // the server's text
}

func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("authentication failed (")
	b.WriteString(e.Mechanism)
	b.WriteString(")")
	if e.Code != "" {
		b.WriteString(": [" + e.Code + "]")
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	return b.String()
}

func (e *AuthError) Unwrap() error { return ErrAuthFailed }

// TLSRequiredError means the server refuses passwords before TLS on this
// plain-text connection. It wraps ErrLoginDisabled. Signal is what the
// server said, in its protocol's own words: IMAP "LOGINDISABLED" or
// "XTLSREQUIRED" (GNU Mailutils), RFC 5530 "PRIVACYREQUIRED", POP3
// "XTLSREQUIRED", or a refusal's text such as "TLS required to log in.".
type TLSRequiredError struct {
	Protocol string // "IMAP" or "POP3"
	Signal   string
	// Refused is true when the server refused a command (its reply is
	// Signal), false when its capabilities said so and nothing was sent.
	Refused bool
}

func (e *TLSRequiredError) Error() string {
	if e.Refused {
		return fmt.Sprintf("the %s server refuses sign-in before TLS: %s", e.Protocol, e.Signal)
	}
	return fmt.Sprintf("the %s server refuses sign-in before TLS (%s)", e.Protocol, e.Signal)
}

func (e *TLSRequiredError) Unwrap() error { return ErrLoginDisabled }

// MechanismNotOfferedError means the server does not offer the
// authentication mechanism that auth asks for.
type MechanismNotOfferedError struct {
	Want    string   // e.g. "NTLM", "XOAUTH2 or OAUTHBEARER"
	Offered []string // what the server offers, e.g. ["PLAIN", "LOGIN"]
	// LaterAfterTLS is true when the connection is plain text and the server
	// offers STARTTLS: servers often offer more mechanisms after it.
	LaterAfterTLS bool
}

func (e *MechanismNotOfferedError) Error() string {
	offered := "nothing"
	if len(e.Offered) > 0 {
		offered = strings.Join(uniqueUpper(e.Offered), " ")
	}
	return fmt.Sprintf("the server does not offer %s; it offers %s", e.Want, offered)
}

// uniqueUpper is s upper-cased, each name once, in order.
func uniqueUpper(s []string) []string {
	var out []string
	for _, m := range s {
		if m = strings.ToUpper(m); !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// FolderError means the folder cannot be opened. Suggestions holds the close
// names the server has, best first.
type FolderError struct {
	Name        string
	Code        string // IMAP response code, e.g. "NONEXISTENT"; may be empty
	Text        string // the server's text
	Separator   rune   // the server's hierarchy delimiter, 0 if unknown
	NoSelect    bool   // the folder exists but holds only other folders (\Noselect)
	Suggestions []string
}

func (e *FolderError) Error() string {
	s := fmt.Sprintf("cannot open folder %q", e.Name)
	if e.Text != "" {
		s += `: the server answered: "` + e.Text + `"`
	}
	return s
}

// TimeoutError means a step did not finish before its deadline.
type TimeoutError struct {
	Step  StepID
	After time.Duration // how long the step ran
	Err   error         // what the I/O returned, may be nil
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s timed out after %s", e.Step, e.After.Round(100*time.Millisecond))
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true, so that a *TimeoutError is a net.Error-style timeout.
func (e *TimeoutError) Timeout() bool { return true }

// ServerError is a refusal by the server that is not about credentials or
// folders, e.g. a NO to CAPABILITY or a -ERR to STAT.
type ServerError struct {
	Command string
	Code    string
	Text    string
}

func (e *ServerError) Error() string {
	s := e.Command + " refused"
	if e.Code != "" {
		s += ": [" + e.Code + "]"
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// PasswordCharError is a password the protocol's command cannot carry: a
// line break (or NUL) in POP3's PASS would end the command and start
// another. It is refused before anything is sent.
type PasswordCharError struct {
	Command string // "PASS"
	What    string // "a line break" or "a NUL character"
}

func (e *PasswordCharError) Error() string {
	return e.Command + " not sent: the password contains " + e.What
}

// passwordCharError is a *PasswordCharError when secret cannot go on a
// command line, else nil.
func passwordCharError(command, secret string) error {
	switch {
	case strings.ContainsAny(secret, "\r\n"):
		return &PasswordCharError{Command: command, What: "a line break"}
	case strings.ContainsRune(secret, 0):
		return &PasswordCharError{Command: command, What: "a NUL character"}
	}
	return nil
}
