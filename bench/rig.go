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

// account is one thing to test: a protocol on a port of the rig (or of a
// delay line in front of it).
type account struct {
	name     string // "IMAPS", "POP3S"
	protocol string
	port     int
}

// writeConfig writes a config for acct at path, mode 0600, trusting the
// rig's CA, with Alice's password inline.
func writeConfig(path string, srv *mailtest.Server, acct account) error {
	c := config.Default()
	c.Incoming.Protocol = acct.protocol
	c.Incoming.Server = srv.Host
	c.Incoming.Port = acct.port
	c.Incoming.Username = mailtest.Alice.Name
	c.Incoming.Password = mailtest.Alice.Password
	c.Incoming.CAFile = srv.CAFile
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
// POP3: LIST, curl's default, a superset of STAT), log out.
func curlCmd(srv *mailtest.Server, acct account) *exec.Cmd {
	args := []string{"--silent", "--show-error", "--cacert", srv.CAFile,
		"--user", mailtest.Alice.Name + ":" + mailtest.Alice.Password}
	switch acct.protocol {
	case config.ProtocolIMAP:
		args = append(args, "--request", "EXAMINE INBOX", fmt.Sprintf("imaps://%s:%d/", srv.Host, acct.port))
	default:
		args = append(args, fmt.Sprintf("pop3s://%s:%d/", srv.Host, acct.port))
	}
	return exec.Command("curl", args...)
}
