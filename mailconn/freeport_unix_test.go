//go:build unix

package mailconn_test

import (
	"syscall"
	"testing"
)

// freePort is a loopback port nothing listens on, and that nothing can
// take until the test ends: a TCP socket is bound to it and never listens,
// so a connect is refused (a port found free and closed again could be
// taken by another test's listener in between). The socket has no
// SO_REUSEADDR, so no other bind gets the port.
func freePort(t testing.TB) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}
