package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// base returns a valid IMAP config with an inline password.
func base() Config {
	c := Default()
	c.Incoming.Server = "mail.example.com"
	c.Incoming.Username = "support@example.com"
	c.Incoming.Password = "secret"
	return c
}

// oauth returns a valid config with auth = "oauth2".
func oauth(o OAuth2) Config {
	c := base()
	c.Incoming.Password = ""
	c.Incoming.Auth = AuthOAuth2
	c.Incoming.OAuth2 = &o
	return c
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		key    string
		want   string
	}{
		{"unknown protocol", func(c *Config) { c.Incoming.Protocol = "smtp" }, "incoming.protocol",
			`incoming.protocol = "smtp" is not valid; use one of "imap", "pop3"`},
		{"empty protocol", func(c *Config) { c.Incoming.Protocol = "" }, "incoming.protocol",
			`incoming.protocol is missing; use one of "imap", "pop3"`},
		{"unknown security", func(c *Config) { c.Incoming.Security = "ssl" }, "incoming.security",
			`incoming.security = "ssl" is not valid; use one of "none", "starttls-if-available", "starttls", "tls"`},
		{"unknown auth", func(c *Config) { c.Incoming.Auth = "gssapi" }, "incoming.auth",
			`incoming.auth = "gssapi" is not valid; use one of "password", "spa", "oauth2"`},
		{"port 70000", func(c *Config) { c.Incoming.Port = 70000 }, "incoming.port",
			"incoming.port = 70000 is out of range; use 1-65535, or leave it out for the default (993)"},
		{"port negative", func(c *Config) { c.Incoming.Port = -1 }, "incoming.port", "out of range"},
		{"empty server", func(c *Config) { c.Incoming.Server = "" }, "incoming.server", "incoming.server is missing"},
		{"server with scheme", func(c *Config) { c.Incoming.Server = "imaps://mail.example.com" }, "incoming.server",
			`without a scheme; write only the name, e.g. "mail.example.com"`},
		{"server with port", func(c *Config) { c.Incoming.Server = "mail.example.com:993" }, "incoming.server",
			`must not include a port; write server = "mail.example.com" and port = 993`},
		{"server with space", func(c *Config) { c.Incoming.Server = "mail example.com" }, "incoming.server", "must not contain spaces"},
		{"server is an email address", func(c *Config) { c.Incoming.Server = "support@example.com" }, "incoming.server", "looks like an email address"},
		{"server bracketed IPv6", func(c *Config) { c.Incoming.Server = "[::1]" }, "incoming.server", "without brackets"},
		{"server with path", func(c *Config) { c.Incoming.Server = "mail.example.com/owa" }, "incoming.server", "without a path"},
		{"empty username", func(c *Config) { c.Incoming.Username = " " }, "incoming.username", "incoming.username is missing"},
		{"username with newline", func(c *Config) { c.Incoming.Username = "a\nb" }, "incoming.username", "control characters"},
		{"no password", func(c *Config) { c.Incoming.Password = "" }, "incoming.password",
			"no password is set; set exactly one of password, password_file, password_env, password_command"},
		{"two password sources", func(c *Config) { c.Incoming.PasswordCommand = "pass show mail" }, "incoming.password_command",
			"both password and password_command are set; keep exactly one"},
		{"relative password_file", func(c *Config) { c.Incoming.Password, c.Incoming.PasswordFile = "", "secret" }, "incoming.password_file",
			"must be an absolute path"},
		{"bad env name", func(c *Config) { c.Incoming.Password, c.Incoming.PasswordEnv = "", "$PW" }, "incoming.password_env",
			"is not an environment variable name"},
		{"empty IMAP mailbox", func(c *Config) { c.Incoming.Mailbox = "" }, "incoming.mailbox", "incoming.mailbox is empty"},
		{"mailbox with CRLF", func(c *Config) { c.Incoming.Mailbox = "INBOX\r\nA1 DELETE INBOX" }, "incoming.mailbox", "line breaks"},
		{"tls_min_version", func(c *Config) { c.Incoming.TLSMinVersion = "1.4" }, "incoming.tls_min_version",
			`incoming.tls_min_version = "1.4" is not valid; use one of "1.0", "1.1", "1.2", "1.3"`},
		{"pin too short", func(c *Config) { c.Incoming.PinnedCertificateSHA256 = "ABCD" }, "incoming.pinned_certificate_sha256", "64 hex digits"},
		{"pin not hex", func(c *Config) { c.Incoming.PinnedCertificateSHA256 = strings.Repeat("G", 64) }, "incoming.pinned_certificate_sha256", "64 hex digits"},
		{"pin bad colons", func(c *Config) { c.Incoming.PinnedCertificateSHA256 = "A:" + strings.Repeat("B", 62) }, "incoming.pinned_certificate_sha256", "64 hex digits"},
		{"tls_server_name with port", func(c *Config) { c.Incoming.TLSServerName = "mail.example.com:993" }, "incoming.tls_server_name", "is not a host name"},
		{"relative ca_file", func(c *Config) { c.Incoming.CAFile = "ca.pem" }, "incoming.ca_file", "absolute path"},
		{"negative timeout", func(c *Config) { c.Incoming.Timeout.Duration = -time.Second }, "incoming.timeout", "is negative"},
		{"invalid UTF-8 password", func(c *Config) { c.Incoming.Password = "caf\xe9" }, "incoming.password", "not valid UTF-8"},
		{"version 2", func(c *Config) { c.Version = 2 }, "version", "version = 2 is not supported"},
		{"oauth2 table without oauth2 auth", func(c *Config) { c.Incoming.OAuth2 = &OAuth2{Provider: "google", ClientID: "x"} }, "incoming.oauth2",
			`[incoming.oauth2] is used only with auth = "oauth2"`},
		{"oauth2 without table", func(c *Config) { c.Incoming.Auth, c.Incoming.Password = AuthOAuth2, "" }, "incoming.oauth2",
			`auth = "oauth2" needs an [incoming.oauth2] table`},
		{"oauth2 with a password", func(c *Config) {
			*c = oauth(OAuth2{Provider: "google", ClientID: "x"})
			c.Incoming.PasswordEnv = "PW"
		}, "incoming.password_env", `auth = "oauth2" uses no password; remove password_env`},
		{"oauth2 unknown provider", func(c *Config) { *c = oauth(OAuth2{Provider: "yahoo", ClientID: "x"}) }, "incoming.oauth2.provider",
			`use one of "microsoft", "google", "custom"`},
		{"oauth2 unknown flow", func(c *Config) { *c = oauth(OAuth2{Provider: "google", ClientID: "x", Flow: "implicit"}) }, "incoming.oauth2.flow",
			`use one of "device", "client-credentials"`},
		{"oauth2 unknown mechanism", func(c *Config) { *c = oauth(OAuth2{Provider: "google", ClientID: "x", Mechanism: "plain"}) }, "incoming.oauth2.mechanism",
			`use one of "xoauth2", "oauthbearer"`},
		{"oauth2 no client_id", func(c *Config) { *c = oauth(OAuth2{Provider: "google"}) }, "incoming.oauth2.client_id", "client_id is missing"},
		{"oauth2 custom without token_url", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", DeviceAuthorizationURL: "https://idp.example.com/device"})
		}, "incoming.oauth2.token_url", `provider = "custom" needs incoming.oauth2.token_url`},
		{"oauth2 custom device without device URL", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", TokenURL: "https://idp.example.com/token"})
		}, "incoming.oauth2.device_authorization_url", "needs incoming.oauth2.device_authorization_url"},
		{"oauth2 bad URL", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", Flow: FlowClientCredentials, ClientSecretEnv: "CS", TokenURL: "idp.example.com/token"})
		}, "incoming.oauth2.token_url", "is not a URL; use an absolute https:// URL"},
		{"oauth2 client credentials without secret", func(c *Config) {
			*c = oauth(OAuth2{Provider: "microsoft", ClientID: "x", Flow: FlowClientCredentials, Tenant: "contoso.onmicrosoft.com"})
		}, "incoming.oauth2.client_secret", `flow = "client-credentials" needs a client secret`},
		{"oauth2 client credentials with common tenant", func(c *Config) {
			*c = oauth(OAuth2{Provider: "microsoft", ClientID: "x", Flow: FlowClientCredentials, ClientSecretEnv: "CS"})
		}, "incoming.oauth2.tenant", `needs your directory's tenant ID or domain in incoming.oauth2.tenant (not "common")`},
		{"oauth2 google client credentials", func(c *Config) {
			*c = oauth(OAuth2{Provider: "google", ClientID: "x", Flow: FlowClientCredentials, ClientSecretEnv: "CS"})
		}, "incoming.oauth2.flow", "Google has no client-credentials flow"},
		{"oauth2 two client secrets", func(c *Config) {
			*c = oauth(OAuth2{Provider: "google", ClientID: "x", ClientSecret: "a", ClientSecretFile: "/etc/cs"})
		}, "incoming.oauth2.client_secret_file", "both client_secret and client_secret_file are set"},
		{"oauth2 relative token_file", func(c *Config) { *c = oauth(OAuth2{Provider: "google", ClientID: "x", TokenFile: "tok.json"}) },
			"incoming.oauth2.token_file", "absolute path"},
		{"oauth2 scope with space", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", TokenURL: "https://i/t", DeviceAuthorizationURL: "https://i/d", Scopes: []string{"a b"}})
		}, "incoming.oauth2.scopes", "one scope per string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			_, err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.Key != tt.key {
				t.Errorf("Key = %q, want %q (%v)", ve.Key, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("one mistake gave several errors: %q", err)
			}
		})
	}
}

