// Command mailsetup sets up and tests the incoming mail server (POP3 or
// IMAP4) of a help-desk Mail Connector: a terminal wizard (package tui),
// and commands for scripts: init (write a config from flags), test (the
// connection test, as text or JSON lines), show (the config, secrets
// masked), discover (probe a host or an address), oauth2 login, and check
// (a Monitoring Plugins check). main.go maps errors to exit codes in one
// place; output.go renders the test's steps (terminal detection: package
// internal/terminal).
package main
