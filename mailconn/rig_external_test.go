package mailconn_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// extRig describes a server of the couriertest or mailutilstest rig for
// the tests shared by both: the same listeners, users and folders as the
// Dovecot rig, under each server's own folder names.
type extRig struct {
	host, caFile string
	log          func() string
	// Ports by protocol: STARTTLS offered, implicit TLS, TLS required,
	// no STARTTLS.
	imap, imaps, imapTLSRequired, imapPlainOnly int
	pop3, pop3s, pop3TLSRequired, pop3PlainOnly int
	// support and nonASCII are the full names of the Support and the
	// non-ASCII folder; sep is the separator.
	support, nonASCII, sep string
}

func (x *extRig) incoming(protocol, security string, port int, u mailtest.User) config.Incoming {
	return config.Incoming{
		Protocol:                  protocol,
		Server:                    x.host,
		Port:                      port,
		Username:                  u.Name,
		Auth:                      config.AuthPassword,
		Security:                  security,
		RejectInvalidCertificates: true,
		CAFile:                    x.caFile,
	}
}

// testExtRig runs the connection test against one server: every security
// mode of both protocols with every user, a wrong password, a missing
// folder and the folders that exist.
func testExtRig(t *testing.T, x *extRig) {
	t.Run("modes", func(t *testing.T) { testExtModes(t, x) })
	t.Run("wrong password", func(t *testing.T) { testExtWrongPassword(t, x) })
	t.Run("folders", func(t *testing.T) { testExtFolders(t, x) })
}

