package mailconn_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// testTimeout is the connection test's own timeout in rig tests: generous,
// a hang guard only.
const testTimeout = 15 * time.Second

func incoming(srv *mailtest.Server, protocol, security string, port int, u mailtest.User) config.Incoming {
	return config.Incoming{
		Protocol:                  protocol,
		Server:                    srv.Host,
		Port:                      port,
		Username:                  u.Name,
		Auth:                      config.AuthPassword,
		Security:                  security,
		RejectInvalidCertificates: true,
		CAFile:                    srv.CAFile,
	}
}

func opts(u mailtest.User) mailconn.Options {
	return mailconn.Options{Secret: u.Password, Timeout: testTimeout}
}

// wantStatuses checks the final status of each listed step.
func wantStatuses(t *testing.T, r *run, want map[mailconn.StepID]mailconn.Status) {
	t.Helper()
	for id, st := range want {
		e, ok := r.final(id)
		if !ok || e.Status != st {
			t.Fatalf("step %s: got %q, want %q\n%s", id, e.Status, st, r.dump())
		}
	}
}

// checkKeyExchange: Dovecot takes the X25519 key share Go sends first, so
// the TLS or STARTTLS step names the group and no HelloRetryRequest. It
// returns the number of steps that did TLS.
func checkKeyExchange(t *testing.T, r *run) (n int) {
	t.Helper()
	for _, id := range []mailconn.StepID{mailconn.StepTLS, mailconn.StepStartTLS} {
		e, _ := r.final(id)
		if e.Status != mailconn.StatusOK || !strings.HasPrefix(e.Detail, "TLS 1.") {
			continue // skipped, or plain text
		}
		n++
		if !regexp.MustCompile(`^TLS 1\.3, TLS_\w+, CN=.*, X25519(MLKEM768)?, SHA-256 [0-9A-F:]+$`).MatchString(e.Detail) || strings.Contains(e.Detail, "HelloRetryRequest") {
			t.Errorf("%s detail %q: want the X25519 group and no HelloRetryRequest", id, e.Detail)
		}
	}
	return n
}

func TestRigModes(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	ok, warn, skip := mailconn.StatusOK, mailconn.StatusWarn, mailconn.StatusSkipped
	tests := []struct {
		name, protocol, security string
		port                     int
		want                     map[mailconn.StepID]mailconn.Status
	}{
		{"imap/none", config.ProtocolIMAP, config.SecurityNone, srv.IMAP,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: skip, mailconn.StepStartTLS: skip, mailconn.StepCapabilitiesTLS: skip, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"imap/starttls-if-available", config.ProtocolIMAP, config.SecurityStartTLSIfAvailable, srv.IMAP,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: skip, mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"imap/starttls", config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: skip, mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"imap/tls", config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: ok, mailconn.StepStartTLS: skip, mailconn.StepCapabilitiesTLS: skip, mailconn.StepAuthenticate: ok}},
		{"pop3/none", config.ProtocolPOP3, config.SecurityNone, srv.POP3,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: skip, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: warn, mailconn.StepMailbox: ok}},
		{"pop3/starttls-if-available", config.ProtocolPOP3, config.SecurityStartTLSIfAvailable, srv.POP3,
			map[mailconn.StepID]mailconn.Status{mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"pop3/starttls", config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3,
			map[mailconn.StepID]mailconn.Status{mailconn.StepStartTLS: ok, mailconn.StepCapabilitiesTLS: ok, mailconn.StepAuthenticate: ok}},
		{"pop3/tls", config.ProtocolPOP3, config.SecurityTLS, srv.POP3S,
			map[mailconn.StepID]mailconn.Status{mailconn.StepTLS: ok, mailconn.StepStartTLS: skip, mailconn.StepAuthenticate: ok, mailconn.StepMailbox: ok}},
	}
	for _, tt := range tests {
		for _, u := range mailtest.Users {
			t.Run(tt.name+"/"+u.Name, func(t *testing.T) {
				r := runTest(t, incoming(srv, tt.protocol, tt.security, tt.port, u), opts(u))
				if !r.res.OK {
					t.Fatalf("test failed\n%s\n%s", r.dump(), srv.Log())
				}
				wantStatuses(t, r, tt.want)
				for _, id := range []mailconn.StepID{mailconn.StepResolve, mailconn.StepConnect, mailconn.StepGreeting, mailconn.StepCapabilities, mailconn.StepLogout} {
					if e, _ := r.final(id); e.Status != ok {
						t.Fatalf("step %s: %s\n%s", id, e.Status, r.dump())
					}
				}
				checkNoSecret(t, r, u.Name, u.Password)
				if n := checkKeyExchange(t, r); n != 1 && tt.security != config.SecurityNone {
					t.Errorf("%d steps did TLS, want 1\n%s", n, r.dump())
				}
				mb, _ := r.final(mailconn.StepMailbox)
				wantCount := fmt.Sprintf("%d messages", mailtest.InboxMessages)
				if !strings.Contains(mb.Detail, wantCount) {
					t.Fatalf("mailbox detail %q lacks %q", mb.Detail, wantCount)
				}
				if tt.protocol == config.ProtocolIMAP {
					wantUnseen := fmt.Sprintf("%d unseen", mailtest.InboxMessages-mailtest.InboxSeen)
					wantOldest := "oldest " + mailtest.OldestInboxDate.Format("2006-01-02")
					if !strings.Contains(mb.Detail, wantUnseen) || !strings.Contains(mb.Detail, wantOldest) {
						t.Fatalf("mailbox detail %q lacks %q or %q", mb.Detail, wantUnseen, wantOldest)
					}
				}
			})
		}
	}
}
