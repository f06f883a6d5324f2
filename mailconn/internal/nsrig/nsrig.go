//go:build linux

// Package nsrig runs a test mail server inside a private mount and PID
// namespace (unshare(1)), for the rigs whose servers have compiled-in paths
// (couriertest) or read system files (mailutilstest): a shell script bind-
// mounts the rig's own files over those paths and starts the daemons, and
// everything it started dies with it.
//
// The script runs as PID 1 of a new PID namespace. It must start its
// daemons in the background with standard input from /dev/null and then
// wait for its own standard input to reach end of file (`read -r _`): Close
// closes that pipe, and when the test binary dies without running its
// cleanups the pipe closes too. When the script exits the kernel kills every
// process left in the namespace, however it daemonized, so no server
// process outlives the rig.
//
// It also holds the rest those rigs share: Rig, the Server fields and
// methods they embed; Boot, one attempt at starting a rig; Kind, their
// Start and New; and the file helpers WriteMaildir and ChownTree (the latter
// used by cyrustest too).
package nsrig

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a namespace running a rig's script.
type Proc struct {
	cmd       *exec.Cmd
	out       *os.File
	stop      interface{ Close() error }
	exited    chan struct{}
	closeOnce sync.Once
}

// Available reports why namespaces cannot be used here, or nil: unshare(1)
// must be installed and the process must be root.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("not root: the rig needs a private mount namespace (unshare -m)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return fmt.Errorf("unshare (util-linux) not found: %w", err)
	}
	return nil
}

// Start runs `sh -c script name args...` as PID 1 of new mount and PID
// namespaces, in dir, with its standard output and error appended to
// logPath.
func Start(dir, logPath, script, name string, args ...string) (*Proc, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open rig log: %w", err)
	}
	argv := append([]string{"--mount", "--propagation", "private", "--pid", "--fork",
		"--kill-child=SIGKILL", "/bin/sh", "-c", script, name}, args...)
	cmd := exec.Command("unshare", argv...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that a ^C at the terminal reaches only the
	// test binary, whose cleanups then stop the rig.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stop, err := cmd.StdinPipe()
	if err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("start rig namespace: %w", err)
	}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("start rig namespace: %w", err)
	}
	p := &Proc{cmd: cmd, out: out, stop: stop, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed when the namespace's script has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// stopTimeout bounds the wait for the script to exit after its standard
// input closed, before unshare is killed (which kills the namespace too).
const stopTimeout = 5 * time.Second

// Close ends the namespace and every process in it. When it returns, the
// unshare process has been reaped and the kernel has killed the rest.
// Calling it again does nothing.
func (p *Proc) Close() {
	p.closeOnce.Do(func() {
		_ = p.stop.Close()
		select {
		case <-p.exited:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		_ = p.out.Close()
	})
}

// ReservePorts listens on n free loopback ports. Release them just before
// the server binds them; another process may take one in between, which
// the caller notices (the server does not greet) and retries.
func ReservePorts(n int) ([]net.Listener, error) {
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			Release(lns)
			return nil, fmt.Errorf("free port: %w", err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// Release closes reserved ports; closing twice is harmless.
func Release(lns []net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
}

// Port is the port of a reserved listener.
func Port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// Listener is one port to wait for, and whether it speaks TLS at once.
type Listener struct {
	Port int
	TLS  bool
}

// ErrNotReady marks a server that did not greet on every listener in time;
// a port taken by another process looks the same, so callers retry once or
// twice.
var ErrNotReady = errors.New("server not ready")

// WaitReady waits until every listener on host greets with "* OK" or
// "+OK" (through TLS for TLS listeners, without verifying the
// certificate), the process exits, or timeout passes.
func WaitReady(p *Proc, host string, ls []Listener, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, l := range ls {
		addr := net.JoinHostPort(host, fmt.Sprint(l.Port))
		for {
			line, err := greeting(addr, l.TLS)
			if err == nil && (strings.HasPrefix(line, "* OK") || strings.HasPrefix(line, "+OK")) {
				break
			}
			select {
			case <-p.exited:
				return fmt.Errorf("%w: the rig's namespace exited at start", ErrNotReady)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%w after %s: %s: %v %q", ErrNotReady, timeout, addr, err, line)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// greeting reads the first line a server sends on addr.
func greeting(addr string, useTLS bool) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if useTLS {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // readiness probe only
		if err := tc.Handshake(); err != nil {
			return "", err
		}
		c = tc
	}
	return bufio.NewReader(c).ReadString('\n')
}

// MakeDir makes a rig folder with a short, world-traversable path: the
// servers' unprivileged processes must reach it, and paths go into
// configuration files unquoted.
func MakeDir(prefix string) (string, error) {
	base := os.TempDir()
	if len(base) > 40 || strings.ContainsAny(base, " \t\"'#{}<>$`\\") {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	return dir, nil
}

// RemoveAll removes dir, retrying briefly while exiting processes may still
// write to it.
func RemoveAll(dir string) {
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
