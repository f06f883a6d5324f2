package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEInstallsBeforeUse: the README's quick start uses `go run`, and
// every later example says `mailsetup …`, which a checkout does not put on
// PATH. The line that installs it from the checkout, with the PATH note,
// must come before the first example that runs `mailsetup` by name.
func TestREADMEInstallsBeforeUse(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	install, firstUse := -1, -1
	inCode := false
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			continue
		}
		if install < 0 && strings.Contains(line, "go install ./cmd/mailsetup") &&
			strings.Contains(line, `export PATH="$PATH:$(go env GOPATH)/bin"`) {
			install = i
		}
		if firstUse < 0 && strings.HasPrefix(strings.TrimSpace(line), "mailsetup") {
			firstUse = i
		}
	}
	switch {
	case install < 0:
		t.Fatal("README has no code line with `go install ./cmd/mailsetup` and the PATH export")
	case firstUse >= 0 && firstUse < install:
		t.Errorf("README runs mailsetup by name (line %d) before it installs it (line %d)", firstUse+1, install+1)
	}
	head, _, _ := strings.Cut(string(b), "## Install")
	if !strings.Contains(head, "go install ./cmd/mailsetup") {
		t.Error("the install line is not next to the two commands (before ## Install)")
	}
}
