package cyrustest

import (
	"os"
	"syscall"
)

// The rig runs on Linux; these let its users build (and vet) on Windows.

func rigProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
