package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidationError is a value the schema does not allow. Message names the
// key and the allowed values.
type ValidationError struct {
	File    string // set by Parse and Load; empty for a Config built in code
	Key     string // dotted key, e.g. "incoming.security"
	Message string
}

// Error returns "FILE: message", or the message alone without a file.
func (e *ValidationError) Error() string {
	if e.File != "" {
		return e.File + ": " + e.Message
	}
	return e.Message
}

// Warning is a setting that is allowed but has no effect or is unsafe.
type Warning struct {
	Key     string // dotted key, e.g. "incoming.mailbox"
	Message string
}

// String returns "key: message".
func (w Warning) String() string { return w.Key + ": " + w.Message }

var (
	protocols   = []string{ProtocolIMAP, ProtocolPOP3}
	securities  = []string{SecurityNone, SecurityStartTLSIfAvailable, SecurityStartTLS, SecurityTLS}
	auths       = []string{AuthPassword, AuthSPA, AuthOAuth2}
	tlsVersions = []string{"1.0", "1.1", "1.2", "1.3"}
	providers   = []string{ProviderMicrosoft, ProviderGoogle, ProviderCustom}
	flows       = []string{FlowDevice, FlowClientCredentials}
	mechanisms  = []string{MechanismXOAUTH2, MechanismOAUTHBEARER}
)

// validator collects errors and warnings.
type validator struct {
	errs     []error
	warnings []Warning
}

