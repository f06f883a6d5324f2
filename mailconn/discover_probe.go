package mailconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// probeLogoutBudget bounds the polite LOGOUT / QUIT at the end of a probe.
const probeLogoutBudget = 2 * time.Second

// prober is the state of one candidate's probe.
type prober struct {
	c     ProbeCandidate
	opts  DiscoverOptions
	in    config.Incoming // the candidate as a config, for TLS and the classifier
	raw   net.Conn
	guard *guardConn
	step  StepID // the step running, for the classifier
	res   ProbeResult
}

// probe runs one candidate's probe under ctx (which carries the run's
// deadline).
func probe(ctx context.Context, c ProbeCandidate, opts DiscoverOptions, addrs *addrCache) ProbeResult {
	p := &prober{
		c:    c,
		opts: opts,
		in: config.Incoming{
			Protocol: c.Protocol, Server: c.Host, Port: c.Port, Security: c.Security,
			CAFile: opts.CAFile, TLSServerName: opts.TLSServerName,
			RejectInvalidCertificates: false, // record the problem, keep probing
		},
		res: ProbeResult{Candidate: c},
	}
	start := time.Now()
	err := p.run(ctx, addrs)
	p.res.Elapsed = time.Since(start)
	if err != nil {
		p.fail(ctx, err)
	} else {
		p.res.Answered = true
	}
	return p.res
}

// run connects and speaks the protocol; nil means the candidate answered.
func (p *prober) run(ctx context.Context, addrs *addrCache) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.step = StepResolve
	ips, err := addrs.lookup(ctx, p.c.Host)
	if err != nil {
		return err
	}
	p.step = StepConnect
	raw, err := dialAny(ctx, ips, p.c.Port)
	if err != nil {
		return err
	}
	p.raw = raw
	defer raw.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	defer stop()
	// The guard sits under any TLS layer: it bounds every byte the server
	// sends and keeps the first ones, which tell TLS from a greeting.
	p.guard = newGuardConn(raw, maxPreAuthBytes)
	var session net.Conn = p.guard
	if p.c.Security == config.SecurityTLS {
		p.step = StepTLS
		tc, err := p.handshake(ctx, p.guard)
		if err != nil {
			return err
		}
		session = tc
	}
	if p.c.Protocol == config.ProtocolPOP3 {
		return p.pop3(ctx, session)
	}
	return p.imap(ctx, session)
}

