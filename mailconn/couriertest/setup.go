//go:build linux

package couriertest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"github.com/mailsetup/mailsetup/internal/shellquote"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// NonASCIIFolder is the non-ASCII folder below INBOX: "INBOX.Küche", which
// Courier stores in UTF-8 on disk and shows as "INBOX.K&APw-che" on the
// wire. It holds mailtest.NonASCIIContent.
const NonASCIIFolder = "Küche"

// install is what findInstall found.
type install struct {
	root     string // the unpacked packages
	uid, gid int    // the courier user, who owns the mail
}

// findInstall locates the unpacked Courier programs and the courier user.
func findInstall() (install, error) {
	dir := os.Getenv(EnvCourierDir)
	if dir == "" {
		dir = DefaultCourierDir
	}
	b := install{root: filepath.Join(dir, "root")}
	for _, p := range []string{
		"usr/sbin/couriertcpd", "usr/bin/couriertls", "usr/bin/imapd",
		"usr/lib/courier/courier/imaplogin", "usr/lib/courier/courier/courierpop3login",
		"usr/lib/courier/courier/courierpop3d", "usr/lib/courier/courier-authlib/authdaemond",
		"usr/lib/courier/courier-authlib/makedatprog", "usr/lib/courier-authlib/libauthuserdb.so.0",
	} {
		if _, err := os.Stat(filepath.Join(b.root, p)); err != nil {
			return b, fmt.Errorf("courier not installed: %w", err)
		}
	}
	u, err := user.Lookup("courier")
	if err != nil {
		return b, fmt.Errorf("courier's system user: %w", err)
	}
	b.uid, _ = strconv.Atoi(u.Uid)
	b.gid, _ = strconv.Atoi(u.Gid)
	return b, nil
}

// listener is one couriertcpd.
type listener struct {
	name        string
	port        int
	pop3        bool
	implicitTLS bool
	env         []string
}

func (s *Server) listeners() []listener {
	imap := func(name string, port int, tlsOn bool, env ...string) listener {
		return listener{name: name, port: port, implicitTLS: tlsOn, env: env}
	}
	pop := func(name string, port int, tlsOn bool, env ...string) listener {
		return listener{name: name, port: port, pop3: true, implicitTLS: tlsOn, env: env}
	}
	return []listener{
		imap("imap", s.IMAP, false, "IMAP_STARTTLS=YES", "IMAP_TLS_REQUIRED=0"),
		imap("imaps", s.IMAPS, true, "IMAP_TLS=1", "IMAP_STARTTLS=NO", "IMAP_TLS_REQUIRED=0"),
		imap("imap-tls-required", s.IMAPTLSRequired, false, "IMAP_STARTTLS=YES", "IMAP_TLS_REQUIRED=1"),
		imap("imap-plain-only", s.IMAPPlainOnly, false, "IMAP_STARTTLS=NO", "IMAP_TLS_REQUIRED=0"),
		pop("pop3", s.POP3, false, "POP3_STARTTLS=YES", "POP3_TLS_REQUIRED=0"),
		pop("pop3s", s.POP3S, true, "POP3_TLS=1", "POP3_STARTTLS=NO", "POP3_TLS_REQUIRED=0"),
		pop("pop3-tls-required", s.POP3TLSRequired, false, "POP3_STARTTLS=YES", "POP3_TLS_REQUIRED=1"),
		pop("pop3-plain-only", s.POP3PlainOnly, false, "POP3_STARTTLS=NO", "POP3_TLS_REQUIRED=0"),
	}
}

// The environment of Debian's /etc/courier/imapd, imapd-ssl, pop3d and
// pop3d-ssl, as their init scripts export it.
const imapCapability = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"

