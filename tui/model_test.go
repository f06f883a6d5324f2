package tui

import (
	"errors"

	tea "charm.land/bubbletea/v2"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// fillIMAP types a complete new IMAP account from the welcome screen up to
// the test screen, checking the screen and step indicator on the way.
func fillIMAP(h *harness) {
	h.t.Helper()
	h.press("enter") // welcome
	h.wantScreen(scrAccount)
	h.wantText("Step 1 of 9")
	h.press("enter")
	h.wantScreen(scrServer)
	h.typeText("mail.example.com")
	h.press("enter", "enter") // server, port (empty: default)
	h.wantScreen(scrMailbox)
	h.wantText("Step 3 of 9")
	h.press("ctrl+u")
	h.typeText("INBOX/Support")
	h.press("enter")
	h.wantScreen(scrCredentials)
	h.typeText("support@example.com")
	h.press("enter", "enter") // user name, keep: in this file
	h.typeText("s3cret")
	h.press("enter")
	h.wantScreen(scrSPA)
	h.press("enter")
	h.wantScreen(scrSecurity)
	h.press("enter")
	h.wantScreen(scrCerts)
	h.press("enter", "enter", "enter", "enter")
	h.wantScreen(scrTest)
}

func TestStateMachine(t *testing.T) {
	tests := []struct {
		name  string
		start start
		runs  []scriptRun
		drive func(t *testing.T, h *harness, sc *script)
	}{
		{
			name: "IMAP path through every screen to a passing test and review",
			drive: func(t *testing.T, h *harness, sc *script) {
				fillIMAP(h)
				h.wantText("Connection test passed in 72 ms", "Mailbox", "INBOX/Support: 2 messages, 2 unseen", "Step 8 of 9")
				got := sc.call(0)
				if got.secret != "s3cret" || got.in.Server != "mail.example.com" || got.in.Port != 993 || got.in.Mailbox != "INBOX/Support" {
					t.Errorf("test ran with %+v, secret %q", got.in, got.secret)
				}
				h.press("enter")
				h.wantScreen(scrReview)
				h.wantText("Step 9 of 9", `server = "mail.example.com"`, `mailbox = "INBOX/Support"`, `password = "<redacted>"`)
				if strings.Contains(h.screenText(), "s3cret") {
					t.Error("the review shows the password")
				}
			},
		},
		{
			name: "POP3 skips the mailbox step and counts 8 steps",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "down")
				h.wantText("Step 1 of 8")
				h.press("enter")
				h.wantScreen(scrServer)
				h.typeText("pop.example.com")
				h.press("enter", "enter")
				h.wantScreen(scrCredentials)
				h.wantText("Step 3 of 8")
				h.press("esc")
				h.wantScreen(scrServer)
				in := h.m.config().Incoming
				if in.Protocol != config.ProtocolPOP3 || in.Mailbox != "" || in.Port != 995 {
					t.Errorf("POP3 config = %+v", in)
				}
			},
		},
		{
			name: "back and forward keep the input",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "enter")
				h.typeText("mail.example.com")
				h.press("tab")
				h.typeText("1993")
				h.press("shift+tab", "shift+tab") // port -> server -> account
				h.wantScreen(scrAccount)
				h.press("enter")
				h.wantScreen(scrServer)
				if v := h.m.server.server.value(); v != "mail.example.com" {
					t.Errorf("server after back and forward = %q", v)
				}
				h.press("esc", "esc") // account, welcome
				h.wantScreen(scrWelcome)
				h.press("enter", "enter", "tab", "tab")
				h.wantScreen(scrMailbox)
				if in := h.m.config().Incoming; in.Port != 1993 {
					t.Errorf("port after back and forward = %d", in.Port)
				}
			},
		},
		{
			name: "a bad port blocks the way on",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "enter")
				h.typeText("mail.example.com")
				h.press("tab")
				h.typeText("99999")
				h.wantText("A port is 1-65535.")
				h.press("enter")
				h.wantScreen(scrServer)
				h.press("ctrl+u")
				h.typeText("12a")
				h.wantText("Digits only, 1-65535.")
				h.press("enter")
				h.wantScreen(scrServer)
				h.press("backspace", "enter")
				h.wantScreen(scrMailbox)
			},
		},
		{
			name: "an empty or malformed server blocks the way on",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "enter", "enter", "enter")
				h.wantScreen(scrServer)
				h.wantText("Type the server's host name")
				if h.m.server.form.current() != field(h.m.server.server) {
					t.Error("the focus did not return to the empty server field")
				}
				h.typeText("imaps://mail.example.com")
				h.wantText(`Leave out "imaps://"`)
				h.press("enter", "enter")
				h.wantScreen(scrServer)
				h.press("ctrl+u")
				h.typeText("mail.example.com:993")
				h.wantText("Put the port 993 in the Port field")
			},
		},
		{
			name: "the port follows the security until one is typed",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.security.mode.set(config.SecurityStartTLS)
				if p := h.m.config().Incoming.Port; p != 143 {
					t.Errorf("IMAP STARTTLS default port = %d, want 143", p)
				}
				h.m.security.mode.set(config.SecurityTLS)
				if p := h.m.config().Incoming.Port; p != 993 {
					t.Errorf("IMAP TLS default port = %d, want 993", p)
				}
				h.press("enter", "enter", "tab")
				h.typeText("10993")
				h.m.security.mode.set(config.SecurityStartTLS)
				if p := h.m.config().Incoming.Port; p != 10993 {
					t.Errorf("typed port = %d, want 10993", p)
				}
			},
		},
		{
			name: "a failed test jumps to the password and coming back runs it again",
			runs: []scriptRun{wrongPasswordMessageRun(), passingRun()},
			drive: func(t *testing.T, h *harness, sc *script) {
				fillIMAP(h)
				h.wantText(wrongPasswordSentence,
					"The server rejected the user name or password.", "Press f to fix the password")
				h.press("f")
				h.wantScreen(scrCredentials)
				if h.m.creds.form.current() != field(h.m.creds.password) {
					t.Fatal("the fix key did not focus the password field")
				}
				h.wantText("enter test again")
				h.typeText("right-one")
				h.press("enter")
				h.wantScreen(scrTest)
				h.wantText("Connection test passed")
				if n := sc.callCount(); n != 2 {
					t.Fatalf("the test ran %d times, want 2", n)
				}
				if s := sc.call(1).secret; s != "right-one" {
					t.Errorf("second run used password %q", s)
				}
			},
		},
		{
			name: "going on after a failed test asks first",
			runs: []scriptRun{wrongPasswordRun()},
			drive: func(t *testing.T, h *harness, sc *script) {
				fillIMAP(h)
				h.press("enter")
				h.wantText("The connection test failed. Go on to save anyway? [y/N]")
				h.press("n")
				h.wantScreen(scrTest)
				h.press("enter", "y")
				h.wantScreen(scrReview)
				h.wantText("The connection test did not pass")
			},
		},
		{
			name: "esc cancels a running test",
			runs: []scriptRun{{events: passingEvents()[:2], block: true}},
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.server.server.setValue("mail.example.com")
				h.m.creds.username.setValue("alice")
				h.m.creds.password.setValue("pw")
				h.m.goTo(scrCerts, false)
				cmd := h.m.goTo(scrTest, false)
				if !h.m.test.running {
					t.Fatal("the test is not running")
				}
				// Deliver the two events the script reports, then cancel
				// while it waits.
				begin := cmd().(tea.BatchMsg)[0]
				_, next := h.m.Update(begin())
				_, next = h.m.Update(next())
				h.wantText("Resolve", "mail.example.com: 192.0.2.10")
				if !h.m.test.running {
					t.Fatal("the test ended early")
				}
				h.press("esc")
				if h.m.test.running || h.m.test.result == nil || !h.m.test.result.Canceled {
					t.Fatalf("after esc: running=%v result=%+v", h.m.test.running, h.m.test.result)
				}
				h.wantText("Test cancelled")
				h.run(next) // drains the cancelled run until its channel closes
				if r := h.m.test.result; r == nil || !r.Canceled {
					t.Errorf("a late message changed the result to %+v", r)
				}
				h.press("esc")
				h.wantScreen(scrCerts)
			},
		},
		{
			name: "ctrl+c with nothing changed quits at once",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "enter", "ctrl+c")
				if !h.quit || !errors.Is(h.m.err, ErrInterrupted) {
					t.Errorf("quit=%v err=%v", h.quit, h.m.err)
				}
			},
		},
		{
			name: "ctrl+c with changes asks, n stays, y discards",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter", "enter")
				h.typeText("mail.example.com")
				h.press("ctrl+c")
				if h.quit {
					t.Fatal("quit without asking")
				}
				h.wantText("Discard changes? [y/N]")
				h.press("n")
				h.wantScreen(scrServer)
				if h.quit || h.m.confirm != confirmNone {
					t.Fatal("n did not close the question")
				}
				h.press("ctrl+c", "y")
				if !h.quit || !errors.Is(h.m.err, ErrInterrupted) {
					t.Errorf("quit=%v err=%v", h.quit, h.m.err)
				}
			},
		},
		{
			name:  "editing keeps an unchanged password without retyping",
			start: existing(),
			drive: func(t *testing.T, h *harness, sc *script) {
				h.wantText("Edit the existing settings")
				if h.m.changed() {
					t.Error("changed before any edit")
				}
				h.press("enter", "enter")
				if v := h.m.server.server.value(); v != "mail.example.com" {
					t.Errorf("server not prefilled: %q", v)
				}
				h.m.goTo(scrCredentials, false)
				h.wantText("(unchanged)")
				if in := h.m.config().Incoming; in.Password != "old-secret" {
					t.Errorf("password = %q, want the old one kept", in.Password)
				}
			},
		},
		{
			name:  "start anew from an existing config",
			start: existing(),
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("down", "enter")
				h.wantScreen(scrAccount)
				if in := h.m.config().Incoming; in.Server != "" || in.Password != "" {
					t.Errorf("start anew kept %+v", in)
				}
				if !h.m.changed() {
					t.Error("starting anew over an existing file is a change")
				}
			},
		},
		{
			name:  "a config that fails to load offers the defaults",
			start: start{exists: true, loadErr: &config.DecodeError{File: testPath, Line: 3, Column: 7, Key: "incoming.prot", Message: `unknown key "prot"`}},
			drive: func(t *testing.T, h *harness, sc *script) {
				h.wantText("Line 3, column 7", `unknown key "prot"`, "start from the defaults")
				h.press("enter")
				h.wantScreen(scrAccount)
			},
		},
		{
			name:  "an OAuth 2.0 config keeps its table and asks no password",
			start: oauthStart(),
			drive: func(t *testing.T, h *harness, sc *script) {
				h.press("enter")
				h.m.goTo(scrCredentials, false)
				h.wantText("With OAuth 2.0 no password is stored", "(•) No password: OAuth 2.0")
				if strings.Contains(h.screenText(), "Password  ") {
					t.Error("the password field shows for OAuth 2.0")
				}
				h.press("enter", "enter") // user name, keep: on to SPA
				h.wantScreen(scrSPA)
				h.wantText("(•) OAuth 2.0 (Microsoft 365, Google)")
				in := h.m.config().Incoming
				if in.Auth != config.AuthOAuth2 || in.OAuth2 == nil || in.OAuth2.ClientID != "app-id" || in.PasswordSource() != "" {
					t.Errorf("config = %+v", in)
				}
				h.press("2") // SPA: OAuth 2.0 off, and a password is wanted again
				in = h.m.config().Incoming
				if in.Auth != config.AuthSPA || in.OAuth2 != nil || h.m.creds.keep.value() != keepInline {
					t.Errorf("after choosing SPA: auth %q, oauth2 %v, keep %q", in.Auth, in.OAuth2, h.m.creds.keep.value())
				}
				h.wantText("No password yet")
			},
		},
		{
			name:  "several load errors are all shown",
			start: start{exists: true, loadErr: errors.Join(&decodeErr, &config.DecodeError{Line: 5, Column: 2, Message: "second problem"})},
			drive: func(t *testing.T, h *harness, sc *script) {
				h.wantText("Line 3, column 1", "Line 5, column 2: second problem")
			},
		},
		{
			name: "SPA choice maps to auth spa",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.goTo(scrSPA, false)
				h.press("2")
				if a := h.m.config().Incoming.Auth; a != config.AuthSPA {
					t.Errorf("auth = %q", a)
				}
				h.press("1")
				if a := h.m.config().Incoming.Auth; a != config.AuthPassword {
					t.Errorf("auth = %q", a)
				}
			},
		},
		{
			name: "security warnings on None and if available",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.goTo(scrSecurity, false)
				h.press("1")
				h.wantText("plain text: anyone on the path can read them")
				h.press("2")
				h.wantText("strip STARTTLS")
				h.press("4")
				if strings.Contains(h.screenText(), "strip STARTTLS") {
					t.Error("warning stays on SSL/TLS")
				}
			},
		},
		{
			name: "Office 365 warns about a dot in the mailbox",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.server.server.setValue("outlook.office365.com")
				h.m.goTo(scrMailbox, false)
				h.press("ctrl+u")
				h.typeText("INBOX.Support")
				h.wantText(`Microsoft 365 takes only "/" between folders: use "INBOX/Support"? Press ctrl+y.`)
			},
		},
		{
			name: "password kept in an environment variable",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.goTo(scrCredentials, false)
				h.typeText("alice")
				h.press("enter", "3", "enter")
				h.typeText("MAIL_PW")
				in := h.m.config().Incoming
				if in.PasswordEnv != "MAIL_PW" || in.Password != "" {
					t.Errorf("config = %+v", in)
				}
			},
		},
		{
			name: "a long log scrolls and says so",
			runs: []scriptRun{longRun()},
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.width, h.m.height = 60, 20
				fillIMAP(h)
				h.wantText("more line(s) above", "Connection test passed")
				if strings.Contains(h.screenText(), "Step 01") {
					t.Error("the first step shows although the log is scrolled to its end")
				}
				for range 30 {
					h.press("up")
				}
				h.wantText("Step 01")
				if strings.Contains(h.screenText(), "more line(s) above") {
					t.Error("the indicator shows at the top of the log")
				}
			},
		},
		{
			name: "terminal too small",
			drive: func(t *testing.T, h *harness, sc *script) {
				h.m.width, h.m.height = 59, 20
				h.wantText("Terminal too small: need at least 60×20 (now 59×20)")
				h.m.width, h.m.height = 60, 20
				h.wantText("Mail Connector incoming mail", "enter start")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &script{runs: tt.runs}
			if sc.runs == nil {
				sc.runs = []scriptRun{passingRun()}
			}
			h := newHarness(t, tt.start, sc)
			tt.drive(t, h, sc)
		})
	}
}

