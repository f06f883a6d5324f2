package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// TestTooSmallKeys: while "Terminal too small" is shown no key acts but
// Ctrl+C and its confirmation (issue 13 item 1): a blind Enter on the
// review screen saved the file.
func TestTooSmallKeys(t *testing.T) {
	t.Run("welcome", func(t *testing.T) {
		sc := &script{runs: []scriptRun{passingRun()}}
		m := newModel(testPath, start{}, environment{}, sc.test)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(50, 15))
		waitFor(t, tm, "--accessible")
		send(tm, []string{"enter", "enter", "tab", "down"})
		tm.Send(keyPress("ctrl+c"))
		fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
		if fm.screen != scrWelcome {
			t.Errorf("keys pressed while too small moved the wizard to %q", screenTitles[fm.screen])
		}
		if !errors.Is(fm.err, ErrInterrupted) {
			t.Errorf("Ctrl+C while too small: err = %v, want ErrInterrupted", fm.err)
		}
	})
	t.Run("review", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		sc := &script{runs: []scriptRun{passingRun()}}
		m := newModel(path, start{}, environment{}, sc.test)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
		send(tm, toTest)
		waitFor(t, tm, "passed")
		send(tm, []string{"enter"})
		waitFor(t, tm, "Review")
		tm.Send(tea.WindowSizeMsg{Width: 50, Height: 15})
		waitFor(t, tm, "too small")
		send(tm, []string{"enter", "s", "enter", "y"})
		tm.Send(keyPress("ctrl+c")) // changes are unsaved: asks first
		waitFor(t, tm, "Discard changes?")
		tm.Send(keyPress("y"))
		fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
		if _, err := os.Stat(path); err == nil {
			t.Error("keys pressed while too small saved the file")
		}
		if fm.screen != scrReview || !errors.Is(fm.err, ErrInterrupted) {
			t.Errorf("screen %q, err %v; want the review screen, interrupted", screenTitles[fm.screen], fm.err)
		}
	})
}

// TestPermissionNoteMatchesSave: the welcome screen says the mode saving
// gives a world-readable file, and saving gives it (issue 13 item 2): a
// group-readable file kept 0640 while the wizard promised 0600.
func TestPermissionNoteMatchesSave(t *testing.T) {
	for _, tt := range []struct {
		mode os.FileMode
		want string
	}{
		{0o644, "mode 0640 (its group keeps read access"},
		{0o604, "mode 0600 (readable by its owner only)"},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			c := existing().cfg
			data, err := config.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			s := loadStart(path)
			if s.permErr == nil {
				t.Fatalf("loadStart(%v) found no permission problem", tt.mode)
			}
			h := newHarnessPath(t, path, s, nil)
			h.wantText(tt.want)
			var out strings.Builder
			_ = runLines(t.Context(), lineOptions{path: path, start: s, in: strings.NewReader(""), out: &out})
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("line mode says %q, want %q", out.String(), tt.want)
			}
			if err := config.Save(path, s.cfg, config.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("mode %04o", fi.Mode().Perm()); !strings.Contains(tt.want, got) {
				t.Errorf("saved with %s; the wizard said %q", got, tt.want)
			}
		})
	}
}

