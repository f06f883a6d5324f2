package tui

import (
	"strings"
)

// fieldLabel names a field for the user.
func fieldLabel(name string) string {
	switch n := strings.TrimPrefix(name, "incoming."); n {
	case "username":
		return "user name"
	case "auth":
		return "authentication"
	case "security":
		return "secure connection"
	case "reject_invalid_certificates":
		return "certificate check"
	case "ca_file":
		return "CA file"
	case "pinned_certificate_sha256":
		return "pinned certificate"
	case "tls_server_name":
		return "name to verify"
	case "protocol":
		return "account type"
	default:
		if strings.HasPrefix(n, "oauth2") {
			return oauthFieldLabel(n)
		}
		return strings.ReplaceAll(n, "_", " ")
	}
}
