package mailtest

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// oauth2Ext is Dovecot 2.3's oauth2 passdb settings file. Its keys have no
// "oauth2_" prefix. Every XOAUTH2 or OAUTHBEARER token is POSTed to the
// introspection URL (RFC 7662) as token=…; the answer must say
// "active": true and carry the user name in "username".
const oauth2Ext = `# written by mailtest: tokens are checked by RFC 7662 introspection
introspection_mode = post
introspection_url = %s
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
`

// writeOAuth2Ext writes the oauth2 passdb settings for introspectionURL.
func writeOAuth2Ext(path, introspectionURL string) error {
	u, err := url.Parse(introspectionURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsAny(introspectionURL, " \t\r\n\"'#{}<>") {
		return fmt.Errorf("dovecot oauth2: introspection URL %q: want http(s)://host:port/path", introspectionURL)
	}
	if err := os.WriteFile(path, []byte(fmt.Sprintf(oauth2Ext, introspectionURL)), 0o644); err != nil {
		return fmt.Errorf("dovecot oauth2: %w", err)
	}
	return nil
}
