package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mailsetup/mailsetup/config"
)

// register adds the flag to fl.
func (k keyFlag) register(fl *pflag.FlagSet) {
	switch k.name {
	case "port":
		fl.Int(k.name, 0, k.usage)
	case "reject-invalid-certificates":
		fl.Bool(k.name, true, k.usage)
	case "oauth2-scopes":
		fl.StringSlice(k.name, nil, k.usage)
	default:
		fl.String(k.name, "", k.usage)
	}
}

// str makes a keyFlag for a string key; it sets the key only when the flag
// (or its environment variable) was given.
func str(name, usage string, field func(*config.Config) *string) keyFlag {
	return keyFlag{name: name, usage: usage, set: func(c *config.Config, fl *pflag.FlagSet) error {
		if !fl.Changed(name) {
			return nil
		}
		v, err := fl.GetString(name)
		if err != nil {
			return err
		}
		if choiceFlags[name] {
			// --protocol IMAP means "imap": the file gets the one spelling
			// it takes (the config file itself is strict about case).
			v = strings.ToLower(v)
		}
		if pathFlags[name] && v != "" {
			// The connector runs from another folder: store absolute paths.
			if v, err = filepath.Abs(v); err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
		}
		*field(c) = v
		return nil
	}}
}

// pathFlags are the flags that name a file; relative paths are made absolute.
var pathFlags = map[string]bool{
	"password-file": true, "ca-file": true, "oauth2-token-file": true, "oauth2-client-secret-file": true,
}

// choiceFlags are the flags that take one of a set of lower-case words;
// they accept any case.
var choiceFlags = map[string]bool{
	"protocol": true, "auth": true, "security": true,
	"oauth2-provider": true, "oauth2-flow": true, "oauth2-mechanism": true,
}

// oauth returns the [incoming.oauth2] table, creating it.
func oauth(c *config.Config) *config.OAuth2 {
	if c.Incoming.OAuth2 == nil {
		c.Incoming.OAuth2 = &config.OAuth2{}
	}
	return c.Incoming.OAuth2
}

// keyFlags lists one flag per config key.
func keyFlags() []keyFlag {
	in := func(f func(*config.Incoming) *string) func(*config.Config) *string {
		return func(c *config.Config) *string { return f(&c.Incoming) }
	}
	oa := func(f func(*config.OAuth2) *string) func(*config.Config) *string {
		return func(c *config.Config) *string { return f(oauth(c)) }
	}
	return []keyFlag{
		str("protocol", `"imap" (IMAP4) or "pop3" (POP3)`, in(func(i *config.Incoming) *string { return &i.Protocol })),
		str("server", "incoming mail server `name`", in(func(i *config.Incoming) *string { return &i.Server })),
		{name: "port", usage: "server port (default: 993/143 for IMAP, 995/110 for POP3, by security)", set: func(c *config.Config, fl *pflag.FlagSet) error {
			if !fl.Changed("port") {
				return nil
			}
			v, err := fl.GetInt("port")
			c.Incoming.Port = v
			return err
		}},
		str("mailbox", "the IMAP `folder` to pull from (default INBOX), e.g. INBOX/Support", in(func(i *config.Incoming) *string { return &i.Mailbox })),
		str("username", "mailbox user `name`", in(func(i *config.Incoming) *string { return &i.Username })),
		str("password-file", "store a reference to a `file` holding the password (must not be readable by others)", in(func(i *config.Incoming) *string { return &i.PasswordFile })),
		str("password-env", "store a reference to the environment `variable` holding the password", in(func(i *config.Incoming) *string { return &i.PasswordEnv })),
		str("password-command", "store a `command` that prints the password; it runs through /bin/sh -c (shell syntax applies) when the password is needed", in(func(i *config.Incoming) *string { return &i.PasswordCommand })),
		str("auth", `"password", "spa" (Secure Password Authentication, NTLM) or "oauth2"`, in(func(i *config.Incoming) *string { return &i.Auth })),
		str("security", `"none", "starttls-if-available", "starttls" or "tls"`, in(func(i *config.Incoming) *string { return &i.Security })),
		{name: "reject-invalid-certificates", usage: "refuse a server whose certificate fails validation", set: func(c *config.Config, fl *pflag.FlagSet) error {
			v, err := fl.GetBool("reject-invalid-certificates")
			c.Incoming.RejectInvalidCertificates = v
			return err
		}},
		str("ca-file", "a PEM `file` of a CA to trust in addition to the system's", in(func(i *config.Incoming) *string { return &i.CAFile })),
		str("pinned-certificate-sha256", "trust exactly the certificate with this SHA-256 `fingerprint`", in(func(i *config.Incoming) *string { return &i.PinnedCertificateSHA256 })),
		str("tls-min-version", `lowest TLS version: "1.0", "1.1", "1.2" (default) or "1.3"`, in(func(i *config.Incoming) *string { return &i.TLSMinVersion })),
		str("tls-server-name", "`name` to verify in the certificate when the server is an IP address or an alias", in(func(i *config.Incoming) *string { return &i.TLSServerName })),
		{name: "timeout", usage: "network timeout for the connector and the test, e.g. 30s", set: func(c *config.Config, fl *pflag.FlagSet) error {
			if !fl.Changed("timeout") {
				return nil
			}
			v, _ := fl.GetString("timeout")
			if err := c.Incoming.Timeout.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("--timeout: %w", err)
			}
			return nil
		}},
		str("oauth2-provider", `with --auth oauth2: "microsoft", "google" or "custom"`, oa(func(o *config.OAuth2) *string { return &o.Provider })),
		str("oauth2-flow", `"device" (default) or "client-credentials"`, oa(func(o *config.OAuth2) *string { return &o.Flow })),
		str("oauth2-tenant", "Microsoft tenant (default common)", oa(func(o *config.OAuth2) *string { return &o.Tenant })),
		str("oauth2-client-id", "the OAuth 2.0 application (client) `id`", oa(func(o *config.OAuth2) *string { return &o.ClientID })),
		str("oauth2-client-secret-file", "`file` holding the client secret (client credentials)", oa(func(o *config.OAuth2) *string { return &o.ClientSecretFile })),
		str("oauth2-client-secret-env", "environment `variable` holding the client secret", oa(func(o *config.OAuth2) *string { return &o.ClientSecretEnv })),
		str("oauth2-client-secret-command", "`command` that prints the client secret; it runs through /bin/sh -c", oa(func(o *config.OAuth2) *string { return &o.ClientSecretCommand })),
		str("oauth2-token-file", "`file` where the refresh token is kept (0600)", oa(func(o *config.OAuth2) *string { return &o.TokenFile })),
		str("oauth2-mechanism", `"xoauth2" or "oauthbearer" (default: what the server offers)`, oa(func(o *config.OAuth2) *string { return &o.Mechanism })),
		str("oauth2-device-authorization-url", "custom provider: device authorization endpoint `URL`", oa(func(o *config.OAuth2) *string { return &o.DeviceAuthorizationURL })),
		str("oauth2-token-url", "custom provider: token endpoint `URL`", oa(func(o *config.OAuth2) *string { return &o.TokenURL })),
		str("oauth2-introspection-url", "custom provider: token introspection endpoint `URL`", oa(func(o *config.OAuth2) *string { return &o.IntrospectionURL })),
		{name: "oauth2-scopes", usage: "custom provider: scopes, comma-separated", set: func(c *config.Config, fl *pflag.FlagSet) error {
			if !fl.Changed("oauth2-scopes") {
				return nil
			}
			v, err := fl.GetStringSlice("oauth2-scopes")
			oauth(c).Scopes = v
			return err
		}},
	}
}
