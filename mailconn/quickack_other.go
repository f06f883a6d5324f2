//go:build !linux

package mailconn

import "net"

// newQuickACKConn returns tc: TCP_QUICKACK is Linux's.
func newQuickACKConn(tc *net.TCPConn) net.Conn { return tc }
