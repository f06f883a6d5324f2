package config_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/mailsetup/mailsetup/config"
)

// FuzzParse feeds the strict loader arbitrary files. Parse must never
// panic; a config it accepts must survive Marshal and Parse unchanged; an
// error must never show an inline password or client secret.
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./config
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nusername = \"support@example.com\"\npassword = \"Secret-Pa55word\"\n",
		"version = 1\n[incoming]\nprotocol = \"pop3\"\nserver = \"192.0.2.1\"\nport = 995\nusername = \"u\"\npassword_file = \"/etc/mailsetup/secret\"\nsecurity = \"tls\"\ntimeout = \"45s\"\n",
		"version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nmailbox = \"INBOX/Bestätigungen\"\nusername = \"DOMAIN\\\\user\"\npassword_env = \"MAIL_PW\"\nauth = \"spa\"\nsecurity = \"starttls\"\nca_file = \"/etc/ssl/ca.pem\"\ntls_min_version = \"1.0\"\n",
		"version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"outlook.office365.com\"\nusername = \"a@b.example\"\nauth = \"oauth2\"\n[incoming.oauth2]\nprovider = \"microsoft\"\nclient_id = \"abc\"\ntoken_file = \"/var/lib/mailsetup/token.json\"\nscopes = []\n",
		"version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nusername = \"u\"\npassword = 12345678901\n",
		"version = 1\n[incoming]\nprotocol = \"imap\"\nserver = \"mail.example.com\"\nusername = \"u\"\npassword = \"Secret-Pa55word\"\npasword = \"x\"\n",
		"version = 2\n",
		"\xef\xbb\xbfversion = 1\r\n[incoming]\r\nport = \"993\"\r\n",
		"[incoming\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := config.Parse(data, "fuzz.toml")
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config with the error %v", err)
			}
			for _, s := range secretsIn(data) {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("the error shows the secret %q:\n%v", s, err)
				}
			}
			return
		}
		out, err := config.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a config Parse accepted: %v\nconfig: %+v", err, c)
		}
		back, _, err := config.Parse(out, "marshalled.toml")
		if err != nil {
			t.Fatalf("Parse(Marshal(c)): %v\nmarshalled:\n%s", err, out)
		}
		want, got := normalize(*c), normalize(*back)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(Marshal(c)) changed the config\n got %+v\nwant %+v\nmarshalled:\n%s", got, want, out)
		}
	})
}

// normalize clears what Marshal may legitimately write differently: an
// empty mailbox (omitted, so the default comes back) and an empty scope
// list (omitted).
func normalize(c config.Config) config.Config {
	if c.Incoming.Mailbox == "" {
		c.Incoming.Mailbox = config.DefaultMailbox
	}
	if o := c.Incoming.OAuth2; o != nil {
		cp := *o
		if len(cp.Scopes) == 0 {
			cp.Scopes = nil
		}
		c.Incoming.OAuth2 = &cp
	}
	return c
}

// secretsIn returns the inline secrets of data (incoming.password and
// incoming.oauth2.client_secret) that are long enough and occur only once
// in data, so that finding one in an error can only mean it was copied
// from its own key.
func secretsIn(data []byte) []string {
	var doc struct {
		Incoming struct {
			Password any `toml:"password"`
			OAuth2   struct {
				ClientSecret any `toml:"client_secret"`
			} `toml:"oauth2"`
		} `toml:"incoming"`
	}
	if toml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	for _, v := range []any{doc.Incoming.Password, doc.Incoming.OAuth2.ClientSecret} {
		s, ok := v.(string)
		if !ok || utf8.RuneCountInString(strings.TrimSpace(s)) < 8 || strings.Count(string(data), s) != 1 {
			continue
		}
		out = append(out, s)
	}
	return out
}
