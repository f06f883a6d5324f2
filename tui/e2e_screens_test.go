package tui

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// TestEndToEndScreens runs the real binary in tmux for issue 13's items
// 1 (too small: no key but Ctrl+C acts), 7 (Esc on a hanging step) and 10
// (p pins the certificate a failed test saw).
func TestEndToEndScreens(t *testing.T) {
	t.Parallel() // owns its servers and ports
	if testing.Short() {
		t.Skip("builds the binary and starts Dovecot")
	}
	requireTmux(t)
	bin := mailsetupBinary(t)

	// toTest walks a new IMAP config at host:port with no CA file to the test.
	toTest := func(s *tmuxSession, host string, port int, user, pass string) {
		s.waitFor("Mail Connector incoming mail", "enter start")
		s.keys("Enter")
		s.waitFor("Account type")
		s.keys("Enter")
		s.waitFor("Server name and port")
		s.typeText(host)
		s.keys("Tab")
		s.typeText(strconv.Itoa(port))
		s.keys("Enter")
		s.waitFor("Mailbox", "INBOX")
		s.keys("Enter")
		s.waitFor("User name and password")
		s.typeText(user)
		s.keys("Enter", "Enter")
		s.typeText(pass)
		s.keys("Enter")
		s.waitFor("Require Secure Password Authentication (SPA)")
		s.keys("Enter")
		s.waitFor("Secure connection", "(•) SSL/TLS")
		s.keys("Enter")
		s.waitFor("Certificates", "[x] Reject invalid certificates")
		s.keys("Enter", "Enter", "Enter", "Enter")
	}

	t.Run("too small: enter does nothing, ctrl+c quits", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 50, 15, wizardCommand(bin, path))
		s.waitFor("Terminal too small", "--accessible")
		s.keys("Enter", "Enter", "Tab", "Enter")
		time.Sleep(300 * time.Millisecond)
		s.tmux("resize-window", "-t", "main", "-x", "80", "-y", "24")
		s.waitFor("Mail Connector incoming mail", "enter start") // still the welcome screen
		if strings.Contains(s.screen(), "Account type") {
			t.Error("keys pressed while too small walked on")
		}
		s.tmux("resize-window", "-t", "main", "-x", "50", "-y", "15")
		s.waitFor("Terminal too small")
		s.keys("C-c")
		s.waitFor("EXIT=130")
	})

	t.Run("esc on a hanging TLS handshake", func(t *testing.T) {
		port := silentServer(t)
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 80, 24, wizardCommand(bin, path))
		toTest(s, "127.0.0.1", port, "alice", "secret")
		s.waitFor("TLS handshake", "esc cancel test")
		s.keys("Escape")
		s.waitFor("Test cancelled", "esc back")
		first := s.screen()
		time.Sleep(500 * time.Millisecond)
		if again := s.screen(); again != first {
			t.Errorf("the screen still changes after the cancel:\n%s\nthen\n%s", first, again)
		}
		for _, f := range spinner.MiniDot.Frames {
			if strings.TrimSpace(f) != "" && strings.Contains(first, f) {
				t.Errorf("a spinner frame %q is left:\n%s", f, first)
			}
		}
		s.keys("Escape")
		s.waitFor("Certificates", "Reject invalid certificates")
	})

	t.Run("p pins a self-signed certificate", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertSelfSigned})
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 80, 24, wizardCommand(bin, path))
		toTest(s, srv.Host, srv.IMAPS, mailtest.Alice.Name, mailtest.Alice.Password)
		screen := s.waitFor("p pin certificate", "Certificates → Pin SHA-256")
		if strings.Contains(screen, "pinned_certificate_sha256") {
			t.Errorf("the hint names the config key:\n%s", screen)
		}
		s.keys("p")
		s.waitFor("Connection test passed")
		s.keys("Enter")
		s.waitFor("Review and save")
		s.keys("Enter")
		s.waitFor("Saved")
		s.keys("Enter")
		s.waitFor("EXIT=0")
		if in := loadSaved(t, path); len(strings.ReplaceAll(in.PinnedCertificateSHA256, ":", "")) != 64 {
			t.Errorf("saved pin %q, want the certificate's SHA-256", in.PinnedCertificateSHA256)
		}
	})
}
