package mailconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// pop3State is what the POP3 steps share.
type pop3State struct {
	c     *pop3.Client
	caps  []string // nil: the server has no CAPA
	plain bool
}

// pop3 runs steps 4 to 10 for POP3 with package pop3.
func (r *runner) pop3() {
	if r.session == nil {
		r.session = r.raw
	}
	// The guard sits under any STLS TLS layer (package pop3 upgrades the
	// connection it was given), so it sees the server's first bytes as
	// sent; the trace comes from package pop3's line transcript.
	r.guard = newGuardConn(r.session, maxSessionBytes)
	st := &pop3State{plain: r.in.Security != config.SecurityTLS}
	opts := &pop3.Options{Trace: r.pop3Trace()}

	err := r.step(StepGreeting, "Server greeting", r.total, func(ctx context.Context, s *stepState) error {
		probe := r.startTLSProbe(ctx)
		c, err := pop3.NewClient(ctx, r.guard, opts)
		if err := probeErr(probe, err); err != nil {
			return pop3GreetingErr(err)
		}
		st.c = c
		r.pop3c = c
		s.detail = sample(c.Greeting())
		return nil
	})
	if err != nil {
		return
	}
	if err := r.pop3Capa(st, StepCapabilities, "Capabilities"); err != nil {
		return
	}
	if err := r.pop3StartTLS(st); err != nil {
		return
	}
	if err := r.pop3Auth(st); err != nil {
		return
	}
	if err := r.pop3Mailbox(st); err != nil {
		return
	}
	_ = r.step(StepLogout, "Log out", min(logoutBudget, r.total), func(ctx context.Context, s *stepState) error {
		_ = st.c.QuitNoWait()
		s.detail = "QUIT sent"
		return nil
	})
}

// pop3GreetingErr is a failed greeting: -ERR is a rejection.
func pop3GreetingErr(err error) error {
	var pe *pop3.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("greeting: %w: %s", ErrGreetingRejected, sample(pe.Text))
	}
	return pop3Err(err)
}

// pop3Err maps package pop3's sentinels to ours, keeping the original
// inside.
func pop3Err(err error) error {
	switch {
	case errors.Is(err, pop3.ErrLineTooLong), errors.Is(err, pop3.ErrResponseTooLong):
		return &sentinelError{ErrLineTooLong, err}
	case errors.Is(err, pop3.ErrMalformed):
		return &sentinelError{ErrMalformed, err}
	case errors.Is(err, pop3.ErrDataBeforeTLS):
		return &sentinelError{ErrDataBeforeTLS, err}
	}
	return err
}

// sentinelError is err, also matching one of our sentinels, with err's
// message alone.
type sentinelError struct {
	sentinel, err error
}

func (e *sentinelError) Error() string   { return e.err.Error() }
func (e *sentinelError) Unwrap() []error { return []error{e.sentinel, e.err} }

func (r *runner) pop3Capa(st *pop3State, id StepID, title string) error {
	return r.step(id, title, r.total, func(ctx context.Context, s *stepState) error {
		caps, err := st.c.Capa(ctx)
		if err != nil {
			var pe *pop3.Error
			if errors.As(err, &pe) {
				st.caps = nil
				s.detail = "the server does not support CAPA; USER/PASS assumed"
				return nil
			}
			return pop3Err(err)
		}
		st.caps = caps
		s.detail = strings.Join(caps, ", ")
		return nil
	})
}

func (r *runner) pop3StartTLS(st *pop3State) error {
	_, offered := pop3.CapaArgs(st.caps, "STLS")
	upgrade := func(ctx context.Context, s *stepState) error {
		info, err := pop3STLS(ctx, st.c, st.caps, &r.in, r.opts.Now)
		if info != nil {
			r.figures.CertNotAfter = info.NotAfter // also when the check refused it
		}
		if err != nil {
			return err
		}
		s.detail = info.Detail()
		if info.Problem != nil {
			r.acceptedCert(s, info)
		}
		if r.tr != nil {
			r.tr.note("TLS: %s", s.detail) // as after IMAP's STARTTLS
		}
		st.plain = false
		return nil
	}
	capsAgain := func(id StepID, title string) error { return r.pop3Capa(st, id, title) }
	return r.startTLSSteps(offered, "STLS not offered: continuing in plain text", upgrade, capsAgain)
}

