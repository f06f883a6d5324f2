package main

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// discoverPrinter prints discover's progress and outcome: JSON lines, or a
// matrix that fits the terminal (80 columns at most), in ASCII where the
// terminal cannot show UTF-8.
type discoverPrinter struct {
	*stepPrinter
	width       int
	done, total int
}

func newDiscoverPrinter(w io.Writer, asJSON bool) *discoverPrinter {
	return &discoverPrinter{stepPrinter: newStepPrinter(w, asJSON), width: termWidth(w)}
}

// The JSON line formats of PRODUCT.md "Discover". host, source,
// outside_domain and error are additions: email discovery probes several
// hosts, and a script wants to know why a candidate did not answer; so are
// key_exchange and hello_retry_request, next to tls_version.
type jsonProbe struct {
	Type             string   `json:"type"`
	Host             string   `json:"host"`
	Protocol         string   `json:"protocol"`
	Port             int      `json:"port"`
	Security         string   `json:"security"`
	Answered         bool     `json:"answered"`
	TLSVersion       string   `json:"tls_version"`
	KeyExchange      string   `json:"key_exchange"`        // "X25519MLKEM768", "P-256"; "" without TLS
	HRR              bool     `json:"hello_retry_request"` // the server asked for a second key exchange
	CertificateOK    bool     `json:"certificate_ok"`
	CertificateError string   `json:"certificate_error"`
	Mechanisms       []string `json:"mechanisms"`
	Notes            []string `json:"notes,omitempty"` // e.g. ["LOGINDISABLED", "STARTTLS offered"]
	ElapsedMS        int64    `json:"elapsed_ms"`
	Source           string   `json:"source,omitempty"`
	OutsideDomain    bool     `json:"outside_domain,omitempty"`
	Error            string   `json:"error,omitempty"`
}

type jsonRecommendation struct {
	Type          string `json:"type"`
	Host          string `json:"host"`
	Protocol      string `json:"protocol"`
	Port          int    `json:"port"`
	Security      string `json:"security"`
	CertificateOK bool   `json:"certificate_ok"`
	Username      string `json:"username,omitempty"`
}

// jsonNoRecommendation replaces the recommendation line when candidates
// answered but none over TLS or STARTTLS (an addition, see DESIGN.md).
type jsonNoRecommendation struct {
	Type    string `json:"type"`   // "no_recommendation"
	Reason  string `json:"reason"` // "plain_text_only"
	Message string `json:"message"`
}

type jsonLookup struct {
	Type      string   `json:"type"`
	Source    string   `json:"source"`
	Query     string   `json:"query"`
	Found     []string `json:"found"`
	Notes     []string `json:"notes,omitempty"`
	Error     string   `json:"error,omitempty"`
	ElapsedMS int64    `json:"elapsed_ms"`
}

type jsonProvider struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Note    string `json:"note"`
	Matched string `json:"matched"`
}

// start announces a host probe.
func (p *discoverPrinter) start(host string, opts mailconn.DiscoverOptions) {
	p.total = len(opts.HostCandidates(host))
	if p.json {
		return
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = mailconn.DefaultDiscoverTimeout
	}
	p.indented("", 0, fmt.Sprintf("Probing %s: IMAP and POP3 over TLS, with STARTTLS and in plain text (timeout %s).", host, timeout))
}

// probe reports one finished candidate.
func (p *discoverPrinter) probe(r mailconn.ProbeResult) {
	if p.json {
		c := r.Candidate
		mechs := r.Mechanisms
		if mechs == nil {
			mechs = []string{}
		}
		var kex string
		var hrr bool
		if r.TLS != nil {
			kex, hrr = r.TLS.KeyExchange, r.TLS.HelloRetryRequest
		}
		p.writeJSON(jsonProbe{"probe", c.Host, c.Protocol, c.Port, c.Security, r.Answered, r.TLSVersion(), kex, hrr,
			r.CertificateOK, r.CertificateError, mechs, r.Notes(), ms(r.Elapsed), c.Source, c.OutsideDomain, r.Problem})
		return
	}
	p.done++
	if p.ti.tty {
		p.clearRunning()
		if p.total > 0 {
			_, _ = fmt.Fprintf(p.w, "%s probing: %d of %d done", p.icon(mailconn.StatusRunning), p.done, p.total)
		} else {
			_, _ = fmt.Fprintf(p.w, "%s probing: %d done", p.icon(mailconn.StatusRunning), p.done)
		}
		p.running = true
	}
}

// event reports one event of email discovery.
func (p *discoverPrinter) event(e mailconn.DiscoverEvent) {
	switch {
	case e.Probe != nil:
		p.probe(*e.Probe)
	case e.Lookup != nil:
		p.lookup(*e.Lookup)
	case e.Provider != nil:
		pr := e.Provider
		if p.json {
			p.writeJSON(jsonProvider{"provider", pr.ID, pr.Name, pr.Note, pr.Matched})
			return
		}
		p.note(mailconn.StatusWarn, fmt.Sprintf("%s (%s): %s", pr.Name, pr.Matched, pr.Note))
	}
}

