package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// buildBinary builds cmd/mailsetup the way a release does (stripped,
// -trimpath, no cgo) into dir and returns its path.
func buildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "mailsetup")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin,
		"github.com/mailsetup/mailsetup/cmd/mailsetup")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// account is one thing to test: a protocol on a port of a server (or of a
// delay line in front of it).
type account struct {
	name     string // "IMAPS", "POP3S"
	protocol string
	port     int
	t        *target // the server; nil is the Dovecot rig
}

// writeConfig writes a config for acct at path, mode 0600, trusting the
// server's CA, with the user's password inline.
func writeConfig(path string, t *target, acct account) error {
	c := config.Default()
	c.Incoming.Protocol = acct.protocol
	c.Incoming.Server = t.host
	c.Incoming.Port = acct.port
	c.Incoming.Username = t.user
	c.Incoming.Password = t.password
	c.Incoming.CAFile = t.caFile
	if acct.protocol == config.ProtocolPOP3 {
		c.Incoming.Mailbox = ""
	}
	return config.Save(path, &c, config.SaveOptions{})
}

// mailsetupCmd is `mailsetup --config CFG test [extra…]`.
func mailsetupCmd(bin, cfg string, extra ...string) *exec.Cmd {
	return exec.Command(bin, append([]string{"--config", cfg, "test"}, extra...)...)
}

// curlCmd does what `mailsetup test` does with curl: connect, TLS, log
// in, open the mailbox (IMAP: EXAMINE INBOX, read-only like mailsetup;
// POP3: LIST, curl's default, a superset of STAT), log out. Where the
// mechanism curl prefers does not work on the server, the target gives
// curl `--login-options AUTH=PLAIN`.
func curlCmd(t *target, acct account) *exec.Cmd {
	args := []string{"--silent", "--show-error", "--cacert", t.caFile,
		"--user", t.user + ":" + t.password}
	if o := t.curlLogin[acct.protocol]; o != "" {
		args = append(args, "--login-options", o)
	}
	switch acct.protocol {
	case config.ProtocolIMAP:
		args = append(args, "--request", "EXAMINE INBOX", fmt.Sprintf("imaps://%s:%d/", t.host, acct.port))
	default:
		args = append(args, fmt.Sprintf("pop3s://%s:%d/", t.host, acct.port))
	}
	return exec.Command("curl", args...)
}

// dovecotTarget is the Dovecot rig as a target.
func dovecotTarget(srv *mailtest.Server) *target {
	return &target{
		server: "Dovecot", host: srv.Host, caFile: srv.CAFile,
		user: mailtest.Alice.Name, password: mailtest.Alice.Password,
		imaps: srv.IMAPS, pop3s: srv.POP3S, messages: mailtest.InboxMessages,
		addr: srv.Addr,
	}
}
