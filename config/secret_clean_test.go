package config

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// A password_command's stderr is text from outside: it reaches the
// terminal in the error, so it must carry no control characters.
func TestPasswordCommandStderrIsCleaned(t *testing.T) {
	in := Incoming{PasswordCommand: `printf 'vault \033[2J\033]52;c;aGk=\007 \033]0;title\007 \r\000 \377\376 \302\233 denied\n' >&2; exit 3`}
	_, err := in.ResolvePassword(context.Background())
	if err == nil {
		t.Fatal("ResolvePassword succeeded")
	}
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Errorf("error is not valid UTF-8: %q", msg)
	}
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("error carries byte %#x: %q", c, msg)
		}
	}
	if strings.Contains(msg, "\u009b") {
		t.Fatalf("error carries a C1 control: %q", msg)
	}
	if want := `vault \x1b[2J\x1b]52;c;aGk=\x07`; !strings.Contains(msg, want) {
		t.Fatalf("error = %q, want it to show %q", msg, want)
	}
}
