package cyrustest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// readyTimeout only guards against a hang: Cyrus is usually ready in a
// second or two.
const readyTimeout = 30 * time.Second

// waitReady waits until the IMAP listener greets as Cyrus, then checks the
// POP3 one. The master binds every listener before it serves any, so once
// IMAP greets, a POP3 port that does not greet as Cyrus was taken by
// another process (the master only logs that, to syslog, and runs on).
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		line, err := greeting(s.Addr(s.IMAP))
		if err == nil {
			if !strings.HasPrefix(line, "* OK") || !strings.Contains(line, "Cyrus IMAP") {
				return fmt.Errorf("imap port %d greets %q: %w", s.IMAP, line, errPortTaken)
			}
			break
		}
		select {
		case <-s.exited:
			return errors.New("cyrus master exited at start")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cyrus not ready after %s: %s: %w", readyTimeout, s.Addr(s.IMAP), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	line, err := greeting(s.Addr(s.POP3))
	if err != nil {
		return fmt.Errorf("pop3 port %d: %v: %w", s.POP3, err, errPortTaken)
	}
	if !strings.HasPrefix(line, "+OK") || !strings.Contains(line, "Cyrus POP3") {
		return fmt.Errorf("pop3 port %d greets %q: %w", s.POP3, line, errPortTaken)
	}
	return nil
}

// greeting reads the first line a server sends on addr.
func greeting(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

// seedMessage is the one message in the user's INBOX, unseen.
const seedMessage = "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n" +
	"From: Sender <sender@example.com>\r\n" +
	"To: ntlmuser@example.com\r\n" +
	"Subject: cyrustest seed\r\n" +
	"Message-ID: <seed@cyrustest>\r\n" +
	"\r\n" +
	"The one message in the INBOX.\r\n"

// seed logs in with LOGIN, which autocreates the INBOX (POP3 needs it to
// exist), and appends seedMessage.
func seed(addr, user, password string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("seed inbox: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(readyTimeout))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		return fmt.Errorf("seed inbox: greeting: %w", err)
	}
	// LITERAL+ ({n+}) lets the message follow the command without waiting.
	cmds := []struct{ tag, line string }{
		{"s1", fmt.Sprintf("LOGIN %s %s", user, password)},
		{"s2", fmt.Sprintf("APPEND INBOX \"01-Jan-2024 10:00:00 +0000\" {%d+}\r\n%s", len(seedMessage), seedMessage)},
		{"s3", "LOGOUT"},
	}
	for _, cmd := range cmds {
		if _, err := fmt.Fprintf(c, "%s %s\r\n", cmd.tag, cmd.line); err != nil {
			return fmt.Errorf("seed inbox: %w", err)
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return fmt.Errorf("seed inbox: %s: %w", cmd.tag, err)
			}
			if rest, ok := strings.CutPrefix(line, cmd.tag+" "); ok {
				if !strings.HasPrefix(rest, "OK") {
					return fmt.Errorf("seed inbox: %s: %s", cmd.tag, strings.TrimSpace(line))
				}
				break
			}
		}
	}
	return nil
}