// TestCancelHangingStep: Esc while a step hangs (a server that accepts
// and says nothing) cancels the test; no spinner is left turning on the
// step, and the help line offers esc back, which works (issue 13 item 7).
func TestCancelHangingStep(t *testing.T) {
	t.Parallel()
	port := silentServer(t)
	s := existing()
	s.cfg.Incoming.Server = "127.0.0.1"
	s.cfg.Incoming.Port = port
	test := func(ctx context.Context, in config.Incoming, o mailconn.Options, report func(mailconn.Event)) mailconn.Result {
		return mailconn.Test(ctx, in, o, report)
	}
	m := newModel(testPath, s, environment{}, test)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	send(tm, repeat("enter", 14)) // every screen of the existing config, to the test
	waitFor(t, tm, "TLS handshake")
	time.Sleep(300 * time.Millisecond) // a few spinner frames
	send(tm, []string{"esc"})
	waitFor(t, tm, "Test cancelled")
	time.Sleep(300 * time.Millisecond) // a spinner left turning would have moved on
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	text := viewText(fm)
	for _, f := range fm.test.spinner.Spinner.Frames {
		if strings.Contains(text, f) {
			t.Errorf("a spinner frame %q is left after the cancel:\n%s", f, text)
		}
	}
	wantInOrder(t, text, []string{"TLS handshake", "cancelled", "Test cancelled", "esc back"})
	_, cmd := fm.Update(keyPress("esc"))
	_ = cmd
	if fm.screen == scrTest {
		t.Error("esc on the cancelled test did not go back")
	}
}

// TestHintsInScreenWords: the wizard shows mailconn's hints with the
// screen and label that set a value instead of config keys, and a
// fingerprint to pin on a line of its own, whole (issue 13 items 9, 10).
func TestHintsInScreenWords(t *testing.T) {
	fp := strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
	for _, tt := range []struct {
		hint string
		want []string
	}{
		{"Port 143 speaks plain text, not TLS: use security = starttls, or port 993 for IMAP over TLS.",
			[]string{"use Secure connection → STARTTLS, or port 993"}},
		{"Port 993 speaks TLS: use security = tls.", []string{"use Secure connection → SSL/TLS."}},
		{"Use security = tls or starttls so that the password is encrypted.", []string{"Use Secure connection → SSL/TLS or STARTTLS so"}},
		{`Trust the issuing CA with ca_file, pin this certificate with pinned_certificate_sha256 = "` + fp + `", or turn off reject_invalid_certificates.`,
			[]string{"with Certificates → CA file,", "with Certificates → Pin SHA-256 (the fingerprint below)", "turn off Certificates → Reject invalid certificates."}},
		{"reject_invalid_certificates = false let it through; renew the server's certificate, then turn the check back on.",
			[]string{"Certificates → Reject invalid certificates is off, which let it through;"}},
		{"The server does not offer SPA (NTLM); it offers PLAIN: turn SPA off (auth = password)",
			[]string{"turn SPA off (Secure Password Authentication (SPA) → Password)"}},
		{"No password is set: enter the password, or set password_file, password_env or password_command.",
			[]string{"or choose another place at User name and password → Keep password."}},
	} {
		got, _ := screenHint(tt.hint, false)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("screenHint(%q) = %q, want it to contain %q", tt.hint, got, w)
			}
		}
		for _, key := range []string{"security =", "auth =", "reject_invalid", "pinned_certificate", "ca_file", "password_file"} {
			if strings.Contains(got, key) {
				t.Errorf("screenHint(%q) = %q still names %q", tt.hint, got, key)
			}
		}
	}

	// on the test screen, at 80 columns: the hint in screen words, the pin whole on its own line
	run := scriptRun{events: []mailconn.Event{
		{Step: mailconn.StepTLS, Status: mailconn.StatusFail, Title: "TLS handshake", Detail: "certificate signed by an unknown authority",
			Hint: `Trust the issuing CA with ca_file, pin this certificate with pinned_certificate_sha256 = "` + fp + `", or turn off reject_invalid_certificates.`, Field: mailconn.FieldCAFile},
	}, result: mailconn.Result{FailedStep: mailconn.StepTLS, Field: mailconn.FieldCAFile, Error: "certificate signed by an unknown authority",
		Hint: `Trust the issuing CA with ca_file, pin this certificate with pinned_certificate_sha256 = "` + fp + `", or turn off reject_invalid_certificates.`}}
	h := newHarness(t, existing(), &script{runs: []scriptRun{run}})
	h.press(repeat("enter", 14)...)
	h.wantScreen(scrTest)
	pin := strings.ReplaceAll(fp, ":", "")
	found := false
	for _, l := range strings.Split(h.screenText(), "\n") {
		if strings.TrimSpace(l) == pin {
			found = true
		}
	}
	if !found {
		t.Errorf("the fingerprint %s is not on a line of its own:\n%s", pin, h.screenText())
	}
	h.wantText("Certificates → CA file")
	if strings.Contains(h.screenText(), "pinned_certificate_sha256") {
		t.Errorf("the test screen names the config key:\n%s", h.screenText())
	}

	// no line is wider than the terminal, the fingerprint included
	for _, w := range []int{70, 60} {
		h.m.width, h.m.height = w, 40
		for _, l := range strings.Split(h.screenText(), "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("at %d columns a line is %d wide: %q", w, ansi.StringWidth(l), l)
			}
		}
	}
	h.wantText(pin[:32], pin[32:])
}

