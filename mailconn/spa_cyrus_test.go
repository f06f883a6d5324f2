package mailconn_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/cyrustest"
)

// cyrusIncoming is a config for the Cyrus rig: port by protocol, the CA of
// its STARTTLS certificate.
func cyrusIncoming(srv *cyrustest.Server, protocol, security, auth, user string) config.Incoming {
	port := srv.IMAP
	if protocol == config.ProtocolPOP3 {
		port = srv.POP3
	}
	return config.Incoming{
		Protocol:                  protocol,
		Server:                    srv.Host,
		Port:                      port,
		Username:                  user,
		Auth:                      auth,
		Security:                  security,
		RejectInvalidCertificates: true,
		CAFile:                    srv.CAFile,
	}
}

// ntlmType3 matches the base64 of an NTLM AUTHENTICATE (type 3) message:
// "NTLMSSP\x00\x03\x00\x00\x00" encodes as "TlRMTVNTUAADAAAA".
var ntlmType3 = regexp.MustCompile(`TlRMTVNTUAADAAAA[A-Za-z0-9+/=]*`)

// wireRecorder records what the client writes on the connections it dials,
// so that a plain-text test can find the NTLM message actually sent.
type wireRecorder struct {
	sent syncBuffer
}

func (w *wireRecorder) dial(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, w: &w.sent}, nil
}

type recordingConn struct {
	net.Conn
	w *syncBuffer
}

func (c *recordingConn) Write(p []byte) (int, error) {
	_, _ = c.w.Write(p)
	return c.Conn.Write(p)
}

// checkNoNTLMBlob fails when an NTLM type-3 message appears in an event,
// the result or the trace. With plain set, wire is what the client sent in
// plain text, which must hold the type-3 message, and no long piece of that
// message may appear either.
func checkNoNTLMBlob(t *testing.T, r *run, plain bool, wire string) {
	t.Helper()
	var all strings.Builder
	for _, e := range r.events {
		b, _ := json.Marshal(e)
		all.Write(b)
	}
	b, _ := json.Marshal(r.res)
	all.Write(b)
	all.WriteString(r.trace)
	if m := ntlmType3.FindString(all.String()); m != "" {
		t.Fatalf("an NTLM authenticate message leaked: %.40s…\n%s", m, r.dump())
	}
	if !plain {
		return
	}
	sent := ntlmType3.FindString(wire)
	if sent == "" {
		t.Fatalf("no NTLM authenticate message on the wire:\n%s", wire)
	}
	// Any long piece of it would do as well as the whole for an attacker.
	for i := 0; i+32 <= len(sent); i += 16 {
		if strings.Contains(all.String(), sent[i:i+32]) {
			t.Fatalf("part of the NTLM authenticate message sent leaked: %s\n%s", sent[i:i+32], r.dump())
		}
	}
}

// TestCyrus runs the connection test against one real Cyrus server (its
// start is the costly part): SPA with every user name form, SPA with a
// wrong password, and auth = "password".
func TestCyrus(t *testing.T) {
	srv := cyrustest.Start(t)
	t.Run("spa", func(t *testing.T) { testSPACyrus(t, srv) })
	t.Run("spa wrong password", func(t *testing.T) { testSPACyrusWrongPassword(t, srv) })
	t.Run("password", func(t *testing.T) { testPasswordCyrus(t, srv) })
	t.Run("key exchange", func(t *testing.T) { testKeyExchangeCyrus(t, srv) })
}

