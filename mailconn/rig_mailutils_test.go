//go:build linux

package mailconn_test

import (
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
)

// TestMailutils runs the connection test against one GNU Mailutils rig
// (started once: a '/' server with INBOX at the top and the other folders
// beside it).
func TestMailutils(t *testing.T) {
	t.Parallel()
	srv := mailutilstest.Start(t)
	x := &extRig{
		host: srv.Host, caFile: srv.CAFile, log: srv.Log,
		imap: srv.IMAP, imaps: srv.IMAPS, imapTLSRequired: srv.IMAPTLSRequired, imapPlainOnly: srv.IMAPPlainOnly,
		pop3: srv.POP3, pop3s: srv.POP3S, pop3TLSRequired: srv.POP3TLSRequired, pop3PlainOnly: srv.POP3PlainOnly,
		support:  mailtest.SupportFolder,
		nonASCII: mailutilstest.NonASCIIFolder,
		sep:      "/",
	}
	testExtRig(t, x)
	a := mailtest.Alice
	runFailCases(t, nil, []failCase{
		// pop3d with tls-mode required announces XTLSREQUIRED and no USER:
		// field security, in POP3's words (issue 12 item 1).
		{"pop3/none on tls-required", x.incoming(config.ProtocolPOP3, config.SecurityNone, x.pop3TLSRequired, a), a.Password,
			mailconn.StepAuthenticate, mailconn.FieldSecurity, "requires TLS before sign-in", "XTLSREQUIRED"},
		{"imap/INBOX prefix on a top-level folder", with(x.incoming(config.ProtocolIMAP, config.SecurityTLS, x.imaps, a), func(in *config.Incoming) {
			in.Mailbox = "INBOX/" + mailtest.SupportFolder
		}), a.Password, mailconn.StepMailbox, mailconn.FieldMailbox, `did you mean "Support"?`, ""},
	})
}
