//go:build linux

package cyrustest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// abandonEnv makes the test binary, instead of running tests, start a
// Server, print it as JSON and wait to be killed: a test binary that dies
// without running its cleanups.
const abandonEnv = "CYRUSTEST_ABANDON"

func TestMain(m *testing.M) {
	if os.Getenv(abandonEnv) == "1" {
		abandon()
		return
	}
	os.Exit(m.Run())
}

// abandoned is what the abandoning process reports.
type abandoned struct {
	PGID int
	Dir  string
	IMAP int
}

func abandon() {
	b, err := findBinaries()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	s, err := start(b)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(abandoned{PGID: s.cmd.Process.Pid, Dir: s.Dir, IMAP: s.IMAP})
	select {} // until killed
}

func TestKilledTestBinaryLeavesNoProcess(t *testing.T) {
	Start(t).Close() // skips or fails the way every rig test does when Cyrus is missing

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), abandonEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	var a abandoned
	if err == nil {
		err = json.Unmarshal(line, &a)
	}
	if err != nil || a.PGID == 0 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("abandoning process: %v: %s", err, line)
	}
	t.Cleanup(func() { removeAll(a.Dir) })
	c, _ := dial(t, fmt.Sprintf("127.0.0.1:%d", a.IMAP))
	c.send("a NOOP") // a forked imapd child must go too
	if _, status := c.tagged("a"); status[:2] != "OK" {
		t.Fatalf("NOOP: %s", status)
	}

	_ = cmd.Process.Kill() // no cleanups run
	_ = cmd.Wait()

	deadline := time.Now().Add(hangGuard)
	for {
		err := syscall.Kill(-a.PGID, 0)
		if errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-a.PGID, syscall.SIGKILL)
			t.Fatalf("process group %d still there %s after its test binary was killed: %v", a.PGID, hangGuard, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
