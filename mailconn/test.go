package mailconn

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/internal/redact"
	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// Options tune a connection test. The zero value is ready to use.
type Options struct {
	// Secret is the password (or OAuth access token) already resolved from
	// the config's password source. It is never reported, logged or traced.
	Secret string
	// SecretFunc, when not nil, gets the secret instead of Secret. It is
	// called once, at the start of the authenticate step, under that step's
	// deadline (what is left of the test's timeout), so that the network
	// steps before it have run: a secret source that fails (a
	// password_command that fails or times out, a password_env not set, a
	// revoked OAuth 2.0 sign-in) fails the test at step authenticate with a
	// *SecretSourceError, its field (password, or oauth2) and its own
	// sentence as the hint. It is not called when the server
	// pre-authenticates the session or a step before authenticate fails.
	SecretFunc func(ctx context.Context) (string, error)
	// Timeout bounds the whole test; 0 means in.EffectiveTimeout().
	Timeout time.Duration
	// Trace, when not nil, receives the protocol transcript with
	// timestamps, C:/S: prefixes and every secret redacted.
	Trace io.Writer
	// Resolver looks up the server's addresses. nil means Go's own resolver
	// (/etc/hosts, /etc/resolv.conf) with connections that close when the
	// lookup is cancelled, so that no lookup outlives the test; a given
	// Resolver should do the same (net.Resolver's exchanges heed only
	// deadlines, not cancellation).
	Resolver *net.Resolver
	// Now is the clock used for certificate checks; nil means time.Now.
	Now func() time.Time
	// Dial, when not nil, opens the TCP connections instead of a
	// net.Dialer (tests use it to reach in-process servers). It must honour
	// ctx.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// OAuthMechanism forces the SASL mechanism for auth = "oauth2":
	// config.MechanismXOAUTH2 or config.MechanismOAUTHBEARER. Empty means
	// in.OAuth2.Mechanism, else what the server offers (XOAUTH2 first).
	OAuthMechanism string
	// AuthFailureHint, with auth = "oauth2", is added to the hint when the
	// server refuses the token: the causes a bare "AUTHENTICATE failed"
	// leaves open (see oauth.AfterFailure). Empty adds nothing.
	AuthFailureHint string
	// Oldest asks for Figures.Oldest, which costs a round trip more: a
	// FETCH of the first unseen message (IMAP), TOP 1 0 (POP3).
	Oldest bool
}

// resolveBudget is the longest the DNS lookup may take (it is also at most
// a third of the whole timeout).
const resolveBudget = 5 * time.Second

// Test runs the connection test of in, reporting each step to report (which
// may be nil) as it starts and ends, and returns the result. It blocks until
// the test ends, the timeout passes or ctx is cancelled; report is called from
// the calling goroutine, never after Test returns.
//
// Steps run in the order of the StepID constants. Each step reports
// StatusRunning and then one final status. A step that does not apply to
// the configuration (tls with STARTTLS or none; starttls and
// capabilities_tls with tls or none) reports only StatusSkipped, with the
// reason in Detail. After a failure the remaining steps are not reported.
//
// The DNS lookup has its own deadline (at most 5 s and a third of the
// timeout); every later step may use what is left of the timeout. A
// cancelled ctx ends the test at once with Result.Canceled set; no
// goroutine outlives Test.
//
// Round trips, for an admin on a far-away link: capabilities are taken from
// the greeting when it carries them, AUTHENTICATE uses SASL-IR where
// offered (else LOGIN, which needs no continuation), the mailbox queries
// (LIST, EXAMINE, SEARCH or STATUS, FETCH) go out in one pipelined batch,
// and LOGOUT/QUIT is not awaited. An IMAPS test against a server like
// Dovecot takes TCP 1 + TLS 1.3 1 + greeting 1 (most servers greet after
// the client's Finished) + sign-in 1 + mailbox 1 round trips: the minimum.
// When the capabilities must be asked (a greeting without them, and always
// after STARTTLS), LOGIN goes out with the CAPABILITY (imappipe.go), so
// STARTTLS adds only STARTTLS 1 and its handshake 1. POP3 takes CAPA 1,
// sign-in 1 (USER and PASS pipelined when CAPA lists PIPELINING), and STAT
// with the UIDL probe 1. Nothing is sent behind a sign-in. A folder that
// cannot be opened costs one more (LIST "*" for the suggestions).
func Test(ctx context.Context, in config.Incoming, opts Options, report func(Event)) Result {
	r := newRunner(ctx, in, opts, report)
	defer r.close()
	r.warmRoots = in.Security != config.SecurityNone && in.CAFile == "" && in.PinnedCertificateSHA256 == ""
	r.test()
	return r.result()
}

