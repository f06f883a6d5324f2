package mailconn

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// The IMAP session: greeting, CAPABILITY and STARTTLS are spoken here over a
// bounded line reader on the connection we dialled, so that capabilities
// are checked before STARTTLS (imapclient.NewStartTLS sends it blindly), the
// upgrade uses our tls.Config under the step's context, and bytes injected
// after the STARTTLS reply are detected. The session is then handed to
// go-imap's imapclient for authentication and the mailbox queries.

// imapConn is the pre-authentication state of an IMAP session.
type imapConn struct {
	lr      *lineReader
	w       net.Conn // where commands go (traced)
	tag     int
	caps    []string // as the server spelled them
	preauth bool
	plain   bool // no TLS yet
	// loginTag is the tag of a LOGIN sent with CAPABILITY whose reply is
	// still to be read (see imappipe.go).
	loginTag string
}

// imapResp is one parsed response line.
type imapResp struct {
	tag  string // "*", "+" or the command tag
	typ  string // upper-cased: OK, NO, BAD, BYE, PREAUTH, CAPABILITY, …
	code string // response code without brackets, upper-cased: CAPABILITY, ALERT, …
	args string // the code's arguments
	text string // the human-readable rest
	rest string // for untagged data: everything after the type
}

// startSession prepares the protocol layer over r.session (raw or TLS): the
// trace and the byte guard.
func (r *runner) startSession(limit int64) net.Conn {
	c := r.session
	if r.tr != nil {
		c = r.tr.wrap(c)
	}
	r.guard = newGuardConn(c, limit)
	return r.guard
}

func (r *runner) imap() {
	if r.session == nil {
		r.session = r.raw
	}
	ic := &imapConn{plain: r.in.Security != config.SecurityTLS}
	ic.w = r.startSession(maxPreAuthBytes)
	ic.lr = newLineReader(ic.w, maxPreAuthLine)

	// 4. greeting
	err := r.step(StepGreeting, "Server greeting", r.total, func(ctx context.Context, s *stepState) error {
		probe := r.startTLSProbe(ctx)
		resp, err := ic.read()
		if err := probeErr(probe, err); err != nil {
			return fmt.Errorf("greeting: %w", err)
		}
		if err := ic.greet(resp); err != nil {
			return err
		}
		s.detail = sample(resp.text)
		return nil
	})
	if err != nil {
		return
	}

	// 5. capabilities
	if err := r.imapCaps(ic, StepCapabilities, "Capabilities", ic.caps != nil); err != nil {
		return
	}

	// 6. starttls, 7. capabilities after TLS
	if err := r.imapStartTLS(ic); err != nil {
		return
	}

	r.imapSession(ic)
}

// imapCaps is a capabilities step: from the greeting when it had them, else
// by CAPABILITY.
func (r *runner) imapCaps(ic *imapConn, id StepID, title string, fromGreeting bool) error {
	return r.step(id, title, r.total, func(ctx context.Context, s *stepState) error {
		if fromGreeting {
			s.detail = strings.Join(ic.caps, " ") + " (from the greeting)"
			return nil
		}
		if r.pipelineLogin(ctx, ic) {
			if err := ic.capabilityAndLogin(r.in.Username, r.opts.Secret); err != nil {
				return err
			}
			s.detail = strings.Join(ic.caps, " ") + " (LOGIN sent with it)"
			return nil
		}
		if err := ic.capability(); err != nil {
			return err
		}
		s.detail = strings.Join(ic.caps, " ")
		return nil
	})
}

