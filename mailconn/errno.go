package mailconn

import (
	"errors"
	"syscall"
)

// Network errors are told apart by the operating system's error number
// (syscall.Errno in the error chain), and those numbers differ: Linux's
// ECONNREFUSED is 111, the BSDs' and macOS's 61, and Winsock never returns
// syscall.ECONNREFUSED at all (on Windows that constant is an invented
// value) but WSAECONNREFUSED, 10061, or ERROR_CONNECTION_REFUSED from
// ConnectEx. errnoTables holds each release target's numbers as plain data,
// so that every table is tested on every OS; hostErrnos (errno_unix.go,
// errno_windows.go) is the one this build uses.

// errnoKind is a network failure the classifier tells apart.
type errnoKind uint8

const (
	errnoOther       errnoKind = iota
	errnoConnRefused           // nothing listens on the port
	errnoConnReset             // the peer reset the connection
	errnoConnAborted           // the connection was aborted (by the local stack)
	errnoHostUnreach           // no route to the host
	errnoNetUnreach            // no route to the network
	errnoTimedOut              // the stack gave up (connect or retransmission timeout)
	errnoBrokenPipe            // a write after the connection closed
)

// errnoTable maps an OS's error numbers to kinds.
type errnoTable map[uintptr]errnoKind

// errnoTables are the numbers of each release target, from its headers
// (<errno.h>; <winerror.h> and <winsock2.h>).
var errnoTables = map[string]errnoTable{
	"linux": {
		111: errnoConnRefused, // ECONNREFUSED
		104: errnoConnReset,   // ECONNRESET
		103: errnoConnAborted, // ECONNABORTED
		113: errnoHostUnreach, // EHOSTUNREACH
		101: errnoNetUnreach,  // ENETUNREACH
		110: errnoTimedOut,    // ETIMEDOUT
		32:  errnoBrokenPipe,  // EPIPE
	},
	"darwin":  bsdErrnos,
	"freebsd": bsdErrnos,
	"windows": {
		10061: errnoConnRefused, // WSAECONNREFUSED
		1225:  errnoConnRefused, // ERROR_CONNECTION_REFUSED (ConnectEx)
		1234:  errnoConnRefused, // ERROR_PORT_UNREACHABLE
		10054: errnoConnReset,   // WSAECONNRESET
		64:    errnoConnReset,   // ERROR_NETNAME_DELETED (a reset seen by overlapped I/O)
		10053: errnoConnAborted, // WSAECONNABORTED
		1236:  errnoConnAborted, // ERROR_CONNECTION_ABORTED
		10065: errnoHostUnreach, // WSAEHOSTUNREACH
		1232:  errnoHostUnreach, // ERROR_HOST_UNREACHABLE
		10051: errnoNetUnreach,  // WSAENETUNREACH
		1231:  errnoNetUnreach,  // ERROR_NETWORK_UNREACHABLE
		10060: errnoTimedOut,    // WSAETIMEDOUT
		121:   errnoTimedOut,    // ERROR_SEM_TIMEOUT (a ConnectEx timeout)
		10058: errnoBrokenPipe,  // WSAESHUTDOWN (a send after shutdown)
	},
}

// bsdErrnos are the numbers macOS and FreeBSD share.
var bsdErrnos = errnoTable{
	61: errnoConnRefused, // ECONNREFUSED
	54: errnoConnReset,   // ECONNRESET
	53: errnoConnAborted, // ECONNABORTED
	65: errnoHostUnreach, // EHOSTUNREACH
	51: errnoNetUnreach,  // ENETUNREACH
	60: errnoTimedOut,    // ETIMEDOUT
	32: errnoBrokenPipe,  // EPIPE
}

// kind is the kind of the first syscall.Errno in err's chain, or
// errnoOther. A nil table (an OS without one) knows no numbers.
func (t errnoTable) kind(err error) errnoKind {
	var e syscall.Errno
	if t == nil || !errors.As(err, &e) {
		return errnoOther
	}
	return t[uintptr(e)]
}

// is reports whether err's errno is one of kinds.
func (t errnoTable) is(err error, kinds ...errnoKind) bool {
	k := t.kind(err)
	for _, want := range kinds {
		if k == want && k != errnoOther {
			return true
		}
	}
	return false
}
