package mailtest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// TestOAuth2 checks the rig's OAuth 2.0 option: Dovecot offers XOAUTH2 and
// OAUTHBEARER, accepts a token the provider vouches for, refuses it once
// revoked, and password logins still work.
func TestOAuth2(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{ClientSecret: "rig-secret", Username: mailtest.Alice.Name})
	srv := mailtest.Start(t, mailtest.Options{OAuth2IntrospectionURL: p.IntrospectionURL})
	token := clientCredentialsToken(t, p)

	c, err := imapclient.DialTLS(srv.Addr(srv.IMAPS), &imapclient.Options{TLSConfig: srv.TLSConfig()})
	if err != nil {
		t.Fatalf("IMAPS dial: %v", err)
	}
	defer c.Close()
	for _, m := range []string{"XOAUTH2", "OAUTHBEARER", "PLAIN"} {
		if !c.Caps().Has(imap.Cap("AUTH=" + m)) {
			t.Errorf("IMAP capabilities %v lack AUTH=%s", c.Caps(), m)
		}
	}
	if err := c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: mailtest.Alice.Name, Token: token})); err != nil {
		t.Fatalf("IMAP OAUTHBEARER: %v\n%s", err, srv.Log())
	}
	imapTLS(t, srv, mailtest.Bob) // passwords still work

	pop := dialPOP3(t, srv, srv.POP3S, srv.TLSConfig())
	if caps := pop.capa(); !hasLine(caps, "SASL") || !strings.Contains(strings.Join(caps, " "), "XOAUTH2") {
		t.Errorf("POP3 CAPA %q lacks SASL XOAUTH2", caps)
	}
	ir := base64.StdEncoding.EncodeToString([]byte("user=" + mailtest.Alice.Name + "\x01auth=Bearer " + token + "\x01\x01"))
	if st := pop.cmd("AUTH XOAUTH2 " + ir); !strings.HasPrefix(st, "+OK") {
		t.Fatalf("POP3 AUTH XOAUTH2: %q\n%s", st, srv.Log())
	}

	p.RevokeAll()
	pop = dialPOP3(t, srv, srv.POP3S, srv.TLSConfig())
	if st := pop.cmd("AUTH XOAUTH2 " + ir); !strings.HasPrefix(st, "+ ") {
		t.Fatalf("revoked token: %q, want the error challenge", st)
	}
	if st := pop.cmd(""); !strings.HasPrefix(st, "-ERR") {
		t.Fatalf("revoked token after the challenge: %q, want -ERR", st)
	}
}

// clientCredentialsToken gets an access token from p.
func clientCredentialsToken(t *testing.T, p *oauthtest.Provider) string {
	t.Helper()
	resp, err := p.Client().PostForm(p.TokenURL, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: HTTP %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}