// testKeyExchangeCyrus: Cyrus offers only P-256 (tls_eccurve, default
// prime256v1), so the handshake needs a HelloRetryRequest, which the TLS
// step notes without a warning.
func testKeyExchangeCyrus(t *testing.T, srv *cyrustest.Server) {
	for _, tt := range []struct {
		security string
		port     int
		step     mailconn.StepID
	}{
		{config.SecurityTLS, srv.IMAPS, mailconn.StepTLS},
		{config.SecurityStartTLS, srv.IMAP, mailconn.StepStartTLS},
	} {
		t.Run(tt.security, func(t *testing.T) {
			in := cyrusIncoming(srv, config.ProtocolIMAP, tt.security, config.AuthPassword, srv.User)
			in.Port = tt.port
			r := runTest(t, in, mailconn.Options{Secret: srv.Password, Timeout: testTimeout})
			if !r.res.OK {
				t.Fatalf("test failed\n%s\n%s", r.dump(), srv.Log())
			}
			e, _ := r.final(tt.step)
			const want = ", P-256 after a HelloRetryRequest (the server took neither the X25519MLKEM768 nor the X25519 key share sent first: " +
				"one more round trip on every connection; let the server accept X25519), SHA-256 "
			if e.Status != mailconn.StatusOK || !strings.Contains(e.Detail, want) {
				t.Errorf("%s step: %s %q, want ok with %q", tt.step, e.Status, e.Detail, want)
			}
			if !strings.Contains(r.trace, "TLS: "+e.Detail) {
				t.Errorf("the trace lacks the TLS line %q", e.Detail)
			}
		})
	}
	t.Run("discover", func(t *testing.T) {
		o := mailconn.DiscoverOptions{Timeout: hangGuard / 2, CAFile: srv.CAFile, Ports: map[string]int{
			mailconn.KindIMAPS: srv.IMAPS, mailconn.KindIMAP: srv.IMAP, mailconn.KindPOP3S: srv.POP3S, mailconn.KindPOP3: srv.POP3}}
		n := 0
		for _, r := range probeHost(t, srv.Host, o) {
			if r.TLS == nil {
				continue
			}
			n++
			if r.TLS.KeyExchange != "P-256" || !r.TLS.HelloRetryRequest {
				t.Errorf("%s: key exchange %q, HelloRetryRequest %v; want P-256 after one", r.Candidate.Kind(), r.TLS.KeyExchange, r.TLS.HelloRetryRequest)
			}
		}
		if n != 4 {
			t.Errorf("%d candidates did TLS, want 4 (IMAPS, IMAP STARTTLS, POP3S, POP3 STLS)", n)
		}
	})
}

