package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mailsetup/mailsetup/config"
)

func TestChanges(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"same", "a = 1\nb = 2\n", "a = 1\nb = 2\n", nil},
		{"changed value", "a = 1\nb = 2\n", "a = 1\nb = 3\n", []string{"- b = 2", "+ b = 3"}},
		{"added key", "a = 1\n", "a = 1\nc = \"x\"\n", []string{"+ c = \"x\""}},
		{"removed key", "a = 1\nc = 2\n", "a = 1\n", []string{"- c = 2"}},
		{"comments ignored", "a = 1   # one\n# head\n", "a = 1 # other\n", nil},
		{"hash inside a string kept", `s = "a#b"  # c`, `s = "a#c"`, []string{`- s = "a#b"`, `+ s = "a#c"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, op := range changes(tt.old, tt.new) {
				got = append(got, string(op.kind)+" "+op.text)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("changes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetectEnv(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want environment
	}{
		{"UTF-8 locale", []string{"LANG=en_US.UTF-8", "TERM=xterm-256color"}, environment{}},
		{"C.UTF-8", []string{"LANG=C.UTF-8"}, environment{}},
		{"utf8 spelling", []string{"LC_CTYPE=de_DE.utf8"}, environment{}},
		{"LC_ALL wins over LANG", []string{"LANG=en_US.UTF-8", "LC_ALL=C"}, environment{ascii: true}},
		{"no locale", []string{"TERM=xterm"}, environment{ascii: true}},
		{"POSIX", []string{"LANG=POSIX"}, environment{ascii: true}},
		{"dumb terminal", []string{"LANG=C.UTF-8", "TERM=dumb"}, environment{ascii: true, dumb: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectEnv(tt.env); got != tt.want {
				t.Errorf("detectEnv(%q) = %+v, want %+v", tt.env, got, tt.want)
			}
		})
	}
}

// TestLayoutFits checks every screen at the sizes the wizard supports: the
// frame has exactly the terminal's height and no line is wider than it.
func TestLayoutFits(t *testing.T) {
	sizes := [][2]int{{80, 24}, {60, 20}, {120, 40}}
	screens := []screenID{scrWelcome, scrAccount, scrServer, scrMailbox, scrCredentials, scrSPA, scrSecurity, scrCerts, scrTest, scrReview, scrDone}
	for _, ascii := range []bool{false, true} {
		for _, sz := range sizes {
			for _, s := range screens {
				name := strings.ReplaceAll(screenTitles[s], " ", "_")
				t.Run(fmt.Sprintf("%s/%dx%d/ascii=%v", name, sz[0], sz[1], ascii), func(t *testing.T) {
					sc := &script{runs: []scriptRun{wrongPasswordRun()}}
					m := newModel(testPath, existing(), environment{ascii: ascii}, sc.test)
					h := &harness{t: t, m: m}
					h.m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
					h.run(m.goTo(s, false))
					lines := strings.Split(h.screenText(), "\n")
					if len(lines) != sz[1] {
						t.Errorf("%d lines, want %d:\n%s", len(lines), sz[1], h.screenText())
					}
					for i, l := range lines {
						if w := lipgloss.Width(l); w > sz[0] {
							t.Errorf("line %d is %d wide (> %d): %q", i+1, w, sz[0], l)
						}
						if ascii && strings.ContainsFunc(l, func(r rune) bool { return r > 127 }) {
							t.Errorf("line %d is not ASCII: %q", i+1, l)
						}
					}
				})
			}
		}
	}
}

func TestResizeRelays(t *testing.T) {
	h := newHarness(t, start{}, nil)
	h.press("enter")
	h.m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	if n := len(strings.Split(h.screenText(), "\n")); n != 20 {
		t.Errorf("after resize to 60x20: %d lines", n)
	}
	h.wantText("Step 1 of 9")
	h.m.Update(tea.WindowSizeMsg{Width: 40, Height: 10})
	h.wantText("Terminal too small")
	h.m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.wantText("Account type", "Step 1 of 9")
}

func TestBackgroundColour(t *testing.T) {
	h := newHarness(t, start{}, nil)
	if !h.m.dark {
		t.Fatal("the wizard should assume a dark background until told")
	}
	h.m.Update(tea.BackgroundColorMsg{Color: color.White})
	if h.m.dark {
		t.Error("a white background should switch to light styles")
	}
	h.m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if !h.m.dark {
		t.Error("a black background should switch to dark styles")
	}
}

func TestTraceKey(t *testing.T) {
	dir := t.TempDir()
	h := newHarnessPath(t, filepath.Join(dir, "config.toml"), start{}, &script{runs: []scriptRun{wrongPasswordRun()}})
	fillIMAP(h)
	h.press("t")
	h.wantText("Trace written to " + dir)
	matches, _ := filepath.Glob(filepath.Join(dir, "mailsetup-trace-*.txt"))
	if len(matches) != 1 {
		t.Fatalf("trace files: %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "C: a1 LOGIN \"alice\" <redacted>") || !strings.HasPrefix(string(data), "# mailsetup connection test trace of imap://mail.example.com:993") {
		t.Errorf("trace file:\n%s", data)
	}
	if info, _ := os.Stat(matches[0]); info.Mode().Perm() != 0o600 {
		t.Errorf("trace mode %o", info.Mode().Perm())
	}
}

func TestWriteTraceFallsBackToTempDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	path, err := writeTrace("/nonexistent/dir/config.toml", "imap://x:993", []byte("S: * OK\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, os.Getenv("TMPDIR")) {
		t.Errorf("trace at %s, want it in the temp dir", path)
	}
}

func TestPrompter(t *testing.T) {
	t.Run("gives up after repeated bad answers", func(t *testing.T) {
		var out strings.Builder
		p := &prompter{ctx: context.Background(), r: newReader(strings.Repeat("abc\n", 10)), w: &out}
		_, err := p.ask("Port", "", checkPort)
		if err == nil || !strings.Contains(err.Error(), `no usable answer to "Port" after 5 tries`) {
			t.Errorf("err = %v", err)
		}
		if n := strings.Count(out.String(), "Digits only"); n != 5 {
			t.Errorf("asked %d times", n)
		}
	})
	t.Run("a last line without a newline is an answer", func(t *testing.T) {
		p := &prompter{ctx: context.Background(), r: newReader("mail.example.com"), w: &strings.Builder{}}
		s, err := p.ask("Server name", "", checkServer)
		if err != nil || s != "mail.example.com" {
			t.Errorf("got %q, %v", s, err)
		}
	})
	t.Run("a cancelled context interrupts a read", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pw.Close()
		defer pr.Close()
		p := &prompter{ctx: ctx, r: newReaderFrom(pr), w: &strings.Builder{}}
		cancel()
		if _, err := p.ask("Server name", "", nil); !errors.Is(err, ErrInterrupted) {
			t.Errorf("err = %v, want ErrInterrupted", err)
		}
	})
	t.Run("choices by number, name and alias", func(t *testing.T) {
		for in, want := range map[string]string{"1": "none", "4": "tls", "STARTTLS": "starttls", "ssl": "tls", "starttls-if-available": "starttls-if-available"} {
			if got := pick(in, securityChoices, map[string]string{"ssl": "tls"}); got != want {
				t.Errorf("pick(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func TestPermissionProblemStillEdits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	c := existing().cfg
	data, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s := loadStart(path)
	if s.cfg == nil || s.permErr == nil {
		t.Fatalf("loadStart = %+v, want the config and the permission problem", s)
	}
	h := newHarnessPath(t, path, s, nil)
	h.wantText("Saving rewrites the file with mode 0640", "Edit the existing settings")
}

func newReader(s string) *bufio.Reader        { return bufio.NewReader(strings.NewReader(s)) }
func newReaderFrom(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
