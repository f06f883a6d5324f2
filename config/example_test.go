package config_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/mailsetup/mailsetup/config"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "mailsetup-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte(`version = 1
[incoming]
protocol = "pop3"
server = "mail.example.com"
username = "support@example.com"
password_env = "MAILCONNECTOR_PASSWORD"
security = "starttls"
`), 0o600)

	c, warnings, err := config.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	in := c.Incoming
	fmt.Println(in.Protocol, in.Server, in.EffectivePort(), in.Security)
	fmt.Println("password from:", in.PasswordSource())
	fmt.Println("timeout:", in.EffectiveTimeout())
	fmt.Println("warnings:", len(warnings))

	os.Setenv("MAILCONNECTOR_PASSWORD", "s3cret")
	pw, err := in.ResolvePassword(context.Background())
	fmt.Println(len(pw), err)

	_, _, err = config.Load(filepath.Join(dir, "missing.toml"))
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// pop3 mail.example.com 110 starttls
	// password from: password_env
	// timeout: 30s
	// warnings: 0
	// 6 <nil>
	// true
}

func ExampleParse() {
	_, _, err := config.Parse([]byte(`version = 1
[incoming]
protocol = "imap"
sever = "mail.example.com"
`), "config.toml")
	fmt.Println(err)

	_, _, err = config.Parse([]byte(`[incoming]
server = "mail.example.com"
username = "support"
password = "x"
security = "ssl"
`), "config.toml")
	fmt.Println(err)

	_, warnings, _ := config.Parse([]byte(`[incoming]
protocol = "pop3"
mailbox = "Support"
server = "mail.example.com"
username = "support"
password_file = "/etc/mailsetup/secret"
`), "config.toml")
	fmt.Println(warnings[0])
	// Output:
	// config.toml:4:1: unknown key "sever" in [incoming]; did you mean "server"?
	// config.toml: incoming.security = "ssl" is not valid; use one of "none", "starttls-if-available", "starttls", "tls"
	// incoming.mailbox: has no effect with POP3, which reads only the inbox; remove it or use protocol = "imap"
}

func ExampleSave() {
	dir, err := os.MkdirTemp("", "mailsetup-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mailsetup", "config.toml")

	c := config.Default()
	c.Incoming.Server = "mail.example.com"
	c.Incoming.Mailbox = "INBOX/Support"
	c.Incoming.Username = "support@example.com"
	c.Incoming.Password = "s3cret"
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		log.Fatal(err)
	}

	info, _ := os.Stat(path)
	fmt.Printf("%04o\n", info.Mode().Perm())
	data, _ := os.ReadFile(path)
	fmt.Print(string(data))

	c.Incoming.Port = 99999
	fmt.Println(config.Save(path, &c, config.SaveOptions{}))
	// Output:
	// 0600
	// # Mail Connector — incoming mail server. Written by mailsetup.
	// # Check it with: mailsetup test
	// version = 1                       # schema version of this file
	//
	// [incoming]
	// protocol = "imap"                 # "imap" (IMAP4) | "pop3" (POP3)
	// server = "mail.example.com"       # host name or IP address of the mail server
	// # port = 993                      # absent: the default for "imap" with "tls"
	// mailbox = "INBOX/Support"         # IMAP folder to read; default "INBOX"
	// username = "support@example.com"  # login name of the mailbox
	// password = "s3cret"               # exactly one of password, password_file, password_env, password_command
	// auth = "password"                 # "password" | "spa" (Secure Password Authentication = NTLM) | "oauth2"
	// security = "tls"                  # "none" | "starttls-if-available" | "starttls" | "tls"
	// reject_invalid_certificates = true  # refuse a certificate that does not verify
	// incoming.port = 99999 is out of range; use 1-65535, or leave it out for the default (993)
}

func ExampleRedact() {
	c := config.Default()
	c.Incoming.Password = "s3cret"
	fmt.Println(config.Redact(c).Incoming.Password, c.Incoming.Password)
	// Output: <redacted> s3cret
}
