//go:build !unix

package mailconn_test

import (
	"net"
	"testing"
)

// freePort is a loopback port nothing listens on (closed right after it was
// found free).
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}