// imapStartTLS runs the starttls and capabilities_tls steps as the security
// mode asks.
func (r *runner) imapStartTLS(ic *imapConn) error {
	plainDetail := "not offered: continuing in plain text"
	if ic.preauth {
		plainDetail = "the server sent PREAUTH: no STARTTLS possible; continuing in plain text"
	}
	upgrade := func(ctx context.Context, s *stepState) error {
		return ic.startTLS(func() (net.Conn, error) {
			tc, err := r.handshake(ctx, r.raw, s)
			if err != nil {
				return nil, err
			}
			r.session = tc
			return r.startSession(maxPreAuthBytes), nil
		})
	}
	capsAgain := func(id StepID, title string) error { return r.imapCaps(ic, id, title, false) }
	return r.startTLSSteps(hasCap(ic.caps, "STARTTLS"), plainDetail, upgrade, capsAgain)
}

// greet takes in the greeting resp: OK or PREAUTH, with any capabilities
// it carries.
func (ic *imapConn) greet(resp imapResp) error {
	if resp.tag != "*" {
		return fmt.Errorf("greeting: %w: %s", ErrMalformed, sample(resp.tag+" "+resp.typ+" "+resp.rest))
	}
	switch resp.typ {
	case "OK":
	case "PREAUTH":
		ic.preauth = true
	case "BYE":
		return fmt.Errorf("greeting: %w: %s", ErrGreetingRejected, sample(resp.text))
	default:
		return fmt.Errorf("greeting: %w: %s", ErrMalformed, sample(resp.typ+" "+resp.rest))
	}
	if resp.code == "CAPABILITY" {
		ic.caps = strings.Fields(resp.args)
	}
	return nil
}

// capability sends CAPABILITY and keeps the answer in ic.caps.
func (ic *imapConn) capability() error {
	resp, err := ic.command("CAPABILITY", ic.takeCaps)
	return ic.capabilityDone(resp, err)
}

// takeCaps keeps an untagged CAPABILITY response in ic.caps.
func (ic *imapConn) takeCaps(u imapResp) {
	if u.typ == "CAPABILITY" {
		ic.caps = strings.Fields(u.rest)
	}
}

// capabilityDone checks the tagged reply to CAPABILITY.
func (ic *imapConn) capabilityDone(resp imapResp, err error) error {
	if err != nil {
		return fmt.Errorf("capability: %w", err)
	}
	if resp.typ != "OK" {
		return &ServerError{Command: "CAPABILITY", Code: resp.code, Text: sample(resp.text)}
	}
	if resp.code == "CAPABILITY" {
		ic.caps = strings.Fields(resp.args)
	}
	return nil
}

// startTLS sends STARTTLS when the session allows it and, once the server
// agreed with nothing sent after its reply, lets handshake upgrade the
// connection. The session goes on over the connection handshake returns,
// with the capabilities to be asked again.
func (ic *imapConn) startTLS(handshake func() (net.Conn, error)) error {
	if ic.preauth {
		return fmt.Errorf("starttls: %w", ErrPreauth)
	}
	if !hasCap(ic.caps, "STARTTLS") {
		return fmt.Errorf("starttls: %w (capabilities: %s)", ErrStartTLSNotOffered, sample(strings.Join(ic.caps, " ")))
	}
	resp, err := ic.command("STARTTLS", nil)
	if err != nil {
		return fmt.Errorf("starttls: %w", err)
	}
	if resp.typ != "OK" {
		return fmt.Errorf("starttls: %w: %s %s", ErrStartTLSRefused, resp.typ, sample(resp.text))
	}
	if extra := ic.lr.buffered(); len(extra) > 0 {
		return fmt.Errorf("starttls: %w: %s", ErrDataBeforeTLS, sample(string(extra)))
	}
	c, err := handshake()
	if err != nil {
		return fmt.Errorf("starttls: %w: %w", ErrStartTLSRefused, err)
	}
	ic.w, ic.lr, ic.caps, ic.plain = c, newLineReader(c, maxPreAuthLine), nil, false
	return nil
}

// command sends a command with a fresh tag and reads until its tagged
// reply, handing untagged responses to untagged.
func (ic *imapConn) command(cmd string, untagged func(imapResp)) (imapResp, error) {
	tag := ic.nextTag()
	if _, err := ic.w.Write([]byte(tag + " " + cmd + "\r\n")); err != nil {
		return imapResp{}, err
	}
	return ic.readTagged(tag, untagged)
}