// testSPACyrus logs in with SASL NTLM (auth = "spa") over IMAP and POP3,
// plain and STARTTLS, with every user name form an admin may type.
func testSPACyrus(t *testing.T, srv *cyrustest.Server) {
	forms := []string{
		srv.User,                    // no domain: the engine sends an empty domain
		srv.Domain + `\` + srv.User, // EXAMPLE\ntlmuser
		strings.ToLower(srv.Domain) + `\` + srv.User, // example\ntlmuser: the engine upper-cases the domain
		srv.User + "@" + srv.Domain,                  // ntlmuser@EXAMPLE
		srv.User + "@" + strings.ToLower(srv.Domain),
	}
	for _, protocol := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, security := range []string{config.SecurityNone, config.SecurityStartTLS} {
			for _, user := range forms {
				t.Run(protocol+"/"+security+"/"+user, func(t *testing.T) {
					in := cyrusIncoming(srv, protocol, security, config.AuthSPA, user)
					var wire wireRecorder
					r := runTest(t, in, mailconn.Options{Secret: srv.Password, Timeout: testTimeout, Dial: wire.dial})
					if !r.res.OK {
						t.Fatalf("SPA login failed\n%s\n%s", r.dump(), srv.Log())
					}
					auth, _ := r.final(mailconn.StepAuthenticate)
					if !strings.Contains(auth.Detail, "NTLM") {
						t.Errorf("authenticate detail %q does not name NTLM", auth.Detail)
					}
					wantAuth := mailconn.StatusOK
					if security == config.SecurityNone {
						wantAuth = mailconn.StatusWarn
						if !strings.Contains(auth.Detail, "NTLM exchange") || !strings.Contains(auth.Detail, "unencrypted") {
							t.Errorf("plain-text NTLM detail %q does not say the NTLM exchange went unencrypted", auth.Detail)
						}
						if auth.Field != mailconn.FieldSecurity || auth.Hint == "" {
							t.Errorf("plain-text NTLM warning without hint or field security: %+v", auth)
						}
					}
					if auth.Status != wantAuth {
						t.Errorf("authenticate %s, want %s\n%s", auth.Status, wantAuth, r.dump())
					}
					mb, _ := r.final(mailconn.StepMailbox)
					if !strings.Contains(mb.Detail, "1 message") {
						t.Errorf("mailbox detail %q, want the rig's 1 message", mb.Detail)
					}
					if !strings.Contains(r.trace, "NTLM") || !strings.Contains(r.trace, "<redacted>") {
						t.Errorf("the trace shows no redacted NTLM exchange\n%s", r.trace)
					}
					wantDomain := "empty NTLM domain"
					if strings.Contains(user, `\`) {
						wantDomain = "NTLM domain " + srv.Domain
					}
					if !strings.Contains(auth.Detail, wantDomain) {
						t.Errorf("authenticate detail %q lacks %q", auth.Detail, wantDomain)
					}
					checkNoSecret(t, r, user, srv.Password)
					checkNoNTLMBlob(t, r, security == config.SecurityNone, wire.sent.String())
				})
			}
		}
	}
}

// testSPACyrusWrongPassword: a refused NTLM login lands on authenticate
// with field password, not on "mechanism not offered", and leaks nothing.
func testSPACyrusWrongPassword(t *testing.T, srv *cyrustest.Server) {
	const wrong = "Wrong-Pa55word"
	for _, protocol := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, security := range []string{config.SecurityNone, config.SecurityStartTLS} {
			t.Run(protocol+"/"+security, func(t *testing.T) {
				user := srv.Domain + `\` + srv.User
				in := cyrusIncoming(srv, protocol, security, config.AuthSPA, user)
				var wire wireRecorder
				r := runTest(t, in, mailconn.Options{Secret: wrong, Timeout: testTimeout, Dial: wire.dial})
				if r.res.OK {
					t.Fatalf("a wrong password passed\n%s", r.dump())
				}
				if r.res.FailedStep != mailconn.StepAuthenticate || r.res.Field != mailconn.FieldPassword {
					t.Fatalf("failed at %s field %s, want authenticate/password\n%s", r.res.FailedStep, r.res.Field, r.dump())
				}
				if strings.Contains(r.res.Hint, "offer") || strings.Contains(r.res.Error, "offer") {
					t.Fatalf("a refused password reported as a missing mechanism\n%s", r.dump())
				}
				checkNoSecret(t, r, user, wrong)
				checkNoNTLMBlob(t, r, security == config.SecurityNone, wire.sent.String())
			})
		}
	}
}

// testPasswordCyrus: auth = "password" (SASL PLAIN, else LOGIN/USER) works
// against Cyrus too.
func testPasswordCyrus(t *testing.T, srv *cyrustest.Server) {
	for _, protocol := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, security := range []string{config.SecurityNone, config.SecurityStartTLS} {
			t.Run(protocol+"/"+security, func(t *testing.T) {
				in := cyrusIncoming(srv, protocol, security, config.AuthPassword, srv.User)
				r := runTest(t, in, mailconn.Options{Secret: srv.Password, Timeout: testTimeout})
				if !r.res.OK {
					t.Fatalf("password login failed\n%s\n%s", r.dump(), srv.Log())
				}
				auth, _ := r.final(mailconn.StepAuthenticate)
				// After STARTTLS, IMAP sends LOGIN with the CAPABILITY it
				// must ask again (imappipe.go); elsewhere PLAIN, never the
				// NTLM that Cyrus lists first.
				want := "PLAIN"
				if protocol == config.ProtocolIMAP && security == config.SecurityStartTLS {
					want = "LOGIN as " + srv.User + " (sent with CAPABILITY)"
				}
				if !strings.Contains(auth.Detail, want) || strings.Contains(auth.Detail, "NTLM") {
					t.Errorf("authenticate detail %q, want %q", auth.Detail, want)
				}
				if security == config.SecurityNone && auth.Status != mailconn.StatusWarn {
					t.Errorf("a password sent in plain text gave %s, want warn", auth.Status)
				}
				checkNoSecret(t, r, srv.User, srv.Password)
				plain := base64.StdEncoding.EncodeToString([]byte("\x00" + srv.User + "\x00" + srv.Password))
				if strings.Contains(r.trace, plain) {
					t.Fatal("the PLAIN response is in the trace")
				}
			})
		}
	}
}