// runner holds the state of one test.
type runner struct {
	parent context.Context // the caller's context (cancellation)
	ctx    context.Context // parent bounded by the timeout
	cancel context.CancelFunc
	in     config.Incoming
	opts   Options
	report func(Event)
	tr     *tracer
	// secrets are the forms of the secret that nothing leaving the test
	// may show: the trace, every event, the result and the errors.
	secrets *redact.Set
	total   time.Duration
	start   time.Time

	raw     net.Conn   // the TCP connection
	session net.Conn   // what the protocol speaks over: raw, or TLS over raw
	guard   *guardConn // the reading end the protocol uses; set per phase
	imapc   *imapclient.Client
	// imapTap watches imapclient's replies; preLoginCaps are the
	// capabilities before sign-in (see mailboxCaps).
	imapTap      *taggedTap
	preLoginCaps []string
	// imapCapsAsked: imapclient got a signed-in session without
	// capabilities and is asking for them (see imapClient).
	imapCapsAsked bool
	// warmRoots: the certificate will be checked against the system's
	// CA certificates, loaded in the background once connected;
	// rootsLoaded waits for that load.
	warmRoots   bool
	rootsLoaded func()
	// secretErr is the secret source's failure, kept for the
	// authenticate step when it was asked earlier.
	secretErr error
	pop3c     *pop3.Client
	res       Result
	figures   Figures // filled by the steps as they go
	err       error   // the failing step's error (with done)
	done      bool    // a step failed: the result is final
	// unverified is the problem of a certificate that did not verify but
	// was let through (reject_invalid_certificates = false); nil otherwise.
	unverified *CertError

	// imapFinal, when set, replaces the IMAP mailbox step (ListFolders
	// lists the folders there instead of opening one).
	imapFinal func(c *imapclient.Client) error
}

func newRunner(ctx context.Context, in config.Incoming, opts Options, report func(Event)) *runner {
	total := opts.Timeout
	if total <= 0 {
		total = in.EffectiveTimeout()
	}
	if in.Port == 0 {
		in.Port = in.EffectivePort()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Resolver == nil {
		opts.Resolver = cancellableResolver()
	}
	r := &runner{
		parent: ctx,
		in:     in,
		opts:   opts,
		report: report,
		total:  total,
		start:  time.Now(),
	}
	r.ctx, r.cancel = context.WithTimeout(ctx, total)
	r.secrets = redact.NewSet(in.Username, secretsOf(in, opts.Secret)...)
	r.tr = newSetTracer(opts.Trace, in.Protocol, r.secrets)
	return r
}

// secretsOf lists the strings nothing may show: the secret and every base64
// form it can take on the wire (redact.Forms adds the rest).
func secretsOf(in config.Incoming, secret string) []string {
	if secret == "" {
		return nil
	}
	out := []string{secret}
	out = append(out, encodedSecrets(in.Username, secret)...)
	return out
}

// scrub hides the secret's forms in s (text from the server, or an error
// carrying it). Server text is scrubbed where it enters an error, before
// it is shortened, so that a cut cannot leave part of a form; emit and
// result scrub everything once more.
func (r *runner) scrub(s string) string { return r.secrets.String(s) }

// scrubErr returns err with the secret's forms hidden in its text; it
// still unwraps to err (whose typed fields carry server text already
// scrubbed where it entered).
func (r *runner) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	if text := err.Error(); r.scrub(text) != text {
		return &scrubbedError{err: err, text: r.scrub(text)}
	}
	return err
}

// scrubbedError is an error whose text had a secret hidden.
type scrubbedError struct {
	err  error
	text string
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }

// serverText is serverText of s scrubbed, with any marker part the cut
// left dropped.
func (r *runner) serverText(s string) string {
	return redact.TrimCut(serverText(r.scrub(s)), "…")
}

// sample is sample of s scrubbed, with any marker part the cut left
// dropped.
func (r *runner) sample(s string) string { return redact.TrimCut(sample(r.scrub(s)), "…") }

// scrubEvent hides the secret's forms in what an event says.
func (r *runner) scrubEvent(e *Event) {
	e.Title, e.Detail, e.Hint = r.scrub(e.Title), r.scrub(e.Detail), r.scrub(e.Hint)
}

// close ends the session. After a success the protocol clients close
// first (a TLS close_notify goes out); after a failure the TCP connection
// closes first, so that a server that stopped reading cannot hold the close
// up. imapclient's Close waits for its reader goroutine to end.
func (r *runner) close() {
	if r.done && r.raw != nil {
		_ = r.raw.Close()
	}
	if r.imapc != nil {
		_ = r.imapc.Close()
	}
	if r.pop3c != nil {
		_ = r.pop3c.Close()
	}
	if r.raw != nil {
		_ = r.raw.Close()
	}
	r.cancel()
	if r.rootsLoaded != nil {
		r.rootsLoaded()
	}
}

func (r *runner) result() Result {
	res := r.res
	res.Error, res.Message, res.Hint = r.scrub(res.Error), r.scrub(res.Message), r.scrub(res.Hint)
	res.Elapsed = time.Since(r.start)
	res.Figures = r.figures
	if !r.done {
		res.OK = true
	}
	cleanResult(&res)
	return res
}