// TestSaveWritesFile goes through every screen and saves into a temp dir.
func TestSaveWritesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	h := newHarnessPath(t, path, start{}, nil)
	fillIMAP(h)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a file was written before save")
	}
	h.press("enter") // test passed: review
	h.wantText("A new file")
	h.press("enter") // save
	h.wantScreen(scrDone)
	h.wantText("Saved "+path, "mailsetup test --config "+path)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode = %o, want 600", mode)
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Incoming{
		Protocol: "imap", Server: "mail.example.com", Port: 993, Mailbox: "INBOX/Support",
		Username: "support@example.com", Password: "s3cret", Auth: "password", Security: "tls",
		RejectInvalidCertificates: true,
	}
	if fmt.Sprintf("%+v", c.Incoming) != fmt.Sprintf("%+v", want) {
		t.Errorf("saved\n%+v\nwant\n%+v", c.Incoming, want)
	}
	h.press("enter")
	if !h.quit || h.m.err != nil {
		t.Errorf("after save: quit=%v err=%v", h.quit, h.m.err)
	}
}

// TestReviewShowsChanges edits an existing file and checks the diff.
func TestReviewShowsChanges(t *testing.T) {
	h := newHarness(t, existing(), nil)
	h.press("enter", "enter", "tab")
	h.typeText("1993")
	h.m.goTo(scrCredentials, false)
	h.press("tab", "tab")
	h.typeText("new-secret")
	h.m.goTo(scrReview, false)
	h.wantText("Changes from the file on disk:", "- port = 993", "+ port = 1993", "~ the password changed (not shown)")
	if strings.Contains(h.screenText(), "new-secret") || strings.Contains(h.screenText(), "old-secret") {
		t.Error("the review shows a password")
	}
}

