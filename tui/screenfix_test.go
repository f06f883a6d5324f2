package tui

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestTooSmallKeys: while "Terminal too small" is shown no key acts but
// Ctrl+C and its confirmation (issue 13 item 1): a blind Enter on the
// review screen saved the file.
func TestTooSmallKeys(t *testing.T) {
	t.Run("welcome", func(t *testing.T) {
		sc := &script{runs: []scriptRun{passingRun()}}
		m := newModel(testPath, start{}, environment{}, sc.test)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(50, 15))
		waitFor(t, tm, "--accessible")
		send(tm, []string{"enter", "enter", "tab", "down"})
		tm.Send(keyPress("ctrl+c"))
		fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
		if fm.screen != scrWelcome {
			t.Errorf("keys pressed while too small moved the wizard to %q", screenTitles[fm.screen])
		}
		if !errors.Is(fm.err, ErrInterrupted) {
			t.Errorf("Ctrl+C while too small: err = %v, want ErrInterrupted", fm.err)
		}
	})
	t.Run("review", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		sc := &script{runs: []scriptRun{passingRun()}}
		m := newModel(path, start{}, environment{}, sc.test)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
		send(tm, toTest)
		waitFor(t, tm, "passed")
		send(tm, []string{"enter"})
		waitFor(t, tm, "Review")
		tm.Send(tea.WindowSizeMsg{Width: 50, Height: 15})
		waitFor(t, tm, "too small")
		send(tm, []string{"enter", "s", "enter", "y"})
		tm.Send(keyPress("ctrl+c")) // changes are unsaved: asks first
		waitFor(t, tm, "Discard changes?")
		tm.Send(keyPress("y"))
		fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
		if _, err := os.Stat(path); err == nil {
			t.Error("keys pressed while too small saved the file")
		}
		if fm.screen != scrReview || !errors.Is(fm.err, ErrInterrupted) {
			t.Errorf("screen %q, err %v; want the review screen, interrupted", screenTitles[fm.screen], fm.err)
		}
	})
}
