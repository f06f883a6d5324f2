package mailconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Email discovery: where a domain's incoming mail server is, from RFC 6186
// SRV records, the domain's autoconfig file, the usual host names and MX,
// then the host probe on what was found.

// Lookup sources, in Lookup.Source and ProbeCandidate.Source.
const (
	SourceSRV        = "SRV"
	SourceAutoconfig = "autoconfig"
	SourceMX         = "MX"
	SourceName       = "usual name"
)

// maxMXHosts is how many MX targets are probed.
const maxMXHosts = 2

// Lookup is what one source said.
type Lookup struct {
	Source string // SourceSRV, SourceAutoconfig, SourceMX or SourceName
	// Query is the name or URL asked: "_imaps._tcp.example.com", the
	// autoconfig URL, "example.com" (MX), "imap.example.com".
	Query string
	// Found lists what it gave, one item each, e.g. "imap.example.com:993
	// (priority 0, weight 1)", "mx.example.com (preference 10)", an
	// address. Empty with a nil Err: the source has nothing (NXDOMAIN, no
	// record).
	Found []string
	// Notes flag what the admin should know: "not offered (target \".\")",
	// "imap.other.net is outside example.com".
	Notes   []string
	Err     error
	Elapsed time.Duration
}

// DiscoverEvent is one report of DiscoverEmail: exactly one field is set.
type DiscoverEvent struct {
	Lookup   *Lookup      // a source answered (or failed)
	Provider *Provider    // built-in knowledge applies
	Probe    *ProbeResult // a candidate's probe ended
}

// Discovery is the outcome of DiscoverEmail.
type Discovery struct {
	Email, Domain string
	// Username is the user name the autoconfig file asks for, filled in
	// (often the address itself); "" when no file said.
	Username   string
	Lookups    []Lookup
	Provider   *Provider // nil when no built-in knowledge applies
	Candidates []ProbeCandidate
	// NotOffered lists the kinds an SRV record with target "." declares
	// not offered; they are not probed on guessed hosts.
	NotOffered []string
	Results    []ProbeResult
}