func TestFieldTargets(t *testing.T) {
	h := newHarness(t, start{}, nil)
	m := h.m
	tests := []struct {
		field  string
		screen screenID
		input  field
	}{
		{mailconn.FieldServer, scrServer, m.server.server},
		{mailconn.FieldPort, scrServer, m.server.port},
		{mailconn.FieldProtocol, scrAccount, m.account.kind},
		{mailconn.FieldMailbox, scrMailbox, m.mailbox.mailbox},
		{mailconn.FieldUsername, scrCredentials, m.creds.username},
		{mailconn.FieldPassword, scrCredentials, m.creds.password},
		{mailconn.FieldAuth, scrSPA, m.spa.spa},
		{mailconn.FieldSecurity, scrSecurity, m.security.mode},
		{mailconn.FieldRejectInvalidCertificates, scrCerts, m.certs.reject},
		{mailconn.FieldCAFile, scrCerts, m.certs.caFile},
		{mailconn.FieldPinnedCertificate, scrCerts, m.certs.pin},
		{mailconn.FieldTLSServerName, scrCerts, m.certs.serverName},
		{"incoming.server", scrServer, m.server.server},
		{mailconn.FieldTimeout, scrWelcome, nil},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			scr, in := m.fieldTarget(tt.field)
			if scr != tt.screen || in != tt.input {
				t.Errorf("fieldTarget(%q) = %q, want %q", tt.field, screenTitles[scr], screenTitles[tt.screen])
			}
		})
	}
}
