package oauth

import (
	"os/user"
	"strings"
	"testing"
)

func TestSSHCommand(t *testing.T) {
	name := "USER"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	tests := []struct {
		sshConnection, want string
	}{
		{"198.51.100.7 50000 203.0.113.5 22", "ssh -L 8749:127.0.0.1:8749 " + name + "@203.0.113.5"},
		{"198.51.100.7 50000 203.0.113.5 2222", "ssh -L 8749:127.0.0.1:8749 -p 2222 " + name + "@203.0.113.5"},
		{"2001:db8::7 50000 2001:db8::5 22", "ssh -L 8749:127.0.0.1:8749 " + name + "@2001:db8::5"},
	}
	for _, tc := range tests {
		t.Run(tc.sshConnection, func(t *testing.T) {
			t.Setenv("SSH_CONNECTION", tc.sshConnection)
			if got := sshCommand(8749); got != tc.want {
				t.Errorf("sshCommand = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("no ssh session", func(t *testing.T) {
		t.Setenv("SSH_CONNECTION", "")
		if got := sshCommand(8749); !strings.HasPrefix(got, "ssh -L 8749:127.0.0.1:8749 "+name+"@") {
			t.Errorf("sshCommand = %q, want the host name as target", got)
		}
	})
}

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{
		"AADSTS70008: The refresh token has expired.\r\nTrace ID: abc\r\nCorrelation ID: def": "AADSTS70008: The refresh token has expired.",
		"AADSTS50173: The grant has expired. Trace ID: 1 Correlation ID: 2":                   "AADSTS50173: The grant has expired.",
		"bell\a and \x1b[31mescape": `bell\x07 and \x1b[31mescape`,
		strings.Repeat("x", 300):    strings.Repeat("x", 200) + "…",
	} {
		if got := firstLine(in); got != want {
			t.Errorf("firstLine(%q) = %q, want %q", in, got, want)
		}
	}
}
