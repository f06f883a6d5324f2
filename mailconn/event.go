package mailconn

import "time"

// StepID names a step of the connection test.
type StepID string

// The steps, in the order they run. StepCapabilitiesTLS is the second
// capability query, after STARTTLS.
const (
	StepResolve         StepID = "resolve"
	StepConnect         StepID = "connect"
	StepTLS             StepID = "tls"
	StepGreeting        StepID = "greeting"
	StepCapabilities    StepID = "capabilities"
	StepStartTLS        StepID = "starttls"
	StepCapabilitiesTLS StepID = "capabilities_tls"
	StepAuthenticate    StepID = "authenticate"
	StepMailbox         StepID = "mailbox"
	StepLogout          StepID = "logout"
)

// Status of a step.
type Status string

// Step statuses.
const (
	StatusRunning Status = "running"
	StatusOK      Status = "ok"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// Fields at fault: the config keys a hint can point to.
const (
	FieldServer                    = "server"
	FieldPort                      = "port"
	FieldProtocol                  = "protocol"
	FieldSecurity                  = "security"
	FieldUsername                  = "username"
	FieldPassword                  = "password"
	FieldAuth                      = "auth"
	FieldMailbox                   = "mailbox"
	FieldRejectInvalidCertificates = "reject_invalid_certificates"
	FieldCAFile                    = "ca_file"
	FieldPinnedCertificate         = "pinned_certificate_sha256"
	FieldTLSMinVersion             = "tls_min_version"
	FieldTLSServerName             = "tls_server_name"
	FieldTimeout                   = "timeout"
	FieldOAuth2                    = "oauth2"
)

// Event is one report of a step: first StatusRunning, then exactly one final
// status (ok, warn, fail or skipped). Hint and Field are set on fail, and may
// be set on warn.
type Event struct {
	Step    StepID        `json:"step"`
	Status  Status        `json:"status"`
	Title   string        `json:"title"`
	Detail  string        `json:"detail,omitempty"`
	Elapsed time.Duration `json:"-"` // time the step took (0 while running)
	Hint    string        `json:"hint,omitempty"`
	Field   string        `json:"field,omitempty"`
}

// Result is the outcome of a whole test.
type Result struct {
	OK         bool          `json:"ok"`
	Elapsed    time.Duration `json:"-"`
	FailedStep StepID        `json:"failed_step,omitempty"`
	Field      string        `json:"field,omitempty"`
	Error      string        `json:"error,omitempty"` // short, e.g. "AUTHENTICATIONFAILED"
	// Message is the failure as a sentence for people, with the server's
	// own text where it says more, e.g. `The server refused the sign-in
	// (USER/PASS): the server answered "Bad login".`
	Message  string `json:"message,omitempty"`
	Hint     string `json:"hint,omitempty"`
	Canceled bool   `json:"canceled,omitempty"`
	// Figures are what the test measured on the way, for monitoring.
	Figures Figures `json:"figures"`
}

// Figures are what a test measured: filled as far as the test got, so a
// failed test may still carry the certificate's expiry. A nil pointer or a
// zero time is a figure the test did not reach or the server did not give.
type Figures struct {
	// CertNotAfter is the expiry of the server's leaf certificate, also
	// when it was pinned, not verified or refused.
	CertNotAfter time.Time `json:"cert_not_after,omitzero"`
	// Messages is the number of messages in the folder (IMAP) or the
	// mailbox (POP3).
	Messages *int64 `json:"messages,omitempty"`
	// Unseen is the number of unseen messages in the folder (IMAP only).
	Unseen *int64 `json:"unseen,omitempty"`
	// Oldest is, for IMAP, the INTERNALDATE of the first unseen message;
	// for POP3, the Date header of message 1, the oldest left on the
	// server. Only with Options.Oldest.
	Oldest time.Time `json:"oldest,omitzero"`
}
