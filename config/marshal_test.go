package config

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// everyKey returns valid configs that, together, set every key of the schema.
func everyKey() map[string]Config {
	full := base()
	in := &full.Incoming
	in.Port = 1993
	in.Mailbox = "INBOX/Support \"Tickets\" Ünïcödé"
	in.Username = `CORP\support`
	in.Password = "p\"a\\s\ts#w\no=rd ✓ \x01"
	in.Auth = AuthSPA
	in.Security = SecurityStartTLS
	in.RejectInvalidCertificates = false
	in.CAFile = "/etc/ssl/certs/internal ca.pem"
	in.PinnedCertificateSHA256 = strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
	in.TLSMinVersion = "1.3"
	in.TLSServerName = "mail.internal.example"
	in.Timeout = Duration{90 * time.Second}

	pop := base()
	pop.Incoming.Protocol = ProtocolPOP3
	pop.Incoming.Mailbox = "Archive"
	pop.Incoming.Password = ""
	pop.Incoming.PasswordFile = "/etc/mailsetup/secret"

	env := base()
	env.Incoming.Password = ""
	env.Incoming.PasswordEnv = "MAILCONNECTOR_PASSWORD"
	env.Incoming.Security = SecurityNone

	cmd := base()
	cmd.Incoming.Password = ""
	cmd.Incoming.PasswordCommand = `systemd-creds cat "mail password"`

	ms := oauth(OAuth2{
		Provider: ProviderMicrosoft, Flow: FlowClientCredentials, Tenant: "contoso.onmicrosoft.com",
		ClientID: "00000000-1111-2222-3333-444444444444", ClientSecret: "cs\"x",
		TokenFile: "/var/lib/mailsetup/oauth-token.json", Mechanism: MechanismXOAUTH2,
		IntrospectionURL: "https://login.example.com/introspect",
	})
	custom := oauth(OAuth2{
		Provider: ProviderCustom, ClientID: "mailsetup", ClientSecretFile: "/etc/mailsetup/client-secret",
		Mechanism: MechanismOAUTHBEARER, DeviceAuthorizationURL: "https://idp.example.com/device",
		AuthorizationURL: "https://idp.example.com/auth", TokenURL: "https://idp.example.com/token",
		Scopes: []string{"openid", "https://mail.example.com/imap", "offline_access"},
	})
	customEnv := oauth(OAuth2{Provider: ProviderCustom, Flow: FlowClientCredentials, ClientID: "x",
		ClientSecretEnv: "CLIENT_SECRET", TokenURL: "https://idp.example.com/token"})
	customCmd := oauth(OAuth2{Provider: ProviderCustom, Flow: FlowClientCredentials, ClientID: "x",
		ClientSecretCommand: "vault read -field=secret x", TokenURL: "https://idp.example.com/token"})
	return map[string]Config{
		"every incoming key": full, "pop3 with password_file": pop, "password_env": env,
		"password_command": cmd, "oauth2 microsoft": ms, "oauth2 custom": custom,
		"oauth2 client_secret_env": customEnv, "oauth2 client_secret_command": customCmd,
		"defaults": base(),
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	written := map[string]bool{}
	for name, c := range everyKey() {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Validate(); err != nil {
				t.Fatalf("test config is invalid: %v", err)
			}
			data, err := Marshal(&c)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := Parse(data, "roundtrip.toml")
			if err != nil {
				t.Fatalf("Parse(Marshal(c)): %v\n%s", err, data)
			}
			if !reflect.DeepEqual(*got, c) {
				t.Errorf("round trip changed the config\n got: %+v\nwant: %+v\nfile:\n%s", *got, c, data)
			}
			for _, m := range regexp.MustCompile(`(?m)^([a-z0-9_]+) = `).FindAllStringSubmatch(string(data), -1) {
				written[m[1]] = true
			}
		})
	}
	for _, f := range schemaFields() {
		if f.typ.Kind() == reflect.Struct && f.typ != durationType || f.typ.Kind() == reflect.Pointer {
			continue // a table
		}
		if !written[f.name] {
			t.Errorf("no round-trip config writes the key %s", joinKey(f.table, f.name))
		}
	}
}

func TestMarshalComments(t *testing.T) {
	c := everyKey()["every incoming key"]
	data, err := Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, "# Mail Connector — incoming mail server. Written by mailsetup.\n") {
		t.Errorf("no header comment:\n%s", s)
	}
	for line := range strings.Lines(s) {
		if strings.Contains(line, " = ") && !strings.HasPrefix(line, "#") && !strings.Contains(line, "  # ") {
			t.Errorf("key without a comment: %q", line)
		}
	}
	for _, want := range []string{
		`protocol = "imap"                 # "imap" (IMAP4) | "pop3" (POP3)` + "\n",
		`security = "starttls"             # "none" | "starttls-if-available" | "starttls" | "tls"` + "\n",
		`timeout = "1m30s"`,
		"port = 1993",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestMarshalDefaultPortAndPOP3Mailbox(t *testing.T) {
	c := base()
	c.Incoming.Protocol = ProtocolPOP3
	data, err := Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if strings.Contains(s, "\nmailbox") {
		t.Errorf("POP3 with the default mailbox writes a mailbox key:\n%s", s)
	}
	if strings.Contains(s, "\nport =") || !strings.Contains(s, "# port = 995") {
		t.Errorf("port 0 should be written as a comment showing 995:\n%s", s)
	}
}

func TestMarshalRefusesInvalidUTF8(t *testing.T) {
	c := base()
	c.Incoming.Password = "\xff"
	if _, err := Marshal(&c); err == nil || !strings.Contains(err.Error(), "incoming.password") {
		t.Errorf("err = %v, want one naming incoming.password", err)
	}
}
