//go:build unix

package mailtest

import (
	"os"
	"syscall"
)

// rigProcAttr puts Dovecot in its own process group (killed whole by
// killGroup); on Linux it also gets SIGTERM when the test binary dies.
func rigProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(a)
	return a
}

// killGroup kills p's process group.
func killGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
