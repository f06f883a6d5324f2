package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// toMailbox goes from the welcome screen of an existing config (user name
// and password known) to the mailbox screen.
func toMailbox(h *harness) {
	h.t.Helper()
	h.press("enter", "enter", "enter", "enter")
	h.wantScreen(scrMailbox)
}

func TestFolderBrowser(t *testing.T) {
	tests := []struct {
		name  string
		fresh bool // a new config, not existing()
		l     *lister
		drive func(t *testing.T, h *harness, l *lister)
	}{
		{
			name: "browse, choose, the field is filled and the test uses it",
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l")
				h.wantText(`Folders on mail.example.com (separator "/"):`, "Messages Unseen", "Bestätigungen 1 1", "Sent 14 ?")
				got := l.call(0)
				if got.secret != "old-secret" || got.in.Server != "mail.example.com" || got.in.Username != "support@example.com" {
					t.Errorf("listed with %+v, secret %q", got.in, got.secret)
				}
				// the field held INBOX/Support: it is preselected
				if f, ok := h.m.mailbox.browser.selected(); !ok || f.Name != "INBOX/Support" {
					t.Fatalf("selected %q, want INBOX/Support", f.Name)
				}
				h.press("up") // Bestätigungen
				h.press("enter")
				if v := h.m.mailbox.mailbox.value(); v != "INBOX/Bestätigungen" {
					t.Fatalf("Mail Box = %q", v)
				}
				if h.m.mailbox.browser.isOpen() {
					t.Fatal("the browser stayed open")
				}
				h.wantScreen(scrMailbox)
				if in := h.m.incoming(); in.Mailbox != "INBOX/Bestätigungen" {
					t.Errorf("config mailbox %q", in.Mailbox)
				}
			},
		},
		{
			name: "Noselect folders are skipped by the pointer and cannot be chosen",
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l")
				h.press("down") // from Support: Archive is \Noselect, so 2024
				if f, _ := h.m.mailbox.browser.selected(); f.Name != "Archive/2024" {
					t.Fatalf("down from Support selected %q, want Archive/2024", f.Name)
				}
				h.press("down") // Empty is \Noselect: Sent
				if f, _ := h.m.mailbox.browser.selected(); f.Name != "Sent" {
					t.Fatalf("selected %q, want Sent", f.Name)
				}
				h.typeText("empty") // only the \Noselect leaf matches
				h.wantText("Filter: empty", "1 folder")
				h.press("enter")
				h.wantText("Empty holds only other folders: choose one of them.")
				if !h.m.mailbox.browser.isOpen() || h.m.mailbox.mailbox.value() != "INBOX/Support" {
					t.Fatalf("a \\Noselect folder was chosen: %q", h.m.mailbox.mailbox.value())
				}
				h.press("backspace", "backspace", "backspace", "backspace")
				h.wantText("Filter: e", "esc clears it")
				h.press("esc")
				h.wantText("7 folders; type to filter")
				h.press("esc")
				if h.m.mailbox.browser.isOpen() || h.m.mailbox.mailbox.value() != "INBOX/Support" {
					t.Fatal("esc did not close the browser unchanged")
				}
			},
		},
		{
			name: "typing filters by full name",
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l")
				h.typeText("2024")
				h.wantText("Archive/2024 1 0")
				h.press("enter")
				if v := h.m.mailbox.mailbox.value(); v != "Archive/2024" {
					t.Fatalf("Mail Box = %q", v)
				}
			},
		},
		{
			name:  "before the credentials: the browser offers to go there, then comes back and lists",
			fresh: true,
			drive: func(t *testing.T, h *harness, l *lister) {
				h.press("enter", "enter")
				h.typeText("mail.example.com")
				h.press("enter", "enter")
				h.wantScreen(scrMailbox)
				h.press("ctrl+l")
				h.wantText("needs the user name and password")
				if l.callCount() != 0 {
					t.Fatal("listed without credentials")
				}
				h.press("enter")
				h.wantScreen(scrCredentials)
				h.typeText("alice")
				h.press("enter", "enter")
				h.typeText("pw")
				h.press("enter")
				h.wantScreen(scrMailbox)
				h.wantText("Folders on mail.example.com")
				if l.callCount() != 1 || l.call(0).secret != "pw" || l.call(0).in.Username != "alice" {
					t.Fatalf("calls %d", l.callCount())
				}
			},
		},
		{
			name:  "no server yet: the browser sends to the server screen",
			fresh: true,
			drive: func(t *testing.T, h *harness, l *lister) {
				h.m.goTo(scrMailbox, false)
				h.press("ctrl+l")
				h.wantText("needs the server name")
				h.press("enter")
				h.wantScreen(scrServer)
			},
		},
		{
			name: "a refused sign-in shows the hint; f fixes the password and comes back",
			l:    &lister{err: wrongPasswordList()},
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l")
				h.wantText("Cannot list the folders (authenticate): AUTHENTICATIONFAILED", "The server rejected the user name or password.",
					"Press f to fix the password on the User name and password screen")
				h.press("f")
				h.wantScreen(scrCredentials)
				if h.m.creds.form.current() != field(h.m.creds.password) {
					t.Fatal("f did not focus the password")
				}
				l.mu.Lock()
				l.err, l.list = nil, sampleFolders("/")
				l.mu.Unlock()
				h.typeText("new-secret")
				h.press("enter")
				h.wantScreen(scrMailbox)
				h.wantText("Folders on mail.example.com")
				if got := l.call(1).secret; got != "new-secret" {
					t.Errorf("second list with secret %q", got)
				}
			},
		},
		{
			name: "a typed name in the wrong separator is offered in the server's",
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l", "esc", "ctrl+u")
				h.typeText("INBOX.Support")
				h.wantText(`This server uses "/" between folders: use "INBOX/Support"? Press ctrl+y.`)
				h.press("ctrl+y")
				if v := h.m.mailbox.mailbox.value(); v != "INBOX/Support" {
					t.Fatalf("Mail Box = %q", v)
				}
				if strings.Contains(h.screenText(), "ctrl+y") {
					t.Error("the offer stays after taking it")
				}
				h.press("ctrl+u")
				h.typeText("INBOX/Suport")
				h.wantText(`No folder "INBOX/Suport" on this server: use "INBOX/Support"? Press ctrl+y.`)
			},
		},
		{
			name: "a dot server gets the dot",
			l:    &lister{list: sampleFolders(".")},
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				h.press("ctrl+l", "esc") // INBOX/Support is not on this server
				h.wantText(`This server uses "." between folders: use "INBOX.Support"? Press ctrl+y.`)
				h.press("ctrl+y")
				if v := h.m.mailbox.mailbox.value(); v != "INBOX.Support" {
					t.Fatalf("Mail Box = %q", v)
				}
			},
		},
		{
			name: "Office 365 gets a slash without a connection",
			drive: func(t *testing.T, h *harness, l *lister) {
				h.m.server.server.setValue("outlook.office365.com")
				h.m.goTo(scrMailbox, false)
				h.press("ctrl+u")
				h.typeText("INBOX.Support")
				h.wantText(`Microsoft 365 takes only "/" between folders: use "INBOX/Support"? Press ctrl+y.`)
				h.press("ctrl+y")
				if v := h.m.mailbox.mailbox.value(); v != "INBOX/Support" || l.callCount() != 0 {
					t.Fatalf("Mail Box = %q after %d lists", v, l.callCount())
				}
			},
		},
		{
			name: "esc cancels a running list",
			l:    &lister{block: true},
			drive: func(t *testing.T, h *harness, l *lister) {
				toMailbox(h)
				_, cmd := h.m.Update(keyPress("ctrl+l")) // not run yet: the fake blocks until cancelled
				h.wantText("Listing the folders on mail.example.com as support@example.com")
				h.press("esc")
				if h.m.mailbox.browser.isOpen() {
					t.Fatal("esc did not close")
				}
				h.run(cmd) // returns once the cancelled list ends
				h.wantScreen(scrMailbox)
				if h.m.mailbox.browser.isOpen() {
					t.Fatal("a cancelled list reopened the browser")
				}
			},
		},
		{
			name: "a failed test at the mailbox offers the browser; choosing and going on tests again",
			drive: func(t *testing.T, h *harness, l *lister) {
				for i := 0; i < 20 && h.m.screen != scrTest; i++ {
					h.press("enter")
				}
				h.wantScreen(scrTest)
				h.wantText("Press f to fix the mailbox, or b to choose from the server's folders.", "b browse folders")
				h.press("b")
				h.wantScreen(scrMailbox)
				h.wantText("Folders on mail.example.com")
				h.press("down", "enter") // Archive/2024
				h.press("enter")
				h.wantScreen(scrTest)
				if h.m.incoming().Mailbox != "Archive/2024" {
					t.Fatalf("mailbox %q", h.m.incoming().Mailbox)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := existing()
			if tt.fresh {
				s = start{}
			}
			sc := &script{runs: []scriptRun{folderFailRun(), passingRun()}}
			h := newHarness(t, s, sc)
			l := tt.l
			if l == nil {
				l = &lister{list: sampleFolders("/")}
			}
			h.m.listFn = l.fn
			tt.drive(t, h, l)
		})
	}
}