// TestDetailsAndPinKeys: d shows every step's line in full; p pins the
// certificate a failed test saw and tests again with it (issue 13 item 10).
func TestDetailsAndPinKeys(t *testing.T) {
	fp := strings.TrimSuffix(strings.Repeat("C0:", 32), ":")
	hint := `Trust the issuing CA with ca_file, pin this certificate with pinned_certificate_sha256 = "` + fp + `", or turn off reject_invalid_certificates.`
	long := "TLS 1.3, TLS_AES_128_GCM_SHA256, CN=localhost.internal.example.com, issuer CN=Example Internal CA, expires 2027-03-01"
	failing := scriptRun{events: []mailconn.Event{
		{Step: mailconn.StepConnect, Status: mailconn.StatusOK, Title: "Connect", Detail: long, Elapsed: time.Millisecond},
		{Step: mailconn.StepCapabilitiesTLS, Status: mailconn.StatusOK, Title: "Capabilities after STARTTLS", Detail: "IMAP4rev1 AUTH=PLAIN", Elapsed: time.Millisecond},
		{Step: mailconn.StepTLS, Status: mailconn.StatusFail, Title: "TLS handshake", Detail: "certificate signed by an unknown authority", Hint: hint, Field: mailconn.FieldCAFile},
	}, result: mailconn.Result{FailedStep: mailconn.StepTLS, Field: mailconn.FieldCAFile, Error: "certificate signed by an unknown authority", Hint: hint}}
	sc := &script{runs: []scriptRun{failing, passingRun()}}
	m := newModel(testPath, existing(), environment{}, sc.test)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	send(tm, repeat("enter", 14))
	waitFor(t, tm, "p pin certificate")
	send(tm, []string{"d"})
	waitFor(t, tm, "expires 2027-03-01")
	send(tm, []string{"p"})
	waitFor(t, tm, "Connection test passed")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if n := sc.callCount(); n != 2 {
		t.Fatalf("%d test runs, want 2 (p tests again)", n)
	}
	if got, want := sc.call(1).in.PinnedCertificateSHA256, strings.ReplaceAll(fp, ":", ""); got != want {
		t.Errorf("the second run pinned %q, want %q", got, want)
	}
	if got := fm.draft.pin.value(); got != strings.ReplaceAll(fp, ":", "") {
		t.Errorf("the Pin SHA-256 field holds %q after p", got)
	}

	// d shows whole titles as well
	h := newHarness(t, existing(), &script{runs: []scriptRun{failing}})
	h.press(repeat("enter", 14)...)
	if strings.Contains(h.screenText(), "Capabilities after STARTTLS") {
		t.Fatal("the long title shows whole without d; the test proves nothing")
	}
	h.press("d")
	h.wantText("Capabilities after STARTTLS", "expires 2027-03-01", "d less")
}

