package tui

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// lister is a fake mailconn.ListFolders: it records its calls, reports a
// sign-in step, and returns list or err (or, with block, waits for the
// context to end).
type lister struct {
	mu    sync.Mutex
	list  *mailconn.FolderList
	err   error
	block bool
	calls []scriptCall
}

func (l *lister) fn(ctx context.Context, in config.Incoming, o mailconn.Options, report func(mailconn.Event)) (*mailconn.FolderList, error) {
	l.mu.Lock()
	secret, _ := secretOf(ctx, o)
	l.calls = append(l.calls, scriptCall{in: in, secret: secret})
	l.mu.Unlock()
	report(mailconn.Event{Step: mailconn.StepAuthenticate, Status: mailconn.StatusRunning, Title: "Sign in as " + in.Username})
	if l.block {
		<-ctx.Done()
		return nil, &mailconn.ListError{Result: mailconn.Result{Canceled: true, Error: "canceled"}, Err: mailconn.ErrCanceled}
	}
	return l.list, l.err
}

func (l *lister) callCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func (l *lister) call(i int) scriptCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[i]
}

// sampleFolders is a server's folders with separator sep, in the tree
// order ListFolders returns: the rig's folders, a \Noselect leaf, and a
// folder whose counts are unknown.
func sampleFolders(sep string) *mailconn.FolderList {
	j := func(p ...string) string { return strings.Join(p, sep) }
	return &mailconn.FolderList{Delimiter: sep, CountsFrom: "LIST-STATUS", Folders: []mailconn.Folder{
		{Name: "INBOX", Attrs: []string{`\HasChildren`}, Messages: 3, Unseen: 2},
		{Name: j("INBOX", "Bestätigungen"), Messages: 1, Unseen: 1},
		{Name: j("INBOX", "Support"), Messages: 2, Unseen: 2},
		{Name: "Archive", Attrs: []string{`\Noselect`, `\HasChildren`}, NoSelect: true, Messages: -1, Unseen: -1},
		{Name: j("Archive", "2024"), Messages: 1, Unseen: 0},
		{Name: "Empty", Attrs: []string{`\Noselect`}, NoSelect: true, Messages: -1, Unseen: -1},
		{Name: "Sent", Attrs: []string{`\Sent`}, Messages: 14, Unseen: -1},
	}}
}

// wrongPasswordList is a folder list refused at sign-in.
func wrongPasswordList() error {
	r := mailconn.Result{FailedStep: mailconn.StepAuthenticate, Field: mailconn.FieldPassword,
		Error: "AUTHENTICATIONFAILED", Hint: "The server rejected the user name or password."}
	return &mailconn.ListError{Result: r, Event: mailconn.Event{Step: mailconn.StepAuthenticate, Status: mailconn.StatusFail,
		Hint: r.Hint, Field: r.Field}, Err: mailconn.ErrAuthFailed}
}

// prober is a fake mailconn.ProbeHost: it reports results in their order
// (or, with block, waits for the context to end) and records the hosts.
type prober struct {
	mu      sync.Mutex
	results []mailconn.ProbeResult
	err     error
	block   bool
	hosts   []string
	opts    []mailconn.DiscoverOptions
}

func (p *prober) fn(ctx context.Context, host string, o mailconn.DiscoverOptions, report func(mailconn.ProbeResult)) ([]mailconn.ProbeResult, error) {
	p.mu.Lock()
	p.hosts = append(p.hosts, host)
	p.opts = append(p.opts, o)
	p.mu.Unlock()
	if p.err != nil {
		return nil, p.err
	}
	var out []mailconn.ProbeResult
	for _, r := range p.results {
		r.Candidate.Host = host
		report(r)
		out = append(out, r)
	}
	if p.block {
		<-ctx.Done()
	}
	return out, nil
}

func (p *prober) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hosts)
}

// sampleProbe is a host with IMAP over TLS and STARTTLS, plain IMAP that
// refuses passwords, POP3 over TLS with a self-signed certificate, and
// nothing on 110; in the order the probes finish.
func sampleProbe() []mailconn.ProbeResult {
	tls13 := func(ok bool) *mailconn.TLSInfo {
		t := &mailconn.TLSInfo{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", Subject: "CN=mail.example.com", Verified: ok}
		if !ok {
			t.Subject, t.Issuer = "CN=pop.example.com", "CN=pop.example.com"
			t.Problem = &mailconn.CertError{Problem: mailconn.CertUnknownAuthority, Subject: t.Subject, Issuer: t.Issuer}
		}
		return t
	}
	cand := func(proto string, port int, sec string) mailconn.ProbeCandidate {
		return mailconn.ProbeCandidate{Protocol: proto, Port: port, Security: sec}
	}
	return []mailconn.ProbeResult{
		{Candidate: cand(config.ProtocolIMAP, 993, config.SecurityTLS), Answered: true, Greeted: true, TLS: tls13(true), CertificateOK: true,
			Mechanisms: []string{"PLAIN", "LOGIN"}, Elapsed: 20 * time.Millisecond},
		{Candidate: cand(config.ProtocolPOP3, 995, config.SecurityTLS), Answered: true, Greeted: true, TLS: tls13(false),
			CertificateError: "x509: certificate signed by unknown authority", Mechanisms: []string{"PLAIN", "USER"}, Elapsed: 21 * time.Millisecond},
		{Candidate: cand(config.ProtocolIMAP, 143, config.SecurityStartTLS), Answered: true, Greeted: true, TLS: tls13(true), CertificateOK: true,
			StartTLSOffered: true, Mechanisms: []string{"PLAIN", "LOGIN", "NTLM"}, Elapsed: 25 * time.Millisecond},
		{Candidate: cand(config.ProtocolIMAP, 143, config.SecurityNone), Answered: true, Greeted: true, StartTLSOffered: true,
			LoginDisabled: true, Elapsed: 5 * time.Millisecond},
		{Candidate: cand(config.ProtocolPOP3, 110, config.SecurityStartTLS), Step: mailconn.StepConnect, Problem: "connection refused",
			Err: context.DeadlineExceeded, Elapsed: time.Millisecond},
		{Candidate: cand(config.ProtocolPOP3, 110, config.SecurityNone), Step: mailconn.StepConnect, Problem: "connection refused",
			Err: context.DeadlineExceeded, Elapsed: time.Millisecond},
	}
}

// plainOnlyProbe is a host (or a stripped connection) that answers only in
// plain text: TLS refused, STARTTLS not offered.
func plainOnlyProbe() []mailconn.ProbeResult {
	cand := func(proto string, port int, sec string) mailconn.ProbeCandidate {
		return mailconn.ProbeCandidate{Protocol: proto, Port: port, Security: sec}
	}
	return []mailconn.ProbeResult{
		{Candidate: cand(config.ProtocolIMAP, 993, config.SecurityTLS), Step: mailconn.StepConnect, Problem: "connection refused"},
		{Candidate: cand(config.ProtocolIMAP, 143, config.SecurityStartTLS), Greeted: true, Step: mailconn.StepStartTLS,
			Problem: "STARTTLS not offered", Err: mailconn.ErrStartTLSNotOffered},
		{Candidate: cand(config.ProtocolIMAP, 143, config.SecurityNone), Answered: true, Greeted: true, Mechanisms: []string{"PLAIN", "LOGIN"}},
		{Candidate: cand(config.ProtocolPOP3, 995, config.SecurityTLS), Step: mailconn.StepConnect, Problem: "connection refused"},
		{Candidate: cand(config.ProtocolPOP3, 110, config.SecurityNone), Answered: true, Greeted: true, Mechanisms: []string{"USER"}},
	}
}
