package mailconn

import (
	"syscall"
	"testing"
)

// TestWindowsErrnoConstants checks the numbers package syscall names
// against the Windows table.
func TestWindowsErrnoConstants(t *testing.T) {
	for _, c := range []struct {
		errno syscall.Errno
		want  errnoKind
	}{
		{syscall.WSAECONNRESET, errnoConnReset},
		{syscall.WSAECONNABORTED, errnoConnAborted},
		{syscall.ERROR_NETNAME_DELETED, errnoConnReset},
	} {
		if got := hostErrnos[uintptr(c.errno)]; got != c.want {
			t.Errorf("%d (%v): kind %d, want %d", uintptr(c.errno), c.errno, got, c.want)
		}
	}
}
