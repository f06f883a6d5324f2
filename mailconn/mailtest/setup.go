package mailtest

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// remoteIP is where the Remote relays claim their clients come from
	// (TEST-NET-1, RFC 5737).
	remoteIP = "192.0.2.10"
	// plainOnlyIP is the destination the PlainOnly relays claim; Dovecot's
	// `local` block for it turns TLS off. Nothing listens on it.
	plainOnlyIP = "127.0.0.2"
)

// ids are the system users Dovecot runs as.
type ids struct {
	internalUser, internalGroup, loginUser string
	mailUID, mailGID                       int
	chown                                  bool // root: hand the mail to mailUID
}

// lookupIDs picks Dovecot's users: as root the Debian package's "dovecot"
// and "dovenull" (mail is owned by "dovecot"); otherwise the current user
// for everything.
func lookupIDs() (ids, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return ids{}, fmt.Errorf("current user: %w", err)
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getegid()))
		if err != nil {
			return ids{}, fmt.Errorf("current group: %w", err)
		}
		return ids{internalUser: u.Username, internalGroup: g.Name, loginUser: u.Username,
			mailUID: os.Geteuid(), mailGID: os.Getegid()}, nil
	}
	dv, err := user.Lookup("dovecot")
	if err != nil {
		return ids{}, fmt.Errorf("dovecot's system user: %w", err)
	}
	if _, err := user.Lookup("dovenull"); err != nil {
		return ids{}, fmt.Errorf("dovecot's login user: %w", err)
	}
	uid, _ := strconv.Atoi(dv.Uid)
	gid, _ := strconv.Atoi(dv.Gid)
	g, err := user.LookupGroupId(dv.Gid)
	if err != nil {
		return ids{}, fmt.Errorf("dovecot's system group: %w", err)
	}
	return ids{internalUser: "dovecot", internalGroup: g.Name, loginUser: "dovenull",
		mailUID: uid, mailGID: gid, chown: true}, nil
}

// makeDir makes the server's folder with a short, world-traversable path:
// Dovecot's unprivileged processes must reach it and its Unix sockets must
// stay under 108 bytes.
func makeDir() (string, error) {
	base := os.TempDir()
	if len(base) > 40 || strings.ContainsAny(base, " \t\"'#{}<>") {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "mt-")
	if err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("make server folder: %w", err)
	}
	return dir, nil
}

// writeFiles writes certificates, the passwd-file and the users' mail.
func (s *Server) writeFiles(p confParams, leafKP *keyPair, id ids) error {
	var passwd strings.Builder
	for _, u := range Users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s::::::\n", u.Name, u.Password)
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{s.CAFile, s.CAPEM, 0o644},
		{p.CertPath, leafKP.certPEM, 0o644},
		{p.KeyPath, leafKP.keyPEM, 0o600},
		{p.PasswdPath, []byte(passwd.String()), 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return fmt.Errorf("write server files: %w", err)
		}
	}
	for _, u := range Users {
		if err := seedMaildir(filepath.Join(p.HomeDir, u.Name, "Maildir"), s.Separator, u); err != nil {
			return err
		}
	}
	if !id.chown {
		return nil
	}
	err := filepath.WalkDir(p.HomeDir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, id.mailUID, id.mailGID)
	})
	if err != nil {
		return fmt.Errorf("hand mail to uid %d: %w", id.mailUID, err)
	}
	return nil
}

// reservePorts listens on n free loopback ports. Close them (release)
// just before the server binds them: another process may take one in
// between, which Start notices and retries.
func reservePorts(n int) ([]net.Listener, error) {
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			release(lns)
			return nil, fmt.Errorf("free port: %w", err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// release closes reserved ports; closing twice is harmless.
func release(lns []net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
}