func testExtModes(t *testing.T, x *extRig) {
	ok, warn, skip := mailconn.StatusOK, mailconn.StatusWarn, mailconn.StatusSkipped
	type st = map[mailconn.StepID]mailconn.Status
	tests := []struct {
		name, protocol, security string
		port                     int
		want                     st
	}{
		{"imap/tls", config.ProtocolIMAP, config.SecurityTLS, x.imaps,
			st{mailconn.StepTLS: ok, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: ok, mailconn.StepMailbox: ok}},
		{"imap/starttls", config.ProtocolIMAP, config.SecurityStartTLS, x.imap,
			st{mailconn.StepTLS: skip, mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"imap/starttls-if-available", config.ProtocolIMAP, config.SecurityStartTLSIfAvailable, x.imap,
			st{mailconn.StepStartTLS: ok, mailconn.StepAuthenticate: ok}},
		{"imap/none", config.ProtocolIMAP, config.SecurityNone, x.imap,
			st{mailconn.StepTLS: skip, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"imap/starttls on tls-required", config.ProtocolIMAP, config.SecurityStartTLS, x.imapTLSRequired,
			st{mailconn.StepStartTLS: ok, mailconn.StepAuthenticate: ok}},
		{"imap/starttls-if-available on plain-only", config.ProtocolIMAP, config.SecurityStartTLSIfAvailable, x.imapPlainOnly,
			st{mailconn.StepStartTLS: warn, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"imap/none on plain-only", config.ProtocolIMAP, config.SecurityNone, x.imapPlainOnly,
			st{mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"pop3/tls", config.ProtocolPOP3, config.SecurityTLS, x.pop3s,
			st{mailconn.StepTLS: ok, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: ok, mailconn.StepMailbox: ok}},
		{"pop3/starttls", config.ProtocolPOP3, config.SecurityStartTLS, x.pop3,
			st{mailconn.StepTLS: skip, mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"pop3/starttls-if-available", config.ProtocolPOP3, config.SecurityStartTLSIfAvailable, x.pop3,
			st{mailconn.StepStartTLS: ok, mailconn.StepAuthenticate: ok}},
		{"pop3/none", config.ProtocolPOP3, config.SecurityNone, x.pop3,
			st{mailconn.StepTLS: skip, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"pop3/starttls on tls-required", config.ProtocolPOP3, config.SecurityStartTLS, x.pop3TLSRequired,
			st{mailconn.StepStartTLS: ok, mailconn.StepAuthenticate: ok}},
		{"pop3/starttls-if-available on plain-only", config.ProtocolPOP3, config.SecurityStartTLSIfAvailable, x.pop3PlainOnly,
			st{mailconn.StepStartTLS: warn, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"pop3/none on plain-only", config.ProtocolPOP3, config.SecurityNone, x.pop3PlainOnly,
			st{mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
	}
	for _, tt := range tests {
		// Every user (Bob's password is non-ASCII, Carol's has spaces and
		// quotes) over implicit TLS and in plain text; Alice elsewhere, to
		// keep CI fast.
		users := []mailtest.User{mailtest.Alice}
		if tt.name == "imap/tls" || tt.name == "pop3/tls" || tt.name == "imap/none" || tt.name == "pop3/none" {
			users = mailtest.Users
		}
		for _, u := range users {
			t.Run(tt.name+"/"+u.Name, func(t *testing.T) {
				r := runTest(t, x.incoming(tt.protocol, tt.security, tt.port, u), opts(u))
				if !r.res.OK {
					t.Fatalf("test failed\n%s\n%s", r.dump(), x.log())
				}
				wantStatuses(t, r, tt.want)
				checkNoSecret(t, r, u.Name, u.Password)
				mb, _ := r.final(mailconn.StepMailbox)
				want := fmt.Sprintf("%d messages", mailtest.InboxMessages)
				if !strings.Contains(mb.Detail, want) {
					t.Fatalf("mailbox detail %q lacks %q", mb.Detail, want)
				}
			})
		}
	}
}

func testExtWrongPassword(t *testing.T, x *extRig) {
	a := mailtest.Alice
	cases := []struct {
		name string
		in   config.Incoming
	}{
		{"imap", x.incoming(config.ProtocolIMAP, config.SecurityTLS, x.imaps, a)},
		{"pop3", x.incoming(config.ProtocolPOP3, config.SecurityTLS, x.pop3s, a)},
		{"imap unknown user", with(x.incoming(config.ProtocolIMAP, config.SecurityStartTLS, x.imap, a),
			func(in *config.Incoming) { in.Username = "nobody" })},
	}
	// Courier answers a failed login after 5 seconds: run the tests at
	// once rather than in turn (t.Parallel would still queue them behind
	// -parallel), then check each.
	const wrong = "wrong-Pa55"
	runs := make([]*run, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() { runs[i] = runQuiet(c.in, mailconn.Options{Secret: wrong, Timeout: testTimeout}) })
	}
	wg.Wait()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runs[i]
			checkEventProtocol(t, r)
			if r.res.OK || r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldPassword {
				t.Fatalf("got failed step %q field %q, want authenticate/password\n%s", r.res.FailedStep, r.res.Field, r.dump())
			}
			if !strings.Contains(r.res.Hint, "rejected the user name or password") {
				t.Fatalf("hint %q", r.res.Hint)
			}
			checkNoSecret(t, r, c.in.Username, wrong)
		})
	}
}

// runQuiet is runTest without the checks, safe in any goroutine; check the
// result with checkEventProtocol afterwards.
func runQuiet(in config.Incoming, opts mailconn.Options) *run {
	var trace syncBuffer
	opts.Trace = &trace
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	r := &run{}
	r.res = mailconn.Test(ctx, in, opts, func(e mailconn.Event) { r.events = append(r.events, e) })
	r.trace = trace.String()
	return r
}

func testExtFolders(t *testing.T, x *extRig) {
	a := mailtest.Alice
	in := x.incoming(config.ProtocolIMAP, config.SecurityTLS, x.imaps, a)
	for _, o := range []struct {
		folder   string
		messages int
	}{
		{x.support, mailtest.SupportMessages},
		{x.nonASCII, mailtest.NonASCIIMessages},
		{"INBOX", mailtest.InboxMessages},
	} {
		t.Run("open "+o.folder, func(t *testing.T) {
			r := runTest(t, with(in, func(in *config.Incoming) { in.Mailbox = o.folder }), opts(a))
			if !r.res.OK {
				t.Fatalf("failed\n%s", r.dump())
			}
			mb, _ := r.final(mailconn.StepMailbox)
			want := fmt.Sprintf("%s: %d message", o.folder, o.messages)
			if !strings.HasPrefix(mb.Detail, want) || !strings.Contains(mb.Detail, fmt.Sprintf("separator %q", x.sep)) {
				t.Fatalf("mailbox detail %q, want %q… and separator %q", mb.Detail, want, x.sep)
			}
		})
	}
	typo := strings.Replace(x.support, "Support", "Supprt", 1)
	runFailCases(t, nil, []failCase{
		{"missing folder suggests the close one", with(in, func(in *config.Incoming) { in.Mailbox = typo }), a.Password,
			mailconn.StepMailbox, mailconn.FieldMailbox, fmt.Sprintf("did you mean %q?", x.support), ""},
		{"missing folder", with(in, func(in *config.Incoming) { in.Mailbox = "Nowhere" }), a.Password,
			mailconn.StepMailbox, mailconn.FieldMailbox, `No folder "Nowhere"`, ""},
	})
}
