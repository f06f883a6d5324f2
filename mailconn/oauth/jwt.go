package oauth

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Claims are the parts of a JWT access token that matter for mail, as
// Microsoft Entra ID issues them. The token's signature is not checked:
// they are read only to explain what a server will say.
type Claims struct {
	Audience   []string  // aud
	Scopes     []string  // scp (delegated permissions), split at spaces
	Roles      []string  // roles (application permissions)
	UPN        string    // upn
	UniqueName string    // unique_name
	Preferred  string    // preferred_username
	Email      string    // email
	TenantID   string    // tid
	AppID      string    // appid or azp
	Issuer     string    // iss
	Expires    time.Time // exp; zero if absent
	NotBefore  time.Time // nbf; zero if absent
	IssuedAt   time.Time // iat; zero if absent
}

// ParseClaims reads the payload of a JWT (header.payload.signature,
// base64url). ok is false for anything else, such as the opaque tokens of
// Google or of personal Microsoft accounts.
func ParseClaims(token string) (c Claims, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, false
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, false
	}
	c = Claims{
		Audience:   stringList(raw["aud"]),
		Scopes:     strings.Fields(str(raw["scp"])),
		Roles:      stringList(raw["roles"]),
		UPN:        str(raw["upn"]),
		UniqueName: str(raw["unique_name"]),
		Preferred:  str(raw["preferred_username"]),
		Email:      str(raw["email"]),
		TenantID:   str(raw["tid"]),
		AppID:      str(raw["appid"]),
		Issuer:     str(raw["iss"]),
		Expires:    unixTime(raw["exp"]),
		NotBefore:  unixTime(raw["nbf"]),
		IssuedAt:   unixTime(raw["iat"]),
	}
	if c.AppID == "" {
		c.AppID = str(raw["azp"])
	}
	return c, true
}

// Account is who the token was issued to: upn, else preferred_username,
// else unique_name, else email; "" for an app-only or opaque token.
func Account(token string) string {
	c, ok := ParseClaims(token)
	if !ok {
		return ""
	}
	return c.account()
}

func (c Claims) account() string {
	for _, s := range []string{c.UPN, c.Preferred, c.UniqueName, c.Email} {
		if s != "" {
			return s
		}
	}
	return ""
}

// names are every user name the token carries.
func (c Claims) names() []string {
	var out []string
	for _, s := range []string{c.UPN, c.Preferred, c.UniqueName, c.Email} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return clean(s, 200)
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{clean(v, 200)}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, clean(s, 200))
			}
		}
		return out
	}
	return nil
}

func unixTime(v any) time.Time {
	f, ok := v.(float64)
	if !ok || f <= 0 || f > math.MaxInt32*4 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}