func TestValidateValid(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
	}{
		{"base", func(*Config) {}},
		{"port 0 is the default", func(c *Config) { c.Incoming.Port = 0 }},
		{"port 1", func(c *Config) { c.Incoming.Port = 1 }},
		{"port 65535", func(c *Config) { c.Incoming.Port = 65535 }},
		{"version 0 from code", func(c *Config) { c.Version = 0 }},
		{"IPv4 server", func(c *Config) { c.Incoming.Server = "192.0.2.7" }},
		{"IPv6 server", func(c *Config) { c.Incoming.Server = "2001:db8::1" }},
		{"non-ASCII server", func(c *Config) { c.Incoming.Server = "mail.bücher.example" }},
		{"SPA DOMAIN\\user", func(c *Config) { c.Incoming.Auth, c.Incoming.Username = AuthSPA, `CORP\support` }},
		{"pin with colons", func(c *Config) {
			c.Incoming.PinnedCertificateSHA256 = strings.TrimSuffix(strings.Repeat("ab:", 32), ":")
		}},
		{"pin without colons", func(c *Config) { c.Incoming.PinnedCertificateSHA256 = strings.Repeat("AB", 32) }},
		{"password_file", func(c *Config) { c.Incoming.Password, c.Incoming.PasswordFile = "", "/etc/mailsetup/secret" }},
		{"password_env", func(c *Config) { c.Incoming.Password, c.Incoming.PasswordEnv = "", "MAIL_PW" }},
		{"password_command", func(c *Config) { c.Incoming.Password, c.Incoming.PasswordCommand = "", "systemd-creds cat pw" }},
		{"POP3 with empty mailbox", func(c *Config) { c.Incoming.Protocol, c.Incoming.Mailbox = ProtocolPOP3, "" }},
		{"oauth2 microsoft device", func(c *Config) { *c = oauth(OAuth2{Provider: "microsoft", ClientID: "x"}) }},
		{"oauth2 microsoft client credentials", func(c *Config) {
			*c = oauth(OAuth2{Provider: "microsoft", ClientID: "x", Flow: FlowClientCredentials, Tenant: "contoso.onmicrosoft.com", ClientSecretCommand: "cat /x"})
		}},
		{"oauth2 google device with secret", func(c *Config) {
			*c = oauth(OAuth2{Provider: "google", ClientID: "x", ClientSecretFile: "/etc/mailsetup/cs", Mechanism: MechanismOAUTHBEARER})
		}},
		{"oauth2 custom loopback http", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", TokenURL: "http://127.0.0.1:8080/token", DeviceAuthorizationURL: "http://localhost:8080/device"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			warnings, err := c.Validate()
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings = %v, want none", warnings)
			}
		})
	}
}