// DiscoverEmail finds the incoming mail server of email's domain and
// probes it. Candidates come, in this order, from RFC 6186 SRV records
// (_imaps._tcp, _imap._tcp, _pop3s._tcp, _pop3._tcp, by priority; a target
// "." means not offered; a target outside the domain is flagged), from the
// autoconfig file (https://autoconfig.DOMAIN/mail/config-v1.1.xml, then
// https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml), from a known
// provider (Microsoft 365, Gmail), from the usual names (imap., pop3., pop.,
// mail.) that exist and from the first MX hosts; then every candidate is
// probed as ProbeCandidates does.
//
// The lookups run in parallel and get half of opts.Timeout; the probes get
// the rest. report (which may be nil) gets each lookup, the provider and
// each probe as they end, from the calling goroutine, never after
// DiscoverEmail returns; no goroutine outlives it. The error is for an
// address without a domain or unusable options.
func DiscoverEmail(ctx context.Context, email string, opts DiscoverOptions, report func(DiscoverEvent)) (*Discovery, error) {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	domain := strings.ToLower(strings.TrimSuffix(email[at+1:], "."))
	if at < 0 || !validHostname(domain) || !strings.Contains(domain, ".") {
		return nil, fmt.Errorf("%q is not an email address with a domain (user@example.com)", email)
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if opts.HTTPClient == nil {
		opts.HTTPClient = defaultHTTPClient()
	}
	emit := func(e DiscoverEvent) {
		if report != nil {
			report(e)
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	d := &Discovery{Email: email, Domain: domain}
	outs := runLookups(ctx, domain, email, opts, func(l Lookup) { emit(DiscoverEvent{Lookup: &l}) })
	d.assemble(outs, opts.Ports)
	if d.Provider != nil {
		emit(DiscoverEvent{Provider: d.Provider})
	}
	if len(d.Candidates) == 0 || ctx.Err() != nil {
		return d, nil
	}
	popts := opts
	popts.Timeout = opts.Timeout - time.Since(start)
	if popts.Timeout <= 0 {
		return d, nil
	}
	d.Results, _ = ProbeCandidates(ctx, d.Candidates, popts, func(r ProbeResult) { emit(DiscoverEvent{Probe: &r}) })
	return d, nil
}

// lookupOut is what one lookup job found.
type lookupOut struct {
	lookups    []Lookup
	srv        []srvCand // SRV
	notOffered string    // SRV: the kind, when the target is "."
	autoconfig []autoconfigServer
	mx         []string // MX targets, by preference
	name       string   // a usual name that exists
}

type srvCand struct {
	cand     ProbeCandidate
	priority uint16
	label    int // the label's index, for a stable order across labels
}

// srvLabels are RFC 6186's access labels with the kind each announces.
var srvLabels = []struct{ service, kind string }{
	{"imaps", KindIMAPS}, {"imap", KindIMAP}, {"pop3s", KindPOP3S}, {"pop3", KindPOP3},
}

// usualNames are the host names tried, with the kinds each is probed for.
var usualNames = []struct {
	prefix string
	kinds  []string
}{
	{"imap.", []string{KindIMAPS, KindIMAP, KindIMAPPlain}},
	{"pop3.", []string{KindPOP3S, KindPOP3, KindPOP3Plain}},
	{"pop.", []string{KindPOP3S, KindPOP3, KindPOP3Plain}},
	{"mail.", Kinds},
}

// runLookups runs every lookup in parallel, within half of what is left of
// ctx, reporting each as it ends; the outputs are in job order.
func runLookups(ctx context.Context, domain, email string, opts DiscoverOptions, report func(Lookup)) []lookupOut {
	budget := opts.Timeout / 2
	lctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var jobs []func(context.Context) lookupOut
	for i, l := range srvLabels {
		jobs = append(jobs, func(ctx context.Context) lookupOut {
			return lookupSRV(ctx, opts.Resolver, domain, i, l.service, l.kind)
		})
	}
	jobs = append(jobs, func(ctx context.Context) lookupOut { return lookupAutoconfig(ctx, opts.HTTPClient, domain, email) })
	jobs = append(jobs, func(ctx context.Context) lookupOut { return lookupMX(ctx, opts.Resolver, domain) })
	for _, n := range usualNames {
		jobs = append(jobs, func(ctx context.Context) lookupOut { return lookupName(ctx, opts.Resolver, n.prefix+domain) })
	}
	type done struct {
		i   int
		out lookupOut
	}
	ch := make(chan done, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Go(func() { ch <- done{i, job(lctx)} })
	}
	outs := make([]lookupOut, len(jobs))
	for range jobs {
		x := <-ch
		for i := range x.out.lookups {
			cleanLookup(&x.out.lookups[i])
		}
		outs[x.i] = x.out
		for _, l := range x.out.lookups {
			report(l)
		}
	}
	wg.Wait()
	return outs
}

func lookupSRV(ctx context.Context, res *net.Resolver, domain string, label int, service, kind string) lookupOut {
	start := time.Now()
	l := Lookup{Source: SourceSRV, Query: "_" + service + "._tcp." + domain}
	var out lookupOut
	_, recs, err := res.LookupSRV(ctx, service, "tcp", domain)
	if err != nil && !isNotFound(err) {
		l.Err = err
	}
	base := kindCandidate("", kind, nil)
	for _, r := range recs {
		target := strings.ToLower(strings.TrimSuffix(r.Target, "."))
		if target == "" {
			out.notOffered = kind
			l.Notes = append(l.Notes, `not offered (target ".")`)
			continue
		}
		c := base
		c.Host, c.Port, c.Source = target, int(r.Port), SourceSRV+" _"+service+"._tcp"
		l.Found = append(l.Found, fmt.Sprintf("%s:%d (priority %d, weight %d)", target, r.Port, r.Priority, r.Weight))
		if !inDomain(target, domain) {
			c.OutsideDomain = true
			l.Notes = append(l.Notes, fmt.Sprintf("%s is outside %s: confirm it is your provider's server", target, domain))
		}
		out.srv = append(out.srv, srvCand{cand: c, priority: r.Priority, label: label})
	}
	l.Elapsed = time.Since(start)
	out.lookups = []Lookup{l}
	return out
}

func lookupAutoconfig(ctx context.Context, client *http.Client, domain, email string) lookupOut {
	var out lookupOut
	for _, u := range autoconfigURLs(domain, email) {
		start := time.Now()
		l := Lookup{Source: SourceAutoconfig, Query: strings.SplitN(u, "?", 2)[0]}
		servers, err := fetchAutoconfig(ctx, client, u, email)
		l.Err = err
		for _, s := range servers {
			item := fmt.Sprintf("%s %s:%d %s", protoName(s.cand.Protocol), s.cand.Host, s.cand.Port, s.cand.Security)
			if s.username != "" {
				item += ", user name " + s.username
			}
			l.Found = append(l.Found, item)
		}
		l.Elapsed = time.Since(start)
		out.lookups = append(out.lookups, l)
		if err == nil {
			out.autoconfig = servers
			break
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

func lookupMX(ctx context.Context, res *net.Resolver, domain string) lookupOut {
	start := time.Now()
	l := Lookup{Source: SourceMX, Query: domain}
	var out lookupOut
	recs, err := res.LookupMX(ctx, domain)
	if err != nil && !isNotFound(err) {
		l.Err = err
	}
	for _, r := range recs {
		host := strings.ToLower(strings.TrimSuffix(r.Host, "."))
		if host == "" {
			l.Notes = append(l.Notes, "the domain receives no mail (null MX)")
			continue
		}
		l.Found = append(l.Found, fmt.Sprintf("%s (preference %d)", host, r.Pref))
		out.mx = append(out.mx, host)
	}
	l.Elapsed = time.Since(start)
	out.lookups = []Lookup{l}
	return out
}

func lookupName(ctx context.Context, res *net.Resolver, name string) lookupOut {
	start := time.Now()
	l := Lookup{Source: SourceName, Query: name}
	var out lookupOut
	addrs, err := res.LookupNetIP(ctx, "ip", name)
	if err != nil && !isNotFound(err) {
		l.Err = err
	}
	for _, a := range addrs {
		l.Found = append(l.Found, a.Unmap().String())
	}
	if len(addrs) > 0 {
		out.name = name
	}
	l.Elapsed = time.Since(start)
	out.lookups = []Lookup{l}
	return out
}

// isNotFound reports whether a lookup error only says there is no such
// record or name.
func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// inDomain reports whether host is domain or a name below it.
func inDomain(host, domain string) bool {
	host, domain = strings.ToLower(host), strings.ToLower(domain)
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// assemble builds the lookups, provider and candidates from the jobs'
// outputs (in job order).
func (d *Discovery) assemble(outs []lookupOut, ports map[string]int) {
	var (
		srv      []srvCand
		auto     []autoconfigServer
		mx       []string
		names    []string
		notOffer = map[string]bool{}
	)
	for _, o := range outs {
		d.Lookups = append(d.Lookups, o.lookups...)
		srv = append(srv, o.srv...)
		auto = append(auto, o.autoconfig...)
		mx = append(mx, o.mx...)
		if o.name != "" {
			names = append(names, o.name)
		}
		if o.notOffered != "" && !notOffer[o.notOffered] {
			notOffer[o.notOffered] = true
			d.NotOffered = append(d.NotOffered, o.notOffered)
		}
	}
	// RFC 6186: the priority across the four labels is the domain's
	// preference; LookupSRV already ordered each label's records.
	slices.SortStableFunc(srv, func(a, b srvCand) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(a.label, b.label))
	})

	seen := map[string]bool{}
	add := func(c ProbeCandidate) {
		key := fmt.Sprintf("%s|%s|%d|%s", strings.ToLower(c.Host), c.Protocol, c.Port, c.Security)
		if seen[key] {
			return
		}
		seen[key] = true
		d.Candidates = append(d.Candidates, c)
	}
	offered := func(kind string) bool {
		base, _ := strings.CutSuffix(kind, "-plain")
		return !notOffer[kind] && !notOffer[base]
	}
	var hosts []string
	for _, s := range srv {
		add(s.cand)
		hosts = append(hosts, s.cand.Host)
	}
	for _, a := range auto {
		add(a.cand)
		hosts = append(hosts, a.cand.Host)
		if d.Username == "" {
			d.Username = a.username
		}
	}
	if len(mx) > maxMXHosts {
		mx = mx[:maxMXHosts]
	}
	known := append(append(append([]string{}, mx...), hosts...), d.Domain)
	if d.Provider = KnownProvider(known...); d.Provider != nil {
		for _, c := range d.Provider.candidates(ports) {
			if offered(c.Kind()) {
				add(c)
			}
		}
	}
	for _, n := range names {
		for _, u := range usualNames {
			if !strings.HasPrefix(n, u.prefix) {
				continue
			}
			for _, k := range u.kinds {
				if offered(k) {
					c := kindCandidate(n, k, ports)
					c.Source = SourceName
					add(c)
				}
			}
		}
	}
	for _, h := range mx {
		for _, k := range Kinds {
			if offered(k) {
				c := kindCandidate(h, k, ports)
				c.Source = SourceMX
				add(c)
			}
		}
	}
}
