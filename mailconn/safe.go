package mailconn

import "github.com/mailsetup/mailsetup/internal/safetext"

// Text from outside (a server, a certificate, DNS, an autoconfig file, an
// OAuth provider, folder names) is cleaned by package safetext where it
// enters mailconn. The functions here are the safety net on the way out:
// every string of every Event, Result, ProbeResult, Lookup and FolderList
// that mailconn hands to its caller goes through safetext too, so that no
// output path (step log, line mode, JSON, hints) can print a control
// character a server sent. Clean text passes unchanged and unallocated.
// Hints are our own sentences and may span lines (the OAuth causes list):
// they keep their line feeds (safetext.CleanLines); server text never
// brings one, since it is cleaned where it enters.

// cleanEvent cleans the text fields of e.
func cleanEvent(e *Event) {
	e.Title = safetext.Clean(e.Title)
	e.Detail = safetext.Clean(e.Detail)
	e.Hint = safetext.CleanLines(e.Hint)
	e.Field = safetext.Clean(e.Field)
}

// cleanResult cleans the text fields of r.
func cleanResult(r *Result) {
	r.Field = safetext.Clean(r.Field)
	r.Error = safetext.Clean(r.Error)
	r.Message = safetext.Clean(r.Message)
	r.Hint = safetext.CleanLines(r.Hint)
}

// cleanStrings cleans each string of s in place.
func cleanStrings(s []string) {
	for i := range s {
		s[i] = safetext.Clean(s[i])
	}
}

// safeErr wraps err so that its text is clean (safetext.Err).
func safeErr(err error) error { return safetext.Err(err) }

// cleanTLSInfo cleans the names of i (already cleaned where the handshake
// recorded them; this is the net).
func cleanTLSInfo(i *TLSInfo) {
	if i == nil {
		return
	}
	i.Subject = safetext.Clean(i.Subject)
	i.Issuer = safetext.Clean(i.Issuer)
	i.KeyExchange = safetext.Clean(i.KeyExchange)
	cleanStrings(i.DNSNames)
	cleanStrings(i.IPAddresses)
	if p := i.Problem; p != nil {
		p.Subject = safetext.Clean(p.Subject)
		p.Issuer = safetext.Clean(p.Issuer)
		p.Host = safetext.Clean(p.Host)
		cleanStrings(p.Names)
	}
}

// cleanProbe cleans the text of a probe's result.
func cleanProbe(r *ProbeResult) {
	r.Candidate.Host = safetext.Clean(r.Candidate.Host)
	r.Candidate.Source = safetext.Clean(r.Candidate.Source)
	r.Greeting = safetext.Clean(r.Greeting)
	r.LoginDisabledBy = safetext.Clean(r.LoginDisabledBy)
	cleanTLSInfo(r.TLS)
	r.CertificateError = safetext.Clean(r.CertificateError)
	cleanStrings(r.Capabilities)
	cleanStrings(r.Mechanisms)
	r.Err = safeErr(r.Err)
	r.Problem = safetext.Clean(r.Problem)
	r.Hint = safetext.CleanLines(r.Hint)
}

// cleanLookup cleans the text of a discovery lookup.
func cleanLookup(l *Lookup) {
	l.Query = safetext.Clean(l.Query)
	cleanStrings(l.Found)
	cleanStrings(l.Notes)
	l.Err = safeErr(l.Err)
}
