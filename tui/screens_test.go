package tui

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// Named key scripts for a new IMAP account, screen by screen; "type:"
// types text. Each script goes from the welcome screen to the screen it
// names.
var (
	keysToAccount = []string{"enter"}
	keysToServer  = keys(keysToAccount, []string{"enter"})
	keysToMailbox = keys(keysToServer, []string{"type:mail.example.com", "enter", "enter"})
	keysToCreds   = keys(keysToMailbox, []string{"ctrl+u", "type:INBOX/Support", "enter"})
	keysToSPA     = keys(keysToCreds, []string{"type:support@example.com", "enter", "enter", "type:s3cret", "enter"})
	keysToSecure  = keys(keysToSPA, []string{"enter"})
	keysToCerts   = keys(keysToSecure, []string{"enter"})
	toTest        = keys(keysToCerts, repeat("enter", 4)) // past the four certificate fields
)

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func keys(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// TestScreens renders every screen in a real Bubble Tea program (teatest)
// at 80×24 unless said otherwise, and compares the final frame, without
// styles, to testdata/TestScreens/NAME.golden. Regenerate with -update.
func TestScreens(t *testing.T) {
	tests := []struct {
		name     string
		start    start
		runs     []scriptRun
		ascii    bool
		size     [2]int
		save     bool     // use a temp config path (the test saves)
		keys     []string // keys and "type:text"
		waitFor  string   // text to wait for after keys
		then     []string // keys after that
		thenWait string   // text to wait for after then
	}{
		{name: "welcome_new"},
		{name: "welcome_existing", start: existing()},
		{name: "welcome_load_error", start: start{exists: true, loadErr: &decodeErr}},
		{name: "welcome_typo", start: typoStart()},
		{name: "welcome_typo_60x20", start: typoStart(), size: [2]int{60, 20}},
		{name: "account", keys: []string{"enter"}},
		{name: "account_pop3", keys: []string{"enter", "down"}},
		{name: "server_errors", keys: []string{"enter", "enter", "type:imaps://mail.example.com", "tab", "type:99999"}},
		{name: "server_port_default_pop3", keys: []string{"enter", "down", "enter", "type:pop.example.com", "tab"}},
		{name: "mailbox_office365", keys: []string{"enter", "enter", "type:outlook.office365.com", "enter", "enter", "ctrl+u", "type:INBOX.Support"}},
		{name: "credentials", keys: []string{"enter", "enter", "type:mail.example.com", "enter", "enter", "enter", "type:support@example.com", "tab", "tab", "type:pw"}},
		{name: "credentials_unchanged", start: existing(), keys: []string{"enter", "enter", "enter", "enter", "enter"}},
		{name: "credentials_command", keys: []string{"enter", "enter", "type:mail.example.com", "enter", "enter", "enter", "type:alice", "tab", "4", "tab", "type:pass show mail"}},
		{name: "spa", keys: keys(keysToSPA, []string{"2"})},
		{name: "security_none", keys: keys(keysToSecure, []string{"1"})},
		{name: "security_if_available", keys: keys(keysToSecure, []string{"2"})},
		{name: "certs", keys: keys(keysToCerts, []string{"space", "tab", "type:etc/ca.pem"})},
		{name: "test_passed", keys: toTest, waitFor: "Connection test passed"},
		{name: "test_failed", keys: toTest, runs: []scriptRun{wrongPasswordRun()}, waitFor: "Press f to fix"},
		{name: "test_failed_ascii", keys: toTest, runs: []scriptRun{wrongPasswordRun()}, ascii: true, waitFor: "Press f to fix"},
		{name: "test_failed_60x20", keys: toTest, runs: []scriptRun{wrongPasswordRun()}, size: [2]int{60, 20}, waitFor: "fix"},
		{name: "test_fix_jump", keys: toTest, runs: []scriptRun{wrongPasswordRun()}, waitFor: "Press f to fix", then: []string{"f"}},
		{name: "test_failed_confirm", keys: toTest, runs: []scriptRun{wrongPasswordRun()}, waitFor: "Press f to fix", then: []string{"enter"}},
		{name: "review_new", keys: toTest, waitFor: "passed", then: []string{"enter"}},
		{name: "review_new_60x20", size: [2]int{60, 20}, keys: toTest, waitFor: "passed", then: []string{"enter"}},
		{name: "review_scrolled", keys: toTest, waitFor: "passed", then: []string{"enter", "pgdown", "pgdown"}},
		{name: "review_changes", start: existing(), keys: keys([]string{"enter", "enter", "tab", "type:1993"}, repeat("enter", 11)), waitFor: "passed", then: []string{"enter"}},
		{name: "done", save: true, keys: toTest, waitFor: "passed", then: []string{"enter", "enter"}, thenWait: "Press enter to quit"},
		{name: "discard_prompt", keys: []string{"enter", "enter", "type:x", "ctrl+c"}},
		{name: "credentials_60x20", size: [2]int{60, 20}, keys: []string{"enter", "enter", "type:mail.example.com", "enter", "enter", "enter"}},
		{name: "too_small", size: [2]int{50, 15}},
		// the folder browser and Detect, against fakes (sampleFolders, sampleProbe)
		{name: "mailbox_browser", start: existing(), keys: []string{"enter", "enter", "enter", "enter", "ctrl+l"}, waitFor: "Folders on"},
		{name: "mailbox_browser_60x20", start: existing(), size: [2]int{60, 20}, keys: []string{"enter", "enter", "enter", "enter", "ctrl+l"}, waitFor: "Folders on",
			then: []string{"up"}},
		{name: "mailbox_browser_filter", start: existing(), keys: []string{"enter", "enter", "enter", "enter", "ctrl+l"}, waitFor: "Folders on",
			then: []string{"type:ar"}, thenWait: "Filter"},
		{name: "mailbox_browser_needs", keys: []string{"enter", "enter", "type:mail.example.com", "enter", "enter", "ctrl+l"}},
		{name: "mailbox_separator_offer", start: existing(), keys: []string{"enter", "enter", "enter", "enter", "ctrl+l"}, waitFor: "Folders on",
			then: []string{"esc", "ctrl+u", "type:INBOX.Support"}, thenWait: "ctrl+y"},
		{name: "server_detect", start: existing(), keys: []string{"enter", "enter", "ctrl+d"}, waitFor: "Recommended"},
		{name: "server_detect_60x20", start: existing(), size: [2]int{60, 20}, keys: []string{"enter", "enter", "ctrl+d"}, waitFor: "Recommended",
			then: []string{"down"}, thenWait: "Selected"},
		{name: "server_detect_ascii", start: existing(), ascii: true, keys: []string{"enter", "enter", "ctrl+d"}, waitFor: "Recommended"},
		{name: "server_detected", start: existing(), keys: []string{"enter", "enter", "ctrl+d"}, waitFor: "Recommended",
			then: []string{"down", "enter"}, thenWait: "Detect chose"},
		{name: "test_failed_mailbox", keys: toTest, runs: []scriptRun{folderFailRun()}, waitFor: "b to choose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &script{runs: tt.runs}
			if sc.runs == nil {
				sc.runs = []scriptRun{passingRun()}
			}
			path := testPath
			if tt.save {
				path = filepath.Join(t.TempDir(), "config.toml")
			}
			m := newModel(path, tt.start, environment{ascii: tt.ascii}, sc.test)
			m.listFn = (&lister{list: sampleFolders("/")}).fn
			m.probeFn = (&prober{results: sampleProbe()}).fn
			w, h := 80, 24
			if tt.size[0] != 0 {
				w, h = tt.size[0], tt.size[1]
			}
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
			send(tm, tt.keys)
			waitFor(t, tm, tt.waitFor)
			send(tm, tt.then)
			waitFor(t, tm, tt.thenWait)
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(*Model)
			out := ansi.Strip(fm.View().Content)
			if tt.save {
				out = strings.ReplaceAll(out, path, "/tmp/test/config.toml")
			}
			golden.RequireEqual(t, out)
		})
	}
}

func send(tm *teatest.TestModel, keys []string) {
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			tm.Type(text)
		} else {
			tm.Send(keyPress(k))
		}
	}
}

// waitFor waits until the program has drawn text (which must be new in
// that frame: the renderer writes only what changed).
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	if text == "" {
		return
	}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}
