package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// The end-to-end tests build the real binary and run it in tmux (a real
// terminal) and through a pipe, against the Dovecot test rig.

// mailsetupBinary builds cmd/mailsetup into a temp folder.
func mailsetupBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailsetup")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/mailsetup/mailsetup/cmd/mailsetup")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// requireTmux fails the test without tmux when the CI asks for the rig
// (MAILSETUP_REQUIRE_DOVECOT=1), and skips it elsewhere.
func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv(mailtest.EnvRequireDovecot) == "1" {
			t.Fatal("tmux is not installed: apt-get install -y tmux")
		}
		t.Skip("tmux is not installed: apt-get install -y tmux")
	}
}

// tmuxSession is a program running in a private tmux server.
type tmuxSession struct {
	t      *testing.T
	socket string
}

// tmuxSeq numbers the sessions: parallel tests start them at once, and
// each needs a socket of its own.
var tmuxSeq atomic.Int64

func startTmux(t *testing.T, width, height int, command string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("mailsetup-e2e-%d-%d", os.Getpid(), tmuxSeq.Add(1))}
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), command)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8") // else tmux turns ✓ into _
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends tmux key names (Enter, Tab, Down, C-u, C-c, ...).
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", "main"}, keys...)...)
}

// typeText types text literally.
func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", "main", "-l", text)
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", "main")
}

