package tui

import "testing"

func TestKeyNames(t *testing.T) {
	for _, name := range []string{"enter", "tab", "shift+tab", "esc", "ctrl+c", "space", "up", "down", "backspace", "ctrl+u", "f"} {
		t.Run(name, func(t *testing.T) {
			if got := keyPress(name).String(); got != name {
				t.Errorf("keyPress(%q).String() = %q", name, got)
			}
		})
	}
}
