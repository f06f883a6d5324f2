package tui

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// readmePipedExample is the README's piped line-mode example, as printed:
// the sh block after "Without a terminal".
func readmePipedExample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "Without a terminal (a pipe)")
	if i < 0 {
		t.Fatal("README.md has no piped example")
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	end := strings.Index(s[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README.md's piped example has no sh block")
	}
	block := s[start+6 : start+6+end]
	if !strings.Contains(block, "mailsetup --accessible") {
		t.Fatalf("the README's block is not the piped example:\n%s", block)
	}
	return block
}

// TestReadmePipedExample runs the README's piped example exactly as
// printed, with the real binary against Dovecot, twice in a row: on a
// fresh file, then on the file it wrote; with a server that passes and
// one that fails (an expired certificate).
func TestReadmePipedExample(t *testing.T) {
	t.Parallel() // owns its servers and ports
	if testing.Short() {
		t.Skip("builds the binary and starts Dovecot")
	}
	example := readmePipedExample(t)
	good := mailtest.Start(t, mailtest.Options{})
	expired := mailtest.Start(t, mailtest.Options{Cert: mailtest.CertExpired})
	bin := mailsetupBinary(t)
	dir := t.TempDir()

	run := func(srv *mailtest.Server, path string) (int, string) {
		t.Helper()
		cmd := exec.Command("bash", "-c", example)
		cmd.Env = append(os.Environ(), "LANG=C.UTF-8",
			"PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"),
			"MAILSETUP_CONFIG="+path, // never the machine's own config
			"SSL_CERT_FILE="+srv.CAFile,
			"MAIL_SERVER="+srv.Host, "MAIL_PORT="+strconv.Itoa(srv.IMAPS),
			"MAIL_USER="+mailtest.Alice.Name, "MAIL_PASSWORD="+mailtest.Alice.Password)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, out.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), out.String()
		}
		t.Fatalf("run the example: %v", err)
		return 0, ""
	}
	transcript := func(t *testing.T, out string) {
		t.Helper()
		wantInOrder(t, out, []string{"Choose 1-2 [1]: imap", "Server name", ": 127.0.0.1", "Mail Box",
			": INBOX/Support", "User name", ": alice", "Password", ": (hidden)", "Test the connection now? [Y/n] y"})
		if strings.Contains(out, mailtest.Alice.Password) {
			t.Error("the transcript shows the password")
		}
	}

	passPath := filepath.Join(dir, "pass.toml")
	t.Run("a server that passes: fresh file, then the file it wrote", func(t *testing.T) {
		for i := range 2 {
			code, out := run(good, passPath)
			if code != 0 {
				t.Fatalf("run %d: exit %d\n%s", i+1, code, out)
			}
			transcript(t, out)
			wantInOrder(t, out, []string{"Connection test passed", "Save to ", "? [Y/n] y", "Saved " + passPath})
			if i == 1 && !strings.Contains(out, "Editing the existing settings in "+passPath) {
				t.Errorf("the second run does not say it edits the file:\n%s", out)
			}
			in := loadSaved(t, passPath)
			if in.Server != good.Host || in.Port != good.IMAPS || in.Mailbox != "INBOX/Support" ||
				in.Password != mailtest.Alice.Password || in.Security != "tls" || !in.RejectInvalidCertificates {
				t.Errorf("run %d saved %+v", i+1, in)
			}
		}
	})

	t.Run("a server that fails: nothing saved, exit 1, on a fresh file and on a written one", func(t *testing.T) {
		failPath := filepath.Join(dir, "fail.toml")
		code, out := run(expired, failPath)
		if code != 1 {
			t.Fatalf("fresh file: exit %d, want 1\n%s", code, out)
		}
		transcript(t, out)
		wantInOrder(t, out, []string{"[FAIL]", "The connection test failed. What now?", "Choose 1-4", ": y",
			"Answer with a number from 1 to 4.", "Nothing was saved."})
		if n := strings.Count(out, "Nothing was saved"); n != 1 {
			t.Errorf("\"Nothing was saved\" %d times:\n%s", n, out)
		}
		if _, err := os.Stat(failPath); err == nil {
			t.Error("a failing config was saved")
		}

		// The file a passing run wrote, now pointed at the failing server.
		before, err := os.ReadFile(passPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(failPath, before, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out = run(expired, failPath)
		if code != 1 {
			t.Fatalf("written file: exit %d, want 1\n%s", code, out)
		}
		transcript(t, out)
		after, err := os.ReadFile(failPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("the file changed after a failed test:\n%s", after)
		}
	})
}
