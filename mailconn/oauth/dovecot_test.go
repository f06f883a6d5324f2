package oauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// TestDovecotVerifiesTokens signs in at the local provider, then has the
// connection test authenticate to a real Dovecot whose oauth2 passdb asks
// the provider (RFC 7662 introspection) whether the token is good: XOAUTH2
// and OAUTHBEARER, IMAP and POP3. A revoked token is refused at once (the
// client answers Dovecot's error challenge) and named as an OAuth problem.
// The token is in no event, result or trace.
func TestDovecotVerifiesTokens(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{Username: mailtest.Alice.Name})
	srv := mailtest.Start(t, mailtest.Options{OAuth2IntrospectionURL: p.IntrospectionURL})

	in := customIncoming(t, p)
	in.Server, in.Username, in.CAFile, in.RejectInvalidCertificates = srv.Host, mailtest.Alice.Name, srv.CAFile, true
	opts := oauth.Options{HTTPClient: p.Client()}
	login(t, in, opts)
	token, err := oauth.AccessToken(testContext(t), in, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, refresh := storedTokens(t, in.OAuth2.TokenFile)
	secrets := []string{token, refresh, base64.StdEncoding.EncodeToString([]byte(token))}

	type combo struct{ protocol, mechanism string }
	var combos []combo
	for _, proto := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, mech := range []string{config.MechanismXOAUTH2, config.MechanismOAUTHBEARER} {
			combos = append(combos, combo{proto, mech})
		}
	}
	run := func(t *testing.T, c combo, token string) (mailconn.Result, string) {
		t.Helper()
		tin := *in
		tin.Protocol = c.protocol
		tin.Port = srv.IMAPS
		if c.protocol == config.ProtocolPOP3 {
			tin.Port = srv.POP3S
		}
		var trace bytes.Buffer
		var events []mailconn.Event
		res := mailconn.Test(context.Background(), tin, mailconn.Options{
			Secret: token, Timeout: 20 * time.Second, Trace: &trace, OAuthMechanism: c.mechanism,
		}, func(e mailconn.Event) { events = append(events, e) })
		out, _ := json.Marshal(struct {
			E []mailconn.Event
			R mailconn.Result
		}{events, res})
		all := string(out) + "\n" + trace.String()
		noSecret(t, secrets, all)
		if !strings.Contains(trace.String(), "AUTH") {
			t.Errorf("trace shows no authentication:\n%s", trace.String())
		}
		return res, all
	}
	for _, c := range combos {
		t.Run(c.protocol+"/"+c.mechanism, func(t *testing.T) {
			res, all := run(t, c, token)
			if !res.OK {
				t.Fatalf("Dovecot refused the token: %+v\n%s\ndovecot log:\n%s", res, all, srv.Log())
			}
			if !strings.Contains(all, "AUTHENTICATE "+strings.ToUpper(c.mechanism)) && !strings.Contains(all, "AUTH "+strings.ToUpper(c.mechanism)) {
				t.Errorf("the test did not use %s:\n%s", c.mechanism, all)
			}
		})
	}
	t.Run("token of another user", func(t *testing.T) {
		saved := in.Username
		in.Username = mailtest.Bob.Name
		defer func() { in.Username = saved }()
		res, all := run(t, combo{config.ProtocolIMAP, config.MechanismXOAUTH2}, token)
		if res.OK || res.FailedStep != mailconn.StepAuthenticate {
			t.Fatalf("alice's token accepted for bob: %+v\n%s", res, all)
		}
	})
	before := p.Count("introspect")
	if before < len(combos) {
		t.Errorf("Dovecot introspected %d times for %d sign-ins", before, len(combos))
	}

	p.RevokeAll()
	for _, c := range combos {
		t.Run("revoked/"+c.protocol+"/"+c.mechanism, func(t *testing.T) {
			res, all := run(t, c, token)
			if res.OK || res.FailedStep != mailconn.StepAuthenticate || res.Field != mailconn.FieldOAuth2 {
				t.Fatalf("revoked token: %+v, want authenticate failing on oauth2\n%s", res, all)
			}
			if strings.Contains(strings.ToLower(res.Error+res.Hint), "timed out") {
				t.Errorf("the refused token ended in a timeout (the error challenge went unanswered): %+v", res)
			}
		})
	}
	if p.Count("introspect") <= before {
		t.Errorf("Dovecot did not ask the provider about the revoked token")
	}
}
