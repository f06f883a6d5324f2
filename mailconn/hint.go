package mailconn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/mailsetup/mailsetup/config"
)

// failure is a classified error: what the step event and the result say.
type failure struct {
	short    string // Result.Error: "connection refused", "AUTHENTICATIONFAILED"
	message  string // Result.Message: a sentence for people; "" → derived by finish
	detail   string // the step's detail: the whole error
	hint     string // one sentence naming the fix
	field    string // the config key at fault
	canceled bool
}

// connInfo is what the connection guard saw.
type connInfo struct {
	readErr error  // the first read error
	first   []byte // the first bytes the server sent
	// errnos are the OS's error numbers (errno.go); nil means this OS's.
	errnos errnoTable
}

// errnoTable is the table the classifier reads error numbers with.
func (ci connInfo) errnoTable() errnoTable {
	if ci.errnos != nil {
		return ci.errnos
	}
	return hostErrnos
}

// classify turns a step's error into a hint and the field at fault, by the
// error's type (never by its text).
func classify(id StepID, err error, in *config.Incoming, ci connInfo) failure {
	f := classifyErr(id, err, in, ci)
	if f.message == "" {
		f.message = defaultMessage(f)
	}
	return f
}

func classifyErr(id StepID, err error, in *config.Incoming, ci connInfo) failure {
	f := failure{detail: err.Error()}
	errnos := ci.errnoTable()
	proto := protoName(in.Protocol)
	port := in.EffectivePort()
	var (
		dnsErr   *net.DNSError
		certErr  *CertError
		authErr  *AuthError
		mechErr  *MechanismNotOfferedError
		cfgErr   *TLSConfigError
		folder   *FolderError
		timeout  *TimeoutError
		srvErr   *ServerError
		pwChar   *PasswordCharError
		tlsReq   *TLSRequiredError
		tlsPlain = isTLSToPlainPort(err)
	)
	switch {
	case errors.Is(err, ErrCanceled):
		f.short, f.detail, f.canceled = "canceled", "canceled", true
	case errors.As(err, &cfgErr):
		f.short, f.field = "bad "+cfgErr.Field, cfgErr.Field
		f.hint = fmt.Sprintf("Fix %s: %v.", cfgErr.Field, cfgErr.Err)
		var pe *config.PermissionError
		if errors.As(cfgErr.Err, &pe) && pe.Fix != "" {
			// The detail already says what is wrong; the hint is the fix.
			f.hint = "Fix it with `" + pe.Fix + "`."
		}
	case errors.As(err, &certErr):
		f.short = certErr.Error()
		f.hint, f.field = certErr.Hint()
	case tlsPlain && id != StepStartTLS:
		f.short, f.field = "port speaks plain text, not TLS", FieldSecurity
		f.hint = fmt.Sprintf("Port %d speaks plain text, not TLS: use security = starttls, or port %d for %s over TLS.",
			port, config.DefaultPort(in.Protocol, config.SecurityTLS), proto)
	case errors.Is(err, ErrPortSpeaksTLS):
		f.short, f.field = "port speaks TLS", FieldSecurity
		f.hint = fmt.Sprintf("Port %d speaks TLS, not plain text: use security = tls.", port)
	case errors.As(err, &dnsErr):
		f.field, f.detail = FieldServer, dnsDetail(dnsErr)
		switch {
		case dnsErr.IsNotFound:
			f.short = "no such host"
			f.hint = fmt.Sprintf("The name %q does not exist in DNS: check the server name.", in.Server)
		case dnsErr.IsTimeout:
			f.short = "DNS lookup timed out"
			f.hint = fmt.Sprintf("The DNS lookup of %q timed out: check the server name and this machine's DNS settings.", in.Server)
		default:
			f.short = "DNS lookup failed"
			f.hint = fmt.Sprintf("The DNS server could not answer for %q: check the server name, or try again later.", in.Server)
		}
	case errors.Is(err, ErrNoAddresses):
		f.short, f.field = "no address", FieldServer
		f.hint = fmt.Sprintf("The name %q has no IP address: check the server name.", in.Server)
	case errnos.is(err, errnoConnRefused):
		f.short, f.field = "connection refused", FieldPort
		f.hint = fmt.Sprintf("Nothing accepts connections on port %d: check the port (%s).", port, usualPort(in.Protocol, in.Security))
	case errnos.is(err, errnoHostUnreach, errnoNetUnreach):
		f.short, f.field = "host unreachable", FieldServer
		f.hint = "There is no network route to the server: check the server name and this machine's network."
	case errors.As(err, &timeout), errnos.is(err, errnoTimedOut):
		f = classifyTimeout(f, id, in, ci)
	case errors.Is(err, ErrStartTLSNotOffered):
		f.short, f.field = "STARTTLS not offered", FieldSecurity
		f.hint = fmt.Sprintf("The server does not offer STARTTLS on port %d: use security = tls (%s over TLS is usually %d).",
			port, proto, config.DefaultPort(in.Protocol, config.SecurityTLS))
	case errors.Is(err, ErrDataBeforeTLS):
		f.short, f.field = "data injected before TLS", FieldSecurity
		f.hint = "Something on the path sent data before the TLS handshake (a possible attack): use security = tls."
	case errors.Is(err, ErrStartTLSRefused), errors.Is(err, ErrPreauth):
		f.short, f.field = "STARTTLS failed", FieldSecurity
		f.hint = fmt.Sprintf("The server offered STARTTLS but it failed, so no credentials were sent: use security = tls (port %d), or ask the server's admin.",
			config.DefaultPort(in.Protocol, config.SecurityTLS))
	case errors.As(err, &tlsReq):
		f.short, f.field, f.hint = tlsReq.Signal, FieldSecurity, tlsRequiredHint
		f.message = tlsRequiredMessage(tlsReq)
	case errors.Is(err, ErrLoginDisabled):
		f.short, f.field, f.hint = "sign-in refused before TLS", FieldSecurity, tlsRequiredHint
	case errors.As(err, &mechErr):
		f.short, f.field = mechErr.Want+" not offered", FieldAuth
		f.hint = mechHint(mechErr, in)
		f.message = sentence("The server does not offer " + mechErr.Want)
	case errors.Is(err, ErrInUse):
		f.short, f.field = "IN-USE", FieldUsername
		f.message = sentence(upperFirst(err.Error()))
		f.hint = "Another client (often the running Mail Connector) holds the mailbox lock: stop it, or wait until it is done, and test again."
	case errors.As(err, &authErr):
		f = classifyAuth(f, authErr, in)
	case errors.As(err, &pwChar):
		f.short, f.field = "password contains "+pwChar.What, FieldPassword
		f.hint = fmt.Sprintf("The password contains %s, which %s cannot send (%s), so nothing was sent: check the password; "+
			"a password_file or password_command must give it on a single line.", pwChar.What, proto, pwChar.Command)
	case errors.Is(err, ErrNoSecret):
		f.short, f.field = "no password", FieldPassword
		f.hint = "No password is set: enter the password, or set password_file, password_env or password_command."
		if in.Auth == config.AuthOAuth2 {
			f.short, f.field = "no token", FieldOAuth2
			f.hint = "No OAuth 2.0 token is stored: sign in with mailsetup oauth2 login."
		}
	case errors.As(err, &folder):
		f.short, f.field = folderShort(folder), FieldMailbox
		f.hint = folderHint(folder)
		f.message = sentence(upperFirst(folder.Error()))
	case errors.Is(err, ErrGreetingRejected):
		f.short, f.field = "greeting refused", FieldServer
		f.hint = "The server refused the session at once: it may be overloaded or block this address; try again later or ask its admin."
	case errors.Is(err, ErrTooMuchData), errors.Is(err, ErrLineTooLong), errors.Is(err, ErrMalformed):
		f = classifyGarbage(f, id, err, in, ci)
	case isClosed(errnos, err) || (ci.readErr != nil && isClosed(errnos, ci.readErr)):
		f = classifyClosed(f, id, in, ci)
	case errors.As(err, &srvErr):
		f.short, f.field = srvErr.Command+" refused", FieldServer
		f.message = serverSaid("The server refused "+srvErr.Command, srvErr.Text)
		f.hint = "The server refused a command the test needs: see the detail, or ask the server's admin."
	case id == StepTLS || id == StepStartTLS:
		f.short, f.field = "TLS handshake failed", FieldSecurity
		f.hint = "The TLS handshake failed: check security and port; an old server may need a lower tls_min_version."
		if v := in.TLSMinVersion; v == "1.0" || v == "1.1" {
			f.field = FieldTLSMinVersion
			f.hint = "The TLS handshake failed. " + oldTLSNote
		}
	default:
		f.short, f.field = "failed", FieldServer
		f.hint = "The test failed: see the detail, and run with a trace for the whole conversation."
	}
	return f
}

