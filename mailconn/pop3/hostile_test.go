package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestCancelUnblocksRead(t *testing.T) {
	defer goleak.VerifyNone(t)
	received := make(chan struct{})
	conn, stop := startFake(t, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STAT")
		close(received)
		// Stay silent until the client closes.
		_, _ = io.Copy(io.Discard, f.conn)
	})
	c, err := NewClient(testContext(t), conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testContext(t))
	go func() {
		<-received
		cancel()
	}()
	_, _, err = c.Stat(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stat = %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(err.Error(), "pop3 STAT: ") {
		t.Errorf("error %q does not name the command", err)
	}
	// The session is unusable now, even under a live context.
	if _, err := c.Capa(testContext(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Capa after a cancelled call = %v, want the sticky error", err)
	}
	c.Close()
	stop()
}

func TestCancelledBeforeCall(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STAT")
		f.send("+OK 1 2\r\n")
	})
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	if err := c.User(ctx, "alice"); !errors.Is(err, context.Canceled) {
		t.Fatalf("User = %v, want context.Canceled", err)
	}
	// Nothing was sent, so the session is still fine.
	if n, _, err := c.Stat(testContext(t)); err != nil || n != 1 {
		t.Errorf("Stat = %d %v", n, err)
	}
}

func TestSilentServerDeadline(t *testing.T) {
	tests := []struct {
		name  string
		run   func(ctx context.Context, conn net.Conn) error
		greet bool
	}{
		{"no greeting", func(ctx context.Context, conn net.Conn) error {
			_, err := NewClient(ctx, conn, nil)
			return err
		}, false},
		{"greets then stalls", func(ctx context.Context, conn net.Conn) error {
			c, err := NewClient(testContext(t), conn, nil)
			if err != nil {
				return err
			}
			_, err = c.Capa(ctx)
			return err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			conn, stop := startFake(t, func(f *fake) {
				if tt.greet {
					f.send("+OK\r\n")
				}
				_, _ = io.Copy(io.Discard, f.conn)
			})
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			err := tt.run(ctx, conn)
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("error = %v, want context.DeadlineExceeded and os.ErrDeadlineExceeded", err)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("error %v is not a net.Error timeout", err)
			}
			stop()
		})
	}
}

func TestServerClosesMidSession(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STAT")
		f.send("+OK 1")
	})
	_, _, err := c.Stat(testContext(t))
	if !errors.Is(err, io.EOF) || !strings.HasPrefix(err.Error(), "pop3 STAT: ") {
		t.Fatalf("Stat = %v, want io.EOF wrapped with the command", err)
	}
}

func TestEndlessLineFromServer(t *testing.T) {
	const maxLine = 1024
	written := make(chan int64, 1)
	conn, _ := startFake(t, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("CAPA")
		chunk := []byte(strings.Repeat("A", 64*1024))
		var n int64
		defer func() { written <- n }()
		for n < 10<<20 {
			w, err := f.conn.Write(chunk)
			n += int64(w)
			if err != nil {
				return
			}
		}
	})
	c, err := NewClient(testContext(t), conn, &Options{MaxLineLength: maxLine})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Capa(testContext(t))
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("Capa = %v, want ErrLineTooLong", err)
	}
	c.Close()
	// net.Pipe hands over only what the client reads, so this is what the
	// client took in.
	if n := <-written; n > maxLine+readBufSize {
		t.Errorf("client read %d bytes of the endless line, more than %d", n, maxLine+readBufSize)
	}
}

func TestMultiLineBound(t *testing.T) {
	c, _ := newFakeClient(t, &Options{MaxMultiLineBytes: 1000}, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("UIDL")
		f.send("+OK\r\n")
		for i := 1; i <= 1000; i++ {
			f.send(fmt.Sprintf("%d uid-%d\r\n", i, i))
		}
	})
	if _, err := c.UIDLAll(testContext(t)); !errors.Is(err, ErrResponseTooLong) {
		t.Fatalf("UIDLAll = %v, want ErrResponseTooLong", err)
	}
}

func TestTraceRedactsPass(t *testing.T) {
	var trace strings.Builder
	c, _ := newFakeClient(t, &Options{Trace: &trace}, func(f *fake) {
		f.send("+OK hi\r\n")
		f.expect("USER alice")
		f.send("+OK\r\n")
		f.expect("PASS hunter2")
		f.send("-ERR [AUTH] hunter2 is wrong\r\n")
		f.expect("LIST")
		f.send("+OK\r\n")
		for i := 1; i <= traceBodyLines+5; i++ {
			f.send(fmt.Sprintf("%d 10\r\n", i))
		}
		f.send(".\r\n")
	})
	ctx := testContext(t)
	if err := c.User(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	err := c.Pass(ctx, "hunter2")
	var perr *Error
	if !errors.As(err, &perr) || perr.Code != "AUTH" {
		t.Fatalf("Pass = %v, want *Error [AUTH]", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q carries the password", err)
	}
	if sizes, err := c.List(ctx); err != nil || len(sizes) != traceBodyLines+5 {
		t.Fatalf("List = %d entries, %v", len(sizes), err)
	}
	want := "S: +OK hi\nC: USER alice\nS: +OK\nC: PASS <redacted>\nS: -ERR [AUTH] <redacted> is wrong\nC: LIST\nS: +OK\nS: 1 10\n"
	got := trace.String()
	if !strings.HasPrefix(got, want) {
		t.Errorf("trace =\n%s\nwant prefix\n%s", got, want)
	}
	if wantEnd := fmt.Sprintf("S: %d 10\nS: … (5 more lines)\nS: .\n", traceBodyLines); !strings.HasSuffix(got, wantEnd) {
		t.Errorf("trace =\n%s\nwant suffix\n%s", got, wantEnd)
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("trace carries the password:\n%s", got)
	}
}
