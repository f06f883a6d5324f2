package config

import (
	"fmt"
	"time"
)

// SchemaVersion is the only config schema version this build reads and writes.
const SchemaVersion = 1

// Protocols.
const (
	ProtocolIMAP = "imap"
	ProtocolPOP3 = "pop3"
)

// Security modes, exactly as the seed help page defines them.
const (
	SecurityNone                = "none"                  // plain text
	SecurityStartTLSIfAvailable = "starttls-if-available" // STARTTLS when offered, else plain text (downgradable)
	SecurityStartTLS            = "starttls"              // STARTTLS or no connection
	SecurityTLS                 = "tls"                   // implicit TLS (SSL/TLS)
)

// Authentication methods.
const (
	AuthPassword = "password" // SASL PLAIN, else IMAP LOGIN / POP3 USER+PASS
	AuthSPA      = "spa"      // Secure Password Authentication = SASL NTLM
	AuthOAuth2   = "oauth2"   // XOAUTH2 / OAUTHBEARER with a token
)

// OAuth 2.0 providers, flows and SASL mechanisms of [incoming.oauth2].
const (
	ProviderMicrosoft = "microsoft"
	ProviderGoogle    = "google"
	ProviderCustom    = "custom"

	FlowDevice            = "device"             // device authorization grant (RFC 8628): a code to enter on another device
	FlowClientCredentials = "client-credentials" // client credentials grant: an app registration with a secret, no user

	MechanismXOAUTH2     = "xoauth2"
	MechanismOAUTHBEARER = "oauthbearer"
)

// Defaults.
const (
	DefaultMailbox = "INBOX"
	DefaultTimeout = 30 * time.Second
)

// Config is the whole file.
type Config struct {
	Version  int      `toml:"version" json:"version"`
	Incoming Incoming `toml:"incoming" json:"incoming"`
}

// Incoming is the [incoming] table: the mail server the connector pulls from.
type Incoming struct {
	Protocol                  string   `toml:"protocol" json:"protocol"`
	Server                    string   `toml:"server" json:"server"`
	Port                      int      `toml:"port,omitempty" json:"port,omitempty"`
	Mailbox                   string   `toml:"mailbox,omitempty" json:"mailbox,omitempty"`
	Username                  string   `toml:"username" json:"username"`
	Password                  string   `toml:"password,omitempty" json:"password,omitempty"`
	PasswordFile              string   `toml:"password_file,omitempty" json:"password_file,omitempty"`
	PasswordEnv               string   `toml:"password_env,omitempty" json:"password_env,omitempty"`
	PasswordCommand           string   `toml:"password_command,omitempty" json:"password_command,omitempty"`
	Auth                      string   `toml:"auth" json:"auth"`
	Security                  string   `toml:"security" json:"security"`
	RejectInvalidCertificates bool     `toml:"reject_invalid_certificates" json:"reject_invalid_certificates"`
	CAFile                    string   `toml:"ca_file,omitempty" json:"ca_file,omitempty"`
	PinnedCertificateSHA256   string   `toml:"pinned_certificate_sha256,omitempty" json:"pinned_certificate_sha256,omitempty"`
	TLSMinVersion             string   `toml:"tls_min_version,omitempty" json:"tls_min_version,omitempty"`
	TLSServerName             string   `toml:"tls_server_name,omitempty" json:"tls_server_name,omitempty"`
	Timeout                   Duration `toml:"timeout,omitempty" json:"timeout,omitzero"`
	OAuth2                    *OAuth2  `toml:"oauth2,omitempty" json:"oauth2,omitempty"`
}

// OAuth2 is the [incoming.oauth2] table, used only with auth = "oauth2".
type OAuth2 struct {
	Provider               string   `toml:"provider" json:"provider"`                 // "microsoft" | "google" | "custom"
	Flow                   string   `toml:"flow,omitempty" json:"flow,omitempty"`     // "device" | "client-credentials"
	Tenant                 string   `toml:"tenant,omitempty" json:"tenant,omitempty"` // microsoft only; default "common"
	ClientID               string   `toml:"client_id" json:"client_id"`               //
	ClientSecret           string   `toml:"client_secret,omitempty" json:"client_secret,omitempty"`
	ClientSecretFile       string   `toml:"client_secret_file,omitempty" json:"client_secret_file,omitempty"`
	ClientSecretEnv        string   `toml:"client_secret_env,omitempty" json:"client_secret_env,omitempty"`
	ClientSecretCommand    string   `toml:"client_secret_command,omitempty" json:"client_secret_command,omitempty"`
	TokenFile              string   `toml:"token_file,omitempty" json:"token_file,omitempty"`
	Mechanism              string   `toml:"mechanism,omitempty" json:"mechanism,omitempty"` // "xoauth2" | "oauthbearer"; empty: what the server offers
	DeviceAuthorizationURL string   `toml:"device_authorization_url,omitempty" json:"device_authorization_url,omitempty"`
	AuthorizationURL       string   `toml:"authorization_url,omitempty" json:"authorization_url,omitempty"`
	TokenURL               string   `toml:"token_url,omitempty" json:"token_url,omitempty"`
	IntrospectionURL       string   `toml:"introspection_url,omitempty" json:"introspection_url,omitempty"`
	Scopes                 []string `toml:"scopes,omitempty" json:"scopes,omitempty"`
}

// Default returns a config with every default filled in and no server or user.
func Default() Config {
	return Config{
		Version: SchemaVersion,
		Incoming: Incoming{
			Protocol:                  ProtocolIMAP,
			Mailbox:                   DefaultMailbox,
			Auth:                      AuthPassword,
			Security:                  SecurityTLS,
			RejectInvalidCertificates: true,
		},
	}
}

// DefaultPort is the usual port for a protocol and security mode:
// IMAP 993 with tls, else 143; POP3 995 with tls, else 110.
func DefaultPort(protocol, security string) int {
	tls := security == SecurityTLS
	switch {
	case protocol == ProtocolPOP3 && tls:
		return 995
	case protocol == ProtocolPOP3:
		return 110
	case tls:
		return 993
	default:
		return 143
	}
}

// EffectivePort is Port, or the default for the protocol and security when it is 0.
func (in *Incoming) EffectivePort() int {
	if in.Port != 0 {
		return in.Port
	}
	return DefaultPort(in.Protocol, in.Security)
}

// EffectiveMailbox is Mailbox, or INBOX when empty. POP3 has no folders.
func (in *Incoming) EffectiveMailbox() string {
	if in.Mailbox == "" {
		return DefaultMailbox
	}
	return in.Mailbox
}

// EffectiveTimeout is Timeout, or 30s when unset.
func (in *Incoming) EffectiveTimeout() time.Duration {
	if in.Timeout.Duration <= 0 {
		return DefaultTimeout
	}
	return in.Timeout.Duration
}

// Duration is a time.Duration written in TOML as a Go duration string ("30s").
type Duration struct{ time.Duration }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; use a number with a unit, like \"30s\" or \"1m\"", string(b))
	}
	d.Duration = v
	return nil
}

// IsZero lets omitempty drop an unset timeout.
func (d Duration) IsZero() bool { return d.Duration == 0 }
