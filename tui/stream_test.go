package tui

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// value is the value a stream command read, or false when the channel
// was closed.
func value(cmd tea.Cmd) any {
	m := cmd().(streamMsg)
	if m.closed {
		return false
	}
	return m.v
}

// waitWithGuard runs bg.wait, failing the test if it hangs.
func waitWithGuard(t *testing.T, bg *background) {
	t.Helper()
	done := make(chan struct{})
	go func() { bg.wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("background.wait did not return within 10s")
	}
}

func TestStartStream(t *testing.T) {
	t.Run("wait returns only after a cancelled run has ended", func(t *testing.T) {
		var bg background
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var ended atomic.Bool
		cmd := startStream(ctx, &bg, 0, scrTest, 1, func(send func(any)) {
			send("started")
			<-ctx.Done()
			send("after the cancel") // nobody reads it: must not block
			ended.Store(true)
		})
		if msg := value(cmd); msg != "started" {
			t.Fatalf("first message = %v, want %q", msg, "started")
		}
		cancel()
		waitWithGuard(t, &bg)
		if !ended.Load() {
			t.Fatal("wait returned while the run's goroutine was still going")
		}
	})
	t.Run("a command that runs after wait starts nothing", func(t *testing.T) {
		var bg background
		waitWithGuard(t, &bg)
		var started atomic.Bool
		cmd := startStream(context.Background(), &bg, 1, scrTest, 1, func(send func(any)) {
			started.Store(true)
			send("late")
		})
		if msg := value(cmd); msg != false {
			t.Fatalf("message = %v, want the closed channel (false)", msg)
		}
		if started.Load() {
			t.Fatal("the work started after wait")
		}
	})
}
