package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/cyrustest"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
)

// target is a server the comparison runs against: one of the test rigs,
// with its implicit-TLS ports, a user, and how curl must sign in there.
type target struct {
	server         string // "Dovecot", "Cyrus", "Courier", "Mailutils"
	host, caFile   string
	user, password string
	imaps, pop3s   int
	messages       int               // in the user's INBOX (curl's LIST is checked against it)
	curlLogin      map[string]string // protocol → curl --login-options
	addr           func(port int) string
	close          func()
}

// servers are the rigs the comparison can run against, in table order.
var servers = []string{"dovecot", "cyrus", "courier", "mailutils"}

// startTarget starts the rig named name (the Dovecot rig is already
// running: srv).
func startTarget(name string, srv *mailtest.Server) (*target, error) {
	switch name {
	case "dovecot":
		return dovecotTarget(srv), nil
	case "cyrus":
		s, err := cyrustest.New()
		if err != nil {
			return nil, err
		}
		// Cyrus offers NTLM first, which curl would try; mailsetup signs
		// in with PLAIN there (auth = "password").
		return &target{server: "Cyrus", host: s.Host, caFile: s.CAFile, user: s.User, password: s.Password,
			imaps: s.IMAPS, pop3s: s.POP3S, messages: s.Messages, addr: s.Addr, close: s.Close,
			curlLogin: map[string]string{config.ProtocolIMAP: "AUTH=PLAIN", config.ProtocolPOP3: "AUTH=PLAIN"}}, nil
	case "courier":
		s, err := couriertest.New()
		if err != nil {
			return nil, err
		}
		return &target{server: "Courier", host: s.Host, caFile: s.CAFile,
			user: mailtest.Alice.Name, password: mailtest.Alice.Password,
			imaps: s.IMAPS, pop3s: s.POP3S, messages: mailtest.InboxMessages, addr: s.Addr, close: s.Close}, nil
	case "mailutils":
		s, err := mailutilstest.New()
		if err != nil {
			return nil, err
		}
		// imap4d advertises DIGEST-MD5, CRAM-MD5 and more that do not
		// work; curl would pick one. pop3d's APOP works (the rig has an
		// APOP database), so curl keeps its default there.
		return &target{server: "Mailutils", host: s.Host, caFile: s.CAFile,
			user: mailtest.Alice.Name, password: mailtest.Alice.Password,
			imaps: s.IMAPS, pop3s: s.POP3S, messages: mailtest.InboxMessages, addr: s.Addr, close: s.Close,
			curlLogin: map[string]string{config.ProtocolIMAP: "AUTH=PLAIN"}}, nil
	}
	return nil, fmt.Errorf("unknown server %q (want one of %s)", name, strings.Join(servers, ", "))
}

// accounts are the target's implicit-TLS listeners.
func (t *target) accounts() []account {
	return []account{
		{name: "IMAPS", protocol: config.ProtocolIMAP, port: t.imaps, t: t},
		{name: "POP3S", protocol: config.ProtocolPOP3, port: t.pop3s, t: t},
	}
}

// result is one line of the server table.
type result struct {
	server, protocol      string
	mailsetup, curl       float64 // median wall ms on loopback
	ratio                 float64
	rtt, curlRTT, minimum float64 // net round trips through the delay line (0: not measured)
	rttRatio              float64
	hrr                   bool   // the server asked for a second ClientHello (HelloRetryRequest)
	err                   string // why the line was not measured
}

// printServerTable writes the comparison of every server and protocol.
func printServerTable(w interface{ Write([]byte) (int, error) }, rs []*result, rtt string) {
	f := func(v float64, format string) string {
		if v == 0 {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	head := []string{"server", "protocol", "mailsetup", "curl", "ratio", "", "RTTs (net)", "curl RTTs", "ratio " + rtt}
	rows := [][]string{head}
	hrrNote := false
	for _, r := range rs {
		if r.err != "" {
			rows = append(rows, []string{r.server, r.protocol, "not measured: " + r.err})
			continue
		}
		verdict := "ok"
		if r.ratio > 1.0 {
			verdict = "MISSED"
		}
		rt := f(r.rtt, "%.1f")
		if math.Round(r.rtt*10)/10 > 6 { // as shown: a tenth is the precision
			rt += " MISSED"
		}
		if r.hrr {
			rt += " (HRR)"
			hrrNote = true
		}
		rows = append(rows, []string{r.server, r.protocol, f(r.mailsetup, "%.1f ms"), f(r.curl, "%.1f ms"),
			f(r.ratio, "%.2f"), verdict, rt, f(r.curlRTT, "%.1f"), f(r.rttRatio, "%.2f")})
	}
	printColumns(w, rows)
	_, _ = fmt.Fprintln(w, "goals: ratio ≤ 1.0 (medians of interleaved loopback runs); round trips ≤ 6 (net, through the delay line)")
	if hrrNote {
		_, _ = fmt.Fprintln(w, "(HRR): the server answers every ClientHello that leads with X25519 with a HelloRetryRequest (it takes only P-256): one round trip more, for curl too")
	}
}

// printColumns aligns rows of cells (widths in runes).
func printColumns(w interface{ Write([]byte) (int, error) }, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		_, _ = fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
