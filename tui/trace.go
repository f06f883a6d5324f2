package tui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
)

// maxTrace bounds the trace kept in memory.
const maxTrace = 4 << 20

// traceBuffer collects the test's (already redacted) protocol trace. The
// engine may write from several goroutines.
type traceBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *traceBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := maxTrace - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Bytes is a copy of the trace so far.
func (t *traceBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf.Bytes())
}

// writeTraceCmd writes the trace next to the config (or, when that folder
// does not exist or cannot be written, in the temporary folder), mode 0600.
func writeTraceCmd(configPath, target string, data []byte) tea.Cmd {
	return func() tea.Msg {
		path, err := writeTrace(configPath, target, data, time.Now())
		return traceWrittenMsg{path: path, err: err}
	}
}

func writeTrace(configPath, target string, data []byte, now time.Time) (string, error) {
	header := fmt.Sprintf("# mailsetup connection test trace of %s, %s; secrets are redacted\n", target, now.Format(time.RFC3339))
	content := append([]byte(header), data...)
	name := "mailsetup-trace-" + now.Format("20060102-150405") + ".txt"
	path := filepath.Join(filepath.Dir(configPath), name)
	f, err := config.CreatePrivateFile(path)
	if err != nil {
		f, err = os.CreateTemp("", "mailsetup-trace-*.txt")
		if err != nil {
			return "", fmt.Errorf("create trace file: %w", err)
		}
	}
	_, werr := f.Write(content)
	if err := errors.Join(werr, f.Close()); err != nil {
		return "", fmt.Errorf("write trace %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}
