package mailconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// imapSession hands the connection to imapclient and runs the
// authenticate, mailbox and logout steps.
func (r *runner) imapSession(ic *imapConn) {
	r.preLoginCaps = ic.caps
	c, err := r.imapAuthStep(ic)
	if err != nil || c == nil {
		return
	}
	final := r.imapMailboxStep
	if r.imapFinal != nil {
		final = r.imapFinal
	}
	if err := final(c); err != nil {
		return
	}
	r.imapLogoutStep(c)
}

// imapClient hands the session to imapclient. imapclient expects to read a
// greeting: it gets one that carries the capabilities we already know (so
// that it asks for none), followed by anything the server sent that we have
// not read yet. signedIn (a pipelined LOGIN succeeded, or the server sent
// PREAUTH) makes it a PREAUTH greeting; a signed-in session whose
// capabilities are not known gets none, and imapclient asks for them at
// once (see mailboxCaps).
func (r *runner) imapClient(ic *imapConn, signedIn bool, caps []string) *imapclient.Client {
	greet := "* OK [CAPABILITY " + strings.Join(atomsOnly(caps), " ") + "] ready\r\n"
	switch {
	case signedIn && caps == nil:
		greet = "* PREAUTH ready\r\n"
		r.imapCapsAsked = true
	case signedIn:
		greet = "* PREAUTH [CAPABILITY " + strings.Join(atomsOnly(caps), " ") + "] ready\r\n"
	}
	r.guard.setLimit(maxSessionBytes)
	r.imapTap = newTaggedTap(io.MultiReader(strings.NewReader(greet), bytes.NewReader(ic.lr.buffered()), r.guard))
	pc := prefixConn{Conn: r.guard, r: r.imapTap}
	c := imapclient.New(pc, &imapclient.Options{})
	r.imapc = c
	return c
}

// imapErr gives an imapclient error its cause: imapclient reports I/O
// failures as text, so the guard's first read error is wrapped in.
func (r *runner) imapErr(err error) error {
	if err == nil {
		return nil
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		return err
	}
	if g := r.guard; g != nil {
		if gerr := g.err(); gerr != nil {
			if errors.Is(err, gerr) {
				return err
			}
			return fmt.Errorf("%v: %w", err, gerr)
		}
	}
	// The connection did not fail: imapclient could not parse a response.
	return &sentinelError{ErrMalformed, err}
}

// imapAuthStep is step 8 for IMAP. It returns the imapclient session, nil
// when the step failed before there was one.
func (r *runner) imapAuthStep(ic *imapConn) (*imapclient.Client, error) {
	title := "Sign in as " + r.in.Username
	var c *imapclient.Client
	err := r.step(StepAuthenticate, title, r.total, func(ctx context.Context, s *stepState) error {
		if ic.preauth {
			c = r.imapClient(ic, true, ic.caps)
			s.detail = "the server pre-authenticated the session (PREAUTH)"
			return nil
		}
		fallback := ""
		if ic.loginTag != "" {
			resp, caps, err := ic.readLogin()
			switch {
			case err != nil:
				return err
			case resp.typ == "OK":
				c = r.imapClient(ic, true, caps)
				s.detail = "LOGIN as " + r.in.Username + " (sent with CAPABILITY)"
				r.unverifiedWarning(s)
				return nil
			case resp.typ == "BAD" || hasCap(ic.caps, "LOGINDISABLED"):
				// The server disables or does not know LOGIN: sign in
				// as its capabilities offer.
				fallback = "LOGIN sent with CAPABILITY refused (" + resp.typ + " " + r.serverText(resp.text) + "); "
			default:
				return &AuthError{Mechanism: "LOGIN command", Code: resp.code, Text: r.serverText(resp.text)}
			}
		}
		c = r.imapClient(ic, false, ic.caps)
		if err := r.obtainSecret(ctx); err != nil {
			return err
		}
		mechs := authMechs(ic.caps)
		tlsRequired := imapTLSRequired(ic.caps, ic.plain)
		loginDisabled := tlsRequired != ""
		offered := mechs
		if !loginDisabled && !hasCap(mechs, mechLogin) {
			offered = append(offered[:len(offered):len(offered)], mechLogin)
		}
		var (
			client sasl.Client
			mech   string
		)
		switch r.in.Auth {
		case config.AuthSPA:
			if !hasCap(mechs, mechNTLM) {
				return &MechanismNotOfferedError{Want: "SPA (NTLM)", Offered: offered,
					LaterAfterTLS: ic.plain && hasCap(ic.caps, "STARTTLS")}
			}
			mech = mechNTLM
			client = &ntlmClient{user: r.in.Username, password: r.opts.Secret, onBlob: r.addSecret}
		case config.AuthOAuth2:
			m, ok := chooseOAuthMech(r.oauthMechanism(), mechs)
			if !ok {
				return &MechanismNotOfferedError{Want: m, Offered: offered,
					LaterAfterTLS: ic.plain && hasCap(ic.caps, "STARTTLS")}
			}
			mech = m
			client = r.oauthClient(m)
		default:
			switch {
			case hasCap(mechs, mechPlain) && (fallback != "" || !loginInOneTrip(ic.caps, r.in.Username, r.opts.Secret)):
				mech = mechPlain
				client = sasl.NewPlainClient("", r.in.Username, r.opts.Secret)
			case hasCap(mechs, mechPlain):
				// Without SASL-IR, AUTHENTICATE PLAIN waits for the
				// server's "+" (two round trips); LOGIN takes one.
				mech = "LOGIN command"
			case loginDisabled:
				return &TLSRequiredError{Protocol: "IMAP", Signal: tlsRequired}
			default:
				mech = "LOGIN command"
			}
		}
		var err error
		if client != nil {
			err = c.Authenticate(client)
			s.detail = fallback + "AUTHENTICATE " + mech
			if hasCap(ic.caps, "SASL-IR") && mech != mechNTLM {
				s.detail += " (SASL-IR)"
			}
		} else {
			if fallback != "" {
				// LOGIN was what the server refused.
				return &AuthError{Mechanism: "LOGIN command", Text: strings.TrimSuffix(fallback, "; ")}
			}
			err = c.Login(r.in.Username, r.opts.Secret).Wait()
			s.detail = "LOGIN"
		}
		if err != nil {
			var ie *imap.Error
			if errors.As(err, &ie) {
				ae := &AuthError{Mechanism: mech, Code: safetext.Clean(string(ie.Code)), Text: r.serverText(ie.Text)}
				if ic.plain && meansTLSRequired(ae.Code, ae.Text) {
					return &TLSRequiredError{Protocol: "IMAP", Signal: tlsSignal(ae.Code, ae.Text), Refused: true}
				}
				if of := oauthFailure(client); of != nil && ae.Text == "" {
					ae.Text = r.scrub(of.String())
				}
				return ae
			}
			return r.imapErr(fmt.Errorf("authenticate %s: %w", mech, err))
		}
		s.detail += " as " + r.in.Username
		r.plainWarning(s, ic.plain, mech)
		r.unverifiedWarning(s)
		return nil
	})
	return c, err
}