// folderFailRun is a test that fails at the mailbox.
func folderFailRun() scriptRun {
	ev := passingEvents()[:7]
	hint := `No folder "INBOX/Suport"; did you mean "INBOX/Support"?`
	ev = append(ev, mailconn.Event{Step: mailconn.StepMailbox, Status: mailconn.StatusFail, Title: "Mailbox",
		Detail: "cannot open folder", Hint: hint, Field: mailconn.FieldMailbox})
	return scriptRun{events: ev, result: mailconn.Result{FailedStep: mailconn.StepMailbox, Field: mailconn.FieldMailbox,
		Error: "NONEXISTENT", Hint: hint}}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name  string
		p     *prober
		drive func(t *testing.T, h *harness, p *prober)
	}{
		{
			name: "detect, the recommendation is preselected, enter fills protocol, port and security",
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+d")
				if o := p.opts[0]; o.ExtraPorts != nil || h.m.server.detect.total != len(mailconn.Kinds) {
					t.Errorf("no port typed in: extra ports %v, %d candidates", o.ExtraPorts, h.m.server.detect.total)
				}
				h.wantText("Probing mail.example.com", "IMAP4 993 tls TLS 1.3 verified PLAIN LOGIN",
					"POP3 995 tls TLS 1.3 self-signed PLAIN USER", "POP3 110 starttls connection refused",
					"4 of 6 answered. Recommended: IMAP4 over SSL/TLS, port 993.")
				h.press("down", "down") // POP3S, then IMAP STARTTLS
				h.wantText("Selected: IMAP4 with STARTTLS, port 143.", "Mechanisms: PLAIN LOGIN NTLM")
				h.press("enter")
				in := h.m.incoming()
				if in.Protocol != config.ProtocolIMAP || in.Security != config.SecurityStartTLS || in.Port != 0 || h.m.server.port.value() != "" {
					t.Fatalf("after detect: %s %s port %d", in.Protocol, in.Security, in.Port)
				}
				h.wantScreen(scrServer)
				h.wantText("Detect chose IMAP4 with STARTTLS, port 143 (certificate: verified).")
			},
		},
		{
			name: "an invalid certificate is noted and points to the certificate check",
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+d", "down")
				h.wantText("Selected: POP3 over SSL/TLS, port 995.", "Its certificate is not valid (self-signed)")
				h.press("enter")
				in := h.m.incoming()
				if in.Protocol != config.ProtocolPOP3 || in.Security != config.SecurityTLS {
					t.Fatalf("after detect: %s %s", in.Protocol, in.Security)
				}
				h.wantText("Detect chose POP3 over SSL/TLS, port 995 (certificate: self-signed).", "clear the check box")
				if !in.RejectInvalidCertificates {
					t.Error("detect turned the certificate check off by itself")
				}
				h.m.certs.reject.checked = false // the check is off: no warning asks to turn it off
				if text := h.screenText(); strings.Contains(text, "clear the check box") || !strings.Contains(text, "check the box again") {
					t.Errorf("with the check box clear, the note asks to clear it:\n%s", text)
				}
				h.m.security.mode.set(config.SecurityStartTLS) // changed since: the note goes
				if strings.Contains(h.screenText(), "Detect chose") {
					t.Error("the note stays after the security changed")
				}
			},
		},
		{
			name: "a non-default port is typed in",
			p: &prober{results: []mailconn.ProbeResult{{Candidate: mailconn.ProbeCandidate{Protocol: config.ProtocolIMAP, Port: 1993,
				Security: config.SecurityTLS}, Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.2"}, CertificateOK: true}}},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+d", "enter")
				if v := h.m.server.port.value(); v != "1993" {
					t.Fatalf("port field %q", v)
				}
			},
		},
		{
			name: "the port typed in is probed as every kind besides the usual ports",
			p: &prober{results: append(sampleProbe()[5:], mailconn.ProbeResult{Candidate: mailconn.ProbeCandidate{Protocol: config.ProtocolPOP3,
				Port: 44115, Security: config.SecurityStartTLS}, Answered: true, Greeted: true,
				TLS: &mailconn.TLSInfo{Version: "TLS 1.3", Verified: true}, CertificateOK: true, Mechanisms: []string{"PLAIN", "USER"}})},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.m.server.port.setValue("44115")
				h.press("ctrl+d")
				if o := p.opts[0]; !slices.Equal(o.ExtraPorts, []int{44115}) {
					t.Errorf("extra ports %v, want the port typed in", o.ExtraPorts)
				}
				if got := h.m.server.detect.total; got != 2*len(mailconn.Kinds) {
					t.Errorf("%d candidates counted, want %d", got, 2*len(mailconn.Kinds))
				}
				h.wantText("POP3 44115 starttls", "Recommended: POP3 with STARTTLS, port 44115.")
				h.press("enter")
				in := h.m.incoming()
				if in.Protocol != config.ProtocolPOP3 || in.Security != config.SecurityStartTLS || h.m.server.port.value() != "44115" {
					t.Fatalf("after detect: %s %s port field %q", in.Protocol, in.Security, h.m.server.port.value())
				}
				h.wantText("Detect chose POP3 with STARTTLS, port 44115 (certificate: verified).")
			},
		},
		{
			name: "nothing answering on the port typed in says so",
			p:    &prober{results: sampleProbe()[5:]},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.m.server.port.setValue("44115")
				h.press("ctrl+d")
				h.wantText("Nothing answered on mail.example.com, on the usual ports or on port 44115")
				if o := p.opts[0]; !slices.Equal(o.ExtraPorts, []int{44115}) {
					t.Errorf("extra ports %v", o.ExtraPorts)
				}
			},
		},
		{
			name: "a port field that is not a port adds nothing",
			p:    &prober{results: sampleProbe()[5:]},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.m.server.port.setValue("99999")
				h.press("ctrl+d")
				if o := p.opts[0]; o.ExtraPorts != nil || h.m.server.detect.total != len(mailconn.Kinds) {
					t.Errorf("port 99999: extra ports %v, %d candidates", o.ExtraPorts, h.m.server.detect.total)
				}
			},
		},
		{
			name: "plain text only answers are flagged; nothing answering says so",
			p:    &prober{results: sampleProbe()[4:]},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+d")
				h.wantText("Nothing answered on mail.example.com")
				before := h.m.incoming()
				h.press("enter")
				if !h.m.server.detect.isOpen() || h.m.incoming().Protocol != before.Protocol {
					t.Fatal("enter with nothing to choose changed something")
				}
				h.press("r")
				if p.callCount() != 2 {
					t.Errorf("r ran %d probes in all, want 2", p.callCount())
				}
			},
		},
		{
			name: "only plain text answered: nothing recommended or preselected; the user may choose it",
			p:    &prober{results: plainOnlyProbe()},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+d")
				h.wantText("No candidate offered TLS or STARTTLS, only plain text.", "strips TLS", "To use plain text anyway, choose a line")
				d := h.m.server.detect
				if d.best != -1 || d.sel != -1 || strings.Contains(h.screenText(), "Recommended") {
					t.Fatalf("best %d, selected %d: plain text recommended or preselected\n%s", d.best, d.sel, h.screenText())
				}
				before := h.m.incoming()
				h.press("enter")
				if in := h.m.incoming(); !d.isOpen() || in.Security != before.Security || in.Protocol != before.Protocol {
					t.Fatalf("enter with nothing chosen applied %s %s", in.Protocol, in.Security)
				}
				h.press("down")
				h.wantText("Selected: IMAP4 in plain text, port 143.", "Plain text: the password and all mail would cross the network unencrypted.")
				h.press("enter")
				in := h.m.incoming()
				if in.Protocol != config.ProtocolIMAP || in.Security != config.SecurityNone {
					t.Fatalf("after choosing plain IMAP: %s %s", in.Protocol, in.Security)
				}
				h.wantText("Detect chose IMAP4 in plain text, port 143")
			},
		},
		{
			name: "no server name: the field's problem shows, nothing is probed",
			drive: func(t *testing.T, h *harness, p *prober) {
				h.press("ctrl+u")
				h.press("ctrl+d")
				h.wantText("Type the server's host name")
				if p.callCount() != 0 || h.m.server.detect.isOpen() {
					t.Fatal("probed without a server name")
				}
			},
		},
		{
			name: "esc cancels a running probe",
			p:    &prober{results: sampleProbe()[:1], block: true},
			drive: func(t *testing.T, h *harness, p *prober) {
				_, cmd := h.m.Update(keyPress("ctrl+d"))
				h.press("esc")
				if h.m.server.detect.isOpen() {
					t.Fatal("esc did not close")
				}
				h.run(cmd)
				if h.m.server.detect.isOpen() || h.m.incoming().Security != config.SecurityTLS {
					t.Fatal("a cancelled probe changed the screen")
				}
			},
		},
		{
			name: "a CA file that cannot be used is reported",
			p:    &prober{err: errors.New("ca_file: open /nope: no such file or directory")},
			drive: func(t *testing.T, h *harness, p *prober) {
				h.m.certs.caFile.setValue("/nope")
				h.press("ctrl+d")
				h.wantText("Cannot probe: ca_file: open /nope")
				if p.opts[0].CAFile != "/nope" {
					t.Errorf("probe options %+v", p.opts[0])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, existing(), nil)
			p := tt.p
			if p == nil {
				p = &prober{results: sampleProbe()}
			}
			h.m.probeFn = p.fn
			h.press("enter", "enter")
			h.wantScreen(scrServer)
			tt.drive(t, h, p)
		})
	}
}