func (r *runner) emit(e Event) {
	// Secrets are matched on the raw text first, then the text is cleaned.
	r.scrubEvent(&e)
	cleanEvent(&e)
	if r.report != nil {
		r.report(e)
	}
}

// stepState is what a step's function fills in.
type stepState struct {
	detail string
	warn   bool
	hint   string // with warn
	field  string // with warn
}

// warnf marks the step as a warning with a hint and the field it concerns.
func (s *stepState) warnf(field, hint string) {
	s.warn = true
	s.field = field
	s.hint = hint
}

// skip reports a step that does not apply.
func (r *runner) skip(id StepID, title, why string) {
	r.emit(Event{Step: id, Status: StatusSkipped, Title: title, Detail: why})
}

// step runs fn as step id under its own deadline. While it runs, the end of
// the step's context (deadline or cancellation) closes the connection, which
// unblocks any read or write, including go-imap's. It reports the step's
// events; on failure it fills the result and returns the error.
func (r *runner) step(id StepID, title string, budget time.Duration, fn func(ctx context.Context, s *stepState) error) error {
	if r.done {
		return errors.New("test already failed")
	}
	r.emit(Event{Step: id, Status: StatusRunning, Title: title})
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.ctx, budget)
	defer cancel()
	var stop func() bool
	if r.raw != nil {
		raw := r.raw
		if d, ok := ctx.Deadline(); ok {
			_ = raw.SetDeadline(d)
		}
		stop = context.AfterFunc(ctx, func() { _ = raw.Close() })
	}
	var s stepState
	err := fn(ctx, &s)
	if stop != nil && !stop() && err == nil {
		// The deadline closed the connection just as the step ended.
		err = ctx.Err()
	}
	elapsed := time.Since(start)
	if err == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = ctx.Err()
	}
	if err == nil {
		st := StatusOK
		ev := Event{Step: id, Status: st, Title: title, Detail: s.detail, Elapsed: elapsed}
		if s.warn {
			ev.Status, ev.Hint, ev.Field = StatusWarn, s.hint, s.field
		}
		r.emit(ev)
		return nil
	}
	err = r.explain(ctx, id, elapsed, err)
	f := classifyStep(id, err, &r.in, r.guardInfo())
	if r.opts.AuthFailureHint != "" && r.in.Auth == config.AuthOAuth2 && errors.Is(err, ErrAuthFailed) {
		f.hint += " " + r.opts.AuthFailureHint
	}
	ev := Event{Step: id, Status: StatusFail, Title: title, Detail: trimTitle(title, f.detail), Elapsed: elapsed, Hint: f.hint, Field: f.field}
	if f.canceled {
		ev.Hint, ev.Field = "", ""
	}
	r.emit(ev)
	r.done = true
	r.err = err
	r.res = Result{
		FailedStep: id,
		Field:      ev.Field,
		Error:      f.short,
		Message:    f.message,
		Hint:       ev.Hint,
		Canceled:   f.canceled,
	}
	if r.tr != nil {
		r.tr.note("%s failed: %s", id, f.detail)
	}
	return err
}

// explain replaces an I/O error caused by the end of the step's context with
// ErrCanceled or a *TimeoutError, keeping the I/O error inside.
func (r *runner) explain(ctx context.Context, id StepID, elapsed time.Duration, err error) error {
	if r.parent.Err() != nil {
		return ErrCanceled
	}
	var te *TimeoutError
	var se *SecretSourceError
	if errors.As(err, &te) || errors.As(err, &se) {
		return err
	}
	if ctx.Err() != nil || isTimeout(err) {
		return &TimeoutError{Step: id, After: elapsed, Err: err}
	}
	return err
}

// guardInfo is what the connection guard saw, for the classifier.
func (r *runner) guardInfo() connInfo {
	if r.guard == nil {
		return connInfo{}
	}
	return connInfo{readErr: r.guard.err(), first: r.guard.firstBytes()}
}

// test runs the steps.
func (r *runner) test() {
	addrs, err := r.resolve()
	if err != nil {
		return
	}
	if err := r.connect(addrs); err != nil {
		return
	}
	if r.warmRoots {
		// Loading the system's CA certificates takes 3–30 ms of CPU
		// (Go reads the bundle and every file of /etc/ssl/certs): it
		// overlaps the server's first answer, and is not paid when
		// nothing answered.
		r.rootsLoaded = warmSystemRoots()
	}
	if r.in.Security == config.SecurityTLS {
		if err := r.tlsStep(); err != nil {
			return
		}
	} else {
		r.skip(StepTLS, "TLS handshake", "security is "+r.in.Security+": no TLS on connect")
	}
	switch strings.ToLower(r.in.Protocol) {
	case config.ProtocolPOP3:
		r.pop3()
	default:
		r.imap()
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	// Winsock's WSAETIMEDOUT is no syscall.Errno.Timeout() on Windows.
	return errors.As(err, &ne) && ne.Timeout() || hostErrnos.is(err, errnoTimedOut)
}
