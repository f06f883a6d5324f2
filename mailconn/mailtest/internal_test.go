package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestEncodeMUTF7(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Support", "Support"},
		{"Bestätigungen", "Best&AOQ-tigungen"},
		{"R&D", "R&-D"},
		{"日本語", "&ZeVnLIqe-"},    // RFC 3501 section 5.1.3
		{"台北", "&U,BTFw-"},       // RFC 3501 section 5.1.3
		{"a~b", "a~b"},           // printable ASCII stays
		{"Grüße", "Gr&APwA3w-e"}, // a run of two non-ASCII characters
		{"😀", "&2D3eAA-"},        // a surrogate pair
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := encodeMUTF7(tc.in); got != tc.want {
				t.Errorf("encodeMUTF7(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	got := Fingerprint([]byte("abc"))
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(got) {
		t.Fatalf("Fingerprint = %q, want 32 upper-case hex pairs joined by colons", got)
	}
	if !strings.HasPrefix(got, "BA:78:16:BF:") { // SHA-256("abc") = ba7816bf…
		t.Errorf("Fingerprint(abc) = %q", got)
	}
}

// recordTB records Skipf and Fatalf instead of ending the test.
type recordTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordTB) Helper() {}
func (r *recordTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recordTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestMissingDovecot(t *testing.T) {
	for _, tc := range []struct {
		env      string
		wantSkip bool
	}{
		{"", true},
		{"0", true},
		{"1", false},
	} {
		t.Run("MAILSETUP_REQUIRE_DOVECOT="+tc.env, func(t *testing.T) {
			t.Setenv(EnvRequireDovecot, tc.env)
			r := &recordTB{TB: t}
			missingDovecot(r, errors.New("dovecot not found"))
			msg := r.failed
			if tc.wantSkip {
				msg = r.skipped
			}
			if msg == "" || (r.skipped != "" && r.failed != "") {
				t.Fatalf("skipped %q, failed %q; want only one, a skip: %v", r.skipped, r.failed, tc.wantSkip)
			}
			if !strings.Contains(msg, "apt-get install -y dovecot-imapd dovecot-pop3d") || !strings.Contains(msg, "dovecot not found") {
				t.Errorf("message %q lacks the cause or the install command", msg)
			}
		})
	}
}

func TestStartRejectsOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"separator", Options{Separator: '\\'}, "separator"},
		{"cert kind", Options{Cert: CertKind(42)}, "certificate kind 42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recordTB{TB: t}
			if s := Start(r, tc.opts); s != nil {
				t.Errorf("Start returned a server")
			}
			if !strings.Contains(r.failed, tc.want) {
				t.Errorf("failed %q, want it to mention %q", r.failed, tc.want)
			}
		})
	}
}

// TestWaitReadyPortTaken: a Dovecot that logged "Address already in use"
// and "Fatal:" but has not exited yet is a taken port, which Start
// retries, not a failure (seen in CI: another test's listener took a port
// between choosing and binding it).
func TestWaitReadyPortTaken(t *testing.T) {
	dir := t.TempDir()
	s := &Server{Host: "127.0.0.1", logPath: filepath.Join(dir, "log"), outPath: filepath.Join(dir, "out"),
		exited: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.IMAP = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // nothing answers there
	s.POP3 = s.IMAP
	log := "master: Error: service(pop3-login): listen(127.0.0.1, 33657) failed: Address already in use\nmaster: Fatal: Failed to start listeners\n"
	if err := os.WriteFile(s.logPath, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.waitReady(); !errors.Is(err, errPortTaken) {
		t.Fatalf("waitReady = %v, want errPortTaken", err)
	}
}