// TestBrowseDetectFit draws the browser and the detect table at the
// smallest and usual sizes, in UTF-8 and ASCII: every line fits, the
// screen has exactly its height, and ASCII stays ASCII.
func TestBrowseDetectFit(t *testing.T) {
	long := sampleFolders("/")
	for i := range 40 {
		long.Folders = append(long.Folders, mailconn.Folder{Name: fmt.Sprintf("Projects/Project number %02d with a long name to cut", i), Messages: 1000 * i, Unseen: i})
	}
	for _, ascii := range []bool{false, true} {
		for _, sz := range [][2]int{{80, 24}, {60, 20}} {
			for _, what := range []string{"browser", "detect"} {
				t.Run(fmt.Sprintf("%s/%dx%d/ascii=%v", what, sz[0], sz[1], ascii), func(t *testing.T) {
					m := newModel(testPath, existing(), environment{ascii: ascii}, (&script{runs: []scriptRun{passingRun()}}).test)
					m.listFn = (&lister{list: long}).fn
					m.probeFn = (&prober{results: sampleProbe()}).fn
					h := &harness{t: t, m: m}
					h.m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
					if what == "browser" {
						h.run(m.goTo(scrMailbox, false))
						h.press("ctrl+l", "pgdown", "pgdown")
					} else {
						h.run(m.goTo(scrServer, false))
						h.press("ctrl+d")
					}
					text := h.screenText()
					lines := strings.Split(text, "\n")
					if len(lines) != sz[1] {
						t.Errorf("%d lines, want %d:\n%s", len(lines), sz[1], text)
					}
					for i, l := range lines {
						if w := lipgloss.Width(l); w > sz[0] {
							t.Errorf("line %d is %d wide (> %d): %q", i+1, w, sz[0], l)
						}
						if ascii && strings.ContainsFunc(l, func(r rune) bool { return r > 127 && r != 'ä' }) {
							t.Errorf("line %d is not ASCII: %q", i+1, l)
						}
					}
					if what == "browser" && !strings.Contains(text, " of 47 folders") {
						t.Errorf("no scroll position:\n%s", text)
					}
					if what == "detect" && !strings.Contains(text, "Recommended") {
						t.Errorf("no recommendation:\n%s", text)
					}
				})
			}
		}
	}
}
