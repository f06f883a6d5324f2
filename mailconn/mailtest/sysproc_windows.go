package mailtest

import (
	"os"
	"syscall"
)

// The rig runs on Linux; these let its users build (and vet) on Windows.

func rigProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { _ = p.Kill() }
