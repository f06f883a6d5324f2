package mailconn

import (
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// Provider is built-in knowledge of a large mail provider whose rules a
// probe cannot see (a server offering AUTH=PLAIN that refuses every
// password, a folder separator it insists on).
type Provider struct {
	// ID is the config's oauth2 provider: config.ProviderMicrosoft or
	// config.ProviderGoogle.
	ID   string
	Name string // "Microsoft 365", "Gmail"
	// Note is one sentence for the admin, after the name: how to sign in,
	// folder rules.
	Note string
	// Matched is the name that matched: a host, an MX target or the email
	// domain.
	Matched string
	// IMAPHost and POP3Host are the provider's servers (implicit TLS).
	IMAPHost, POP3Host string
	// OAuthRequired is true when passwords are refused (auth = "oauth2");
	// false when an app password still works.
	OAuthRequired bool
	// Separator is the only IMAP folder separator the provider accepts, 0
	// when it takes the server's own.
	Separator rune
}

// providerRule matches names (hosts, MX targets, the email domain) to a
// provider.
type providerRule struct {
	p        Provider
	exact    []string
	suffixes []string
}

var providerRules = []providerRule{
	{
		p: Provider{
			ID: config.ProviderMicrosoft, Name: "Microsoft 365",
			Note:     "OAuth 2.0 required (Exchange Online refuses passwords for IMAP and POP3 since 2022); IMAP folders use '/' only (INBOX/Support).",
			IMAPHost: "outlook.office365.com", POP3Host: "outlook.office365.com",
			OAuthRequired: true, Separator: '/',
		},
		exact: []string{"outlook.office365.com", "outlook.office.com", "imap-mail.outlook.com", "pop-mail.outlook.com",
			"outlook.com", "hotmail.com", "live.com", "msn.com"},
		suffixes: []string{".mail.protection.outlook.com", ".outlook.office365.com"},
	},
	{
		p: Provider{
			ID: config.ProviderGoogle, Name: "Gmail",
			Note:     "OAuth 2.0, or an app password (needs 2-step verification on the account); the normal password is refused.",
			IMAPHost: "imap.gmail.com", POP3Host: "pop.gmail.com",
		},
		exact:    []string{"imap.gmail.com", "pop.gmail.com", "gmail.com", "googlemail.com"},
		suffixes: []string{".google.com", ".googlemail.com"},
	},
}

// KnownProvider returns what is known of the provider serving the first of
// names (hosts, MX targets, an email domain) that it knows, or nil.
func KnownProvider(names ...string) *Provider {
	for _, n := range names {
		name := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n), "."))
		if name == "" {
			continue
		}
		for _, r := range providerRules {
			if r.matches(name) {
				p := r.p
				p.Matched = name
				return &p
			}
		}
	}
	return nil
}

func (r *providerRule) matches(name string) bool {
	for _, e := range r.exact {
		if name == e {
			return true
		}
	}
	for _, s := range r.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// candidates are the provider's servers over implicit TLS and STARTTLS.
func (p *Provider) candidates(ports map[string]int) []ProbeCandidate {
	var out []ProbeCandidate
	for _, k := range []string{KindIMAPS, KindIMAP} {
		c := kindCandidate(p.IMAPHost, k, ports)
		c.Source = p.Name
		out = append(out, c)
	}
	for _, k := range []string{KindPOP3S, KindPOP3} {
		c := kindCandidate(p.POP3Host, k, ports)
		c.Source = p.Name
		out = append(out, c)
	}
	return out
}
