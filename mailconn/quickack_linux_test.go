package mailconn

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/mailsetup/mailsetup/config"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(); _ = s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// sockopt is c's TCP_QUICKACK option. On Linux getsockopt reports whether
// the socket is out of delayed-ACK ("pingpong") mode: setting 0 enters that
// mode, setting 1 leaves it.
func sockopt(t *testing.T, c *net.TCPConn, set int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if set >= 0 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, set)
		}
		if serr == nil {
			v, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return v
}

// TestQuickACKSetBeforeEachRead: a read through the wrapper leaves the
// socket in quick-ACK mode each time, also after the kernel (here: the
// test) put it back into delayed-ACK mode; a plain read does not.
func TestQuickACKSetBeforeEachRead(t *testing.T) {
	client, server := tcpPair(t)
	buf := make([]byte, 8)

	// Without the wrapper the read leaves the mode as it was.
	if got := sockopt(t, client, 0); got != 0 {
		t.Fatalf("TCP_QUICKACK after setting 0 = %d, want 0", got)
	}
	if _, err := server.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Read(buf); err != nil {
		t.Fatal(err)
	}
	if got := sockopt(t, client, -1); got != 0 {
		t.Fatalf("TCP_QUICKACK after a plain read = %d, want 0 (delayed-ACK mode kept)", got)
	}

	qc := quickACK(client)
	if _, ok := qc.(*quickACKConn); !ok {
		t.Fatalf("quickACK(*net.TCPConn) = %T, want *quickACKConn", qc)
	}
	for i := range 3 {
		if got := sockopt(t, client, 0); got != 0 {
			t.Fatalf("round %d: TCP_QUICKACK after setting 0 = %d, want 0", i, got)
		}
		if _, err := server.Write([]byte("b")); err != nil {
			t.Fatal(err)
		}
		n, err := qc.Read(buf)
		if err != nil || string(buf[:n]) != "b" {
			t.Fatalf("round %d: Read = %q, %v", i, buf[:n], err)
		}
		if got := sockopt(t, client, -1); got != 1 {
			t.Fatalf("round %d: TCP_QUICKACK after a read through the wrapper = %d, want 1", i, got)
		}
	}
}

// TestQuickACKOnlyTCP: anything but a *net.TCPConn is returned as it is.
func TestQuickACKOnlyTCP(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := quickACK(a); got != a {
		t.Fatalf("quickACK(net.Pipe) = %T, want the pipe unchanged", got)
	}
}

// TestConnectUsesQuickACK: the connection test reads its TCP connection
// through the wrapper, setting the option before every read.
func TestConnectUsesQuickACK(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("+OK hi\r\n"))
			defer c.Close()
			_, _ = c.Read(make([]byte, 1))
		}
	}()
	var calls atomic.Int32
	orig := setQuickACK
	setQuickACK = func(fd uintptr) { calls.Add(1); orig(fd) }
	defer func() { setQuickACK = orig }()

	addr := netip.MustParseAddrPort(ln.Addr().String())
	in := config.Incoming{Protocol: config.ProtocolPOP3, Server: "127.0.0.1", Port: int(addr.Port()), Security: config.SecurityNone}
	r := newRunner(context.Background(), in, Options{}, func(Event) {})
	defer r.cancel()
	if err := r.connect([]netip.Addr{addr.Addr()}); err != nil {
		t.Fatal(err)
	}
	defer r.raw.Close()
	if _, ok := r.raw.(*quickACKConn); !ok {
		t.Fatalf("r.raw is %T, want *quickACKConn", r.raw)
	}
	n, err := r.raw.Read(make([]byte, 16))
	if err != nil || n == 0 {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("TCP_QUICKACK set %d times for one read, want 1", calls.Load())
	}
}

// BenchmarkRead measures what setting TCP_QUICKACK adds to a read (a
// 16-byte ping-pong over loopback, plain and through the wrapper).
func BenchmarkRead(b *testing.B) {
	for _, wrap := range []bool{false, true} {
		name := "plain"
		if wrap {
			name = "quickack"
		}
		b.Run(name, func(b *testing.B) {
			client, server := tcpPair(b)
			var c net.Conn = client
			if wrap {
				c = quickACK(client)
			}
			msg, buf := make([]byte, 16), make([]byte, 16)
			for b.Loop() {
				if _, err := server.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
