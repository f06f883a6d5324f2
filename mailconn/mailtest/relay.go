package mailtest

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// relay accepts loopback connections and forwards each to a Dovecot
// listener that has haproxy = yes, first sending a PROXY protocol v1 header
// that claims the connection comes from srcIP and goes to dstIP. Dovecot
// then treats the client as srcIP talking to its address dstIP: a remote
// client (192.0.2.10) is not "secured", and a destination of 127.0.0.2
// selects the `local 127.0.0.2 { ssl = no }` block.
type relay struct {
	ln     net.Listener
	target string // Dovecot's haproxy listener
	srcIP  string
	dstIP  string

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newRelay(target, srcIP, dstIP string) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay listen: %w", err)
	}
	r := &relay{ln: ln, target: target, srcIP: srcIP, dstIP: dstIP, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.serve()
	return r, nil
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *relay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		if !r.track(c) {
			_ = c.Close()
			return
		}
		r.wg.Add(1)
		go r.handle(c)
	}
}

// track registers c so close can end it; false once the relay is closed.
func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

func (r *relay) handle(client net.Conn) {
	defer r.wg.Done()
	defer r.untrack(client)
	defer client.Close()

	d := net.Dialer{Timeout: 10 * time.Second}
	up, err := d.Dial("tcp", r.target)
	if err != nil {
		return
	}
	if !r.track(up) {
		_ = up.Close()
		return
	}
	defer r.untrack(up)
	defer up.Close()

	srcPort := client.RemoteAddr().(*net.TCPAddr).Port
	_, dstPortStr, _ := net.SplitHostPort(r.target)
	dstPort, _ := strconv.Atoi(dstPortStr)
	hdr := fmt.Sprintf("PROXY TCP4 %s %s %d %d\r\n", r.srcIP, r.dstIP, srcPort, dstPort)
	if _, err := io.WriteString(up, hdr); err != nil {
		return
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		pipe(up, client)
	}()
	pipe(client, up)
	<-done
}

// pipe copies src to dst, then half-closes dst so the other side sees EOF
// while the opposite direction keeps flowing.
func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// close stops accepting, ends every relayed connection and waits until all
// the relay's goroutines have returned.
func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	_ = r.ln.Close()
	r.wg.Wait()
}
