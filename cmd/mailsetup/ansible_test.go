//go:build unix

package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// ansibleHint names the package that provides ansible-playbook.
const ansibleHint = "install Debian's ansible-core (apt-get install ansible-core)"

// TestAnsiblePlaybook runs examples/ansible/mailsetup.yml with a real
// ansible-playbook against localhost (-c local), with mailsetup built from
// this checkout and the Dovecot rig as the mail server: the first run writes
// the config (the init task reports changed) and the test passes; the
// second run changes nothing (PLAY RECAP changed=0, the file untouched); a
// wrong password fails the play with the step and the hint in the message.
func TestAnsiblePlaybook(t *testing.T) {
	playbookBin, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ansible-playbook is not installed; %s (.ci/run does)", ansibleHint)
		}
		t.Skipf("ansible-playbook is not installed; %s to run this test", ansibleHint)
	}
	playbook, err := filepath.Abs(filepath.Join("..", "..", "examples", "ansible", "mailsetup.yml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, mailtest.Options{})
	alice := mailtest.Alice
	dir := t.TempDir()
	bin := buildMailsetup(t, dir)
	path := filepath.Join(dir, "etc", "config.toml")
	mailbox := srv.Folder("INBOX", "Support")

	vars := map[string]any{
		"mailsetup_hosts":  "localhost",
		"mailsetup_become": false, // already root, or the user who owns dir
		"mailsetup_bin":    bin,
		"mailsetup_config": path,
		// Never touch the CI machine's systemd, should it run one.
		"mailsetup_enable_timer": false,
		"mail_server":            srv.Host,
		"mail_port":              srv.IMAPS,
		"mail_security":          "tls",
		"mail_ca_file":           srv.CAFile,
		"mail_mailbox":           mailbox,
		"mail_username":          alice.Name,
		"mail_password":          alice.Password,
	}
	ansibleDir := filepath.Join(dir, "ansible")
	if err := os.Mkdir(ansibleDir, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(name string, vars map[string]any) (string, bool) {
		t.Helper()
		// The password goes in through a 0600 file, not the command line.
		varsFile := filepath.Join(ansibleDir, name+".json")
		b, err := json.Marshal(vars)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(varsFile, b, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, playbookBin, "-i", "localhost,", "-c", "local", "-e", "@"+varsFile, playbook)
		cmd.Env = append(os.Environ(),
			"LC_ALL=C.UTF-8", // ansible-core refuses a locale that is not UTF-8
			"ANSIBLE_CONFIG="+filepath.Join(ansibleDir, "none.cfg"),
			"ANSIBLE_HOME="+ansibleDir,
			"ANSIBLE_LOCAL_TEMP="+filepath.Join(ansibleDir, "tmp"),
			"ANSIBLE_REMOTE_TEMP="+filepath.Join(ansibleDir, "tmp"),
			"ANSIBLE_NOCOLOR=1",
			"ANSIBLE_RETRY_FILES_ENABLED=0",
			"ANSIBLE_PYTHON_INTERPRETER=auto_silent",
			"ANSIBLE_STDOUT_CALLBACK=default",
		)
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("%s: ansible-playbook did not finish in time:\n%s", name, out)
		}
		if strings.Contains(string(out), alice.Password) {
			t.Errorf("%s: the password shows in ansible's output:\n%s", name, out)
		}
		return string(out), err == nil
	}

	// First run: the config is written and the test passes.
	out, ok := run("first", vars)
	if !ok {
		t.Fatalf("first run failed:\n%s", out)
	}
	if r := recap(t, out); r["changed"] != 1 || r["failed"] != 0 {
		t.Errorf("first run: recap %v, want changed=1 failed=0:\n%s", r, out)
	}
	if got := taskStatus(out, "Write the mail settings"); got != "changed" {
		t.Errorf("first run: the init task is %q, want changed:\n%s", got, out)
	}
	if got := taskStatus(out, "Fail when the connection test failed"); got != "skipping" {
		t.Errorf("first run: the test check is %q, want skipping (test passed):\n%s", got, out)
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if in := c.Incoming; in.Password != alice.Password || in.Port != srv.IMAPS || in.Mailbox != mailbox || in.CAFile != srv.CAFile {
		t.Errorf("written config %+v", in)
	}

	// Second run, same variables: no change at all.
	backdate(t, path)
	before := stampOf(t, path)
	out, ok = run("second", vars)
	if !ok {
		t.Fatalf("second run failed:\n%s", out)
	}
	if r := recap(t, out); r["changed"] != 0 || r["failed"] != 0 {
		t.Errorf("second run: recap %v, want changed=0 failed=0:\n%s", r, out)
	}
	if got := taskStatus(out, "Write the mail settings"); got != "ok" {
		t.Errorf("second run: the init task is %q, want ok:\n%s", got, out)
	}
	if after := stampOf(t, path); after != before {
		t.Errorf("second run touched the config: before %+v after %+v", before, after)
	}

	// A wrong password: the file changes, the test fails, and so does the
	// play, naming the step and the fix.
	wrong := map[string]any{}
	for k, v := range vars {
		wrong[k] = v
	}
	wrong["mail_password"] = "Wrong-Pa55word"
	out, ok = run("wrong", wrong)
	if ok {
		t.Fatalf("the play passed with a wrong password:\n%s", out)
	}
	if strings.Contains(out, "Wrong-Pa55word") {
		t.Errorf("the wrong password shows in ansible's output:\n%s", out)
	}
	if r := recap(t, out); r["failed"] != 1 || r["changed"] != 1 {
		t.Errorf("wrong password: recap %v, want changed=1 failed=1:\n%s", r, out)
	}
	if got := taskStatus(out, "Fail when the connection test failed"); got != "fatal" ||
		!strings.Contains(out, "at step authenticate (") || !strings.Contains(out, "Fix password:") {
		t.Errorf("wrong password: the failure (%s) does not name the step and the fix:\n%s", got, out)
	}
}

// buildMailsetup builds this checkout's mailsetup into dir.
func buildMailsetup(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "mailsetup")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var recapLine = regexp.MustCompile(`(?m)^localhost\s*:\s*((?:[a-z]+=\d+\s*)+)$`)

// recap parses the PLAY RECAP line of localhost into its counters.
func recap(t *testing.T, out string) map[string]int {
	t.Helper()
	_, after, found := strings.Cut(out, "PLAY RECAP")
	m := recapLine.FindStringSubmatch(after)
	if !found || m == nil {
		t.Fatalf("no PLAY RECAP for localhost in:\n%s", out)
	}
	r := map[string]int{}
	for _, f := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("recap field %q", f)
		}
		r[k] = n
	}
	return r
}

// taskStatus is the status word ("ok", "changed", "skipping", "fatal") of
// the named task's result line for localhost, or "" when there is none.
func taskStatus(out, task string) string {
	_, rest, found := strings.Cut(out, "TASK ["+task+"]")
	if !found {
		return ""
	}
	if i := strings.Index(rest, "\nTASK ["); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.Index(rest, "\nPLAY RECAP"); i >= 0 {
		rest = rest[:i]
	}
	for _, line := range strings.Split(rest, "\n") {
		if status, _, ok := strings.Cut(line, ": [localhost]"); ok {
			return strings.TrimSpace(status)
		}
	}
	return ""
}
