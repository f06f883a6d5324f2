//go:build unix

package cyrustest

import "syscall"

// rigProcAttr puts the watchdog and the Cyrus master in their own process
// group, which killGroup kills whole.
func rigProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills process group pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