func (p *discoverPrinter) lookup(l mailconn.Lookup) {
	if p.json {
		found := l.Found
		if found == nil {
			found = []string{}
		}
		j := jsonLookup{Type: "lookup", Source: l.Source, Query: l.Query, Found: found, Notes: l.Notes, ElapsedMS: ms(l.Elapsed)}
		if l.Err != nil {
			j.Error = l.Err.Error()
		}
		p.writeJSON(j)
		return
	}
	st := mailconn.StatusSkipped
	text := "none"
	if len(l.Found) > 0 {
		st, text = mailconn.StatusOK, strings.Join(l.Found, "; ")
	}
	switch {
	case len(l.Notes) > 0 && len(l.Found) == 0:
		text = strings.Join(l.Notes, "; ")
	case len(l.Notes) > 0:
		st = mailconn.StatusWarn
		text += "; " + strings.Join(l.Notes, "; ")
	}
	if l.Err != nil {
		text = l.Err.Error()
	}
	query := l.Query
	if l.Source != mailconn.SourceSRV {
		query = l.Source + " " + query
	}
	p.note(st, query+": "+text)
}

// finish prints the matrix and the recommendation (text), or the
// recommendation line (JSON).
func (p *discoverPrinter) finish(d *discovered, f discoverFlags, configArg string) {
	if p.json {
		if d.ok {
			c := d.best.Candidate
			j := jsonRecommendation{Type: "recommendation", Host: c.Host, Protocol: c.Protocol, Port: c.Port, Security: c.Security, CertificateOK: d.best.CertificateOK}
			if d.disc != nil {
				j.Username = d.disc.Username
			}
			p.writeJSON(j)
		} else if d.plainOnly {
			p.writeJSON(jsonNoRecommendation{"no_recommendation", "plain_text_only", mailconn.NoTLSReason})
		}
		return
	}
	p.clearRunning()
	p.matrix(d)
	if pr := d.provider(); pr != nil && d.disc == nil {
		p.note(mailconn.StatusWarn, pr.Name+": "+pr.Note)
	}
	_, _ = fmt.Fprintln(p.w)
	if !d.ok && d.plainOnly {
		p.note(mailconn.StatusFail, mailconn.NoTLSReason)
		p.indented(strings.Repeat(" ", p.iconWidth()+1), p.iconWidth()+1, fmt.Sprintf(
			"Check that the server offers IMAP or POP3 over TLS or STARTTLS, and what is between here and it. "+
				"To use plain text anyway, say so: mailsetup init --from-discover %s --allow-plaintext (or --security none).", shellQuote(d.target)))
		return
	}
	if !d.ok {
		where := d.target
		if d.disc != nil {
			where = "any server found for " + d.disc.Domain
		}
		msg := fmt.Sprintf("Nothing answered on %s. Check the name, the firewall between here and the server, and --port if it listens on another port.", where)
		if d.disc == nil && net.ParseIP(d.target) == nil && strings.Contains(d.target, ".") {
			msg += " To find a domain's server, give an address: mailsetup discover user@" + d.target + "."
		}
		p.note(mailconn.StatusFail, msg)
		return
	}
	b := d.best
	c := b.Candidate
	st := mailconn.StatusOK
	if b.Flagged() {
		st = mailconn.StatusWarn
	}
	p.note(st, fmt.Sprintf("Recommended: %s %s, port %d on %s (%s).", protoLabel(c.Protocol), securityPhrase(c.Security), c.Port, c.Host, certVerdict(b)))
	if t := b.TLS; t != nil && t.Problem != nil {
		hint, _ := t.Problem.Hint()
		if pinnable(b) {
			hint = "To trust it, give its CA with --ca-file, or pin exactly this certificate (--pinned-certificate-sha256 below)."
		}
		p.indented(strings.Repeat(" ", p.iconWidth()+1), p.iconWidth()+1, hint)
	}
	if c.OutsideDomain {
		p.indented(strings.Repeat(" ", p.iconWidth()+1), p.iconWidth()+1, fmt.Sprintf("%s is outside %s and came from DNS without proof: confirm it is your provider's server.", c.Host, d.domain))
	}
	if c.Security == config.SecurityStartTLS && b.LoginDisabled {
		p.indented(strings.Repeat(" ", p.iconWidth()+1), p.iconWidth()+1, "The server refuses passwords even after STARTTLS.")
	}
	args := append([]string{"mailsetup", "init"}, initArgs(d, f)...)
	if d.disc == nil || d.disc.Username == "" {
		args = append(args, "--username", "NAME")
	}
	args = append(args, "--password-stdin")
	if configArg != "" {
		args = append(args, strings.Fields(configArg)...)
	}
	_, _ = fmt.Fprintln(p.w, "Set it up with:")
	p.command(args)
}

func securityPhrase(s string) string {
	switch s {
	case config.SecurityTLS:
		return "over TLS"
	case config.SecurityStartTLS:
		return "with STARTTLS"
	default:
		return "in plain text"
	}
}