var (
	imapEnv = []string{
		"IMAP_CAPABILITY=" + imapCapability,
		"IMAP_CAPABILITY_TLS=" + imapCapability + " AUTH=PLAIN",
		"IMAP_KEYWORDS=1", "IMAP_ACL=1", "IMAP_PROXY=0", "IMAP_IDLE_TIMEOUT=60",
		"IMAP_MAILBOX_SANITY_CHECK=1", "IMAP_DISABLETHREADSORT=0", "IMAP_CHECK_ALL_FOLDERS=0",
		"IMAP_OBSOLETE_CLIENT=0", "IMAP_USELOCKS=1", "IMAP_ENHANCEDIDLE=0",
		"IMAP_TRASHFOLDERNAME=Trash", "IMAP_MOVE_EXPUNGE_TO_TRASH=0",
		"IMAP_SHAREDINDEXFILE=/etc/courier/shared/index", "HEADERFROM=X-IMAP-Sender",
	}
	pop3Env = []string{"POP3AUTH=", "POP3AUTH_TLS=", "POP3_PROXY=0",
		"MIME_UNICODE_MESSAGE_TYPE=message/global"}
)

// nsScript runs in the rig's namespace with $1 the unpacked packages and
// $2 the Server's folder: it mounts the rig's files over Courier's
// compiled-in paths, starts authdaemond and the listeners of
// $2/listeners.sh, and waits for its standard input to close (see nsrig).
const nsScript = `set -eu
R=$1 D=$2
for m in /etc/courier /run/courier /usr/lib/courier /usr/lib/courier-authlib; do
	[ -d "$m" ] || mkdir -p "$m"
done
mount --bind "$D/etc" /etc/courier
mount --bind "$D/run" /run/courier
mount --bind "$R/usr/lib/courier" /usr/lib/courier
mount --bind "$R/usr/lib/courier-authlib" /usr/lib/courier-authlib
LD_LIBRARY_PATH=$R/usr/lib /usr/lib/courier/courier-authlib/authdaemond </dev/null >>"$D/log/authdaemond.log" 2>&1 &
. "$D/listeners.sh"
read -r _ || true
`

