package mailconn

import "net"

// Mail servers such as Courier and GNU Mailutils write one reply in two
// TCP segments and, under Nagle's algorithm, hold the second until the
// first is acknowledged. A client that pipelines has already sent all it
// has, so Linux's delayed ACK keeps that acknowledgement back for 40 ms
// (nothing to piggyback it on) and the reply stalls for as long. On Linux
// quickACK reads the TCP connection with TCP_QUICKACK set before every
// read: an acknowledgement that is pending goes out at once, and the
// segment the read waits for is acknowledged when it arrives. The kernel
// clears the option again whenever the exchange looks interactive, which
// is why it is set per read, not once. Elsewhere it returns c unchanged.
//
// It wraps only a *net.TCPConn (a Dial from Options may return anything).
func quickACK(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	return newQuickACKConn(tc)
}
