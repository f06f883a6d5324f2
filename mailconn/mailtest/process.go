package mailtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// findDovecot returns the dovecot binary, checking that the IMAP and POP3
// servers are installed too.
func findDovecot() (string, error) {
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot" // not on a non-root PATH
		if _, err := os.Stat(bin); err != nil {
			return "", errors.New("dovecot not found")
		}
	}
	for _, dir := range []string{"/usr/lib/dovecot", "/usr/libexec/dovecot"} {
		if _, err := os.Stat(filepath.Join(dir, "imap-login")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "pop3-login")); err != nil {
			return "", errors.New("dovecot's POP3 server not found")
		}
		return bin, nil
	}
	return "", errors.New("dovecot's IMAP server not found")
}

// run starts Dovecot in the foreground as a child in its own process group.
// Its output goes to a file: Dovecot keeps the stderr it is given open in
// its children, and a pipe would keep `go test` waiting.
func (s *Server) run(bin, conf string) error {
	out, err := os.Create(s.outPath)
	if err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	cmd := exec.Command(bin, "-F", "-c", conf)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = rigProcAttr()
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return fmt.Errorf("start dovecot: %w", err)
	}
	s.cmd, s.out = cmd, out
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// readyTimeout only guards against a hang: Dovecot is usually ready in
// well under a second.
const readyTimeout = 20 * time.Second

// waitReady waits until the IMAP and POP3 listeners greet.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for _, port := range []int{s.IMAP, s.POP3} {
		for {
			line, err := greeting(s.Addr(port))
			if err == nil && (strings.HasPrefix(line, "* OK") || strings.HasPrefix(line, "+OK")) {
				break
			}
			select {
			case <-s.exited:
				if strings.Contains(s.Log(), "Address already in use") {
					return fmt.Errorf("dovecot exited: %w", errPortTaken)
				}
				return errors.New("dovecot exited at start")
			default:
			}
			if log := s.Log(); strings.Contains(log, "Fatal:") {
				// Seen before the process exits as well: another
				// process took a port between choosing and binding it.
				if strings.Contains(log, "Address already in use") {
					return fmt.Errorf("dovecot failed at start: %w", errPortTaken)
				}
				return errors.New("dovecot failed at start")
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("dovecot not ready after %s: %s: %v %q", readyTimeout, s.Addr(port), err, line)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// greeting reads the first line a server sends on addr.
func greeting(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

// Close kills Dovecot, stops the relays and removes Dir; Log still answers.
// When it returns, no goroutine of the Server is left and every Dovecot
// process has been sent SIGKILL (the master is reaped). Start
// registers it with t.Cleanup; calling it earlier (to test a vanished
// server) is fine, and calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		for _, r := range s.relays {
			r.close()
		}
		if s.cmd != nil {
			s.kill()
			_ = s.out.Close()
		}
		s.mu.Lock()
		log := s.readLog()
		s.finalLog = &log
		s.mu.Unlock()
		removeAll(s.Dir)
	})
}

// kill ends Dovecot at once with SIGKILL to its process group, which the
// master and all its children share, and waits for the master.
//
// A graceful SIGTERM would cost a second per Server (Dovecot's master, once
// its children are gone, sleeps a fixed second for its log process) and
// would still leave the log process to init to reap. The rig needs nothing
// from a graceful stop, as its folder goes next. The killed children are
// reaped by init.
func (s *Server) kill() {
	killGroup(s.cmd.Process)
	<-s.exited
}

// removeAll removes dir, retrying briefly while exiting Dovecot processes
// may still write to it.
func removeAll(dir string) {
	for i := 0; i < 50; i++ {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
