package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer echoes every connection until its client half-closes, then
// closes it.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestDelayLine(t *testing.T) {
	const delay = 20 * time.Millisecond
	dl, err := newDelayLine(echoServer(t), delay)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()

	t.Run("round trips are never early", func(t *testing.T) {
		start := time.Now()
		c, err := net.Dial("tcp", dl.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(hangGuard))
		buf := make([]byte, 5)
		// The first answer pays the modelled TCP handshake (3 one-way
		// delays before the server sees data) and the way back.
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
			t.Fatalf("echo %q, %v", buf, err)
		}
		if got := time.Since(start); got < 4*delay {
			t.Errorf("first answer after %v, want at least 4×%v", got, delay)
		}
		mid := time.Now()
		if _, err := c.Write([]byte("again")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "again" {
			t.Fatalf("echo %q, %v", buf, err)
		}
		if got := time.Since(mid); got < 2*delay {
			t.Errorf("a round trip took %v, want at least 2×%v", got, delay)
		}
	})

	t.Run("bytes arrive whole and in order, then the end", func(t *testing.T) {
		c, err := net.Dial("tcp", dl.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(hangGuard))
		want := make([]byte, 1<<20)
		_, _ = rand.Read(want)
		go func() {
			for p := want; len(p) > 0; {
				n := min(len(p), 1000+len(p)%7000)
				if _, err := c.Write(p[:n]); err != nil {
					return
				}
				p = p[n:]
			}
			_ = c.(*net.TCPConn).CloseWrite() // the echo server closes in turn
		}()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("got %d bytes, want the %d sent, in order", len(got), len(want))
		}
	})
}

func TestDelayLineTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	dl, err := newDelayLine(addr, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	c, err := net.Dial("tcp", dl.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(hangGuard))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes from a proxy whose target is down", n)
	}
}

// TestMeasuredRTT: the round trip the bench counts in is the delay line's
// own, never less than its nominal 2×delay.
func TestMeasuredRTT(t *testing.T) {
	const delay = 5 * time.Millisecond
	got, err := measuredRTT(delay)
	if err != nil {
		t.Fatal(err)
	}
	if got < 2*delay {
		t.Errorf("measured RTT %v, less than the nominal %v", got, 2*delay)
	}
}