// TestPlaceholdersWithoutColour: under NO_COLOR a placeholder cannot be
// told from a typed value by its colour; it says "e.g." or "default"
// (issue 13 item 12).
func TestPlaceholdersWithoutColour(t *testing.T) {
	if !detectEnv([]string{"NO_COLOR=1"}).plain || detectEnv(nil).plain {
		t.Fatal("detectEnv does not read NO_COLOR")
	}
	for _, plain := range []bool{false, true} {
		m := newModel(testPath, start{}, environment{plain: plain}, (&script{runs: []scriptRun{passingRun()}}).test)
		h := &harness{t: t, m: m}
		m.width, m.height = 80, 24
		h.press("enter", "enter")
		h.wantScreen(scrServer)
		text := h.screenText()
		hasExample := strings.Contains(text, "e.g. mail.example.com") && strings.Contains(text, "default 993")
		if hasExample != plain {
			t.Errorf("NO_COLOR %v: placeholders marked %v, want %v:\n%s", plain, hasExample, plain, text)
		}
		h.typeText("imap.example.org")
		if strings.Contains(h.screenText(), "e.g. imap.example.org") {
			t.Error("a typed value is marked as an example")
		}
	}
}

// TestReviewShowsEveryByte: the review screen's file, at 60 columns, is
// the file Save writes (secrets masked), every comment kept: the wrapped
// rest of a line is marked ↪, and joined back gives the line (issue 13
// item 13).
func TestReviewShowsEveryByte(t *testing.T) {
	h := newHarness(t, existing(), nil)
	r := h.m.review
	r.prepare()
	c := h.m.draft.config()
	red := config.Redact(c)
	data, err := config.Marshal(&red)
	if err != nil {
		t.Fatal(err)
	}
	shown := strings.Split(ansi.Strip(fitLines(h.m.st, r.content, 58)), "\n")
	var joined []string
	for _, l := range shown {
		if rest, ok := strings.CutPrefix(l, "  ↪ "); ok && len(joined) > 0 {
			joined[len(joined)-1] = strings.Join(strings.Fields(joined[len(joined)-1]+" "+rest), " ")
			continue
		}
		if ansi.StringWidth(l) > 58 {
			t.Errorf("line wider than 58 columns: %q", l)
		}
		joined = append(joined, l)
	}
	all := strings.Join(joined, "\n")
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.Contains(all, strings.Join(strings.Fields(l), " ")) && !strings.Contains(all, l) {
			t.Errorf("the review does not show the file's line %q:\n%s", l, all)
		}
	}
	if strings.Contains(all, "old-secret") {
		t.Error("the review shows the password")
	}
}

// TestOAuthThenPassword: OAuth 2.0 chosen on the user screen, then
// Password on the SPA screen: enter goes back to type the password instead
// of on to a test that has none; the review never says "save anyway" above
// "Cannot save" (issue 13 item 15).
func TestOAuthThenPassword(t *testing.T) {
	sc := &script{runs: []scriptRun{passingRun()}}
	h := newHarness(t, start{}, sc)
	for _, k := range keysToCreds {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			h.typeText(text)
		} else {
			h.press(k)
		}
	}
	h.wantScreen(scrCredentials)
	h.typeText("support@example.com")
	h.press("enter", "5") // Keep password: No password: OAuth 2.0
	if !h.m.draft.oauth2() {
		t.Fatal("choosing OAuth 2.0 for the password did not choose it as the sign-in")
	}
	h.press("enter")
	h.wantScreen(scrSPA)
	h.press("1") // Password after all
	h.wantText("No password yet")
	h.press("enter")
	h.wantScreen(scrCredentials)
	if _, ok := h.m.creds.form.current().(*textField); !ok || h.m.creds.form.current() != field(h.m.draft.password) {
		t.Fatal("enter on the SPA screen did not focus the password")
	}
	h.wantText("Type the password.")
	h.typeText("s3cret")
	h.press("enter", "enter")
	h.wantScreen(scrSecurity)
	h.press(repeat("enter", 5)...)
	h.wantScreen(scrTest)
	if n := sc.callCount(); n != 1 || sc.call(0).secret != "s3cret" {
		t.Fatalf("test runs %d, want 1 with the password typed", n)
	}

	// a review that cannot save does not offer to save anyway
	h.m.lastTest = &mailconn.Result{Error: "no password is set"}
	h.m.draft.password.setValue("")
	h.m.draft.currentPassword = ""
	h.m.goTo(scrReview, false)
	h.wantText("Cannot save", "The connection test did not pass.")
	if strings.Contains(h.screenText(), "save anyway") {
		t.Errorf("the review offers to save anyway although it cannot save:\n%s", h.screenText())
	}
}

