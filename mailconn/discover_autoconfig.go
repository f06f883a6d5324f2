package mailconn

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// maxAutoconfigBytes bounds an autoconfig file.
const maxAutoconfigBytes = 1 << 20

// autoconfigURLs are where Thunderbird looks for a domain's autoconfig file,
// in order.
func autoconfigURLs(domain, email string) []string {
	q := "?emailaddress=" + url.QueryEscape(email)
	return []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml" + q,
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml" + q,
	}
}

// autoconfigFile is the part of Thunderbird's config-v1.1.xml read here.
type autoconfigFile struct {
	XMLName   xml.Name `xml:"clientConfig"`
	Providers []struct {
		DisplayName string `xml:"displayName"`
		Incoming    []struct {
			Type           string   `xml:"type,attr"`
			Hostname       string   `xml:"hostname"`
			Port           int      `xml:"port"`
			SocketType     string   `xml:"socketType"`
			Username       string   `xml:"username"`
			Authentication []string `xml:"authentication"`
		} `xml:"incomingServer"`
	} `xml:"emailProvider"`
}

// autoconfigServer is one usable incomingServer.
type autoconfigServer struct {
	cand     ProbeCandidate
	username string   // the template filled in, "" when the file has none
	auth     []string // the file's authentication values
}

// errNoIncoming means an autoconfig file named no IMAP or POP3 server.
var errNoIncoming = errors.New("no IMAP or POP3 incomingServer in the file")

// parseAutoconfig reads an autoconfig file for email: the IMAP and POP3
// incomingServer entries in the file's order, with %EMAILADDRESS%,
// %EMAILLOCALPART% and %EMAILDOMAIN% filled in.
func parseAutoconfig(r io.Reader, email string) ([]autoconfigServer, error) {
	var f autoconfigFile
	dec := xml.NewDecoder(io.LimitReader(r, maxAutoconfigBytes))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not an autoconfig file: %w", err)
	}
	local, domain, _ := strings.Cut(email, "@")
	fill := strings.NewReplacer("%EMAILADDRESS%", email, "%EMAILLOCALPART%", local, "%EMAILDOMAIN%", domain)
	var out []autoconfigServer
	for _, p := range f.Providers {
		for _, in := range p.Incoming {
			proto := strings.ToLower(strings.TrimSpace(in.Type))
			if proto != config.ProtocolIMAP && proto != config.ProtocolPOP3 {
				continue // exchange, ews, jmap …
			}
			host := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(fill.Replace(in.Hostname)), "."))
			if !validHostname(host) {
				continue
			}
			var sec string
			switch strings.ToUpper(strings.TrimSpace(in.SocketType)) {
			case "SSL", "TLS":
				sec = config.SecurityTLS
			case "STARTTLS":
				sec = config.SecurityStartTLS
			case "PLAIN":
				sec = config.SecurityNone
			default:
				continue
			}
			port := in.Port
			if port <= 0 || port > 65535 {
				port = config.DefaultPort(proto, sec)
			}
			out = append(out, autoconfigServer{
				cand:     ProbeCandidate{Host: host, Protocol: proto, Port: port, Security: sec, Source: "autoconfig"},
				username: safetext.Clean(strings.TrimSpace(fill.Replace(in.Username))),
				auth:     in.Authentication,
			})
		}
	}
	if len(out) == 0 {
		return nil, errNoIncoming
	}
	return out, nil
}

// validHostname accepts a DNS name or an IP address: letters, digits, '-',
// '.', ':' (IPv6) and '_', no spaces or slashes.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-.:_", c)) {
			return false
		}
	}
	return true
}

// fetchAutoconfig fetches and parses one autoconfig URL.
func fetchAutoconfig(ctx context.Context, client *http.Client, u, email string) ([]autoconfigServer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return parseAutoconfig(resp.Body, email)
}

// defaultHTTPClient fetches autoconfig files: HTTPS only (redirects too),
// no kept-alive connections (nothing outlives the discovery).
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect to %s: autoconfig is fetched over HTTPS only", req.URL.Redacted())
			}
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}
