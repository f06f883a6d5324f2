package main

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestShowJSONKeepsAngleBrackets: show --json prints "<redacted>", not
// "\u003credacted\u003e" (issue 13 item 17).
func TestShowJSONKeepsAngleBrackets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if code, _, errs := cli(t, "pw\n", "init", "--config", path, "--server", "mail.example.com", "--username", "u", "--password-stdin"); code != 0 {
		t.Fatalf("init: code %d, %s", code, errs)
	}
	code, out, errs := cli(t, "", "show", "--json", "--config", path)
	if code != 0 {
		t.Fatalf("show --json: code %d, %s", code, errs)
	}
	if strings.Contains(out, `\u003c`) || !strings.Contains(out, `"<redacted>"`) {
		t.Errorf("show --json escapes the redaction marker:\n%s", out)
	}
}

// TestInitUnknownGroupBeforeTest: init --group with a group that does not
// exist is refused before --test connects anywhere (issue 13 item 17).
func TestInitUnknownGroupBeforeTest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	t.Setenv("PW", "secret") // so that the test, if it ran, would connect
	for _, flag := range []string{"--group", "--owner"} {
		path := filepath.Join(t.TempDir(), "config.toml")
		code, out, errs := cli(t, "", "init", "--config", path, "--server", "127.0.0.1", "--port", strconv.Itoa(port),
			"--security", "none", "--username", "u", "--password-env", "PW", flag, "nosuch-mailsetup-xyz", "--test", "--test-timeout", "3s")
		if code != exitUsage || !strings.Contains(errs, `"nosuch-mailsetup-xyz"`) {
			t.Errorf("%s unknown: code %d, stderr %q", flag, code, errs)
		}
		if out != "" || conns.Load() != 0 {
			t.Errorf("%s unknown: the test ran first (%d connections), output %q", flag, conns.Load(), out)
		}
	}
}

// TestHelpNamesAndDefaults: the command list says "OAuth 2.0" as written
// (the old renderer capitalised it to "Oauth"), and a zero default that
// means "see the description" is not printed as "(0s)" (issue 13 item 17).
func TestHelpNamesAndDefaults(t *testing.T) {
	t.Setenv("COLUMNS", "1000")
	_, out, _ := cli(t, "", "--help")
	if !strings.Contains(out, "OAuth 2.0 sign-in") || strings.Contains(out, "Oauth") {
		t.Errorf("command list does not say OAuth 2.0:\n%s", out)
	}
	for _, c := range [][]string{{"init", "--help"}, {"test", "--help"}, {"check", "--help"}} {
		_, out, _ := cli(t, "", c...)
		if strings.Contains(out, "(0s)") || strings.Contains(out, "(default: 0s)") {
			t.Errorf("%v prints a zero default:\n%s", c, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "timeout duration") && strings.Count(line, "default") != 1 {
				t.Errorf("%v: %q", c, line)
			}
		}
	}
}
