//go:build unix

package mailconn

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCACertsSpecialFiles: a FIFO or a device as ca_file (typed in the
// wizard, or passed to discover) fails at once with a clear error instead
// of blocking the test forever.
func TestCACertsSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := caCerts(p); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "incoming.ca_file "+p) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("caCerts(%s) = %v, want 'not a regular file'", p, err)
			}
		case <-time.After(5 * time.Second): // a hang guard, not a measurement
			t.Fatalf("caCerts(%s) did not return", p)
		}
	}
}
