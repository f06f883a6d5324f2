package mailconn

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAutoconfig(t *testing.T) {
	server := func(typ, host, port, socket, user string) string {
		return fmt.Sprintf(`<incomingServer type=%q><hostname>%s</hostname><port>%s</port><socketType>%s</socketType><username>%s</username></incomingServer>`,
			typ, host, port, socket, user)
	}
	file := func(servers ...string) string {
		return `<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="x">` + strings.Join(servers, "") + `</emailProvider></clientConfig>`
	}
	tests := []struct {
		name    string
		xml     string
		want    []string // "protocol host:port security user"
		wantErr error
	}{
		{"imap SSL with templates",
			file(server("imap", "imap.%EMAILDOMAIN%", "993", "SSL", "%EMAILADDRESS%")),
			[]string{"imap imap.example.test:993 tls ann.lee@example.test"}, nil},
		{"pop3 STARTTLS, local part",
			file(server("pop3", "pop.example.test", "110", "STARTTLS", "%EMAILLOCALPART%")),
			[]string{"pop3 pop.example.test:110 starttls ann.lee"}, nil},
		{"plain, no port, no user",
			file(server("IMAP", "Mail.Example.Test.", "", "plain", "")),
			[]string{"imap mail.example.test:143 none "}, nil},
		{"order kept, others skipped",
			file(server("exchange", "ews.example.test", "443", "SSL", ""), server("pop3", "pop.example.test", "995", "SSL", "u"),
				server("imap", "imap.example.test", "993", "SSL", "u")),
			[]string{"pop3 pop.example.test:995 tls u", "imap imap.example.test:993 tls u"}, nil},
		{"bad host and unknown socket type skipped",
			file(server("imap", "bad host/x", "993", "SSL", ""), server("imap", "imap.example.test", "993", "QUANTUM", ""),
				server("imap", "ok.example.test", "99999", "SSL", "")),
			[]string{"imap ok.example.test:993 tls "}, nil},
		{"no incoming server", file(), nil, errNoIncoming},
		{"not XML", "<html>nope", nil, nil},
		{"another XML", "<rss></rss>", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAutoconfig(strings.NewReader(tt.xml), "ann.lee@example.test")
			if tt.want == nil {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, s := range got {
				c := s.cand
				if c.Source != SourceAutoconfig {
					t.Errorf("source %q", c.Source)
				}
				lines = append(lines, fmt.Sprintf("%s %s:%d %s %s", c.Protocol, c.Host, c.Port, c.Security, s.username))
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseAutoconfigBounded(t *testing.T) {
	// A file larger than the limit is cut off and fails to parse instead of
	// being read whole.
	huge := `<clientConfig><emailProvider><displayName>` + strings.Repeat("x", maxAutoconfigBytes) + `</displayName></emailProvider></clientConfig>`
	if _, err := parseAutoconfig(strings.NewReader(huge), "a@b.test"); err == nil {
		t.Error("an oversized file parsed")
	}
}
