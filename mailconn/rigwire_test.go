package mailconn_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestRigCommands checks the commands each test sends: capabilities come
// from the greeting when it has them, and nothing is asked twice. Together
// with the pipelined mailbox queries this keeps an IMAPS test at TCP 1 +
// TLS 1 + greeting ½ + AUTHENTICATE (SASL-IR) 1 + mailbox queries 1 round
// trips, LOGOUT unanswered.
func TestRigCommands(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	a := mailtest.Alice
	cmdRE := regexp.MustCompile(`(?m)^\S+ C: (?:[A-Z]\d+ )?([A-Z]+)`)
	tests := []struct {
		name string
		in   config.Incoming
		want []string
	}{
		{"imaps", incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a),
			[]string{"AUTHENTICATE", "LIST", "EXAMINE", "SEARCH", "FETCH", "LOGOUT"}},
		{"imap starttls", incoming(srv, config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP, a),
			[]string{"STARTTLS", "CAPABILITY", "LOGIN", "LIST", "EXAMINE", "SEARCH", "FETCH", "LOGOUT"}},
		{"pop3s", incoming(srv, config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, a),
			[]string{"CAPA", "AUTH", "STAT", "UIDL", "QUIT"}},
		{"pop3 starttls", incoming(srv, config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3, a),
			[]string{"CAPA", "STLS", "CAPA", "AUTH", "STAT", "UIDL", "QUIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTest(t, tt.in, opts(a))
			if !r.res.OK {
				t.Fatalf("failed\n%s", r.dump())
			}
			var got []string
			for _, m := range cmdRE.FindAllStringSubmatch(r.trace, -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("commands %q, want %q\n%s", got, tt.want, r.dump())
			}
		})
	}
}
