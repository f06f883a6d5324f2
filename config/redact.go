package config

import "slices"

// Redacted replaces a secret in the output of Redact.
const Redacted = "<redacted>"

// Redact returns a deep copy of c with the inline password and inline
// client secret replaced by "<redacted>" when they are set. References to
// secrets (file paths, variable names, commands) are not secrets and stay.
func Redact(c Config) Config {
	if c.Incoming.Password != "" {
		c.Incoming.Password = Redacted
	}
	if c.Incoming.OAuth2 != nil {
		o := *c.Incoming.OAuth2
		o.Scopes = slices.Clone(o.Scopes)
		if o.ClientSecret != "" {
			o.ClientSecret = Redacted
		}
		c.Incoming.OAuth2 = &o
	}
	return c
}
