package mailconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// The host probe of `mailsetup discover` and of the wizard's Detect action:
// every usual protocol, port and security mode of a host, in parallel, each
// spoken far enough to know what the server offers, without logging in.

// Candidate kinds: the six ways a host may serve incoming mail. They are
// also the keys of DiscoverOptions.Ports.
const (
	KindIMAPS     = "imaps"      // IMAP over TLS, 993
	KindIMAP      = "imap"       // IMAP with STARTTLS, 143
	KindIMAPPlain = "imap-plain" // IMAP in plain text, 143
	KindPOP3S     = "pop3s"      // POP3 over TLS, 995
	KindPOP3      = "pop3"       // POP3 with STLS, 110
	KindPOP3Plain = "pop3-plain" // POP3 in plain text, 110
)

// Kinds lists the candidate kinds in the order ProbeHost tries them.
var Kinds = []string{KindIMAPS, KindIMAP, KindIMAPPlain, KindPOP3S, KindPOP3, KindPOP3Plain}

// DefaultDiscoverTimeout bounds a discovery when DiscoverOptions.Timeout is 0.
const DefaultDiscoverTimeout = 10 * time.Second

// maxParallelProbes bounds the connections open at once.
const maxParallelProbes = 32

// ProbeCandidate is one way to reach a mail server: host, protocol, port and
// security mode (config.SecurityTLS, SecurityStartTLS or SecurityNone).
type ProbeCandidate struct {
	Host     string `json:"host"`
	Protocol string `json:"protocol"` // config.ProtocolIMAP or config.ProtocolPOP3
	Port     int    `json:"port"`
	Security string `json:"security"`

	// Source says where the candidate came from, for email discovery:
	// "SRV _imaps._tcp", "autoconfig", "MX", "usual name", or a provider's
	// name; empty for ProbeHost's own candidates.
	Source string `json:"source,omitempty"`
	// OutsideDomain is set when an SRV record points outside the queried
	// domain: without DNSSEC anyone who can forge DNS answers can send the
	// client elsewhere, so the admin should confirm the host (RFC 6186 §6).
	OutsideDomain bool `json:"outside_domain,omitempty"`
}

// Kind is the candidate's kind (KindIMAPS, …).
func (c ProbeCandidate) Kind() string {
	k := c.Protocol
	switch c.Security {
	case config.SecurityTLS:
		k += "s"
	case config.SecurityNone:
		k += "-plain"
	}
	return k
}

// String is "IMAP 993 tls on host".
func (c ProbeCandidate) String() string {
	return fmt.Sprintf("%s %d %s on %s", protoName(c.Protocol), c.Port, c.Security, c.Host)
}

// kindCandidate is the candidate of kind on host at its usual port (or the
// one ports maps it to).
func kindCandidate(host, kind string, ports map[string]int) ProbeCandidate {
	c := ProbeCandidate{Host: host}
	switch kind {
	case KindIMAPS:
		c.Protocol, c.Security = config.ProtocolIMAP, config.SecurityTLS
	case KindIMAP:
		c.Protocol, c.Security = config.ProtocolIMAP, config.SecurityStartTLS
	case KindIMAPPlain:
		c.Protocol, c.Security = config.ProtocolIMAP, config.SecurityNone
	case KindPOP3S:
		c.Protocol, c.Security = config.ProtocolPOP3, config.SecurityTLS
	case KindPOP3:
		c.Protocol, c.Security = config.ProtocolPOP3, config.SecurityStartTLS
	case KindPOP3Plain:
		c.Protocol, c.Security = config.ProtocolPOP3, config.SecurityNone
	}
	c.Port = kindPort(kind, ports)
	return c
}

// kindPort is the port of kind: ports[kind]; for a plain kind without its
// own entry, the entry of its STARTTLS kind (same port); else the default.
func kindPort(kind string, ports map[string]int) int {
	if p := ports[kind]; p > 0 {
		return p
	}
	if base, ok := strings.CutSuffix(kind, "-plain"); ok {
		if p := ports[base]; p > 0 {
			return p
		}
	}
	switch kind {
	case KindIMAPS:
		return 993
	case KindIMAP, KindIMAPPlain:
		return 143
	case KindPOP3S:
		return 995
	default:
		return 110
	}
}

