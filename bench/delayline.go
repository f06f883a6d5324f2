package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// delayLine is a loopback TCP proxy that delays every byte by a fixed
// one-way delay in each direction, like a long link: a chunk read at t is
// written at t+delay, in order, while later chunks keep being read (a
// delay line, not a sleep per read, so back-to-back chunks are not
// serialised). The round-trip time is 2×delay.
//
// TCP's own handshake happens on loopback between the client and the proxy
// at once; the proxy models it by dialling the target 3×delay after the
// accept (SYN, SYN-ACK, then the client's first data with the ACK), so the
// server sees the connection, and answers it, when it would on the long
// link. From then on every exchange has the timing of the long link.
type delayLine struct {
	ln     net.Listener
	target string
	delay  time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// newDelayLine listens on a free 127.0.0.1 port and forwards to target.
func newDelayLine(target string, delay time.Duration) (*delayLine, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("delay line: %w", err)
	}
	d := &delayLine{ln: ln, target: target, delay: delay, conns: map[net.Conn]struct{}{}}
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

// port is the listening port.
func (d *delayLine) port() int { return d.ln.Addr().(*net.TCPAddr).Port }

// Close stops listening, closes every connection and waits for the
// goroutines.
func (d *delayLine) Close() {
	_ = d.ln.Close()
	d.mu.Lock()
	d.closed = true
	for c := range d.conns {
		_ = c.Close()
	}
	d.mu.Unlock()
	d.wg.Wait()
}

// track registers c so that Close closes it; false when already closed.
func (d *delayLine) track(c net.Conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		_ = c.Close()
		return false
	}
	d.conns[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (d *delayLine) untrack(c net.Conn) {
	_ = c.Close()
	d.mu.Lock()
	delete(d.conns, c)
	d.mu.Unlock()
}

func (d *delayLine) serve() {
	defer d.wg.Done()
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		if !d.track(c) {
			return
		}
		d.wg.Add(1)
		go d.handle(c, time.Now())
	}
}

// handle proxies one connection accepted at t0.
func (d *delayLine) handle(client net.Conn, t0 time.Time) {
	defer d.wg.Done()
	defer d.untrack(client)

	up := make(chan net.Conn, 1) // the upstream connection, once dialled
	var pipes sync.WaitGroup
	pipes.Add(2)
	// client → server: read now, write once the upstream exists.
	go func() {
		defer pipes.Done()
		d.pipe(client, func() net.Conn {
			c := <-up
			up <- c
			return c
		})
	}()

	time.Sleep(time.Until(t0.Add(3 * d.delay)))
	server, err := net.DialTimeout("tcp", d.target, 10*time.Second)
	if err != nil || !d.track(server) {
		_ = client.Close()
		up <- nil
		pipes.Done()
		pipes.Wait()
		return
	}
	defer d.untrack(server)
	up <- server
	// server → client.
	go func() {
		defer pipes.Done()
		d.pipe(server, func() net.Conn { return client })
	}()
	pipes.Wait()
}

// chunk is data read at some time, due for writing at due; nil data with
// eof set is the end of the stream.
type chunk struct {
	data []byte
	due  time.Time
	eof  bool
}

// pipe copies src to the connection dst returns, each chunk delay after it
// was read. dst is called once, by the writer, before the first write; a
// nil connection ends the pipe.
func (d *delayLine) pipe(src net.Conn, dst func() net.Conn) {
	queue := make(chan chunk, 4096)
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				queue <- chunk{data: buf[:n], due: time.Now().Add(d.delay)}
			}
			if err != nil {
				queue <- chunk{due: time.Now().Add(d.delay), eof: errors.Is(err, io.EOF)}
				return
			}
		}
	}()
	out := dst()
	if out == nil {
		_ = src.Close()
		for range queue {
			// Drain, so that the reader ends.
		}
		return
	}
	for c := range queue {
		time.Sleep(time.Until(c.due))
		if c.data == nil {
			// The end of src: pass a clean end on as a half close, an
			// error as a close.
			if tc, ok := out.(*net.TCPConn); ok && c.eof {
				_ = tc.CloseWrite()
			} else {
				_ = out.Close()
			}
			continue
		}
		if _, err := out.Write(c.data); err != nil {
			_ = src.Close()
			_ = out.Close()
		}
	}
}