// readTagged reads until the tagged reply of tag, handing untagged
// responses to untagged.
func (ic *imapConn) readTagged(tag string, untagged func(imapResp)) (imapResp, error) {
	for {
		resp, err := ic.read()
		if err != nil {
			return resp, err
		}
		switch {
		case resp.tag == tag:
			return resp, nil
		case resp.tag == "*" && resp.typ == "BYE":
			return resp, fmt.Errorf("%w: BYE %s", ErrServerClosed, sample(resp.text))
		case resp.tag == "*":
			if untagged != nil {
				untagged(resp)
			}
		default:
			return resp, fmt.Errorf("%w: unexpected %s", ErrMalformed, sample(resp.tag+" "+resp.typ))
		}
	}
}

// read reads and parses one response line.
func (ic *imapConn) read() (imapResp, error) {
	line, err := ic.lr.readLine()
	if err != nil {
		return imapResp{}, err
	}
	return parseIMAPResp(line)
}

// parseIMAPResp parses a response line as far as the pre-authentication
// commands need: tag, type, response code and text. The line is text from
// the server: it is cleaned (safetext) before anything is taken from it, so
// the greeting, capabilities, codes and texts are all safe to print.
func parseIMAPResp(line []byte) (imapResp, error) {
	s := safetext.CleanBytes(line)
	tag, rest, ok := strings.Cut(s, " ")
	if !ok || !isIMAPTag(tag) {
		return imapResp{}, fmt.Errorf("%w: %s", ErrMalformed, sample(s))
	}
	var r imapResp
	r.tag = tag
	if tag == "+" {
		r.text = rest
		return r, nil
	}
	typ, rest, _ := strings.Cut(rest, " ")
	if typ == "" || !isAtom(typ) {
		return imapResp{}, fmt.Errorf("%w: %s", ErrMalformed, sample(s))
	}
	r.typ = strings.ToUpper(typ)
	r.rest = rest
	switch r.typ {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		r.text = rest
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return imapResp{}, fmt.Errorf("%w: %s", ErrMalformed, sample(s))
			}
			code, args, _ := strings.Cut(rest[1:end], " ")
			r.code, r.args = strings.ToUpper(code), args
			r.text = strings.TrimSpace(rest[end+1:])
		}
	}
	return r, nil
}

func isIMAPTag(s string) bool {
	return s == "*" || s == "+" || isAtom(s)
}

// isAtom reports whether s is a non-empty IMAP atom (loosely: printable
// ASCII without specials).
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}

// hasCap reports whether caps lists name (case-insensitively).
func hasCap(caps []string, name string) bool {
	for _, c := range caps {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

// authMechs lists the AUTH= mechanisms of caps, upper-cased.
func authMechs(caps []string) []string {
	var out []string
	for _, c := range caps {
		if len(c) > 5 && strings.EqualFold(c[:5], "AUTH=") {
			out = append(out, strings.ToUpper(c[5:]))
		}
	}
	return out
}

// dovecotTiming matches the timing Dovecot 2.3 appends to its tagged
// replies, e.g. " (0.013 + 0.000 + 0.012 secs).": noise to an admin.
var dovecotTiming = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s*\(\d+\.\d+(?: \+ \d+\.\d+)* secs\)\.?$`) })

// serverText is the text of an IMAP reply as an admin should read it:
// Dovecot's timing suffix removed, then made safe and short by sample.
func serverText(s string) string {
	return sample(dovecotTiming().ReplaceAllString(strings.TrimSpace(s), ""))
}

// sample makes server text safe and short for a detail line: cleaned by
// safetext (controls escaped, invalid UTF-8 as U+FFFD) and cut at 120
// characters.
func sample(s string) string { return safetext.Bound(s, 120) }
