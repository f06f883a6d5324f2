package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkKeystroke measures Update and View for one keystroke on the
// busiest screen: user name and password, with its four password choices,
// typing into the user name and deleting again.
func BenchmarkKeystroke(b *testing.B) {
	m := newModel(testPath, existing(), environment{}, (&script{runs: []scriptRun{passingRun()}}).test)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.goTo(scrCredentials, false)
	keys := []tea.KeyPressMsg{{Code: 'x', Text: "x"}, {Code: tea.KeyBackspace}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}