// waitFor polls the screen until it shows every one of texts, and returns it.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a hang guard, not a timing assertion
	for {
		screen := s.screen()
		flat := strings.Join(strings.Fields(screen), " ")
		dense := strings.Join(strings.Fields(screen), "") // a long path wraps mid-word
		all := true
		for _, text := range texts {
			if !strings.Contains(flat, text) && !strings.Contains(dense, strings.Join(strings.Fields(text), "")) {
				all = false
			}
		}
		if all {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", texts, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wizardCommand(bin, path string, env ...string) string {
	return fmt.Sprintf("env LANG=C.UTF-8 TERM=xterm-256color %s %s --config %s; echo EXIT=$?; sleep 600",
		strings.Join(env, " "), bin, path)
}

// saveAndQuit leaves the done screen (after "Saved"), waits for the
// wizard's exit status 0 and checks the file it wrote holds want.
func (s *tmuxSession) saveAndQuit(t *testing.T, path string, want config.Incoming) {
	t.Helper()
	s.keys("Enter")
	s.waitFor("EXIT=0")
	if in := loadSaved(t, path); in != want {
		t.Errorf("saved\n%+v\nwant\n%+v", in, want)
	}
}

func loadSaved(t *testing.T, path string) config.Incoming {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode %o, want 600", mode)
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c.Incoming
}

func TestEndToEnd(t *testing.T) {
	t.Parallel() // owns its servers and ports
	if testing.Short() {
		t.Skip("builds the binary and starts Dovecot")
	}
	srv := mailtest.Start(t, mailtest.Options{})
	bin := mailsetupBinary(t)

	t.Run("IMAPS with a subfolder in tmux at 80x24", func(t *testing.T) {
		requireTmux(t)
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 80, 24, wizardCommand(bin, path))
		s.waitFor("Mail Connector incoming mail", "not there yet", "enter start")
		s.keys("Enter")
		s.waitFor("Account type", "Step 1 of 9")
		s.keys("Enter")
		s.waitFor("Server name and port", "Step 2 of 9")
		s.typeText(srv.Host)
		s.keys("Tab")
		s.typeText(strconv.Itoa(srv.IMAPS))
		s.keys("Enter")
		s.waitFor("Mailbox", "Step 3 of 9", "INBOX")
		s.keys("C-u")
		s.typeText("INBOX/Support")
		s.keys("Enter")
		s.waitFor("User name and password", "Step 4 of 9")
		s.typeText(mailtest.Alice.Name)
		s.keys("Enter", "Enter")
		s.typeText(mailtest.Alice.Password)
		s.waitFor("Password ***********")
		s.keys("Enter")
		s.waitFor("Require Secure Password Authentication (SPA)", "Step 5 of 9")
		s.keys("Enter")
		s.waitFor("Secure connection", "(•) SSL/TLS")
		s.keys("Enter")
		s.waitFor("Certificates", "[x] Reject invalid certificates")
		s.keys("Enter")
		s.typeText(srv.CAFile)
		s.keys("Enter", "Enter", "Enter")
		screen := s.waitFor("Connection test passed")
		for _, want := range []string{"Step 8 of 9", "✓", "INBOX/Support"} {
			if !strings.Contains(screen, want) {
				t.Errorf("test screen lacks %q:\n%s", want, screen)
			}
		}
		if strings.Contains(screen, mailtest.Alice.Password) {
			t.Error("the test screen shows the password")
		}
		s.keys("Enter")
		s.waitFor("Review and save", "A new file", "more line(s) below")
		s.keys("PageDown")
		s.waitFor(`password = "<redacted>"`)
		if _, err := os.Stat(path); err == nil {
			t.Fatal("the file was written before save")
		}
		s.keys("Enter")
		s.waitFor("Saved "+path, "mailsetup test --config "+path)
		s.saveAndQuit(t, path, config.Incoming{Protocol: "imap", Server: srv.Host, Port: srv.IMAPS, Mailbox: "INBOX/Support",
			Username: mailtest.Alice.Name, Password: mailtest.Alice.Password, Auth: "password", Security: "tls",
			RejectInvalidCertificates: true, CAFile: srv.CAFile})
	})

	t.Run("POP3 STARTTLS with a wrong password fixed from the hint at 60x20", func(t *testing.T) {
		requireTmux(t)
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 60, 20, wizardCommand(bin, path))
		s.waitFor("enter start")
		s.keys("Enter")
		s.waitFor("Account type", "Step 1 of 9")
		s.keys("Down", "Enter")
		s.waitFor("Server name and port", "Step 2 of 8")
		s.typeText(srv.Host)
		s.keys("Tab")
		s.typeText(strconv.Itoa(srv.POP3))
		s.keys("Enter")
		s.waitFor("User name and password", "Step 3 of 8")
		s.typeText(mailtest.Alice.Name)
		s.keys("Enter", "Enter")
		s.typeText("wrong-password")
		s.keys("Enter")
		s.waitFor("Step 4 of 8")
		s.keys("Enter")
		s.waitFor("Secure connection")
		s.keys("3")
		s.waitFor("(•) STARTTLS")
		s.keys("Enter")
		s.waitFor("Certificates")
		s.keys("Enter")
		s.typeText(srv.CAFile)
		s.keys("Enter", "Enter", "Enter")
		s.waitFor("The test failed", "f fix password")
		// The fix: f jumps to the password; type it; Enter runs the test again.
		s.keys("f")
		s.waitFor("User name and password", "enter test again")
		s.typeText(mailtest.Alice.Password)
		s.keys("Enter")
		s.waitFor("Connection test passed", "Step 7 of 8")
		s.keys("Enter")
		s.waitFor("Review and save", "Step 8 of 8")
		s.keys("Enter")
		s.waitFor("Saved")
		s.saveAndQuit(t, path, config.Incoming{Protocol: "pop3", Server: srv.Host, Port: srv.POP3, Mailbox: "INBOX",
			Username: mailtest.Alice.Name, Password: mailtest.Alice.Password, Auth: "password", Security: "starttls",
			RejectInvalidCertificates: true, CAFile: srv.CAFile})
	})

	t.Run("colour, NO_COLOR and a non-UTF-8 locale", func(t *testing.T) {
		requireTmux(t)
		path := filepath.Join(t.TempDir(), "config.toml")
		s := startTmux(t, 80, 24, wizardCommand(bin, path))
		s.waitFor("enter start")
		if styled := s.tmux("capture-pane", "-e", "-p", "-t", "main"); !strings.Contains(styled, "\x1b[38;") || !strings.Contains(styled, "─") {
			t.Errorf("a UTF-8 colour terminal shows no colour or no box drawing:\n%q", styled)
		}
		s.keys("C-c") // nothing changed: quits at once, status 130
		s.waitFor("EXIT=130")

		s = startTmux(t, 80, 24, wizardCommand(bin, path, "LANG=C", "NO_COLOR=1"))
		s.waitFor("mailsetup - Mail Connector incoming mail", "-----", "enter start | ctrl+c quit")
		styled := s.tmux("capture-pane", "-e", "-p", "-t", "main")
		if strings.Contains(styled, "\x1b[38;") || strings.ContainsFunc(styled, func(r rune) bool { return r > 127 }) {
			t.Errorf("NO_COLOR under LANG=C shows colour or non-ASCII text:\n%q", styled)
		}
		s.keys("Enter", "Enter")
		s.typeText("x")
		s.keys("C-c")
		s.waitFor("Discard changes? [y/N]")
		s.keys("y")
		s.waitFor("EXIT=130")
		if _, err := os.Stat(path); err == nil {
			t.Error("a discarded wizard wrote the file")
		}
	})

	t.Run("accessible mode through a pipe", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		cmd := exec.Command(bin, "--accessible", "--config", path)
		cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
		cmd.Stdin = strings.NewReader(answers("imap", srv.Host, strconv.Itoa(srv.IMAPS), "INBOX/Support",
			mailtest.Alice.Name, "1", mailtest.Alice.Password, "n", "tls", "y", srv.CAFile, "", "", "y", "y"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		text := string(out)
		for _, want := range []string{"[ok]", "Connection test passed", "Saved " + path} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, mailtest.Alice.Password) {
			t.Error("the output shows the password")
		}
		in := loadSaved(t, path)
		if in.Server != srv.Host || in.Port != srv.IMAPS || in.Mailbox != "INBOX/Support" || in.Password != mailtest.Alice.Password {
			t.Errorf("saved %+v", in)
		}
	})
}
