//go:build unix && !linux

package mailtest

import "syscall"

// setDeathSignal does nothing where there is no Pdeathsig: the rig runs on
// Linux; this lets its users build (and vet) on every release target.
func setDeathSignal(*syscall.SysProcAttr) {}