// tlsRequiredHint is the hint for a server that refuses sign-in before
// TLS (LOGINDISABLED, XTLSREQUIRED, PRIVACYREQUIRED, "TLS required").
const tlsRequiredHint = "This server requires TLS before sign-in; choose STARTTLS or SSL/TLS (security = starttls or tls)."

// dnsDetail is a lookup's failure without the "lookup HOST" the step's
// title already says: "no such host (DNS server 10.0.0.53:53)".
func dnsDetail(e *net.DNSError) string {
	if e.Server == "" {
		return e.Err
	}
	return e.Err + " (DNS server " + e.Server + ")"
}

// trimTitle drops from a failed step's detail a leading "TITLE: " that
// repeats the step's title ("TLS handshake: tls handshake: …").
func trimTitle(title, detail string) string {
	if len(detail) > len(title)+2 && strings.EqualFold(detail[:len(title)], title) && detail[len(title):len(title)+2] == ": " {
		return detail[len(title)+2:]
	}
	return detail
}

// isClosed reports whether the server closed (or reset, or the stack
// aborted) the connection; errnos are the OS's error numbers.
func isClosed(errnos errnoTable, err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errnos.is(err, errnoConnReset, errnoConnAborted, errnoBrokenPipe) || errors.Is(err, ErrServerClosed)
}

