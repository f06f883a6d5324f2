package mailconn

import (
	"net"
	"syscall"
)

// quickACKConn is a TCP connection whose every Read first sets
// TCP_QUICKACK (see quickACK).
type quickACKConn struct {
	*net.TCPConn
	rc syscall.RawConn
}

func newQuickACKConn(tc *net.TCPConn) net.Conn {
	rc, err := tc.SyscallConn()
	if err != nil {
		return tc
	}
	return &quickACKConn{TCPConn: tc, rc: rc}
}

// setQuickACK sets TCP_QUICKACK on fd; a test may count the calls.
var setQuickACK = func(fd uintptr) {
	// An error (a closed socket) shows in the Read that follows.
	_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
}

func (c *quickACKConn) Read(p []byte) (int, error) {
	_ = c.rc.Control(setQuickACK)
	return c.TCPConn.Read(p)
}