// HostCandidates returns the six candidates of host, in the order of Kinds,
// with ports from ports (see DiscoverOptions.Ports).
func HostCandidates(host string, ports map[string]int) []ProbeCandidate {
	out := make([]ProbeCandidate, 0, len(Kinds))
	for _, k := range Kinds {
		out = append(out, kindCandidate(host, k, ports))
	}
	return out
}

// HostCandidates returns the candidates ProbeHost probes on host: the six
// of HostCandidates(host, o.Ports), then each of o.ExtraPorts as every
// kind, in the order of Kinds, without a kind and port already listed.
// Out-of-range extra ports are left out (ProbeHost refuses them).
func (o DiscoverOptions) HostCandidates(host string) []ProbeCandidate {
	out := HostCandidates(host, o.Ports)
	seen := make(map[string]bool, len(out))
	key := func(kind string, port int) string { return kind + ":" + strconv.Itoa(port) }
	for _, c := range out {
		seen[key(c.Kind(), c.Port)] = true
	}
	for _, p := range o.ExtraPorts {
		if p < 1 || p > 65535 {
			continue
		}
		for _, k := range Kinds {
			if seen[key(k, p)] {
				continue
			}
			seen[key(k, p)] = true
			c := kindCandidate(host, k, nil)
			c.Port = p
			out = append(out, c)
		}
	}
	return out
}

// ProbeResult is what one candidate's probe found.
type ProbeResult struct {
	Candidate ProbeCandidate

	// Answered is true when the candidate works as described: the server
	// greeted in the protocol over the candidate's security (the TLS
	// handshake done, STARTTLS offered and done). An invalid certificate
	// does not stop it: see CertificateOK.
	Answered bool
	// Greeted is true when a protocol greeting came, even if the candidate
	// then failed (a STARTTLS candidate on a server without STARTTLS).
	Greeted  bool
	Greeting string // the greeting's text, made safe for display

	// TLS describes the handshake, nil when none took place.
	TLS *TLSInfo
	// CertificateOK is true when the certificate verified (system roots
	// plus DiscoverOptions.CAFile); CertificateError says why not.
	CertificateOK    bool
	CertificateError string

	// Capabilities as the server listed them last (after STARTTLS).
	Capabilities []string
	// Mechanisms are the SASL mechanisms offered (AUTH= / SASL), upper
	// case, plus "LOGIN" when IMAP LOGIN is allowed and "USER" when POP3
	// USER/PASS is.
	Mechanisms []string
	// LoginDisabled is true when the server refuses passwords on this
	// plain-text connection: IMAP LOGINDISABLED, XTLSREQUIRED (GNU
	// Mailutils, both protocols), or POP3 USER refused with "TLS required"
	// (Courier). LoginDisabledBy is what the server said, in its words.
	LoginDisabled   bool
	LoginDisabledBy string
	// StartTLSOffered is true when the server offered STARTTLS / STLS in
	// plain text.
	StartTLSOffered bool

	// Err is why the candidate did not answer (nil when it did). Step is
	// where it failed; Problem is its short form ("connection refused",
	// "STARTTLS not offered", …) and Hint one sentence about it.
	Err     error
	Step    StepID
	Problem string
	Hint    string

	Elapsed time.Duration
}

// TLSVersion is "TLS 1.3", or "" without TLS.
func (r *ProbeResult) TLSVersion() string {
	if r.TLS == nil {
		return ""
	}
	return r.TLS.Version
}

// Flagged reports whether an answering candidate carries a risk the admin
// must see: an invalid certificate, plain text, or an SRV target outside
// the domain.
func (r *ProbeResult) Flagged() bool {
	return r.Answered && ((r.TLS != nil && !r.CertificateOK) ||
		r.Candidate.Security == config.SecurityNone || r.Candidate.OutsideDomain)
}

