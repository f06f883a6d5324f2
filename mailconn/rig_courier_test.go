//go:build linux

package mailconn_test

import (
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestCourier runs the connection test against one Courier-IMAP/POP3 rig
// (started once: a '.' server with every folder below INBOX).
func TestCourier(t *testing.T) {
	t.Parallel() // overlaps Courier's 5-second failed logins with other tests
	srv := couriertest.Start(t)
	x := &extRig{
		host: srv.Host, caFile: srv.CAFile, log: srv.Log,
		imap: srv.IMAP, imaps: srv.IMAPS, imapTLSRequired: srv.IMAPTLSRequired, imapPlainOnly: srv.IMAPPlainOnly,
		pop3: srv.POP3, pop3s: srv.POP3S, pop3TLSRequired: srv.POP3TLSRequired, pop3PlainOnly: srv.POP3PlainOnly,
		support:  srv.Folder("INBOX", mailtest.SupportFolder),
		nonASCII: srv.Folder("INBOX", couriertest.NonASCIIFolder),
		sep:      ".",
	}
	testExtRig(t, x)
	a := mailtest.Alice
	runFailCases(t, nil, []failCase{
		// IMAP_TLS_REQUIRED=1 announces LOGINDISABLED: honoured.
		{"imap/none on tls-required", x.incoming(config.ProtocolIMAP, config.SecurityNone, x.imapTLSRequired, a), a.Password,
			mailconn.StepAuthenticate, mailconn.FieldSecurity, "requires TLS before sign-in", "LOGINDISABLED"},
		{"imap/wrong separator", with(x.incoming(config.ProtocolIMAP, config.SecurityTLS, x.imaps, a), func(in *config.Incoming) {
			in.Mailbox = "INBOX/" + mailtest.SupportFolder
		}), a.Password, mailconn.StepMailbox, mailconn.FieldMailbox,
			`this server uses "." as separator: did you mean "INBOX.Support"?`, ""},
		{"imap/non-ASCII folder at the top level", with(x.incoming(config.ProtocolIMAP, config.SecurityTLS, x.imaps, a), func(in *config.Incoming) {
			in.Mailbox = couriertest.NonASCIIFolder
		}), a.Password, mailconn.StepMailbox, mailconn.FieldMailbox, `did you mean "INBOX.Küche"?`, ""},
	})
}
