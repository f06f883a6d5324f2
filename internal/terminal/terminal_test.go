package terminal

import (
	"bytes"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want Info
	}{
		{"utf8 LANG", []string{"LANG=en_US.UTF-8"}, Info{UTF8: true}},
		{"LC_ALL wins over LANG", []string{"LANG=en_US.UTF-8", "LC_ALL=C"}, Info{}},
		{"LC_CTYPE before LANG", []string{"LANG=C", "LC_CTYPE=de_DE.utf8"}, Info{UTF8: true}},
		{"last entry wins", []string{"LANG=C", "LANG=C.UTF-8"}, Info{UTF8: true}},
		{"dumb", []string{"TERM=dumb", "LANG=C.UTF-8"}, Info{Dumb: true}},
		{"no locale", nil, Info{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// a buffer is no terminal: never TTY, never colour
			if got := Detect(&bytes.Buffer{}, tt.env); got != tt.want {
				t.Errorf("Detect(%q) = %+v, want %+v", tt.env, got, tt.want)
			}
		})
	}
}