// plainWarning marks the authenticate step as a warning when the
// credentials went over a plain-text connection, and says which NTLM
// domain an SPA login sent.
//
// SPA (NTLM) over plain text gets the same warning as a password, worded
// for NTLM: NTLM never sends the password itself, but anyone who records
// the exchange can crack the NTLMv2 response offline, so it is not
// plain-text-safe. It is allowed exactly where PRODUCT.md allows a password
// in plain text (security none, or the starttls-if-available fallback),
// and with the same warn status.
func (r *runner) plainWarning(s *stepState, plain bool, mech string) {
	ntlm := mech == mechNTLM
	if ntlm {
		s.detail += " (" + ntlmDomainDetail(r.in.Username) + ")"
	}
	if !plain {
		return
	}
	what := "the password"
	if ntlm {
		what = "the NTLM exchange"
		s.detail += "; the NTLM exchange went over the network unencrypted (it carries no password, but it can be cracked offline)"
	} else {
		s.detail += "; the credentials went over the network unencrypted"
	}
	if r.in.Security == config.SecurityNone {
		s.warnf(FieldSecurity, "Use security = tls or starttls so that "+what+" is encrypted.")
	} else {
		s.warnf(FieldSecurity, "The server does not offer STARTTLS, so "+what+" went unencrypted: use security = tls if the server supports it.")
	}
}

// addSecret adds a payload learnt during the exchange (an NTLM message, an
// OAUTHBEARER initial response) to what the trace, events and errors hide.
func (r *runner) addSecret(s string) { r.secrets.Add(s) }

// oauthMechanism is the forced OAuth mechanism, if any.
func (r *runner) oauthMechanism() string {
	if r.opts.OAuthMechanism != "" {
		return r.opts.OAuthMechanism
	}
	if r.in.OAuth2 != nil {
		return r.in.OAuth2.Mechanism
	}
	return ""
}

func (r *runner) oauthClient(mech string) sasl.Client {
	if mech == mechOAUTHBEARER {
		c := newOAuthBearerClient(r.in.Username, r.opts.Secret, r.in.Server, r.in.Port)
		if _, ir, err := c.Start(); err == nil {
			r.addSecret(base64Std(ir))
		}
		return c
	}
	return &xoauth2Client{user: r.in.Username, token: r.opts.Secret}
}

// atomsOnly drops capability names that are not atoms, so that the
// synthetic greeting stays parseable.
func atomsOnly(caps []string) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		if isAtom(c) {
			out = append(out, c)
		}
	}
	return out
}

// loginInOneTrip reports whether the LOGIN command signs in with one round
// trip less than AUTHENTICATE PLAIN: the server has no SASL-IR, allows
// LOGIN, and the user name and password go as quoted strings (ASCII without
// NUL, CR or LF: imapclient sends anything else as a literal, which waits
// for a "+" of its own).
func loginInOneTrip(caps []string, user, secret string) bool {
	if hasCap(caps, "SASL-IR") || hasCap(caps, "LOGINDISABLED") {
		return false
	}
	quoted := func(s string) bool {
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
	return quoted(user) && quoted(secret)
}