// writeFiles writes the certificate, authdaemonrc, the userdb, the
// listeners' script and the users' mail.
func (s *Server) writeFiles(b install) error {
	for _, d := range []string{"etc/shared", "run/authdaemon", "log", "home"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	caPEM, certPEM, keyPEM, err := mailtest.CertPEM(mailtest.CertValid)
	if err != nil {
		return err
	}
	s.CAPEM = caPEM
	pem := filepath.Join(s.Dir, "etc", "server.pem")
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{s.CAFile, caPEM, 0o644},
		{pem, append(append([]byte{}, keyPEM...), certPEM...), 0o600},
		{filepath.Join(s.Dir, "etc", "authdaemonrc"), []byte(authdaemonrc), 0o644},
		{filepath.Join(s.Dir, "run", "tlscache"), nil, 0o600},
		{filepath.Join(s.Dir, "listeners.sh"), []byte(s.listenersScript(b)), 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	// couriertls reads the certificate and its cache as the courier user.
	for _, p := range []string{pem, filepath.Join(s.Dir, "run", "tlscache")} {
		if err := os.Chown(p, b.uid, b.gid); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	if err := s.writeUserdb(b); err != nil {
		return err
	}
	for _, u := range mailtest.Users {
		home := filepath.Join(s.Dir, "home", u.Name)
		if err := seedMaildir(filepath.Join(home, "Maildir"), u); err != nil {
			return err
		}
		if err := nsrig.ChownTree("mail", home, b.uid, b.gid); err != nil {
			return err
		}
	}
	return nil
}

const authdaemonrc = `authmodulelist="authuserdb"
daemons=3
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
`

// listenersScript starts one couriertcpd per listener, each with a clean
// environment as Courier's init scripts give it.
func (s *Server) listenersScript(b install) string {
	var sb strings.Builder
	q := shellquote.Quote
	for _, l := range s.listeners() {
		env := []string{"LD_LIBRARY_PATH=$R/usr/lib", "PATH=/usr/bin:/bin",
			"COURIERTLS=$R/usr/bin/couriertls", "TLS_CERTFILE=/etc/courier/server.pem",
			"TLS_VERIFYPEER=NONE", "TLS_CACHEFILE=/run/courier/tlscache", "TLS_CACHESIZE=524288"}
		prog := "/usr/lib/courier/courier/imaplogin \"$R/usr/bin/imapd\" Maildir"
		extra := imapEnv
		if l.pop3 {
			prog = "/usr/lib/courier/courier/courierpop3login /usr/lib/courier/courier/courierpop3d Maildir"
			extra = pop3Env
		}
		fmt.Fprintf(&sb, "env -i")
		for _, e := range env {
			fmt.Fprintf(&sb, " \"%s\"", e) // $R expands
		}
		for _, e := range append(append([]string{}, extra...), l.env...) {
			fmt.Fprintf(&sb, " %s", q(e))
		}
		fmt.Fprintf(&sb, " \"$R/usr/sbin/couriertcpd\" -address=127.0.0.1 -maxprocs=40 -maxperip=40"+
			" -nodnslookup -noidentlookup -stderr=\"$D/log/%s.log\" %d", l.name, l.port)
		if l.implicitTLS {
			sb.WriteString(" \"$R/usr/bin/couriertls\" -server -tcpd -user=courier")
		}
		fmt.Fprintf(&sb, " %s </dev/null >>\"$D/log/%s.log\" 2>&1 &\n", prog, l.name)
	}
	return sb.String()
}

// writeUserdb makes Courier's userdb.dat and userdbshadow.dat (what
// makeuserdb makes, without Perl): every user's mail is owned by the
// courier user; passwords are {SHA256} hashes of their UTF-8 bytes.
func (s *Server) writeUserdb(b install) error {
	var db, shadow strings.Builder
	for _, u := range mailtest.Users {
		home := filepath.Join(s.Dir, "home", u.Name)
		fmt.Fprintf(&db, "%s\tuid=%d|gid=%d|home=%s|mail=%s|_=\n", u.Name, b.uid, b.gid, home, filepath.Join(home, "Maildir"))
		sum := sha256.Sum256([]byte(u.Password))
		fmt.Fprintf(&shadow, "%s\tsystempw={SHA256}%s\n", u.Name, base64.StdEncoding.EncodeToString(sum[:]))
	}
	makedat := filepath.Join(b.root, "usr/lib/courier/courier-authlib/makedatprog")
	for _, f := range []struct{ name, text string }{{"userdb", db.String()}, {"userdbshadow", shadow.String()}} {
		cmd := exec.Command(makedat, "-", filepath.Join(s.Dir, "etc", f.name+".tmp"), filepath.Join(s.Dir, "etc", f.name+".dat"))
		cmd.Stdin = strings.NewReader(f.text + ".\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("makedatprog %s: %w: %s", f.name, err, out)
		}
	}
	return nil
}

// seedMaildir writes INBOX, INBOX.Support and INBOX.Küche as Maildir++
// (folder names in UTF-8, as Courier 5 stores them) with the mailtest
// messages: seen ones in cur/ with the S flag, the others in new/, each
// file's mtime its date.
func seedMaildir(maildir string, u mailtest.User) error {
	for _, mb := range []struct {
		dir      string
		messages []mailtest.Message
	}{
		{maildir, mailtest.InboxContent},
		{filepath.Join(maildir, "."+mailtest.SupportFolder), mailtest.SupportContent},
		{filepath.Join(maildir, "."+NonASCIIFolder), mailtest.NonASCIIContent},
	} {
		if err := nsrig.WriteMaildir(mb.dir, "couriertest", u, mb.messages); err != nil {
			return err
		}
		if mb.dir != maildir {
			if err := os.WriteFile(filepath.Join(mb.dir, "maildirfolder"), nil, 0o600); err != nil {
				return fmt.Errorf("seed maildir: %w", err)
			}
		}
	}
	return nil
}