// TestTypoKeepsTheOtherSettings: a file with a one-key typo ("sever =")
// loads without that key, saying so; the other settings fill the screens,
// and the review says saving drops the line. A file with another fault
// still starts from the defaults (issue 13 item 11).
func TestTypoKeepsTheOtherSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	c := existing().cfg
	c.Incoming.Server = "imap.example.org"
	data, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	typo := strings.Replace(string(data), "[incoming]\n", "[incoming]\nsever = \"mail.example.com\"\n", 1)
	if err := os.WriteFile(path, []byte(typo), 0o600); err != nil {
		t.Fatal(err)
	}
	s := loadStart(path)
	if s.cfg == nil || s.loadErr != nil {
		t.Fatalf("loadStart with a typo: cfg %v, err %v; want the other settings", s.cfg != nil, s.loadErr)
	}
	if s.cfg.Incoming.Server != "imap.example.org" || s.cfg.Incoming.Mailbox != "INBOX/Support" {
		t.Errorf("loaded %+v, want the file's settings", s.cfg.Incoming)
	}
	h := newHarnessPath(t, path, s, nil)
	h.wantText(`unknown key "sever"`, "server\"? The wizard leaves it out; saving drops that line.", "Edit the existing settings")
	h.press(keys([]string{"enter", "enter"})...)
	h.wantScreen(scrServer)
	h.wantText("imap.example.org")
	h.m.goTo(scrReview, false)
	h.wantText("Saving drops the unknown key incoming.sever")

	// a world-readable file with a typo: the permission problem is said as well
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if s := loadStart(path); s.cfg == nil || s.permErr == nil || s.saveMode != 0o640 {
		t.Errorf("loadStart of a world-readable file with a typo: cfg %v, permErr %v, saveMode %o", s.cfg != nil, s.permErr, s.saveMode)
	}

	// a syntax error is not guessed around
	if err := os.WriteFile(path, []byte(typo+"\nport = = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := loadStart(path); s.cfg != nil || s.loadErr == nil {
		t.Errorf("loadStart with a syntax error loaded the file leniently")
	}
}

// TestReviewProblemInScreenWords: a setting that blocks saving is named by
// its screen and field on the review, not by its config key (item 9).
func TestReviewProblemInScreenWords(t *testing.T) {
	h := newHarness(t, existing(), nil)
	h.m.draft.pin.setValue("not-a-fingerprint")
	h.m.goTo(scrReview, false)
	h.wantText("Cannot save: Certificates → Pin SHA-256 must be 64 hex digits")
	if strings.Contains(h.screenText(), "incoming.pinned_certificate_sha256") {
		t.Errorf("the review names the config key:\n%s", h.screenText())
	}
}

// typoStart is what lenientStart makes of a file with "sever =" on line 6.
func typoStart() start {
	s := existing()
	s.dropped = []string{"incoming.sever"}
	s.warnings = []config.Warning{{Key: "incoming.sever",
		Message: `line 6: unknown key "sever" in [incoming]; did you mean "server"? The wizard leaves it out; saving drops that line.`}}
	return s
}

// silentServer listens on a loopback port, accepts and never says a word
// (a TLS handshake or a greeting hangs until the client gives up), and
// returns the port.
func silentServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
