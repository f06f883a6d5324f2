package mailconn

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// Options tune a connection test. The zero value is ready to use.
type Options struct {
	// Secret is the password (or OAuth access token) already resolved from
	// the config's password source. It is never reported, logged or traced.
	Secret string
	// Timeout bounds the whole test; 0 means in.EffectiveTimeout().
	Timeout time.Duration
	// Trace, when not nil, receives the protocol transcript with
	// timestamps, C:/S: prefixes and every secret redacted.
	Trace io.Writer
	// Resolver looks up the server's addresses; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Now is the clock used for certificate checks; nil means time.Now.
	Now func() time.Time
}

// Test runs the connection test of in, reporting each step to report (which
// may be nil) as it starts and ends, and returns the result. It blocks until
// the test ends, the timeout passes or ctx is cancelled; report is called from
// the calling goroutine's test, never after Test returns.
func Test(ctx context.Context, in config.Incoming, opts Options, report func(Event)) Result {
	_ = ctx
	_ = in
	_ = opts
	_ = report
	return Result{OK: false, Error: "not implemented"}
}