func classifyTimeout(f failure, id StepID, in *config.Incoming, ci connInfo) failure {
	port := in.EffectivePort()
	f.short = "timed out"
	switch id {
	case StepResolve:
		f.field = FieldServer
		f.hint = fmt.Sprintf("The DNS lookup of %q timed out: check the server name and this machine's DNS settings.", in.Server)
	case StepConnect:
		f.field = FieldServer
		f.hint = fmt.Sprintf("No answer from %s on port %d: a firewall drops the connection, or the server name or port is wrong.", in.Server, port)
	case StepTLS:
		f.field = FieldSecurity
		f.hint = fmt.Sprintf("The TLS handshake got no answer: port %d may not speak TLS; use security = starttls, or check the port.", port)
	case StepGreeting:
		f.short = "no greeting"
		if looksLikeTLSRecord(ci.first) || port == config.DefaultPort(in.Protocol, config.SecurityTLS) {
			f.field = FieldSecurity
			f.hint = fmt.Sprintf("The server sent no greeting: port %d speaks TLS; use security = tls.", port)
		} else {
			f.field = FieldPort
			f.hint = fmt.Sprintf("The server accepted the connection but sent no greeting: check that port %d is the %s port (%s), or use security = tls if it speaks TLS.",
				port, protoName(in.Protocol), usualPort(in.Protocol, in.Security))
		}
	default:
		f.field = FieldTimeout
		f.hint = "The server stopped answering: try again, or raise the timeout if the link is slow."
	}
	return f
}

func classifyClosed(f failure, id StepID, in *config.Incoming, ci connInfo) failure {
	f.short = "connection closed by the server"
	switch id {
	case StepTLS:
		f.field = FieldSecurity
		f.hint = fmt.Sprintf("The server closed the connection during the TLS handshake: port %d may not speak TLS, or it needs another TLS version (tls_min_version).", in.EffectivePort())
	case StepGreeting:
		f.field = FieldPort
		f.hint = fmt.Sprintf("The server closed the connection before greeting: check the port (%s) and the security setting.", usualPort(in.Protocol, in.Security))
		if port := in.EffectivePort(); port == config.DefaultPort(in.Protocol, config.SecurityTLS) {
			f.field = FieldSecurity
			f.hint = fmt.Sprintf("The server closed the connection before greeting: port %d speaks TLS; use security = tls.", port)
		}
	default:
		f.field = FieldServer
		f.hint = "The server closed the connection: it may limit connections or be overloaded; try again, or ask its admin."
	}
	return f
}

func classifyGarbage(f failure, id StepID, err error, in *config.Incoming, ci connInfo) failure {
	port := in.EffectivePort()
	if looksLikeTLSRecord(ci.first) && in.Security != config.SecurityTLS {
		f.short, f.field = "port speaks TLS", FieldSecurity
		f.hint = fmt.Sprintf("Port %d speaks TLS: use security = tls.", port)
		return f
	}
	tooLong := errors.Is(err, ErrTooMuchData) || errors.Is(err, ErrLineTooLong)
	if id != StepGreeting && id != StepCapabilities {
		// The server spoke the protocol before: not a wrong port.
		f.short, f.field = "invalid response", FieldServer
		if tooLong {
			f.short = "response too long"
		}
		f.hint = "The server sent an invalid or oversized response: run the test with a trace and show it to the server's admin."
		return f
	}
	switch {
	case tooLong:
		f.short = "response too long"
	default:
		f.short = "not an IMAP server"
		if protoName(in.Protocol) == "POP3" {
			f.short = "not a POP3 server"
		}
	}
	f.field = FieldPort
	f.hint = fmt.Sprintf("The answer on port %d is not %s: check the port (%s).", port, protoName(in.Protocol), usualPort(in.Protocol, in.Security))
	return f
}