// Matrix columns: widths of protocol, port, security, TLS version and
// certificate verdict; mechanisms take the rest.
const (
	colProto, colPort, colSec, colTLS, colCert = 8, 5, 8, 7, 13
)

func (p *discoverPrinter) matrix(d *discovered) {
	iconW := 1
	if !p.ti.utf8 {
		iconW = 6
	}
	lead := iconW + 2
	rest := colProto + 1 + colPort + 2 + colSec + 2 // after the icon, up to the TLS column
	mechCol := lead + rest + colTLS + 2 + colCert + 2
	mechW := max(p.width-mechCol, 12)
	_, _ = fmt.Fprintln(p.w)
	header := fmt.Sprintf("%s%-*s %*s  %-*s  %-*s  %-*s  %s", strings.Repeat(" ", lead), colProto, "PROTOCOL", colPort, "PORT",
		colSec, "SECURITY", colTLS, "TLS", colCert, "CERTIFICATE", "MECHANISMS")
	_, _ = fmt.Fprintln(p.w, p.dim.Render(header))

	for _, g := range groupByHost(d.results) {
		if d.disc != nil {
			line := g.host + " (" + strings.Join(g.sources, ", ") + ")"
			if g.outside {
				line += " - outside " + d.domain
			}
			p.indented("", 0, line)
		}
		for _, r := range g.results {
			c := r.Candidate
			st := mailconn.StatusOK
			switch {
			case !r.Answered:
				st = mailconn.StatusFail
			case r.Flagged():
				st = mailconn.StatusWarn
			}
			row := fmt.Sprintf("%s  %-*s %*d  %-*s  ", p.icon(st), colProto, protoLabel(c.Protocol), colPort, c.Port, colSec, c.Security)
			if !r.Answered {
				lines := wrapWords(r.Problem, p.width-lead-rest)
				_, _ = fmt.Fprintln(p.w, row+strings.Join(lines, "\n"+strings.Repeat(" ", lead+rest)))
				continue
			}
			tlsV := "-"
			if r.TLS != nil {
				tlsV = r.TLSVersion()
			}
			row += fmt.Sprintf("%-*s  %-*s  ", colTLS, tlsV, colCert, r.CertVerdict())
			lines := wrapWords(r.MechanismsText(), mechW)
			_, _ = fmt.Fprintln(p.w, row+strings.Join(lines, "\n"+strings.Repeat(" ", mechCol)))
		}
	}
}

// hostGroup is the results of one host, in candidate order.
type hostGroup struct {
	host    string
	sources []string
	outside bool
	results []mailconn.ProbeResult
}

func groupByHost(rs []mailconn.ProbeResult) []*hostGroup {
	var out []*hostGroup
	idx := map[string]*hostGroup{}
	for _, r := range rs {
		key := strings.ToLower(r.Candidate.Host)
		g := idx[key]
		if g == nil {
			g = &hostGroup{host: r.Candidate.Host}
			idx[key] = g
			out = append(out, g)
		}
		if s := r.Candidate.Source; s != "" && !containsStr(g.sources, s) {
			g.sources = append(g.sources, s)
		}
		g.outside = g.outside || r.Candidate.OutsideDomain
		g.results = append(g.results, r)
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// iconWidth is the width of an icon: 1 in UTF-8, 6 in ASCII ("[warn]").
func (p *discoverPrinter) iconWidth() int {
	if p.ti.utf8 {
		return 1
	}
	return 6
}

// note prints an icon and text, wrapped to the width with continuation
// lines under the text.
func (p *discoverPrinter) note(st mailconn.Status, text string) {
	p.indented(p.icon(st)+" ", p.iconWidth()+1, text)
}

// indented prints prefix (of width n on screen) and text, wrapped to the
// width with continuation lines indented by n.
func (p *discoverPrinter) indented(prefix string, n int, text string) {
	lines := wrapWords(text, p.width-n)
	_, _ = fmt.Fprintln(p.w, prefix+strings.Join(lines, "\n"+strings.Repeat(" ", n)))
}

// command prints a shell command, wrapped with backslashes between flags
// (a flag stays with its value).
func (p *discoverPrinter) command(args []string) {
	var chunks []string
	for i := 0; i < len(args); i++ {
		c := args[i]
		if strings.HasPrefix(c, "--") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			c += " " + args[i+1]
			i++
		}
		chunks = append(chunks, c)
	}
	line := "  " + chunks[0]
	for _, c := range chunks[1:] {
		if len(line)+1+len(c)+2 > p.width {
			_, _ = fmt.Fprintln(p.w, line+" \\")
			line = "      " + c
			continue
		}
		line += " " + c
	}
	_, _ = fmt.Fprintln(p.w, line)
}

// wrapWords breaks s into lines of at most width characters at spaces; a
// word longer than width stands alone.
func wrapWords(s string, width int) []string {
	width = max(width, 10)
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}
