package mailconn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrPortSpeaksTLS means a plain-text client met a port that speaks TLS:
// no greeting came, and a TLS handshake on a second connection was answered.
var ErrPortSpeaksTLS = errors.New("the port speaks TLS, not plain text")

// probeDelay is how long a plain-text greeting may take before the TLS probe
// starts. Servers greet at once; one that is silent this long may be a TLS
// port waiting for a ClientHello.
const probeDelay = 2 * time.Second

// tlsProbe checks, while the greeting is awaited, whether the port speaks
// TLS: after a delay it opens a second connection and sends a ClientHello.
// If a TLS record comes back it closes the session's connection (aborting
// the wait for the greeting) and reports it.
type tlsProbe struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	isTLS  atomic.Bool
}

// startTLSProbe starts a probe for the greeting step, in plain-text modes
// only; stop it (and wait for it) with stop. It returns nil when not
// needed.
func (r *runner) startTLSProbe(ctx context.Context) *tlsProbe {
	if r.in.Security == "tls" || r.raw == nil {
		return nil
	}
	return watchTLS(ctx, r.raw, r.dial, r.in.Server)
}

// watchTLS starts a tlsProbe for raw, the plain-text connection awaiting a
// greeting: after probeDelay (at most a third of the time left) it dials
// raw's address again with dial and sends a ClientHello naming serverName;
// when a TLS record comes back it closes raw.
func watchTLS(ctx context.Context, raw net.Conn, dial func(context.Context, string) (net.Conn, error), serverName string) *tlsProbe {
	addr := raw.RemoteAddr().String()
	delay := probeDelay
	if d, ok := ctx.Deadline(); ok {
		delay = min(delay, time.Until(d)/3)
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &tlsProbe{cancel: cancel}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-pctx.Done():
			return
		case <-t.C:
		}
		if speaksTLS(pctx, dial, addr, serverName) {
			p.isTLS.Store(true)
			_ = raw.Close()
		}
	}()
	return p
}

// speaksTLS dials addr and reports whether it answers a ClientHello with a
// TLS record.
func speaksTLS(ctx context.Context, dial func(context.Context, string) (net.Conn, error), addr, serverName string) bool {
	c, err := dial(ctx, addr)
	if err != nil {
		return false
	}
	defer c.Close()
	g := newGuardConn(c, 64<<10)
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	tc := tls.Client(g, &tls.Config{InsecureSkipVerify: true, ServerName: serverName}) //nolint:gosec // only detects TLS; nothing is sent over it
	_ = tc.HandshakeContext(ctx)
	return looksLikeTLSRecord(g.firstBytes())
}

// stop ends the probe and waits for it; it reports whether the port speaks
// TLS.
func (p *tlsProbe) stop() bool {
	if p == nil {
		return false
	}
	p.cancel()
	p.wg.Wait()
	return p.isTLS.Load()
}

// probeErr stops the probe; when it found TLS, a failed greeting becomes
// ErrPortSpeaksTLS.
func probeErr(p *tlsProbe, err error) error {
	if p.stop() && err != nil {
		return ErrPortSpeaksTLS
	}
	return err
}
