package mailconn

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/mailsetup/mailsetup/config"
)

// dialErr wraps errno the way package net returns it from a dial:
// *net.OpError around *os.SyscallError around syscall.Errno, inside the
// engine's own "connect …" wrapping.
func dialErr(errno uintptr) error {
	oe := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 993},
		Err: os.NewSyscallError("connectex", syscall.Errno(errno))}
	return fmt.Errorf("connect 192.0.2.1:993: %w", oe)
}

// TestErrnoTables feeds each release target's numbers, on every OS, to its
// table: each kind is recognised by number, through the wrapping net uses.
func TestErrnoTables(t *testing.T) {
	tests := []struct {
		os    string
		errno uintptr
		want  errnoKind
	}{
		{"linux", 111, errnoConnRefused}, {"linux", 104, errnoConnReset}, {"linux", 103, errnoConnAborted},
		{"linux", 113, errnoHostUnreach}, {"linux", 101, errnoNetUnreach}, {"linux", 110, errnoTimedOut},
		{"linux", 32, errnoBrokenPipe}, {"linux", 61, errnoOther}, // ENODATA, not ECONNREFUSED
		{"darwin", 61, errnoConnRefused}, {"darwin", 54, errnoConnReset}, {"darwin", 53, errnoConnAborted},
		{"darwin", 65, errnoHostUnreach}, {"darwin", 51, errnoNetUnreach}, {"darwin", 60, errnoTimedOut},
		{"darwin", 32, errnoBrokenPipe}, {"darwin", 111, errnoOther},
		{"freebsd", 61, errnoConnRefused}, {"freebsd", 54, errnoConnReset}, {"freebsd", 53, errnoConnAborted},
		{"freebsd", 65, errnoHostUnreach}, {"freebsd", 51, errnoNetUnreach}, {"freebsd", 60, errnoTimedOut},
		{"freebsd", 32, errnoBrokenPipe},
		{"windows", 10061, errnoConnRefused}, {"windows", 1225, errnoConnRefused}, {"windows", 1234, errnoConnRefused},
		{"windows", 10054, errnoConnReset}, {"windows", 64, errnoConnReset},
		{"windows", 10053, errnoConnAborted}, {"windows", 1236, errnoConnAborted},
		{"windows", 10065, errnoHostUnreach}, {"windows", 1232, errnoHostUnreach},
		{"windows", 10051, errnoNetUnreach}, {"windows", 1231, errnoNetUnreach},
		{"windows", 10060, errnoTimedOut}, {"windows", 121, errnoTimedOut}, {"windows", 10058, errnoBrokenPipe},
		{"windows", 111, errnoOther}, {"windows", 61, errnoOther},
	}
	for _, tt := range tests {
		tbl := errnoTables[tt.os]
		if tbl == nil {
			t.Fatalf("no table for %s", tt.os)
		}
		if got := tbl.kind(dialErr(tt.errno)); got != tt.want {
			t.Errorf("%s errno %d: kind %d, want %d", tt.os, tt.errno, got, tt.want)
		}
	}
	// Every table knows every kind.
	for os, tbl := range errnoTables {
		seen := map[errnoKind]bool{}
		for _, k := range tbl {
			seen[k] = true
		}
		for k := errnoConnRefused; k <= errnoBrokenPipe; k++ {
			if !seen[k] {
				t.Errorf("%s's table lacks kind %d", os, k)
			}
		}
	}
	if errnoTables["linux"].kind(fmt.Errorf("no errno")) != errnoOther || errnoTable(nil).kind(dialErr(111)) != errnoOther {
		t.Error("an error without a known errno has a kind")
	}
}

// TestHostErrnos: the table this build uses is the plain-data table of
// its OS, whose numbers match package syscall's (errno_unix.go builds the
// Unix one from syscall's constants).
func TestHostErrnos(t *testing.T) {
	want, ok := errnoTables[runtime.GOOS]
	if !ok {
		t.Fatalf("no errno table for %s, a release target", runtime.GOOS)
	}
	if len(hostErrnos) != len(want) && runtime.GOOS != "windows" {
		t.Errorf("%s: host table has %d numbers, errnoTables %d", runtime.GOOS, len(hostErrnos), len(want))
	}
	for n, k := range hostErrnos {
		if want[n] != k {
			t.Errorf("%s: errno %d (%v) is kind %d here, %d in errnoTables", runtime.GOOS, n, syscall.Errno(n), k, want[n])
		}
	}
}

// TestClassifyOtherOSErrnos: classify reads error numbers with the table it
// is given, so the Windows numbers are tested on Linux too: Winsock's
// WSAECONNREFUSED is "connection refused" on field port with the usual
// port, not a generic failure on field server.
func TestClassifyOtherOSErrnos(t *testing.T) {
	in := &config.Incoming{Protocol: config.ProtocolIMAP, Server: "mail.example.com", Port: 10993, Security: config.SecurityTLS}
	tests := []struct {
		os                 string
		step               StepID
		errno              uintptr
		short, field, hint string
	}{
		{"windows", StepConnect, 10061, "connection refused", FieldPort, "Nothing accepts connections on port 10993: check the port (IMAP over TLS is usually 993)."},
		{"windows", StepConnect, 1225, "connection refused", FieldPort, "IMAP over TLS is usually 993"},
		{"windows", StepConnect, 10065, "host unreachable", FieldServer, "no network route"},
		{"windows", StepConnect, 10051, "host unreachable", FieldServer, "no network route"},
		{"windows", StepConnect, 10060, "timed out", FieldServer, "a firewall drops the connection"},
		{"windows", StepGreeting, 10054, "connection closed by the server", FieldPort, "closed the connection before greeting"},
		{"windows", StepGreeting, 10053, "connection closed by the server", FieldPort, "closed the connection before greeting"},
		{"darwin", StepConnect, 61, "connection refused", FieldPort, "IMAP over TLS is usually 993"},
		{"freebsd", StepConnect, 65, "host unreachable", FieldServer, "no network route"},
		{"linux", StepConnect, 111, "connection refused", FieldPort, "IMAP over TLS is usually 993"},
		// Another OS's number means nothing: Linux's 61 is ENODATA.
		{"linux", StepConnect, 61, "failed", FieldServer, "see the detail"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s/%d", tt.os, tt.step, tt.errno)
		f := classify(tt.step, dialErr(tt.errno), in, connInfo{errnos: errnoTables[tt.os]})
		if f.short != tt.short || f.field != tt.field || !strings.Contains(f.hint, tt.hint) {
			t.Errorf("%s: %q on %s, hint %q; want %q on %s, hint with %q", name, f.short, f.field, f.hint, tt.short, tt.field, tt.hint)
		}
	}
}
