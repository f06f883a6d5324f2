package tui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// background keeps count of the runs' goroutines, so that Run returns only
// once they have ended.
type background struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// start runs f in a goroutine, unless wait has begun; it reports whether f
// runs.
func (b *background) start(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Go(f)
	return true
}

// wait lets no new goroutine start and waits for those running, whose runs
// the caller has cancelled.
func (b *background) wait() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wg.Wait()
}

// startStream is the plumbing of every background run (the test, the
// folder list, Detect, the sign-in): the command it returns starts work in
// a goroutine counted by bg and reads its first value with wait. work
// reports through send, which drops the value once ctx ends, so a
// cancelled run never blocks; the channel closes when work returns. The
// screen that receives a wait message re-arms wait for the next value
// (bubbletea's realtime example), so values arrive in order and a stale
// run's are drained. A command that runs after bg.wait starts nothing.
func startStream(ctx context.Context, bg *background, buf int, work func(send func(any)), wait func(<-chan any) tea.Cmd) tea.Cmd {
	ch := make(chan any, buf)
	return func() tea.Msg {
		started := bg.start(func() {
			defer close(ch)
			work(func(v any) {
				select {
				case ch <- v:
				case <-ctx.Done():
				}
			})
		})
		if !started {
			close(ch)
		}
		return wait(ch)()
	}
}