// DiscoverOptions tune ProbeHost and DiscoverEmail. The zero value is ready
// to use.
type DiscoverOptions struct {
	// Timeout bounds the whole run; 0 means DefaultDiscoverTimeout.
	Timeout time.Duration
	// CAFile is a PEM file of CAs to trust besides the system's, as the
	// config's ca_file.
	CAFile string
	// TLSServerName is the name certificates are verified against instead
	// of the candidate's host (as the config's tls_server_name).
	TLSServerName string
	// Ports maps a candidate kind (KindIMAPS, …) to the port to probe
	// instead of its usual one, for port mappings and tests. A plain kind
	// without its own entry follows its STARTTLS kind.
	Ports map[string]int
	// ExtraPorts are ports to probe besides the usual ones, for a server
	// behind a port mapping: ProbeHost probes each as every kind (IMAP and
	// POP3, each over TLS, with STARTTLS and in plain text), after the
	// usual candidates, skipping a kind and port they already cover. A
	// plain-text or STARTTLS candidate on a port that speaks TLS ends soon
	// with ErrPortSpeaksTLS rather than at the timeout. Ports must be in
	// 1–65535; repeats are probed once. DiscoverEmail ignores them.
	ExtraPorts []int
	// Resolver looks up addresses, SRV and MX records; nil means
	// net.DefaultResolver.
	Resolver *net.Resolver
	// HTTPClient fetches autoconfig files; nil means a client that follows
	// only HTTPS redirects.
	HTTPClient *http.Client
	// Now is the clock for certificate checks; nil means time.Now.
	Now func() time.Time
}

func (o DiscoverOptions) withDefaults() DiscoverOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultDiscoverTimeout
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// check fails on options that cannot work: an unreadable CA file, an
// extra port out of range.
func (o DiscoverOptions) check() error {
	for _, p := range o.ExtraPorts {
		if p < 1 || p > 65535 {
			return fmt.Errorf("extra port %d: not in 1-65535", p)
		}
	}
	if o.CAFile == "" {
		return nil
	}
	if _, err := caCerts(o.CAFile); err != nil {
		return &TLSConfigError{Field: FieldCAFile, Err: err}
	}
	return nil
}

// ProbeHost probes the candidates of host (opts.HostCandidates: the six
// usual ones plus those of opts.ExtraPorts) in parallel: each connects, speaks the protocol (greeting, CAPABILITY or
// CAPA, STARTTLS or STLS where the candidate asks for it, the TLS handshake
// with the certificate's verdict) and logs out without authenticating. An
// invalid certificate is recorded, never a reason to stop.
//
// It blocks until every probe has ended, opts.Timeout has passed or ctx is
// cancelled, so the run takes about as long as its slowest probe. report
// (which may be nil) is called with each result as it finishes, from the
// calling goroutine, never after ProbeHost returns. The results are in
// candidate order. No goroutine outlives the call. The error is for unusable
// options only (an unreadable CAFile, an extra port out of range, an empty
// host).
func ProbeHost(ctx context.Context, host string, opts DiscoverOptions, report func(ProbeResult)) ([]ProbeResult, error) {
	host = strings.TrimSuffix(strings.Trim(strings.TrimSpace(host), "[]"), ".")
	if host == "" {
		return nil, errors.New("no host to probe")
	}
	return ProbeCandidates(ctx, opts.HostCandidates(host), opts, report)
}

// ProbeCandidates probes the given candidates as ProbeHost does. Each host
// is looked up once.
func ProbeCandidates(ctx context.Context, cands []ProbeCandidate, opts DiscoverOptions, report func(ProbeResult)) ([]ProbeResult, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	defer warmSystemRoots()() // overlaps the connects; every TLS candidate needs it

	type done struct {
		i int
		r ProbeResult
	}
	results := make([]ProbeResult, len(cands))
	ch := make(chan done, len(cands))
	sem := make(chan struct{}, maxParallelProbes)
	addrs := newAddrCache(opts.Resolver)
	var wg sync.WaitGroup
	for i, c := range cands {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			ch <- done{i, probe(ctx, c, opts, addrs)}
		})
	}
	for range cands {
		d := <-ch
		cleanProbe(&d.r)
		results[d.i] = d.r
		if report != nil {
			report(d.r)
		}
	}
	wg.Wait()
	return results, nil
}

