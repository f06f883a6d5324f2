package main

import (
	"bufio"
	"encoding/base64"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// echoServer is a loopback IMAP or POP3 server that refuses the sign-in
// with a text repeating the password raw, in base64 alone (SASL LOGIN) and
// as the PLAIN message, and whatever the client sent.
func echoServer(t *testing.T, protocol, user, password string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString
	echo := func(sent string) string {
		return "wrong password " + password + " " + enc([]byte(password)) + " " +
			enc([]byte("\x00"+user+"\x00"+password)) + " " + enc([]byte(user+"\x00"+user+"\x00"+password)) + " " + sent
	}
	var wg sync.WaitGroup
	serve := func(c net.Conn) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(cliHangGuard))
		br := bufio.NewReader(c)
		write := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		read := func() (string, bool) {
			l, err := br.ReadString('\n')
			return strings.TrimRight(l, "\r\n"), err == nil
		}
		if protocol == config.ProtocolPOP3 {
			write("+OK ready")
		} else {
			write("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready")
		}
		for {
			line, ok := read()
			if !ok {
				return
			}
			if protocol == config.ProtocolPOP3 {
				verb, args, _ := strings.Cut(line, " ")
				switch strings.ToUpper(verb) {
				case "CAPA":
					write("+OK\r\nUSER\r\n.")
				case "USER":
					write("+OK")
				case "PASS":
					write("-ERR [AUTH] " + echo(args))
				default:
					write("-ERR no")
				}
				continue
			}
			tag, rest, _ := strings.Cut(line, " ")
			verb, args, _ := strings.Cut(rest, " ")
			switch strings.ToUpper(verb) {
			case "AUTHENTICATE", "LOGIN":
				write(tag + " NO [AUTHENTICATIONFAILED] " + echo(args))
			case "LOGOUT":
				write("* BYE")
				write(tag + " OK")
				return
			default:
				write(tag + " BAD no")
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); serve(c) }()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTestCommandEchoedPassword: a server that repeats the password in its
// refusal gets none of its forms into the text output, the JSON lines or
// stderr.
func TestTestCommandEchoedPassword(t *testing.T) {
	asciiLocale(t)
	const user, password = "alice", "P4ss-w0rd!"
	for _, protocol := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		t.Run(protocol, func(t *testing.T) {
			c := config.Default()
			c.Incoming.Protocol = protocol
			c.Incoming.Server = "127.0.0.1"
			c.Incoming.Port = echoServer(t, protocol, user, password)
			c.Incoming.Security = config.SecurityNone
			c.Incoming.Username = user
			c.Incoming.Password = password
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			code, out, errs := cli(t, "", "test", "--config", path)
			if code != exitTestFailed || !strings.Contains(out, "wrong password <redacted>") {
				t.Fatalf("exit %d, want %d and the echo redacted:\n%s\n%s", code, exitTestFailed, out, errs)
			}
			jcode, jout, jerrs := cli(t, "", "test", "--json", "--config", path)
			if jcode != exitTestFailed || !strings.Contains(jout, "wrong password \\u003credacted\\u003e") {
				t.Fatalf("--json: exit %d, want %d and the echo redacted:\n%s\n%s", jcode, exitTestFailed, jout, jerrs)
			}
			checkJSONLines(t, jout)
			assertNoSecret(t, user, password, map[string]string{"stdout": out, "stderr": errs, "json": jout, "json stderr": jerrs})
		})
	}
}
