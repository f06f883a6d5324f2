// Package mailconn is the connection-test engine for the Mail Connector's
// incoming mail server. It imports no UI package: progress is reported as
// plain values through callbacks, and every call takes a context that
// cancels it (a blocked read included).
//
// What it holds:
//
//   - The connection test (test.go): Test runs resolve, connect, TLS (the
//     four security modes, certificate checks, CA file, pin, name to
//     verify; tlscheck*.go), greeting, capabilities, authenticate (SASL
//     PLAIN, LOGIN, NTLM for SPA, XOAUTH2, OAUTHBEARER; sasl.go,
//     imapauth.go), the mailbox (IMAP4, go-imap v2) or the maildrop (POP3,
//     package pop3) and logout, reporting one Event per step and returning
//     a Result with the failed step, the field at fault and a hint
//     (hint.go), plus the Figures a monitoring check reads (certificate
//     expiry, message and unseen counts, the oldest unseen message).
//   - Discovery (discover*.go, probe.go): ProbeHost probes a host's
//     protocols, ports and security modes without signing in, Recommend
//     picks the one to use, DiscoverEmail and KnownProvider find the
//     server of an address (autoconfig, DNS, built-in providers).
//   - Folders (folders.go, suggest.go): ListFolders lists an IMAP server's
//     folders with their counts; SuggestSeparator and FolderList.Suggest
//     offer the name the server knows.
//   - The redacting protocol trace (trace*.go) and the cleaning of every
//     byte that came from outside before it is reported (safe.go, package
//     internal/safetext), and a byte limit on what a server may send
//     (limit.go).
//
// Subpackages: pop3 (the client), oauth (OAuth 2.0 sign-in and tokens),
// and the test rigs mailtest (Dovecot), cyrustest, couriertest and
// mailutilstest.
package mailconn