func TestValidateWarnings(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		keys   []string
		want   string
	}{
		{"mailbox with POP3", func(c *Config) { c.Incoming.Protocol, c.Incoming.Mailbox = ProtocolPOP3, "Support" },
			[]string{"incoming.mailbox"}, "has no effect with POP3"},
		{"ca_file with none", func(c *Config) {
			c.Incoming.Security, c.Incoming.CAFile, c.Incoming.Password, c.Incoming.PasswordEnv = SecurityNone, "/etc/ca.pem", "", "PW"
			c.Incoming.Auth = AuthSPA
		}, []string{"incoming.ca_file"}, `has no effect with security = "none"`},
		{"every TLS key with none", func(c *Config) {
			c.Incoming.Security, c.Incoming.Auth = SecurityNone, AuthSPA
			c.Incoming.CAFile, c.Incoming.TLSMinVersion, c.Incoming.TLSServerName = "/etc/ca.pem", "1.2", "mail"
			c.Incoming.PinnedCertificateSHA256, c.Incoming.RejectInvalidCertificates = strings.Repeat("00", 32), false
		}, []string{"incoming.ca_file", "incoming.pinned_certificate_sha256", "incoming.tls_min_version",
			"incoming.tls_server_name", "incoming.reject_invalid_certificates"}, "no TLS"},
		{"password in plain text", func(c *Config) { c.Incoming.Security = SecurityNone },
			[]string{"incoming.security"}, "the password is sent in plain text"},
		{"starttls-if-available", func(c *Config) { c.Incoming.Security = SecurityStartTLSIfAvailable },
			[]string{"incoming.security"}, "can be downgraded to plain text by anyone on the path"},
		{"TLS 1.0", func(c *Config) { c.Incoming.TLSMinVersion = "1.0" }, []string{"incoming.tls_min_version"}, "old and insecure"},
		{"TLS 1.1", func(c *Config) { c.Incoming.TLSMinVersion = "1.1" }, []string{"incoming.tls_min_version"}, "old and insecure"},
		{"certificates not checked", func(c *Config) { c.Incoming.RejectInvalidCertificates = false },
			[]string{"incoming.reject_invalid_certificates"}, "any certificate is accepted"},
		{"oauth2 endpoint with a built-in provider", func(c *Config) {
			*c = oauth(OAuth2{Provider: "google", ClientID: "x", TokenURL: "https://x/t", Scopes: []string{"a"}})
		}, []string{"incoming.oauth2.token_url", "incoming.oauth2.scopes"}, "used only with provider = \"custom\""},
		{"oauth2 tenant with google", func(c *Config) { *c = oauth(OAuth2{Provider: "google", ClientID: "x", Tenant: "t"}) },
			[]string{"incoming.oauth2.tenant"}, "used only with provider = \"microsoft\""},
		{"oauth2 plain http", func(c *Config) {
			*c = oauth(OAuth2{Provider: "custom", ClientID: "x", TokenURL: "http://idp.example.com/t", DeviceAuthorizationURL: "https://idp.example.com/d"})
		}, []string{"incoming.oauth2.token_url"}, "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			warnings, err := c.Validate()
			if err != nil {
				t.Fatalf("Validate: %v (warnings must never be errors)", err)
			}
			var keys []string
			for _, w := range warnings {
				keys = append(keys, w.Key)
				if !strings.Contains(w.String(), tt.want) || !strings.HasPrefix(w.String(), w.Key+": ") {
					t.Errorf("warning %q does not contain %q", w, tt.want)
				}
			}
			if strings.Join(keys, ",") != strings.Join(tt.keys, ",") {
				t.Errorf("warning keys = %v, want %v", keys, tt.keys)
			}
		})
	}
}

