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

// streamMsg is one value of a background run (the test, the folder list,
// Detect, the sign-in), or the end of its channel (closed). The root hands
// it to the owner screen, which ignores a stale run's values and re-arms
// the wait with next until the channel closes.
type streamMsg struct {
	owner  screenID
	run    int
	v      any
	closed bool
	ch     <-chan any
}

// next reads the run's next value.
func (m streamMsg) next() tea.Cmd {
	if m.closed {
		return nil
	}
	return waitStream(m.owner, m.run, m.ch)
}

// waitStream reads the next value of a run, for every kind of run.
func waitStream(owner screenID, run int, ch <-chan any) tea.Cmd {
	return func() tea.Msg {
		v, ok := <-ch
		return streamMsg{owner: owner, run: run, v: v, closed: !ok, ch: ch}
	}
}

// startStream is the plumbing of every background run (the test, the
// folder list, Detect, the sign-in): the command it returns starts work in
// a goroutine counted by bg and reads its first value as a streamMsg for
// owner and run. work reports through send, which drops the value once
// ctx ends, so a cancelled run never blocks; the channel closes when work
// returns. The owner re-arms the wait with streamMsg.next for the next
// value (bubbletea's realtime example), so values arrive in order and a
// stale run's are drained. A command that runs after bg.wait starts
// nothing.
func startStream(ctx context.Context, bg *background, buf int, owner screenID, run int, work func(send func(any))) tea.Cmd {
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
		return waitStream(owner, run, ch)()
	}
}
