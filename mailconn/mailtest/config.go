package mailtest

import (
	"fmt"
	"os"
	"strings"
	"text/template"
)

// confParams fills confTemplate.
type confParams struct {
	Instance                    string
	BaseDir, StateDir, LogPath  string
	CertPath, KeyPath           string
	PasswdPath, HomeDir         string
	Location                    string
	Sep                         string
	InternalUser, InternalGroup string
	LoginUser                   string
	MailUID, MailGID            int
	IMAP, IMAPS, IMAPProxy      int
	POP3, POP3S, POP3Proxy      int
	PlainOnlyIP                 string
	NoChroot                    bool   // not root: services cannot chroot
	OAuth2Args                  string // the oauth2 passdb's settings file; empty: no OAuth 2.0
	Mechanisms                  string // auth_mechanisms besides the OAuth 2.0 ones
}

// confTemplate is a complete Dovecot 2.3 configuration: it includes nothing
// from /etc/dovecot, and every path it writes is inside the rig's folder.
//
//   - Each protocol has three listeners: plain (with STARTTLS/STLS), implicit
//     TLS, and "proxied" (haproxy = yes) which only the in-test relays dial.
//   - The `local {{.PlainOnlyIP}}` block turns TLS off for connections whose
//     PROXY header names that destination: the plain-only listeners.
//   - disable_plaintext_auth = yes shows only on the remote relays: Dovecot
//     treats a client whose address equals its own as secured.
//   - Failed logins are answered at once. Three settings take part: the
//     anvil auth-penalty socket is unreachable (mode 0), else repeated
//     failures wait 2, 4, 8, 15 s; auth_failure_delay = 0; and a first
//     passdb that only adds the "nodelay" field (a failing passdb's own
//     fields are dropped), else Dovecot still queues each failure until its
//     next 0.5 s flush.
var confTemplate = template.Must(template.New("dovecot.conf").Parse(`# written by mailtest; includes nothing from /etc/dovecot
instance_name = {{.Instance}}
base_dir = {{.BaseDir}}
state_dir = {{.StateDir}}
log_path = {{.LogPath}}
info_log_path = {{.LogPath}}
debug_log_path = {{.LogPath}}
protocols = imap pop3
listen = 127.0.0.1
shutdown_clients = yes

default_internal_user = {{.InternalUser}}
default_internal_group = {{.InternalGroup}}
default_login_user = {{.LoginUser}}
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <{{.CertPath}}
ssl_key = <{{.KeyPath}}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
haproxy_trusted_networks = 127.0.0.0/8

auth_mechanisms = {{.Mechanisms}}{{if .OAuth2Args}} xoauth2 oauthbearer{{end}}
auth_failure_delay = 0
auth_verbose = yes
mail_max_userip_connections = 1000

mail_location = {{.Location}}
namespace inbox {
  inbox = yes
  separator = {{.Sep}}
}

# Adds "nodelay" and passes on: a failed login is answered at once instead
# of at the auth process's next 0.5 s failure flush.
passdb {
  driver = static
  args = noauthenticate=y nodelay=y
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.PasswdPath}}
}
{{- if .OAuth2Args}}
# XOAUTH2 and OAUTHBEARER tokens, checked by introspection (see oauth2.ext).
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {{.OAuth2Args}}
}
{{- end}}
userdb {
  driver = static
  args = uid={{.MailUID}} gid={{.MailGID}} home={{.HomeDir}}/%u
}

service anvil {
{{- if .NoChroot}}
  chroot =
{{- end}}
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

service imap-login {
{{- if .NoChroot}}
  chroot =
{{- end}}
  inet_listener imap {
    port = {{.IMAP}}
  }
  inet_listener imaps {
    port = {{.IMAPS}}
    ssl = yes
  }
  inet_listener proxied {
    port = {{.IMAPProxy}}
    haproxy = yes
  }
}

service pop3-login {
{{- if .NoChroot}}
  chroot =
{{- end}}
  inet_listener pop3 {
    port = {{.POP3}}
  }
  inet_listener pop3s {
    port = {{.POP3S}}
    ssl = yes
  }
  inet_listener proxied {
    port = {{.POP3Proxy}}
    haproxy = yes
  }
}

local {{.PlainOnlyIP}} {
  ssl = no
  disable_plaintext_auth = no
}
`))

// writeConf renders p into path.
func writeConf(path string, p confParams) error {
	for _, s := range []string{p.BaseDir, p.StateDir, p.LogPath, p.CertPath, p.KeyPath, p.PasswdPath, p.HomeDir} {
		if strings.ContainsAny(s, " \t\n\"'#{}<>") {
			return fmt.Errorf("dovecot config: unsafe path %q", s)
		}
	}
	var b strings.Builder
	if err := confTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("dovecot config: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("dovecot config: %w", err)
	}
	return nil
}