// dialAny connects to the first of ips that accepts, giving each attempt an
// equal share of the time left (at least 2 s) when more remain.
func dialAny(ctx context.Context, ips []netip.Addr, port int) (net.Conn, error) {
	var d net.Dialer
	var firstErr error
	for i, ip := range ips {
		addr := netip.AddrPortFrom(ip, uint16(port)).String()
		actx, cancel := ctx, context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok && len(ips)-i > 1 {
			share := time.Until(dl) / time.Duration(len(ips)-i)
			actx, cancel = context.WithTimeout(ctx, max(share, 2*time.Second))
		}
		c, err := d.DialContext(actx, "tcp", addr)
		cancel()
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("connect %s: %w", addr, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// handshake runs a TLS client handshake over c and records the TLS details
// and the certificate's verdict.
func (p *prober) handshake(ctx context.Context, c net.Conn) (*tls.Conn, error) {
	cfg, info, err := newTLSConfig(&p.in, p.opts.Now)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	info.setKeyExchange(tc.ConnectionState()) // TLS 1.2 learns it after VerifyConnection
	p.setTLS(info)
	return tc, nil
}

func (p *prober) setTLS(info *TLSInfo) {
	p.res.TLS = info
	p.res.CertificateOK = info.Verified
	if info.Problem != nil {
		p.res.CertificateError = info.Problem.Error()
	}
}

// fail records why the candidate did not answer, classified as the
// connection test classifies its failures.
func (p *prober) fail(ctx context.Context, err error) {
	if ctx.Err() != nil || isTimeout(err) {
		if errors.Is(ctx.Err(), context.Canceled) {
			err = ErrCanceled
		} else {
			var te *TimeoutError
			if !errors.As(err, &te) {
				err = &TimeoutError{Step: p.step, After: p.opts.Timeout, Err: err}
			}
		}
	}
	var ci connInfo
	if p.guard != nil {
		ci = connInfo{readErr: p.guard.err(), first: p.guard.firstBytes()}
	}
	f := classify(p.step, err, &p.in, ci)
	p.res.Err, p.res.Step, p.res.Problem, p.res.Hint = err, p.step, f.short, f.hint
}

// watchTLS starts, for a plain-text or STARTTLS candidate, the connection
// test's check for a port that speaks TLS (see tlsProbe): a greeting that
// does not come soon ends the wait with ErrPortSpeaksTLS instead of the
// run's timeout. It returns nil for a TLS candidate.
func (p *prober) watchTLS(ctx context.Context) *tlsProbe {
	if p.c.Security == config.SecurityTLS {
		return nil
	}
	var d net.Dialer
	return watchTLS(ctx, p.raw, func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}, p.c.Host)
}

// logoutDeadline shortens the connection's deadline for the goodbye.
func (p *prober) logoutDeadline(ctx context.Context) {
	d := time.Now().Add(probeLogoutBudget)
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		d = dl
	}
	_ = p.raw.SetDeadline(d)
}

// imap speaks IMAP over session: greeting, CAPABILITY, STARTTLS for a
// STARTTLS candidate and CAPABILITY again, then LOGOUT.
func (p *prober) imap(ctx context.Context, session net.Conn) error {
	ic := &imapConn{w: session, lr: newLineReader(session, maxPreAuthLine), plain: p.c.Security != config.SecurityTLS}
	p.step = StepGreeting
	watch := p.watchTLS(ctx)
	resp, err := ic.read()
	if err := probeErr(watch, err); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if err := ic.greet(resp); err != nil {
		return err
	}
	p.res.Greeted, p.res.Greeting = true, sample(resp.text)
	p.step = StepCapabilities
	if ic.caps == nil {
		if err := ic.capability(); err != nil {
			return err
		}
	}
	if ic.plain {
		p.res.StartTLSOffered = hasCap(ic.caps, "STARTTLS")
	}
	if p.c.Security == config.SecurityStartTLS {
		if err := p.imapStartTLS(ctx, ic); err != nil {
			return err
		}
	}
	p.res.Capabilities = ic.caps
	p.res.LoginDisabledBy = imapTLSRequired(ic.caps, ic.plain)
	p.res.LoginDisabled = p.res.LoginDisabledBy != ""
	p.res.Mechanisms = authMechs(ic.caps)
	if !p.res.LoginDisabled && !hasCap(p.res.Mechanisms, "LOGIN") {
		p.res.Mechanisms = append(p.res.Mechanisms, "LOGIN")
	}
	p.step = StepLogout
	p.logoutDeadline(ctx)
	_, _ = ic.command("LOGOUT", nil)
	return nil
}

func (p *prober) imapStartTLS(ctx context.Context, ic *imapConn) error {
	p.step = StepStartTLS
	err := ic.startTLS(func() (net.Conn, error) { return p.handshake(ctx, p.guard) })
	if err != nil {
		return err
	}
	p.step = StepCapabilitiesTLS
	return ic.capability()
}

// pop3 speaks POP3 over session with package pop3: greeting, CAPA, STLS for
// a STARTTLS candidate and CAPA again, then QUIT.
func (p *prober) pop3(ctx context.Context, session net.Conn) error {
	p.step = StepGreeting
	watch := p.watchTLS(ctx)
	c, err := pop3.NewClient(ctx, session, nil)
	if err := probeErr(watch, err); err != nil {
		return pop3GreetingErr(err)
	}
	p.res.Greeted, p.res.Greeting = true, sample(c.Greeting())
	p.step = StepCapabilities
	caps, err := probeCapa(ctx, c)
	if err != nil {
		return err
	}
	_, stls := pop3.CapaArgs(caps, "STLS")
	if p.c.Security != config.SecurityTLS {
		p.res.StartTLSOffered = stls
	}
	if p.c.Security == config.SecurityStartTLS {
		p.step = StepStartTLS
		info, err := pop3STLS(ctx, c, caps, &p.in, p.opts.Now)
		if err != nil {
			return err
		}
		p.setTLS(info)
		p.step = StepCapabilitiesTLS
		if caps, err = probeCapa(ctx, c); err != nil {
			return err
		}
	}
	p.res.Capabilities = caps
	mechs, _ := pop3.CapaArgs(caps, "SASL")
	for _, m := range mechs {
		p.res.Mechanisms = append(p.res.Mechanisms, strings.ToUpper(m))
	}
	plain := p.c.Security != config.SecurityTLS && p.c.Security != config.SecurityStartTLS
	p.res.LoginDisabledBy = pop3TLSRequired(caps, plain)
	_, user := pop3.CapaArgs(caps, "USER")
	if user && plain && stls && p.res.LoginDisabledBy == "" {
		// Courier with POP3_TLS_REQUIRED lists USER but refuses it before
		// STLS: ask (a USER alone signs nobody in; QUIT follows).
		if err := c.User(ctx, probeUser); err != nil {
			var pe *pop3.Error
			if !errors.As(err, &pe) {
				return pop3Err(err)
			}
			if meansTLSRequired(pe.Code, pe.Text) {
				p.res.LoginDisabledBy = sample(pe.Text)
			}
		}
	}
	p.res.LoginDisabled = p.res.LoginDisabledBy != ""
	if (user || caps == nil) && !p.res.LoginDisabled {
		p.res.Mechanisms = append(p.res.Mechanisms, "USER")
	}
	p.step = StepLogout
	_ = c.QuitNoWait()
	return nil
}

// probeUser is the name a discover probe sends with USER to learn whether
// a plain-text POP3 port that lists USER accepts it before STLS.
const probeUser = "mailsetup-probe"

// probeCapa sends CAPA; a server without CAPA (-ERR) gives nil capabilities.
func probeCapa(ctx context.Context, c *pop3.Client) ([]string, error) {
	caps, err := c.Capa(ctx)
	if err != nil {
		var pe *pop3.Error
		if errors.As(err, &pe) {
			return nil, nil
		}
		return nil, pop3Err(err)
	}
	if caps == nil {
		caps = []string{}
	}
	return caps, nil
}
