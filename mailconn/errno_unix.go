//go:build unix

package mailconn

import "syscall"

// hostErrnos are this Unix's numbers, from package syscall (the tests check
// them against errnoTables on Linux, macOS and FreeBSD).
var hostErrnos = errnoTable{
	uintptr(syscall.ECONNREFUSED): errnoConnRefused,
	uintptr(syscall.ECONNRESET):   errnoConnReset,
	uintptr(syscall.ECONNABORTED): errnoConnAborted,
	uintptr(syscall.EHOSTUNREACH): errnoHostUnreach,
	uintptr(syscall.ENETUNREACH):  errnoNetUnreach,
	uintptr(syscall.ETIMEDOUT):    errnoTimedOut,
	uintptr(syscall.EPIPE):        errnoBrokenPipe,
}
