package mailtest

import (
	"errors"
	"fmt"
)

// New starts a Server outside a test, for tools such as the benchmarks in
// bench/ that are programs rather than tests. It is Start without the
// testing.TB: where Start would skip or fail the test it returns an error
// (saying how to install Dovecot when it is missing), and the caller must
// Close the Server.
func New(opts Options) (*Server, error) {
	switch opts.Separator {
	case 0:
		opts.Separator = '/'
	case '/', '.':
	default:
		return nil, fmt.Errorf("mailtest: separator %q: want '/' or '.'", opts.Separator)
	}
	if opts.Cert < CertValid || opts.Cert > CertExpiresSoon {
		return nil, fmt.Errorf("mailtest: unknown certificate kind %d", int(opts.Cert))
	}
	bin, err := findDovecot()
	if err != nil {
		return nil, fmt.Errorf("mailtest: %w: %s", err, installHint)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(bin, opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, fmt.Errorf("mailtest: %w", lastErr)
}
