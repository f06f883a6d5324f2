package mailconn

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/emersion/go-sasl"
)

// SASL mechanism names.
const (
	mechPlain       = "PLAIN"
	mechLogin       = "LOGIN"
	mechNTLM        = "NTLM"
	mechXOAUTH2     = "XOAUTH2"
	mechOAUTHBEARER = "OAUTHBEARER"
)

// encodedSecrets lists the wire forms of the secret that a trace must not
// show: the base64 of SASL PLAIN and XOAUTH2 initial responses and of the
// secret alone (SASL LOGIN, POP3 AUTH continuation lines).
func encodedSecrets(user, secret string) []string {
	enc := base64.StdEncoding.EncodeToString
	return []string{
		enc([]byte(secret)),
		enc([]byte("\x00" + user + "\x00" + secret)),
		enc(xoauth2Response(user, secret)),
	}
}

// xoauth2Response is the XOAUTH2 initial response.
func xoauth2Response(user, token string) []byte {
	return []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
}

// oauthError is the error a server sends as a SASL challenge after a
// refused XOAUTH2 or OAUTHBEARER token, e.g.
// {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}.
type oauthError struct {
	Status string `json:"status"`
	Scope  string `json:"scope"`
}

func (e *oauthError) String() string {
	if e == nil {
		return ""
	}
	s := "status " + e.Status
	if e.Scope != "" {
		s += ", scope " + e.Scope
	}
	return s
}

// xoauth2Client is the XOAUTH2 mechanism (Google, Microsoft), which go-sasl
// lacks. After a refused token the server sends an error challenge; the
// client answers it with an empty response so that the server ends the
// exchange with its failure reply instead of waiting.
type xoauth2Client struct {
	user, token string
	failure     *oauthError
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return mechXOAUTH2, xoauth2Response(c.user, c.token), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if c.failure != nil {
		return nil, errors.New("xoauth2: unexpected second challenge")
	}
	c.failure = &oauthError{}
	_ = json.Unmarshal(challenge, c.failure)
	return []byte{}, nil
}

// oauthBearerClient is RFC 7628 OAUTHBEARER (go-sasl's client), answering
// the server's error challenge with the dummy %x01 response the RFC asks
// for; go-sasl's own client returns an error instead and the server waits.
type oauthBearerClient struct {
	sasl.Client
	failure *oauthError
}

func newOAuthBearerClient(user, token, host string, port int) *oauthBearerClient {
	return &oauthBearerClient{Client: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: user, Token: token, Host: host, Port: port,
	})}
}

func (c *oauthBearerClient) Next(challenge []byte) ([]byte, error) {
	if c.failure != nil {
		return nil, errors.New("oauthbearer: unexpected second challenge")
	}
	c.failure = &oauthError{}
	_ = json.Unmarshal(challenge, c.failure)
	return []byte{0x01}, nil
}

// ntlmClient is SASL NTLM (Secure Password Authentication) with NTLMv2 via
// go-ntlmssp. The user name may be DOMAIN\user, user@domain or a bare user
// (sent with an empty domain: the server's default domain applies). onBlob,
// when set, is given the base64 of each message the client sends, so the
// trace can redact it.
type ntlmClient struct {
	user, password string
	onBlob         func(string)
	sent           int
}

// ntlmIdentity splits an SPA user name into the NTLM user and domain that
// go over the wire, with the domain upper-cased (DOMAIN\user is rewritten
// as such; user@domain and a bare user keep an empty domain and the whole
// name as the user).
//
// Why upper-case: NTLMv2 hashes UPPER(user) + domain (MS-NLMP NTOWFv2), and
// go-ntlmssp hashes the domain exactly as typed. Windows servers hash the
// domain as it arrives in the message, so for them any case works as long
// as the message and the hash agree; Cyrus SASL upper-cases user and domain
// together before hashing, so `example\user` fails there unless the
// client upper-cases the domain too. Windows clients send the NetBIOS
// domain upper-case anyway, so upper-casing both the message and the hash
// (by handing go-ntlmssp the rewritten name) suits every server.
func ntlmIdentity(username string) (user, domain string) {
	d, u, ok := strings.Cut(username, `\`)
	if !ok {
		return username, ""
	}
	return u, strings.ToUpper(d)
}

// wireName is the user name handed to go-ntlmssp: DOMAIN\user with the
// domain upper-cased, or the name as typed.
func (c *ntlmClient) wireName() string {
	if u, d := ntlmIdentity(c.user); strings.Contains(c.user, `\`) {
		return d + `\` + u
	}
	return c.user
}

// ntlmDomainDetail says which NTLM domain a user name sends, for the
// authenticate step's detail.
func ntlmDomainDetail(username string) string {
	if _, d := ntlmIdentity(username); d != "" {
		return "NTLM domain " + d
	}
	return "empty NTLM domain"
}

func (c *ntlmClient) Start() (string, []byte, error) {
	neg, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		return "", nil, fmt.Errorf("ntlm negotiate: %w", err)
	}
	c.sent = 1
	return mechNTLM, neg, nil
}

func (c *ntlmClient) Next(challenge []byte) ([]byte, error) {
	if c.sent != 1 {
		return nil, errors.New("ntlm: unexpected challenge")
	}
	if len(challenge) == 0 {
		return nil, errors.New("ntlm: empty challenge from the server")
	}
	blob, err := ntlmssp.NewAuthenticateMessage(challenge, c.wireName(), c.password, nil)
	if err != nil {
		return nil, fmt.Errorf("ntlm: %w", err)
	}
	c.sent = 2
	if c.onBlob != nil {
		c.onBlob(base64.StdEncoding.EncodeToString(blob))
	}
	return blob, nil
}

// oauthFailure returns the token error a client recorded, if any.
func oauthFailure(c sasl.Client) *oauthError {
	switch c := c.(type) {
	case *xoauth2Client:
		return c.failure
	case *oauthBearerClient:
		return c.failure
	}
	return nil
}

// chooseOAuthMech picks XOAUTH2 or OAUTHBEARER: forced (option or config),
// else what the server offers, XOAUTH2 first (Microsoft offers only it).
// ok is false when the server offers neither (or not the forced one).
func chooseOAuthMech(forced string, offered []string) (string, bool) {
	has := func(m string) bool {
		for _, o := range offered {
			if strings.EqualFold(o, m) {
				return true
			}
		}
		return false
	}
	switch strings.ToLower(forced) {
	case "xoauth2":
		return mechXOAUTH2, has(mechXOAUTH2)
	case "oauthbearer":
		return mechOAUTHBEARER, has(mechOAUTHBEARER)
	}
	if has(mechXOAUTH2) {
		return mechXOAUTH2, true
	}
	if has(mechOAUTHBEARER) {
		return mechOAUTHBEARER, true
	}
	return mechXOAUTH2 + " or " + mechOAUTHBEARER, false
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
