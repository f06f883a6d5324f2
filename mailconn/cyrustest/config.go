package cyrustest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// confParams fill the imapd.conf and cyrus.conf templates.
type confParams struct {
	Dir, Conf, Sasldb, Cert, Key string
	CtlCyrusdb, Imapd, Pop3d     string
	Host                         string
	IMAP, POP3, IMAPS, POP3S     int
	Realm                        string
}

// imapdConf is the Cyrus configuration shared by master, imapd, pop3d and
// ctl_cyrusdb. Notes on the less obvious settings:
//   - servername and defaultdomain are the lower-case realm: the SASL realm
//     of a user name without "@" is the server name, and sasldb keys are
//     "user@realm" (Cyrus lower-cases a realm given as user@REALM);
//   - virtdomains userid with that default domain maps "user@realm" to the
//     same mailbox as "user";
//   - failedloginpause 0: Cyrus otherwise sleeps 3 s after each failed
//     login, and tests try wrong passwords;
//   - allowplaintext: PLAIN and LOGIN before STARTTLS, as on many real
//     servers (the engine must warn, not the rig refuse);
//   - every path is inside Dir: nothing of the system's Cyrus
//     (/var/lib/cyrus, /run/cyrus) is touched.
var imapdConf = template.Must(template.New("imapd.conf").Parse(`# cyrustest: generated, removed with the test.
configdirectory: {{.Dir}}/config
defaultpartition: default
partition-default: {{.Dir}}/spool
proc_path: {{.Dir}}/config/proc
mboxname_lockpath: {{.Dir}}/config/lock
sievedir: {{.Dir}}/sieve
idlesocket: {{.Dir}}/config/socket/idle
notifysocket: {{.Dir}}/config/socket/notify
lmtpsocket: {{.Dir}}/config/socket/lmtp
servername: {{.Realm}}
defaultdomain: {{.Realm}}
virtdomains: userid
unixhierarchysep: yes
altnamespace: no
admins: cyrus
allowplaintext: yes
failedloginpause: 0
autocreate_quota: 0
autocreate_post: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {{.Sasldb}}
sasl_mech_list: PLAIN LOGIN NTLM
sasl_auto_transition: no
tls_server_cert: {{.Cert}}
tls_server_key: {{.Key}}
tls_versions: tls1_2 tls1_3
syslog_prefix: cyrustest
`))

// cyrusConf lists the master's services: the database recovery at start,
// then IMAP and POP3 (STARTTLS) and IMAPS and POP3S (implicit TLS, -s) on
// loopback. No events, no LMTP: nothing else runs.
var cyrusConf = template.Must(template.New("cyrus.conf").Parse(`# cyrustest: generated, removed with the test.
START {
  recover cmd="{{.CtlCyrusdb}} -C {{.Conf}} -r"
}
SERVICES {
  imap cmd="{{.Imapd}} -C {{.Conf}}" listen="{{.Host}}:{{.IMAP}}" prefork=0 maxchild=20
  pop3 cmd="{{.Pop3d}} -C {{.Conf}}" listen="{{.Host}}:{{.POP3}}" prefork=0 maxchild=20
  imaps cmd="{{.Imapd}} -s -C {{.Conf}}" listen="{{.Host}}:{{.IMAPS}}" prefork=0 maxchild=20
  pop3s cmd="{{.Pop3d}} -s -C {{.Conf}}" listen="{{.Host}}:{{.POP3S}}" prefork=0 maxchild=20
}
EVENTS {
}
`))

// configSubdirs are the folders Cyrus expects under configdirectory (the
// set Debian's makedirs script creates, without the hash levels).
var configSubdirs = []string{"db", "proc", "socket", "log", "msg", "user", "quota", "lock"}

// writeConfig makes the folder tree and writes imapd.conf and cyrus.conf.
func writeConfig(p confParams, cyrusConfPath string) error {
	for _, d := range configSubdirs {
		if err := os.MkdirAll(filepath.Join(p.Dir, "config", d), 0o755); err != nil {
			return fmt.Errorf("make cyrus folders: %w", err)
		}
	}
	for _, d := range []string{"spool", "sieve"} {
		if err := os.MkdirAll(filepath.Join(p.Dir, d), 0o755); err != nil {
			return fmt.Errorf("make cyrus folders: %w", err)
		}
	}
	for _, f := range []struct {
		path string
		tmpl *template.Template
	}{{p.Conf, imapdConf}, {cyrusConfPath, cyrusConf}} {
		var b bytes.Buffer
		if err := f.tmpl.Execute(&b, p); err != nil {
			return fmt.Errorf("write %s: %w", f.tmpl.Name(), err)
		}
		if err := os.WriteFile(f.path, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.tmpl.Name(), err)
		}
	}
	return nil
}
