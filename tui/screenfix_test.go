package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mailsetup/mailsetup/config"
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

// TestPermissionNoteMatchesSave: the welcome screen says the mode saving
// gives a world-readable file, and saving gives it (issue 13 item 2): a
// group-readable file kept 0640 while the wizard promised 0600.
func TestPermissionNoteMatchesSave(t *testing.T) {
	for _, tt := range []struct {
		mode os.FileMode
		want string
	}{
		{0o644, "mode 0640 (its group keeps read access"},
		{0o604, "mode 0600 (readable by its owner only)"},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			c := existing().cfg
			data, err := config.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			s := loadStart(path)
			if s.permErr == nil {
				t.Fatalf("loadStart(%v) found no permission problem", tt.mode)
			}
			h := newHarnessPath(t, path, s, nil)
			h.wantText(tt.want)
			var out strings.Builder
			_ = runLines(t.Context(), lineOptions{path: path, start: s, in: strings.NewReader(""), out: &out})
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("line mode says %q, want %q", out.String(), tt.want)
			}
			if err := config.Save(path, s.cfg, config.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("mode %04o", fi.Mode().Perm()); !strings.Contains(tt.want, got) {
				t.Errorf("saved with %s; the wizard said %q", got, tt.want)
			}
		})
	}
}