// Recommend picks the best result that answered over TLS or STARTTLS: TLS
// before STARTTLS, then IMAP before POP3, then a verified certificate before
// an invalid one, then a host inside the domain before one outside it, then
// the earlier candidate. An invalid certificate only lowers a candidate.
//
// It never picks a plain-text candidate: a server that offers no TLS and no
// STARTTLS looks exactly like one whose TLS an attacker on the path has
// stripped, so only the user can choose plain text (see BestPlainText and
// PlainTextOnly). It reports false when no candidate answered over TLS or
// STARTTLS.
func Recommend(results []ProbeResult) (ProbeResult, bool) {
	return bestOf(results, func(r *ProbeResult) bool { return r.Candidate.Security != config.SecurityNone })
}

// BestPlainText picks the best plain-text result that answered, ranked as
// Recommend ranks, for a caller whose user has explicitly accepted plain
// text (init's --allow-plaintext or --security none). It reports false when
// no plain-text candidate answered.
func BestPlainText(results []ProbeResult) (ProbeResult, bool) {
	return bestOf(results, func(r *ProbeResult) bool { return r.Candidate.Security == config.SecurityNone })
}

// PlainTextOnly reports whether some candidate answered but none over TLS
// or STARTTLS: Recommend then recommends nothing, and the reason to show
// is NoTLSReason.
func PlainTextOnly(results []ProbeResult) bool {
	_, secure := Recommend(results)
	_, plain := BestPlainText(results)
	return plain && !secure
}

// NoTLSReason says why nothing is recommended when PlainTextOnly holds.
const NoTLSReason = "No candidate offered TLS or STARTTLS, only plain text. " +
	"That is exactly what a connection looks like when an attacker on the network strips TLS, " +
	"so nothing is recommended: the password would cross the network unencrypted."

// bestOf is the best answering result that keep accepts.
func bestOf(results []ProbeResult, keep func(*ProbeResult) bool) (ProbeResult, bool) {
	best := -1
	for i := range results {
		if !results[i].Answered || !keep(&results[i]) {
			continue
		}
		if best < 0 || rank(&results[i], &results[best]) < 0 {
			best = i
		}
	}
	if best < 0 {
		return ProbeResult{}, false
	}
	return results[best], true
}

// rank compares two answering results; negative means a is better.
func rank(a, b *ProbeResult) int {
	secRank := func(s string) int {
		switch s {
		case config.SecurityTLS:
			return 0
		case config.SecurityStartTLS:
			return 1
		default:
			return 2
		}
	}
	protoRank := func(p string) int {
		if p == config.ProtocolIMAP {
			return 0
		}
		return 1
	}
	certRank := func(r *ProbeResult) int {
		if r.TLS != nil && !r.CertificateOK {
			return 1
		}
		return 0
	}
	flag := func(r *ProbeResult) int {
		if r.Candidate.OutsideDomain {
			return 1
		}
		return 0
	}
	return cmp.Or(
		cmp.Compare(secRank(a.Candidate.Security), secRank(b.Candidate.Security)),
		cmp.Compare(protoRank(a.Candidate.Protocol), protoRank(b.Candidate.Protocol)),
		cmp.Compare(certRank(a), certRank(b)),
		cmp.Compare(flag(a), flag(b)),
	)
}

// addrCache looks each host up once, however many probes ask.
type addrCache struct {
	res *net.Resolver
	mu  sync.Mutex
	m   map[string]*addrEntry
}

type addrEntry struct {
	once  sync.Once
	addrs []netip.Addr
	err   error
}

func newAddrCache(res *net.Resolver) *addrCache {
	return &addrCache{res: res, m: map[string]*addrEntry{}}
}

// lookup returns host's addresses (an IP literal is its own), under its own
// deadline of at most resolveBudget.
func (c *addrCache) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	key := strings.ToLower(host)
	c.mu.Lock()
	e := c.m[key]
	if e == nil {
		e = &addrEntry{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		lctx, cancel := context.WithTimeout(ctx, resolveBudget)
		defer cancel()
		got, err := c.res.LookupNetIP(lctx, "ip", host)
		if err != nil {
			e.err = fmt.Errorf("look up %s: %w", host, err)
			return
		}
		for _, a := range got {
			e.addrs = append(e.addrs, a.Unmap())
		}
		if len(e.addrs) == 0 {
			e.err = fmt.Errorf("look up %s: %w", host, ErrNoAddresses)
		}
	})
	return e.addrs, e.err
}
