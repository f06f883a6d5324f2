//go:build unix

package mailconn

import (
	"github.com/mailsetup/mailsetup/config"

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

// TestUntrustedCAFileHint: a ca_file refused by the trust rule gets its fix
// as the hint, not the whole refusal a second time.
func TestUntrustedCAFileHint(t *testing.T) {
	pe := &config.PermissionError{Path: "/srv/ca.pem", Untrusted: true, Fix: "chown root /srv/ca.pem",
		Message: "incoming.ca_file /srv/ca.pem is owned by svc (uid 999), not by root or the user running mailsetup"}
	in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "mail.example.com", Security: config.SecurityTLS, CAFile: "/srv/ca.pem"}
	f := classify(StepTLS, &TLSConfigError{Field: FieldCAFile, Err: pe}, &in, connInfo{})
	if f.field != FieldCAFile || f.hint != "Fix it with `chown root /srv/ca.pem`." {
		t.Errorf("field %q hint %q; want ca_file and the chown as the hint", f.field, f.hint)
	}
}
