//go:build linux

package mailutilstest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// NonASCIIFolder is the non-ASCII folder at the top level: "Küche",
// "K&APw-che" on the wire and on disk. It holds mailtest.NonASCIIContent.
// mailtest.SupportFolder ("Support") is at the top level too and holds
// mailtest.SupportContent.
const NonASCIIFolder = "Küche"

// firstUID is the uid of the first of mailtest.Users in the rig's private
// /etc/passwd; the others follow. The mail belongs to them.
const (
	firstUID = 60001
	usersGID = 100
)

// install is what findInstall found.
type install struct {
	imap4d, pop3d, popauth, openssl string
}

// findInstall locates imap4d, pop3d and openssl (which hashes the users'
// passwords for /etc/shadow).
func findInstall() (install, error) {
	b := install{imap4d: "/usr/sbin/imap4d", pop3d: "/usr/sbin/pop3d", popauth: "/usr/bin/popauth"}
	for _, p := range []string{b.imap4d, b.pop3d, b.popauth} {
		if _, err := os.Stat(p); err != nil {
			return b, fmt.Errorf("mailutils not installed: %w", err)
		}
	}
	var err error
	if b.openssl, err = exec.LookPath("openssl"); err != nil {
		return b, fmt.Errorf("openssl not installed: %w", err)
	}
	return b, nil
}

// listener is one server block of imap4d or pop3d.
type listener struct {
	port        int
	pop3        bool
	implicitTLS bool
	mode        string // tls-mode
}

func (s *Server) listeners() []listener {
	return []listener{
		{port: s.IMAP, mode: "ondemand"},
		{port: s.IMAPS, implicitTLS: true, mode: "connection"},
		{port: s.IMAPTLSRequired, mode: "required"},
		{port: s.IMAPPlainOnly, mode: "no"},
		{port: s.POP3, pop3: true, mode: "ondemand"},
		{port: s.POP3S, pop3: true, implicitTLS: true, mode: "connection"},
		{port: s.POP3TLSRequired, pop3: true, mode: "required"},
		{port: s.POP3PlainOnly, pop3: true, mode: "no"},
	}
}

// nsScript runs in the rig's namespace with $1 the Server's folder: it
// mounts the rig's passwd and shadow over the system's (Mailutils signs in
// system users), hides a running nscd's cache, starts imap4d and pop3d in
// the foreground, and waits for its standard input to close (see nsrig).
const nsScript = `set -eu
D=$1
mount --bind "$D/etc/passwd" /etc/passwd
mount --bind "$D/etc/shadow" /etc/shadow
if [ -d /run/nscd ]; then mount -t tmpfs none /run/nscd; fi
/usr/sbin/imap4d --config-file="$D/imap4d.conf" </dev/null >>"$D/log/imap4d.log" 2>&1 &
/usr/sbin/pop3d --config-file="$D/pop3d.conf" </dev/null >>"$D/log/pop3d.log" 2>&1 &
read -r _ || true
`