func (v *validator) fail(key, format string, args ...any) {
	v.errs = append(v.errs, &ValidationError{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(key, format string, args ...any) {
	v.warnings = append(v.warnings, Warning{Key: key, Message: fmt.Sprintf(format, args...)})
}

// oneOf checks that value is one of allowed; empty is allowed when optional.
func (v *validator) oneOf(key, value string, allowed []string, optional bool) bool {
	if optional && value == "" {
		return true
	}
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	if value == "" {
		v.fail(key, "%s is missing; use one of %s", key, quoteList(allowed))
	} else {
		v.fail(key, "%s = %q is not valid; use one of %s", key, value, quoteList(allowed))
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Validate checks every value of the config. The error is a
// *ValidationError, or several joined with errors.Join; warnings are keys
// with no effect in the chosen mode and unsafe choices. A Version of 0 is
// taken as the current version (a Config built in code).
func (c *Config) Validate() ([]Warning, error) {
	v := &validator{}
	if c.Version != 0 && c.Version != SchemaVersion {
		v.fail("version", "version = %d is not supported; this mailsetup reads version %d", c.Version, SchemaVersion)
	}
	c.Incoming.validate(v)
	if len(v.errs) > 0 {
		if len(v.errs) == 1 {
			return nil, v.errs[0]
		}
		return nil, errors.Join(v.errs...)
	}
	return v.warnings, nil
}

func (in *Incoming) validate(v *validator) {
	for _, s := range in.stringFields() {
		if !utf8.ValidString(s.value) {
			v.fail(s.key, "%s is not valid UTF-8 text; a TOML file holds UTF-8 only", s.key)
		}
	}
	v.oneOf("incoming.protocol", in.Protocol, protocols, false)
	secOK := v.oneOf("incoming.security", in.Security, securities, false)
	authOK := v.oneOf("incoming.auth", in.Auth, auths, false)
	validateServer(v, "incoming.server", in.Server, true)
	if in.Port < 0 || in.Port > 65535 {
		v.fail("incoming.port", "incoming.port = %d is out of range; use 1-65535, or leave it out for the default (%d)",
			in.Port, DefaultPort(in.Protocol, in.Security))
	}
	in.validateMailbox(v)
	if strings.TrimSpace(in.Username) == "" {
		v.fail("incoming.username", "incoming.username is missing; set the mailbox's login name, e.g. \"support@example.com\"")
	} else if hasControl(in.Username) {
		v.fail("incoming.username", "incoming.username must not contain control characters such as line breaks")
	}
	if authOK {
		in.validateCredentials(v)
	}
	if secOK {
		in.validateTLS(v)
	}
	if in.Timeout.Duration < 0 {
		v.fail("incoming.timeout", "incoming.timeout = %q is negative; use a positive duration like \"30s\", or leave it out for 30s", in.Timeout.String())
	}
}

func (in *Incoming) validateMailbox(v *validator) {
	if in.Protocol == ProtocolPOP3 {
		if in.Mailbox != "" && in.Mailbox != DefaultMailbox {
			v.warn("incoming.mailbox", "has no effect with POP3, which reads only the inbox; remove it or use protocol = \"imap\"")
		}
		return
	}
	switch {
	case in.Mailbox == "":
		v.fail("incoming.mailbox", "incoming.mailbox is empty; name a folder such as \"INBOX/Support\", or leave the key out for INBOX")
	case strings.ContainsAny(in.Mailbox, "\r\n\x00"):
		v.fail("incoming.mailbox", "incoming.mailbox must not contain line breaks or NUL characters")
	}
}

// passwordSources lists the password keys that are set.
func (in *Incoming) passwordSources() []string {
	var set []string
	for _, s := range []struct{ key, value string }{
		{"password", in.Password}, {"password_file", in.PasswordFile},
		{"password_env", in.PasswordEnv}, {"password_command", in.PasswordCommand},
	} {
		if s.value != "" {
			set = append(set, s.key)
		}
	}
	return set
}

func (in *Incoming) validateCredentials(v *validator) {
	sources := in.passwordSources()
	if in.Auth == AuthOAuth2 {
		if len(sources) > 0 {
			v.fail("incoming."+sources[0], "incoming.%s is set but auth = \"oauth2\" uses no password; remove %s (the token comes from [incoming.oauth2])", sources[0], strings.Join(sources, ", "))
		}
		if in.OAuth2 == nil {
			v.fail("incoming.oauth2", "auth = \"oauth2\" needs an [incoming.oauth2] table with at least provider and client_id")
			return
		}
		in.OAuth2.validate(v)
		return
	}
	if in.OAuth2 != nil {
		v.fail("incoming.oauth2", "[incoming.oauth2] is used only with auth = \"oauth2\"; remove the table or set incoming.auth = \"oauth2\"")
	}
	switch len(sources) {
	case 0:
		v.fail("incoming.password", "no password is set; set exactly one of password, password_file, password_env, password_command")
	case 1:
	default:
		v.fail("incoming."+sources[1], "both %s are set; keep exactly one of password, password_file, password_env, password_command", strings.Join(sources, " and "))
	}
	validatePath(v, "incoming.password_file", in.PasswordFile)
	if in.PasswordEnv != "" && !validEnvName(in.PasswordEnv) {
		v.fail("incoming.password_env", "incoming.password_env = %q is not an environment variable name; use letters, digits and _, like \"MAILCONNECTOR_PASSWORD\"", in.PasswordEnv)
	}
	if strings.ContainsAny(in.Password, "\x00") {
		v.fail("incoming.password", "incoming.password must not contain NUL characters")
	}
	if in.Auth == AuthPassword && in.Security == SecurityNone {
		v.warn("incoming.security", "with security = \"none\" the password is sent in plain text; anyone on the network path can read it")
	}
}

func (in *Incoming) validateTLS(v *validator) {
	if in.Security == SecurityStartTLSIfAvailable {
		v.warn("incoming.security", "\"starttls-if-available\" can be downgraded to plain text by anyone on the path; use \"starttls\" or \"tls\" if the server supports it")
	}
	v.oneOf("incoming.tls_min_version", in.TLSMinVersion, tlsVersions, true)
	if in.TLSMinVersion == "1.0" || in.TLSMinVersion == "1.1" {
		v.warn("incoming.tls_min_version", "TLS %s is old and insecure; use it only for a server that cannot do TLS 1.2", in.TLSMinVersion)
	}
	if in.PinnedCertificateSHA256 != "" && !validFingerprint(in.PinnedCertificateSHA256) {
		v.fail("incoming.pinned_certificate_sha256", "incoming.pinned_certificate_sha256 must be 64 hex digits (a SHA-256 fingerprint), with or without colons, like \"AB:CD:…\"")
	}
	if in.TLSServerName != "" {
		validateTLSServerName(v, in.TLSServerName)
	}
	validatePath(v, "incoming.ca_file", in.CAFile)
	if in.Security == SecurityNone {
		for _, k := range []struct {
			key string
			set bool
		}{
			{"ca_file", in.CAFile != ""},
			{"pinned_certificate_sha256", in.PinnedCertificateSHA256 != ""},
			{"tls_min_version", in.TLSMinVersion != ""},
			{"tls_server_name", in.TLSServerName != ""},
			{"reject_invalid_certificates", !in.RejectInvalidCertificates},
		} {
			if k.set {
				v.warn("incoming."+k.key, "has no effect with security = \"none\" (no TLS)")
			}
		}
		return
	}
	if !in.RejectInvalidCertificates && in.PinnedCertificateSHA256 == "" {
		v.warn("incoming.reject_invalid_certificates", "false: any certificate is accepted, so anyone on the path can pose as the server and read the password; prefer ca_file or pinned_certificate_sha256")
	}
}

func (o *OAuth2) validate(v *validator) {
	const t = "incoming.oauth2."
	providerOK := v.oneOf(t+"provider", o.Provider, providers, false)
	v.oneOf(t+"flow", o.Flow, flows, true)
	v.oneOf(t+"mechanism", o.Mechanism, mechanisms, true)
	if strings.TrimSpace(o.ClientID) == "" {
		v.fail(t+"client_id", "incoming.oauth2.client_id is missing; set the application (client) ID of your app registration")
	}
	var secrets []string
	for _, s := range []struct{ key, value string }{
		{"client_secret", o.ClientSecret}, {"client_secret_file", o.ClientSecretFile},
		{"client_secret_env", o.ClientSecretEnv}, {"client_secret_command", o.ClientSecretCommand},
	} {
		if s.value != "" {
			secrets = append(secrets, s.key)
		}
	}
	if len(secrets) > 1 {
		v.fail(t+secrets[1], "both %s are set; keep one of client_secret, client_secret_file, client_secret_env, client_secret_command", strings.Join(secrets, " and "))
	}
	validatePath(v, t+"client_secret_file", o.ClientSecretFile)
	validatePath(v, t+"token_file", o.TokenFile)
	if o.ClientSecretEnv != "" && !validEnvName(o.ClientSecretEnv) {
		v.fail(t+"client_secret_env", "incoming.oauth2.client_secret_env = %q is not an environment variable name; use letters, digits and _", o.ClientSecretEnv)
	}
	flow := o.EffectiveFlow()
	if flow == FlowClientCredentials && len(secrets) == 0 {
		v.fail(t+"client_secret", "flow = \"client-credentials\" needs a client secret; set one of client_secret_file, client_secret_env, client_secret_command or client_secret")
	}
	for _, u := range []struct{ key, value string }{
		{"device_authorization_url", o.DeviceAuthorizationURL}, {"authorization_url", o.AuthorizationURL},
		{"token_url", o.TokenURL}, {"introspection_url", o.IntrospectionURL},
	} {
		if u.value != "" {
			validateURL(v, t+u.key, u.value)
		}
	}
	for i, s := range o.Scopes {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\r\n") {
			v.fail(t+"scopes", "incoming.oauth2.scopes[%d] = %q is not a scope; write one scope per string, without spaces", i, s)
		}
	}
	if !providerOK {
		return
	}
	switch o.Provider {
	case ProviderCustom:
		if o.TokenURL == "" {
			v.fail(t+"token_url", "provider = \"custom\" needs incoming.oauth2.token_url, the token endpoint of your authorization server")
		}
		if flow == FlowDevice && o.DeviceAuthorizationURL == "" {
			v.fail(t+"device_authorization_url", "provider = \"custom\" with flow = \"device\" needs incoming.oauth2.device_authorization_url")
		}
	default:
		for _, k := range []struct {
			key string
			set bool
		}{
			{"device_authorization_url", o.DeviceAuthorizationURL != ""},
			{"authorization_url", o.AuthorizationURL != ""},
			{"token_url", o.TokenURL != ""},
			{"scopes", len(o.Scopes) > 0},
		} {
			if k.set {
				v.warn(t+k.key, "has no effect with provider = %q, whose endpoints and scopes are built in; it is used only with provider = \"custom\"", o.Provider)
			}
		}
	}
	switch {
	case o.Provider == ProviderMicrosoft && flow == FlowClientCredentials:
		switch strings.ToLower(o.Tenant) {
		case "", "common", "organizations", "consumers":
			v.fail(t+"tenant", "flow = \"client-credentials\" needs your directory's tenant ID or domain in incoming.oauth2.tenant (not %q), e.g. \"contoso.onmicrosoft.com\"", o.EffectiveTenant())
		}
	case o.Provider == ProviderGoogle && flow == FlowClientCredentials:
		v.fail(t+"flow", "Google has no client-credentials flow for mail; use flow = \"device\"")
	case o.Provider != ProviderMicrosoft && o.Tenant != "":
		v.warn(t+"tenant", "has no effect with provider = %q; it is used only with provider = \"microsoft\"", o.Provider)
	}
}

// EffectiveFlow is Flow, or "device" when empty.
func (o *OAuth2) EffectiveFlow() string {
	if o.Flow == "" {
		return FlowDevice
	}
	return o.Flow
}

// EffectiveTenant is Tenant, or "common" when empty (Microsoft only).
func (o *OAuth2) EffectiveTenant() string {
	if o.Tenant == "" {
		return "common"
	}
	return o.Tenant
}

// validateServer checks a host name or IP address: no scheme, port, path,
// brackets, user or spaces.
func validateServer(v *validator, key, s string, required bool) {
	if s == "" {
		if required {
			v.fail(key, "%s is missing; set the mail server's host name, e.g. \"mail.example.com\"", key)
		}
		return
	}
	if net.ParseIP(s) != nil {
		return
	}
	switch {
	case strings.Contains(s, "://"):
		v.fail(key, "%s = %q must be a host name without a scheme; write only the name, e.g. %q, and set protocol, security and port apart", key, s, hostOf(s))
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && net.ParseIP(s[1:len(s)-1]) != nil:
		v.fail(key, "%s = %q: write an IPv6 address without brackets, e.g. %q", key, s, s[1:len(s)-1])
	case strings.Contains(s, "@"):
		v.fail(key, "%s = %q looks like an email address; use the mail server's host name, e.g. \"mail.example.com\" (the address goes in username)", key, s)
	case strings.Contains(s, ":"):
		if h, p, err := net.SplitHostPort(s); err == nil && key == "incoming.server" {
			v.fail(key, "%s = %q must not include a port; write server = %q and port = %s", key, s, h, p)
		} else {
			v.fail(key, "%s = %q is not a host name; remove the \":\" and anything after it", key, s)
		}
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		v.fail(key, "%s = %q must not contain spaces; write only the host name, e.g. \"mail.example.com\"", key, s)
	case strings.ContainsAny(s, "/\\?#"):
		v.fail(key, "%s = %q is not a host name; write only the name, without a path", key, s)
	}
}

// validateTLSServerName refuses a tls_server_name that names no host once
// trimmed as the TLS check trims it (spaces, brackets, a final dot): such a
// name would leave the certificate's host name unchecked. Only
// reject_invalid_certificates = false or a pin turn that check off.
func validateTLSServerName(v *validator, s string) {
	const key = "incoming.tls_server_name"
	const fix = "set the name the server's certificate carries, e.g. \"mail.example.com\", or remove the key to check the certificate against server"
	t := strings.TrimSpace(s)
	inner := strings.TrimSuffix(strings.Trim(t, "[]"), ".")
	switch {
	case inner == "":
		v.fail(key, "%s = %q names no host, so no host name would be checked; %s", key, s, fix)
		return
	case (strings.HasPrefix(t, "[") || strings.HasSuffix(t, "]")) && net.ParseIP(strings.Trim(t, "[]")) == nil:
		v.fail(key, "%s = %q has brackets without an IP address in them; %s", key, s, fix)
		return
	case net.ParseIP(strings.Trim(t, "[]")) == nil && slices.Contains(strings.Split(inner, "."), ""):
		v.fail(key, "%s = %q is not a host name (it has an empty part between dots); %s", key, s, fix)
		return
	}
	validateServer(v, key, s, false)
}

// hostOf extracts the host of a URL-like string for a suggestion.
func hostOf(s string) string {
	if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "mail.example.com"
}

// validateURL checks an absolute http(s) URL; http only on loopback.
func validateURL(v *validator, key, s string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		v.fail(key, "%s = %q is not a URL; use an absolute https:// URL", key, s)
		return
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			v.warn(key, "uses plain http, so tokens and secrets cross the network unencrypted; use https")
		}
	}
}

// validatePath checks an optional file path: absolute (the connector does
// not run from the folder the admin typed it in), no line breaks.
func validatePath(v *validator, key, path string) {
	switch {
	case path == "":
	case strings.ContainsAny(path, "\r\n\x00"):
		v.fail(key, "%s must be a file path without line breaks", key)
	case !filepath.IsAbs(path):
		v.fail(key, "%s = %q must be an absolute path, like \"/etc/mailsetup/%s\"", key, path, filepath.Base(path))
	}
}

// validFingerprint accepts 64 hex digits, optionally as 32 colon-separated pairs.
func validFingerprint(s string) bool {
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) != 32 {
			return false
		}
		for _, p := range parts {
			if len(p) != 2 {
				return false
			}
		}
		s = strings.Join(parts, "")
	}
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func validEnvName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// stringFields lists every string value with its dotted key.
func (in *Incoming) stringFields() []struct{ key, value string } {
	out := []struct{ key, value string }{
		{"incoming.protocol", in.Protocol}, {"incoming.server", in.Server}, {"incoming.mailbox", in.Mailbox},
		{"incoming.username", in.Username}, {"incoming.password", in.Password},
		{"incoming.password_file", in.PasswordFile}, {"incoming.password_env", in.PasswordEnv},
		{"incoming.password_command", in.PasswordCommand}, {"incoming.auth", in.Auth},
		{"incoming.security", in.Security}, {"incoming.ca_file", in.CAFile},
		{"incoming.pinned_certificate_sha256", in.PinnedCertificateSHA256},
		{"incoming.tls_min_version", in.TLSMinVersion}, {"incoming.tls_server_name", in.TLSServerName},
	}
	if o := in.OAuth2; o != nil {
		const t = "incoming.oauth2."
		out = append(out, []struct{ key, value string }{
			{t + "provider", o.Provider}, {t + "flow", o.Flow}, {t + "tenant", o.Tenant},
			{t + "client_id", o.ClientID}, {t + "client_secret", o.ClientSecret},
			{t + "client_secret_file", o.ClientSecretFile}, {t + "client_secret_env", o.ClientSecretEnv},
			{t + "client_secret_command", o.ClientSecretCommand}, {t + "token_file", o.TokenFile},
			{t + "mechanism", o.Mechanism}, {t + "device_authorization_url", o.DeviceAuthorizationURL},
			{t + "authorization_url", o.AuthorizationURL}, {t + "token_url", o.TokenURL},
			{t + "introspection_url", o.IntrospectionURL},
		}...)
		for _, s := range o.Scopes {
			out = append(out, struct{ key, value string }{t + "scopes", s})
		}
	}
	return out
}
