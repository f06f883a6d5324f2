package mailconn

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// Sign-in behind CAPABILITY. When the capabilities must be asked for (the
// greeting carried none, as with GNU Mailutils, Gmail and Exchange, and
// always after STARTTLS), a LOGIN goes out in the same write as the
// CAPABILITY: both are answered by the server's pre-login process, so the
// sign-in costs no round trip of its own. This is done only when a LOGIN
// is what would be sent anyway and nothing is lost by not reading the
// capabilities first: a password sign-in, over TLS whose certificate
// verified, with a user name and password that go as quoted strings (no
// literal, which would wait for a "+"). The capabilities are still read
// first, and a LOGIN refused because the server disables it
// (LOGINDISABLED) or does not know it (BAD) falls back to the mechanism
// they offer.
//
// Nothing is ever sent behind the sign-in itself: Courier loses commands
// pipelined behind LOGIN (its login process execs the mail process and
// drops what it had read ahead), and Cyrus POP3 those behind AUTH.

// pipelineLogin reports whether the CAPABILITY about to be sent on ic
// should carry a LOGIN with it, obtaining the secret for it. A secret
// source that fails is not reported here: the authenticate step asks
// again and reports it.
func (r *runner) pipelineLogin(ctx context.Context, ic *imapConn) bool {
	if ic.plain || ic.preauth || r.unverified != nil {
		return false
	}
	if r.in.Auth == config.AuthSPA || r.in.Auth == config.AuthOAuth2 {
		return false
	}
	if err := r.obtainSecret(ctx); err != nil {
		return false
	}
	return imapQuotable(r.in.Username) && imapQuotable(r.opts.Secret)
}

// imapQuotable reports whether s can be sent as an IMAP quoted string:
// ASCII without NUL, CR or LF, of a sane length (imapclient sends anything
// else as a literal).
func imapQuotable(s string) bool {
	if len(s) > 4096 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' || c >= 0x80 {
			return false
		}
	}
	return true
}

// imapQuote is s as an IMAP quoted string (s is imapQuotable).
func imapQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// nextTag is a fresh command tag.
func (ic *imapConn) nextTag() string {
	ic.tag++
	return "A" + strconv.Itoa(ic.tag)
}

// capabilityAndLogin sends CAPABILITY and LOGIN in one write, and reads
// the CAPABILITY answer into ic.caps. The LOGIN's reply is left for
// readLogin.
func (ic *imapConn) capabilityAndLogin(user, password string) error {
	capTag, loginTag := ic.nextTag(), ic.nextTag()
	cmds := capTag + " CAPABILITY\r\n" + loginTag + " LOGIN " + imapQuote(user) + " " + imapQuote(password) + "\r\n"
	if _, err := ic.w.Write([]byte(cmds)); err != nil {
		return fmt.Errorf("capability: %w", err)
	}
	ic.loginTag = loginTag
	resp, err := ic.readTagged(capTag, ic.takeCaps)
	return ic.capabilityDone(resp, err)
}

// readLogin reads the reply to the LOGIN sent by capabilityAndLogin, and
// the capabilities it or an untagged CAPABILITY before it carried (nil:
// none).
func (ic *imapConn) readLogin() (imapResp, []string, error) {
	var caps []string
	resp, err := ic.readTagged(ic.loginTag, func(u imapResp) {
		if u.typ == "CAPABILITY" {
			caps = strings.Fields(u.rest)
		}
	})
	ic.loginTag = ""
	if err != nil {
		return resp, nil, fmt.Errorf("login: %w", err)
	}
	if resp.typ == "OK" && resp.code == "CAPABILITY" {
		caps = strings.Fields(resp.args)
	}
	return resp, caps, nil
}