// pop3STLS upgrades c with STLS when caps offer it, and returns what the
// certificate check found (also, as far as the handshake got, with an
// error from the handshake).
func pop3STLS(ctx context.Context, c *pop3.Client, caps []string, in *config.Incoming, now func() time.Time) (*TLSInfo, error) {
	if _, offered := pop3.CapaArgs(caps, "STLS"); !offered {
		return nil, fmt.Errorf("stls: %w (capabilities: %s)", ErrStartTLSNotOffered, sample(strings.Join(caps, ", ")))
	}
	cfg, info, err := newTLSConfig(in, now)
	if err != nil {
		return nil, err
	}
	tc, err := c.StartTLS(ctx, cfg)
	if err != nil {
		return info, fmt.Errorf("stls: %w: %w", ErrStartTLSRefused, pop3Err(err))
	}
	info.setKeyExchange(tc.ConnectionState()) // TLS 1.2 learns it after VerifyConnection
	return info, nil
}

func (r *runner) pop3Auth(st *pop3State) error {
	return r.step(StepAuthenticate, "Sign in as "+r.in.Username, r.total, func(ctx context.Context, s *stepState) error {
		if err := r.obtainSecret(ctx); err != nil {
			return err
		}
		mechs, _ := pop3.CapaArgs(st.caps, "SASL")
		for i := range mechs {
			mechs[i] = strings.ToUpper(mechs[i])
		}
		_, hasUser := pop3.CapaArgs(st.caps, "USER")
		tlsRequired := pop3TLSRequired(st.caps, st.plain)
		if tlsRequired != "" {
			// GNU Mailutils lists XTLSREQUIRED and no USER; a server that
			// lists both still refuses USER before STLS.
			hasUser = false
		}
		userOK := hasUser || (st.caps == nil && tlsRequired == "")
		offered := mechs
		if hasUser {
			offered = append(offered[:len(offered):len(offered)], "USER")
		}
		laterTLS := false
		if _, stls := pop3.CapaArgs(st.caps, "STLS"); stls && st.plain {
			laterTLS = true
		}
		var (
			client sasl.Client
			mech   string
		)
		switch r.in.Auth {
		case config.AuthSPA:
			if !hasCap(mechs, mechNTLM) {
				return &MechanismNotOfferedError{Want: "SPA (NTLM)", Offered: offered, LaterAfterTLS: laterTLS}
			}
			mech, client = mechNTLM, &ntlmClient{user: r.in.Username, password: r.opts.Secret, onBlob: r.addSecret}
		case config.AuthOAuth2:
			m, ok := chooseOAuthMech(r.oauthMechanism(), mechs)
			if !ok {
				return &MechanismNotOfferedError{Want: m, Offered: offered, LaterAfterTLS: laterTLS}
			}
			mech, client = m, r.oauthClient(m)
		default:
			switch {
			case hasCap(mechs, mechPlain):
				mech, client = mechPlain, sasl.NewPlainClient("", r.in.Username, r.opts.Secret)
			case userOK:
				mech = "USER/PASS"
			case hasCap(mechs, mechLogin):
				mech, client = mechLogin, sasl.NewLoginClient(r.in.Username, r.opts.Secret)
			case st.plain:
				if tlsRequired == "" {
					tlsRequired = "no USER or SASL PLAIN before STLS"
				}
				return &TLSRequiredError{Protocol: "POP3", Signal: tlsRequired}
			default:
				return &MechanismNotOfferedError{Want: "PLAIN, LOGIN or USER", Offered: offered}
			}
		}
		var err error
		if client != nil {
			err = st.c.Auth(ctx, client)
			s.detail = "AUTH " + mech
		} else {
			// PASS carries the password as is on its command line; SASL
			// (PLAIN, LOGIN) sends it in base64 and needs no such check.
			s.detail = "USER/PASS"
			if err := passwordCharError("PASS", r.opts.Secret); err != nil {
				return err
			}
			err = st.c.Login(ctx, r.in.Username, r.opts.Secret)
		}
		if err != nil {
			var pe *pop3.Error
			if errors.As(err, &pe) {
				if strings.EqualFold(pe.Code, "IN-USE") {
					return fmt.Errorf("%w: %s", ErrInUse, r.sample(pe.Text))
				}
				ae := &AuthError{Mechanism: mech, Code: pe.Code, Text: r.sample(pe.Text)}
				if st.plain && meansTLSRequired(ae.Code, ae.Text) {
					return &TLSRequiredError{Protocol: "POP3", Signal: tlsSignal(ae.Code, ae.Text), Refused: true}
				}
				if of := oauthFailure(client); of != nil && ae.Text == "" {
					ae.Text = r.scrub(of.String())
				}
				return ae
			}
			return pop3Err(err)
		}
		s.detail += " as " + r.in.Username
		r.plainWarning(s, st.plain, mech)
		r.unverifiedWarning(s)
		return nil
	})
}

