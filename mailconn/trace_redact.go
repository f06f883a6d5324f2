package mailconn

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// serverLine updates the client state from a server line.
func (t *tracer) serverLine(c *traceConn, text []byte) {
	if t.pop3 {
		if c.inAuth && (bytes.HasPrefix(text, []byte("+OK")) || bytes.HasPrefix(text, []byte("-ERR"))) {
			c.authDone = true
		}
		return
	}
	// A synchronizing literal the server refused before it was sent will
	// not come. A credential literal is kept pending: over-redacting the
	// next line is better than showing the credential if it comes anyway.
	if c.cont && c.litLeft > 0 && !c.litSecret && c.tag != "" &&
		bytes.HasPrefix(text, []byte(c.tag+" ")) {
		c.litLeft, c.cont, c.cmd = 0, false, ""
		c.client.from = c.client.n
	}
}

// pop3ClientLine renders a POP3 client line with its credentials redacted.
func (c *traceConn) pop3ClientLine(text []byte) []byte {
	name, rest, hasArgs := bytes.Cut(text, []byte(" "))
	verb := strings.ToUpper(string(name))
	if c.inAuth {
		// SASL answers until the server has answered and the client has
		// gone on with a command.
		if !c.authDone || !pop3Commands[verb] {
			return []byte(redactedMark)
		}
		c.inAuth, c.authDone = false, false
	}
	switch verb {
	case "PASS":
		if hasArgs {
			return append(append([]byte{}, name...), " "+redactedMark...)
		}
	case "APOP":
		user, _, ok := bytes.Cut(rest, []byte(" "))
		if ok {
			return fmt.Appendf(nil, "%s %s %s", name, user, redactedMark)
		}
	case "AUTH":
		mech, _, ir := bytes.Cut(rest, []byte(" "))
		if len(mech) > 0 {
			c.inAuth, c.authDone = true, false
		}
		if ir {
			return fmt.Appendf(nil, "%s %s %s", name, mech, redactedMark)
		}
	}
	return text
}

// pop3Commands are the POP3 commands (RFC 1939, 2449, 2595, 5034, 6856).
var pop3Commands = map[string]bool{
	"USER": true, "PASS": true, "APOP": true, "AUTH": true, "STAT": true, "LIST": true,
	"RETR": true, "DELE": true, "NOOP": true, "RSET": true, "QUIT": true, "TOP": true,
	"UIDL": true, "CAPA": true, "STLS": true, "UTF8": true, "LANG": true, "LAST": true,
}

// imapClientLine renders an IMAP client line (the parse text after any
// literal) with its credentials redacted, and notes a literal announced at
// its end. whole is false when the middle of a long line was dropped; end
// is the line's last bytes.
func (c *traceConn) imapClientLine(text []byte, whole bool, end []byte) []byte {
	if !c.cont && c.inAuth {
		// A SASL answer is base64 (or "*"): one word. A line with a space
		// is the next command.
		if !bytes.ContainsRune(text, ' ') {
			return []byte(redactedMark)
		}
		c.inAuth = false
	}
	var out []byte
	if c.cont {
		out = text
		if c.cmd == "LOGIN" || c.cmd == "AUTHENTICATE" {
			out = redactArgs(text)
		}
	} else {
		tag, rest, _ := bytes.Cut(text, []byte(" "))
		name, args, hasArgs := bytes.Cut(rest, []byte(" "))
		c.tag, c.cmd = string(tag), strings.ToUpper(string(name))
		out = text
		switch c.cmd {
		case "LOGIN":
			out = fmt.Appendf(nil, "%s %s %s", tag, name, redactArgs(args))
		case "AUTHENTICATE":
			mech, ir, hasIR := bytes.Cut(args, []byte(" "))
			switch {
			case hasIR:
				out = fmt.Appendf(nil, "%s %s %s %s", tag, name, mech, redactArgs(ir))
			case hasArgs:
				out = fmt.Appendf(nil, "%s %s %s", tag, name, mech)
			}
		}
	}
	if !whole {
		text = end // the middle of a long line was dropped: look for a literal at its end
	}
	if n, ok := trailingLiteral(text); ok {
		c.cont, c.litLeft, c.litMarked = true, n, false
		c.litSecret = c.cmd == "LOGIN" || c.cmd == "AUTHENTICATE"
		return out
	}
	c.cont, c.litLeft, c.litSecret = false, 0, false
	if c.cmd == "AUTHENTICATE" {
		c.inAuth = true
	}
	return out
}

// redactArgs replaces each argument (atom, quoted string, literal marker)
// by <redacted>, keeping the spaces between them. An unterminated quoted
// string runs to the end.
func redactArgs(args []byte) []byte {
	out := make([]byte, 0, len(args))
	for i := 0; i < len(args); {
		if args[i] == ' ' {
			out = append(out, ' ')
			i++
			continue
		}
		j := i + 1
		if args[i] == '"' {
			for j < len(args) && args[j] != '"' {
				if args[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(args))
		} else {
			for j < len(args) && args[j] != ' ' {
				j++
			}
		}
		out = append(out, redactedMark...)
		i = j
	}
	return out
}

// trailingLiteral finds an IMAP literal marker ({n}, {n+}, ~{n}) at the end
// of a line and returns n.
func trailingLiteral(line []byte) (int64, bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := strings.TrimSuffix(string(line[open+1:len(line)-1]), "+")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
