package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// startStream is the plumbing of every background run (the test, the
// folder list, Detect, the sign-in): the command it returns starts work in
// a goroutine and reads its first value with wait. work reports through
// send, which drops the value once ctx ends, so a cancelled run never
// blocks; the channel closes when work returns. The screen that receives a
// wait message re-arms wait for the next value (bubbletea's realtime
// example), so values arrive in order and a stale run's are drained.
func startStream(ctx context.Context, buf int, work func(send func(any)), wait func(<-chan any) tea.Cmd) tea.Cmd {
	ch := make(chan any, buf)
	return func() tea.Msg {
		go func() {
			defer close(ch)
			work(func(v any) {
				select {
				case ch <- v:
				case <-ctx.Done():
				}
			})
		}()
		return wait(ch)()
	}
}
