package mailconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// resolve is step 1: every address of the server name. An IP literal
// resolves to itself.
func (r *runner) resolve() ([]netip.Addr, error) {
	host := strings.TrimSuffix(strings.TrimPrefix(r.in.Server, "["), "]")
	budget := min(resolveBudget, r.total/3)
	var addrs []netip.Addr
	err := r.step(StepResolve, "Look up "+host, budget, func(ctx context.Context, s *stepState) error {
		if ip, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{ip}
			s.detail = ip.String() + " (an IP address)"
			return nil
		}
		got, err := r.opts.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return fmt.Errorf("look up %s: %w", host, err)
		}
		for _, a := range got {
			addrs = append(addrs, a.Unmap())
		}
		if len(addrs) == 0 {
			return fmt.Errorf("look up %s: %w", host, ErrNoAddresses)
		}
		strs := make([]string, len(addrs))
		for i, a := range addrs {
			strs[i] = a.String()
		}
		s.detail = strings.Join(strs, ", ")
		return nil
	})
	return addrs, err
}

// connect is step 2: TCP to each address in turn, each attempt getting an
// equal share of what is left of the step's deadline (as net.Dialer does).
func (r *runner) connect(addrs []netip.Addr) error {
	port := r.in.Port
	title := fmt.Sprintf("Connect to port %d", port)
	return r.step(StepConnect, title, r.total, func(ctx context.Context, s *stepState) error {
		var failed []string
		var firstErr error
		for i, a := range addrs {
			addr := net.JoinHostPort(a.String(), strconv.Itoa(port))
			actx := ctx
			if d, ok := ctx.Deadline(); ok && len(addrs)-i > 1 {
				share := time.Until(d) / time.Duration(len(addrs)-i)
				var cancel context.CancelFunc
				actx, cancel = context.WithTimeout(ctx, max(share, 2*time.Second))
				defer cancel()
			}
			c, err := r.dial(actx, addr)
			if err == nil {
				r.raw = quickACK(c)
				s.detail = addr + " answered"
				if len(failed) > 0 {
					s.detail += " (" + strings.Join(failed, "; ") + ")"
				}
				if r.tr != nil {
					r.tr.note("connected to %s", addr)
				}
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("connect %s: %w", addr, err)
			}
			if firstErr == nil {
				firstErr = fmt.Errorf("connect %s: %w", addr, err)
			}
			failed = append(failed, addr+": "+shortNetError(err))
		}
		if len(addrs) > 1 {
			return fmt.Errorf("%w (also tried %s)", firstErr, strings.Join(failed[1:], "; "))
		}
		return firstErr
	})
}

func (r *runner) dial(ctx context.Context, addr string) (net.Conn, error) {
	if r.opts.Dial != nil {
		return r.opts.Dial(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// tlsStep is step 3 for security = tls: the handshake on the new connection.
func (r *runner) tlsStep() error {
	return r.step(StepTLS, "TLS handshake", r.total, func(ctx context.Context, s *stepState) error {
		tc, err := r.handshake(ctx, r.raw, s)
		if err != nil {
			return err
		}
		r.session = tc
		return nil
	})
}

// handshake runs a TLS client handshake over c with the config's settings
// and fills the step's detail (and warning) from the certificate check.
func (r *runner) handshake(ctx context.Context, c net.Conn, s *stepState) (*tls.Conn, error) {
	cfg, info, err := newTLSConfig(&r.in, r.opts.Now)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	err = tc.HandshakeContext(ctx)
	r.figures.CertNotAfter = info.NotAfter // also when the check refused it
	if err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	info.setKeyExchange(tc.ConnectionState()) // TLS 1.2 learns it after VerifyConnection
	s.detail = info.Detail()
	switch v := tc.ConnectionState().Version; {
	case info.Problem != nil:
		r.acceptedCert(s, info)
	case v < tls.VersionTLS12:
		s.warnf(FieldTLSMinVersion, "The server speaks only "+tlsVersionName(v)+", which is outdated and weak: update the server's TLS settings.")
	}
	if r.tr != nil {
		r.tr.note("TLS: %s", s.detail)
	}
	return tc, nil
}

// acceptedCert records a certificate that did not verify but was let
// through (reject_invalid_certificates = false), for the TLS or STARTTLS
// step's warning and the authenticate step's.
func (r *runner) acceptedCert(s *stepState, info *TLSInfo) {
	hint, field := info.Problem.HintAccepted()
	s.warnf(field, hint)
	r.unverified = info.Problem
}

// unverifiedWarning marks the authenticate step as a warning when the
// credentials went over TLS whose certificate did not verify: whoever holds
// that certificate may have them. A matching pin is verified.
func (r *runner) unverifiedWarning(s *stepState) {
	ce := r.unverified
	if ce == nil {
		return
	}
	const what = "credentials were sent to a server whose certificate did not verify"
	s.detail += "; the " + what
	hint, field := ce.HintAccepted()
	s.warnf(field, "The "+what+" ("+ce.Error()+"), so whoever holds that certificate may have them: "+
		strings.TrimPrefix(hint, "reject_invalid_certificates = false let it through; "))
}

// shortNetError is the short form of a dial error: "connection refused",
// "timed out", "network unreachable", …
func shortNetError(err error) string {
	switch {
	case isTimeout(err):
		return "timed out"
	case hostErrnos.is(err, errnoConnRefused):
		return "connection refused"
	case hostErrnos.is(err, errnoHostUnreach):
		return "host unreachable"
	case hostErrnos.is(err, errnoNetUnreach):
		return "network unreachable"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// cancellableResolver is Go's resolver with connections that close when the
// lookup's context ends: net.Resolver watches only deadlines during an
// exchange, so a cancelled lookup would otherwise go on in the background
// until its own timeout.
func cancellableResolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = c.Close() })
		return c, nil
	}}
}
