package mailconn_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

func TestRigFolders(t *testing.T) {
	for _, sep := range []rune{'/', '.'} {
		t.Run(fmt.Sprintf("separator %c", sep), func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Separator: sep})
			a := mailtest.Alice
			in := incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a)
			opens := []struct {
				folder   string
				messages int
			}{
				{srv.Folder("INBOX", mailtest.SupportFolder), mailtest.SupportMessages},
				{srv.Folder("INBOX", mailtest.NonASCIIFolder), mailtest.NonASCIIMessages},
				{srv.Folder(mailtest.ArchiveFolder, mailtest.ArchiveChildFolder), mailtest.ArchiveMessages},
				{"inbox", mailtest.InboxMessages},
			}
			for _, o := range opens {
				t.Run("open "+o.folder, func(t *testing.T) {
					r := runTest(t, with(in, func(in *config.Incoming) { in.Mailbox = o.folder }), opts(a))
					if !r.res.OK {
						t.Fatalf("failed\n%s", r.dump())
					}
					mb, _ := r.final(mailconn.StepMailbox)
					want := fmt.Sprintf("%s: %d message", o.folder, o.messages)
					if !strings.HasPrefix(mb.Detail, want) || !strings.Contains(mb.Detail, fmt.Sprintf("separator %q", string(sep))) {
						t.Fatalf("mailbox detail %q, want %q… and the separator", mb.Detail, want)
					}
				})
			}
			other := map[rune]rune{'/': '.', '.': '/'}[sep]
			wrong := "INBOX" + string(other) + mailtest.SupportFolder
			right := srv.Folder("INBOX", mailtest.SupportFolder)
			runFailCases(t, srv, []failCase{
				{"wrong separator", with(in, func(in *config.Incoming) { in.Mailbox = wrong }), a.Password,
					mailconn.StepMailbox, mailconn.FieldMailbox,
					fmt.Sprintf("No folder %q; this server uses %q as separator: did you mean %q?", wrong, string(sep), right), ""},
				{"non-ASCII with the wrong separator", with(in, func(in *config.Incoming) {
					in.Mailbox = "INBOX" + string(other) + mailtest.NonASCIIFolder
				}), a.Password, mailconn.StepMailbox, mailconn.FieldMailbox,
					fmt.Sprintf("did you mean %q?", srv.Folder("INBOX", mailtest.NonASCIIFolder)), ""},
			})
			t.Run("missing folder detail quotes the server without Dovecot's timing", func(t *testing.T) {
				r := runTest(t, with(in, func(in *config.Incoming) { in.Mailbox = "Nowhere" }), opts(a))
				mb, _ := r.final(mailconn.StepMailbox)
				if mb.Status != mailconn.StatusFail || !strings.Contains(mb.Detail, `the server answered: "`) {
					t.Fatalf("mailbox detail %q does not quote the server\n%s", mb.Detail, r.dump())
				}
				if strings.Contains(mb.Detail, "secs)") {
					t.Fatalf("mailbox detail %q keeps Dovecot's timing", mb.Detail)
				}
			})
		})
	}
}
