package mailconn_test

import (
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestRigFigures checks the figures monitoring reads from a test: the
// certificate's expiry, the message and unseen counts and, with
// Options.Oldest, the oldest unseen (IMAP) or oldest left (POP3) message.
func TestRigFigures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	secondInbox := mailtest.InboxContent[1].Date // the first unseen one
	tests := []struct {
		name, protocol, security string
		port                     int
		oldest                   bool
		wantUnseen               bool
		wantOldest               time.Time
	}{
		{"imap/tls", config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, true, true, secondInbox},
		{"imap/starttls/no-oldest", config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP, false, true, time.Time{}},
		{"pop3/tls", config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, true, false, mailtest.OldestInboxDate},
		{"pop3/stls", config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3, true, false, mailtest.OldestInboxDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts(mailtest.Alice)
			o.Oldest = tt.oldest
			r := runTest(t, incoming(srv, tt.protocol, tt.security, tt.port, mailtest.Alice), o)
			if !r.res.OK {
				t.Fatalf("test failed:\n%s", r.dump())
			}
			f := r.res.Figures
			if !f.CertNotAfter.Equal(srv.Cert.NotAfter) {
				t.Errorf("CertNotAfter = %v, want %v", f.CertNotAfter, srv.Cert.NotAfter)
			}
			if f.Messages == nil || *f.Messages != int64(len(mailtest.InboxContent)) {
				t.Errorf("Messages = %v, want %d", f.Messages, len(mailtest.InboxContent))
			}
			switch {
			case tt.wantUnseen && (f.Unseen == nil || *f.Unseen != int64(len(mailtest.InboxContent)-mailtest.InboxSeen)):
				t.Errorf("Unseen = %v, want %d", f.Unseen, len(mailtest.InboxContent)-mailtest.InboxSeen)
			case !tt.wantUnseen && f.Unseen != nil:
				t.Errorf("Unseen = %d, want none for POP3", *f.Unseen)
			}
			if !f.Oldest.Equal(tt.wantOldest) {
				t.Errorf("Oldest = %v, want %v", f.Oldest, tt.wantOldest)
			}
		})
	}
}

// TestRigFiguresExpiredCert: a refused certificate still reports its
// expiry.
func TestRigFiguresExpiredCert(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertExpired})
	for _, tt := range []struct {
		name, protocol, security string
		port                     int
	}{
		{"imap/tls", config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS},
		{"pop3/stls", config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runTest(t, incoming(srv, tt.protocol, tt.security, tt.port, mailtest.Alice), opts(mailtest.Alice))
			if r.res.OK {
				t.Fatalf("test passed with an expired certificate:\n%s", r.dump())
			}
			if got := r.res.Figures.CertNotAfter; !got.Equal(srv.Cert.NotAfter) {
				t.Errorf("CertNotAfter = %v, want %v", got, srv.Cert.NotAfter)
			}
		})
	}
}