// writeFiles writes the certificate, passwd, shadow, the two
// configurations and the users' mail.
func (s *Server) writeFiles(b install) error {
	for _, d := range []string{"etc", "log", "home", "lock"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	// pop3d's lock files are written as the user.
	if err := os.Chmod(filepath.Join(s.Dir, "lock"), 0o1777); err != nil {
		return fmt.Errorf("write server files: %w", err)
	}
	caPEM, certPEM, keyPEM, err := mailtest.CertPEM(mailtest.CertValid)
	if err != nil {
		return err
	}
	s.CAPEM = caPEM
	passwd, shadow, err := s.accounts(b)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{s.CAFile, caPEM, 0o644},
		{filepath.Join(s.Dir, "etc", "cert.pem"), certPEM, 0o644},
		{filepath.Join(s.Dir, "etc", "key.pem"), keyPEM, 0o600},
		{filepath.Join(s.Dir, "etc", "passwd"), passwd, 0o644},
		{filepath.Join(s.Dir, "etc", "shadow"), shadow, 0o640},
		{filepath.Join(s.Dir, "imap4d.conf"), []byte(s.conf(false)), 0o644},
		{filepath.Join(s.Dir, "pop3d.conf"), []byte(s.conf(true)), 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	if err := writeAPOP(b.popauth, filepath.Join(s.Dir, "etc")); err != nil {
		return err
	}
	for i, u := range mailtest.Users {
		home := filepath.Join(s.Dir, "home", u.Name)
		if err := seedMaildir(filepath.Join(home, "Maildir"), u); err != nil {
			return err
		}
		if err := nsrig.ChownTree("mail", home, firstUID+i, usersGID); err != nil {
			return err
		}
	}
	return nil
}

// writeAPOP makes pop3d's APOP database (clients such as curl prefer APOP
// when the greeting carries a timestamp, as pop3d's always does) with
// every user whose password has no blank: popauth's text format is
// "user password".
func writeAPOP(popauth, etc string) error {
	var text strings.Builder
	for _, u := range mailtest.Users {
		if !strings.ContainsAny(u.Password, " \t") {
			fmt.Fprintf(&text, "%s %s\n", u.Name, u.Password)
		}
	}
	src := filepath.Join(etc, "apop.txt")
	if err := os.WriteFile(src, []byte(text.String()), 0o600); err != nil {
		return fmt.Errorf("write APOP database: %w", err)
	}
	if out, err := exec.Command(popauth, "-c", "-f", src, "-o", filepath.Join(etc, "apop.db")).CombinedOutput(); err != nil {
		return fmt.Errorf("popauth: %w: %s", err, out)
	}
	return nil
}

// accounts returns the private /etc/passwd and /etc/shadow: the system's
// entries (root and the rest) and mailtest.Users, with SHA-512 crypt
// hashes from openssl.
func (s *Server) accounts(b install) (passwd, shadow []byte, err error) {
	ours := map[string]bool{}
	for _, u := range mailtest.Users {
		ours[u.Name] = true
	}
	keep := func(path string) ([]byte, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		var out bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			name, _, _ := strings.Cut(sc.Text(), ":")
			if !ours[name] {
				out.WriteString(sc.Text() + "\n")
			}
		}
		return out.Bytes(), nil
	}
	if passwd, err = keep("/etc/passwd"); err != nil {
		return nil, nil, err
	}
	if shadow, err = keep("/etc/shadow"); err != nil {
		return nil, nil, err
	}
	for i, u := range mailtest.Users {
		cmd := exec.Command(b.openssl, "passwd", "-6", "-stdin")
		cmd.Stdin = strings.NewReader(u.Password + "\n")
		out, err := cmd.Output()
		if err != nil {
			return nil, nil, fmt.Errorf("openssl passwd: %w", err)
		}
		hash := strings.TrimSpace(string(out))
		passwd = fmt.Appendf(passwd, "%s:x:%d:%d:mailutilstest:%s:/bin/sh\n", u.Name, firstUID+i, usersGID,
			filepath.Join(s.Dir, "home", u.Name))
		shadow = fmt.Appendf(shadow, "%s:%s:19000:0:99999:7:::\n", u.Name, hash)
	}
	return passwd, shadow, nil
}

// conf is imap4d's or pop3d's configuration: no syslog (the log goes to
// standard error), system users, each user's Maildir as INBOX and, for
// IMAP, as the personal namespace with '/' as delimiter, one server block
// per listener.
func (s *Server) conf(pop3 bool) string {
	var b strings.Builder
	d := s.Dir
	fmt.Fprintf(&b, `logging { syslog false; };
auth { authentication system; authorization system; };
mailbox { mailbox-pattern "maildir://%s/home/${user}/Maildir"; };
tls-file-checks { key-file none; cert-file none; ca-file none; };
tls { ssl-certificate-file "%s/etc/cert.pem"; ssl-key-file "%s/etc/key.pem"; };
mode daemon;
foreground true;
max-children 40;
`, d, d, d)
	if pop3 {
		fmt.Fprintf(&b, "mandatory-locking { enable true; lock-directory \"%s/lock\"; };\n", d)
		fmt.Fprintf(&b, "apop-database-file \"%s/etc/apop.db\";\napop-database-safety none;\n", d)
	} else {
		fmt.Fprintf(&b, `namespace personal { prefix "" { directory "%s/home/${user}/Maildir"; delimiter "/"; mailbox-type maildir; }; };
`, d)
	}
	for _, l := range s.listeners() {
		if l.pop3 == pop3 {
			fmt.Fprintf(&b, "server %s:%d { tls-mode %s; };\n", s.Host, l.port, l.mode)
		}
	}
	return b.String()
}

// seedMaildir writes INBOX, Support and Küche (a sub-maildir named in
// modified UTF-7, as imap4d names it) with the mailtest messages, LF line
// endings (pop3d rewrites messages to add X-UIDL; CRLF files lose their
// bodies): seen ones in cur/ with the S flag, the others in new/.
func seedMaildir(maildir string, u mailtest.User) error {
	for _, mb := range []struct {
		dir      string
		messages []mailtest.Message
	}{
		{maildir, mailtest.InboxContent},
		{filepath.Join(maildir, mailtest.SupportFolder), mailtest.SupportContent},
		{filepath.Join(maildir, mailtest.EncodeMUTF7(NonASCIIFolder)), mailtest.NonASCIIContent},
	} {
		if err := nsrig.WriteMaildir(mb.dir, "mailutilstest", u, mb.messages); err != nil {
			return err
		}
	}
	return nil
}