// pop3Mailbox is step 9 for POP3: STAT, and a UIDL probe (UIDL 1, or UIDL
// of the empty list).
func (r *runner) pop3Mailbox(st *pop3State) error {
	return r.step(StepMailbox, "Mailbox", r.total, func(ctx context.Context, s *stepState) error {
		n, size, uidlErr, err := st.c.StatUIDL(ctx)
		if err != nil {
			var pe *pop3.Error
			if errors.As(err, &pe) {
				if strings.EqualFold(pe.Code, "IN-USE") {
					return fmt.Errorf("%w: %s", ErrInUse, r.sample(pe.Text))
				}
				return &ServerError{Command: "STAT", Code: pe.Code, Text: r.sample(pe.Text)}
			}
			return pop3Err(err)
		}
		count := int64(n)
		r.figures.Messages = &count
		if r.opts.Oldest && n > 0 {
			// One round trip more, asked by monitoring only: the Date of
			// message 1, the oldest left on the server.
			head, err := st.c.Top(ctx, 1, 0)
			switch {
			case err == nil:
				r.figures.Oldest = headerDate(head)
			case !isPOP3Error(err):
				return pop3Err(err)
			}
		}
		s.detail = fmt.Sprintf("%s, %s", plural(int64(n), "message"), humanBytes(size))
		if uidlErr != nil {
			s.detail += "; no UIDL"
			s.warnf(FieldProtocol, "The server does not support UIDL, so the connector cannot tell old messages from new: use IMAP if the server offers it.")
		} else {
			s.detail += "; UIDL supported"
		}
		if mb := r.in.Mailbox; mb != "" && !strings.EqualFold(mb, config.DefaultMailbox) {
			s.detail += "; POP3 has no folders (mailbox ignored)"
		}
		return nil
	})
}

func humanBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
	default:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1024*1024*1024))
	}
}

// pop3Trace is the tracer fed by package pop3's line transcript ("C: …",
// "S: …", credentials already replaced), which goes on after STLS: a traced
// connection under package pop3's TLS layer would show only ciphertext.
func (r *runner) pop3Trace() io.Writer {
	return r.tr.transcriptWriter()
}

// headerDate is the Date header of a message header, or the zero time.
func headerDate(head []byte) time.Time {
	m, err := mail.ReadMessage(bytes.NewReader(head))
	if err != nil {
		return time.Time{}
	}
	d, err := m.Header.Date()
	if err != nil {
		return time.Time{}
	}
	return d
}

func isPOP3Error(err error) bool {
	var pe *pop3.Error
	return errors.As(err, &pe)
}