func classifyAuth(f failure, e *AuthError, in *config.Incoming) failure {
	f.message = serverSaid("The server refused the sign-in ("+e.Mechanism+")", e.Text)
	f.short = e.Code
	if f.short == "" {
		f.short = e.Text
	}
	if f.short == "" {
		f.short = "authentication failed"
	}
	f.field = FieldPassword
	f.hint = "The server rejected the user name or password."
	switch strings.ToUpper(e.Code) {
	case "UNAVAILABLE", "SYS/TEMP", "SYS/PERM":
		f.field = FieldServer
		f.hint = "The server could not check the credentials right now (a problem on its side): try again later."
		return f
	case "AUTHORIZATIONFAILED":
		f.field = FieldUsername
		f.hint = "The credentials are valid but may not open this mailbox: check the user name (for a shared mailbox, its address)."
		return f
	case "EXPIRED":
		f.hint = "The password has expired: change it on the server, then enter the new one."
		return f
	case "PRIVACYREQUIRED":
		f.field, f.hint = FieldSecurity, tlsRequiredHint
		return f
	}
	switch in.Auth {
	case config.AuthOAuth2:
		f.field = FieldOAuth2
		f.hint = "The server rejected the OAuth 2.0 token: sign in again with mailsetup oauth2 login, and check the user name and the app's mail permission."
	case config.AuthSPA:
		f.hint = "The server rejected the user name or password (for SPA try DOMAIN\\user or user@domain)."
	}
	return f
}

func mechHint(e *MechanismNotOfferedError, in *config.Incoming) string {
	offered := offeredText(e.Offered)
	var s string
	switch in.Auth {
	case config.AuthSPA:
		s = "The server does not offer SPA (NTLM); " + offered + ": turn SPA off (auth = password)"
	case config.AuthOAuth2:
		s = "The server does not offer OAuth 2.0 (XOAUTH2 or OAUTHBEARER); " + offered + ": use auth = password"
	default:
		s = "The server does not offer " + e.Want + "; " + offered + ": choose another auth"
	}
	if e.LaterAfterTLS {
		s += ", or use security = starttls (it may offer more after STARTTLS)"
	}
	return s + "."
}

// usableMechs are the sign-in mechanisms mailsetup can use, the only ones
// a hint names: a server may list a dozen (GNU Mailutils lists 16, GSSAPI
// twice) that no auth setting would pick.
var usableMechs = []string{mechPlain, mechLogin, "USER", mechNTLM, mechXOAUTH2, mechOAUTHBEARER}

// offeredText says what the server offers that mailsetup can use, each
// mechanism once: "it offers PLAIN LOGIN", or "it offers nothing
// mailsetup can use (GSSAPI SCRAM-SHA-256)".
func offeredText(offered []string) string {
	var use, other []string
	for _, m := range offered {
		m = strings.ToUpper(m)
		switch {
		case slices.Contains(usableMechs, m):
			if !slices.Contains(use, m) {
				use = append(use, m)
			}
		case !slices.Contains(other, m):
			other = append(other, m)
		}
	}
	switch {
	case len(use) > 0:
		return "it offers " + strings.Join(use, " ")
	case len(other) == 0:
		return "it offers nothing"
	case len(other) > 4:
		other = append(other[:4:4], "…")
	}
	return "it offers nothing mailsetup can use (" + strings.Join(other, " ") + ")"
}

func folderShort(e *FolderError) string {
	if e.Code != "" {
		return e.Code
	}
	return "no folder " + e.Name
}

func folderHint(e *FolderError) string {
	var b strings.Builder
	if e.NoSelect {
		fmt.Fprintf(&b, "Folder %q holds only other folders, no mail", e.Name)
	} else {
		fmt.Fprintf(&b, "No folder %q", e.Name)
	}
	if d, ok := decodeModifiedUTF7(e.Name); ok {
		fmt.Fprintf(&b, " (that is %q in IMAP's wire encoding; write the name as it reads)", d)
	} else if e.Separator != 0 && isSeparatorSwap(e.Name, e.Suggestions, e.Separator) {
		fmt.Fprintf(&b, "; this server uses %q as separator", string(e.Separator))
	}
	if len(e.Suggestions) == 0 {
		b.WriteString(": check the mailbox name (INBOX always exists).")
		return b.String()
	}
	b.WriteString(": did you mean ")
	for i, s := range e.Suggestions {
		if i > 0 {
			b.WriteString(" or ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	b.WriteString("?")
	return b.String()
}

// protoName is the protocol as admins write it.
func protoName(p string) string {
	if strings.EqualFold(p, config.ProtocolPOP3) {
		return "POP3"
	}
	return "IMAP"
}

// usualPort names the usual port for the protocol and security, e.g. "IMAP
// over TLS is usually 993".
func usualPort(protocol, security string) string {
	p := protoName(protocol)
	if security == config.SecurityTLS {
		return fmt.Sprintf("%s over TLS is usually %d", p, config.DefaultPort(protocol, security))
	}
	return fmt.Sprintf("%s is usually %d, or %d with security = tls", p,
		config.DefaultPort(protocol, security), config.DefaultPort(protocol, config.SecurityTLS))
}
