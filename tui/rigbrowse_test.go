package tui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// rigStart is a saved IMAPS config for alice on the rig.
func rigStart(srv *mailtest.Server) start {
	c := config.Default()
	c.Incoming.Server = srv.Host
	c.Incoming.Port = srv.IMAPS
	c.Incoming.Mailbox = "INBOX"
	c.Incoming.Username = mailtest.Alice.Name
	c.Incoming.Password = mailtest.Alice.Password
	c.Incoming.Security = config.SecurityTLS
	c.Incoming.RejectInvalidCertificates = true
	c.Incoming.CAFile = srv.CAFile
	return start{cfg: &c, exists: true}
}

// TestRigFolderBrowser runs the folder browser with the real
// mailconn.ListFolders against Dovecot with either separator.
func TestRigFolderBrowser(t *testing.T) {
	t.Parallel() // owns its servers and ports
	for _, sep := range []rune{'/', '.'} {
		t.Run(fmt.Sprintf("separator %c", sep), func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Separator: sep})
			h := newHarness(t, rigStart(srv), nil)
			toMailbox(h)
			h.press("ctrl+l")
			h.wantText(fmt.Sprintf("Folders on %s (separator %q):", srv.Host, string(sep)),
				fmt.Sprintf("INBOX %d %d", mailtest.InboxMessages, mailtest.InboxMessages-mailtest.InboxSeen),
				fmt.Sprintf("%s %d %d", mailtest.NonASCIIFolder, mailtest.NonASCIIMessages, mailtest.NonASCIIMessages),
				fmt.Sprintf("%s %d %d", mailtest.SupportFolder, mailtest.SupportMessages, mailtest.SupportMessages),
				mailtest.ArchiveFolder+" folders only",
				fmt.Sprintf("%s %d 0", mailtest.ArchiveChildFolder, mailtest.ArchiveMessages))

			h.typeText("bestä")
			h.press("enter")
			if v, want := h.m.mailbox.mailbox.value(), srv.Folder("INBOX", mailtest.NonASCIIFolder); v != want {
				t.Fatalf("Mail Box = %q, want %q", v, want)
			}

			other := map[rune]string{'/': ".", '.': "/"}[sep]
			right := srv.Folder("INBOX", mailtest.SupportFolder)
			h.press("ctrl+u")
			h.typeText("INBOX" + other + mailtest.SupportFolder)
			h.wantText(fmt.Sprintf("This server uses %q between folders: use %q? Press ctrl+y.", string(sep), right))
			h.press("ctrl+y")
			if v := h.m.mailbox.mailbox.value(); v != right {
				t.Fatalf("after ctrl+y Mail Box = %q, want %q", v, right)
			}
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		s := rigStart(srv)
		s.cfg.Incoming.Password = "wrong"
		h := newHarness(t, s, nil)
		toMailbox(h)
		h.press("ctrl+l")
		h.wantText("Cannot list the folders (authenticate)", "Press f to fix the password")
	})
}

// TestRigDetect runs Detect with the real mailconn.ProbeHost against the
// rig's listeners (on their test ports).
func TestRigDetect(t *testing.T) {
	t.Parallel() // owns its servers and ports
	srv := mailtest.Start(t, mailtest.Options{})
	h := newHarness(t, rigStart(srv), nil)
	h.m.probeFn = func(ctx context.Context, host string, o mailconn.DiscoverOptions, report func(mailconn.ProbeResult)) ([]mailconn.ProbeResult, error) {
		if o.CAFile != srv.CAFile {
			t.Errorf("probe without the config's CA file: %+v", o)
		}
		if !slices.Equal(o.ExtraPorts, []int{srv.IMAPS}) {
			t.Errorf("extra ports %v, want the port typed in, %d", o.ExtraPorts, srv.IMAPS)
		}
		o.Ports = map[string]int{mailconn.KindIMAPS: srv.IMAPS, mailconn.KindIMAP: srv.IMAP, mailconn.KindPOP3S: srv.POP3S, mailconn.KindPOP3: srv.POP3}
		o.Timeout = 15 * time.Second // a hang guard
		return mailconn.ProbeHost(ctx, host, o, report)
	}
	h.press("enter", "enter")
	h.wantScreen(scrServer)
	h.press("ctrl+d")
	h.wantText(fmt.Sprintf("IMAP4 %d tls TLS 1.3 verified", srv.IMAPS), fmt.Sprintf("POP3 %d starttls TLS 1.3 verified", srv.POP3),
		// the port field's IMAPS port is probed as the other five kinds too;
		// none of them answers there
		fmt.Sprintf("6 of 11 answered. Recommended: IMAP4 over SSL/TLS, port %d.", srv.IMAPS),
		fmt.Sprintf("POP3 %d starttls port speaks TLS", srv.IMAPS))
	for i := 0; i < 12; i++ { // the lines are in the order the probes ended: find POP3 over TLS
		if r, _ := h.m.server.detect.selected(); r.Candidate.Kind() == mailconn.KindPOP3S {
			break
		}
		if i < 6 {
			h.press("down")
		} else {
			h.press("up")
		}
	}
	h.press("enter")
	in := h.m.incoming()
	if in.Protocol != config.ProtocolPOP3 || in.Security != config.SecurityTLS || h.m.server.port.value() != strconv.Itoa(srv.POP3S) {
		t.Fatalf("after detect: %s %s port field %q", in.Protocol, in.Security, h.m.server.port.value())
	}
}