func TestValidateReportsEveryError(t *testing.T) {
	c := base()
	c.Incoming.Protocol, c.Incoming.Security, c.Incoming.Port = "smtp", "ssl", 70000
	_, err := c.Validate()
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ve *ValidationError
		if errors.As(e, &ve) {
			keys = append(keys, ve.Key)
		}
	}
	if got := strings.Join(keys, ","); got != "incoming.protocol,incoming.security,incoming.port" {
		t.Errorf("keys = %s", got)
	}
}

// TestValidateTLSServerName: a tls_server_name that names no host once
// trimmed would turn the host-name check off; it is an error naming the key
// and what to set. Real names and IP addresses stay valid.
func TestValidateTLSServerName(t *testing.T) {
	bad := []struct{ value, want string }{
		{".", "names no host"},
		{"..", "empty part between dots"},
		{"[]", "names no host"},
		{"[].", "names no host"},
		{"[.]", "names no host"},
		{" . ", "names no host"},
		{"\t", "names no host"},
		{"[mail.example.com]", "brackets without an IP address"},
		{"[mail", "brackets without an IP address"},
		{"mail]", "brackets without an IP address"},
		{".example.com", "empty part between dots"},
		{"mail..example.com", "empty part between dots"},
		{"mail.example.com..", "empty part between dots"},
	}
	for _, tt := range bad {
		t.Run(tt.value, func(t *testing.T) {
			c := base()
			c.Incoming.TLSServerName = tt.value
			_, err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Key != "incoming.tls_server_name" {
				t.Fatalf("tls_server_name = %q: err %v, want a *ValidationError for incoming.tls_server_name", tt.value, err)
			}
			for _, w := range []string{tt.want, "incoming.tls_server_name", "mail.example.com", "remove the key"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	for _, good := range []string{"mail.example.com", "mail.example.com.", "mail", "127.0.0.1", "::1"} {
		c := base()
		c.Incoming.TLSServerName = good
		if _, err := c.Validate(); err != nil {
			t.Errorf("tls_server_name = %q: %v, want valid", good, err)
		}
	}
}
