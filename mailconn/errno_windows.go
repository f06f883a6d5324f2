//go:build windows

package mailconn

// hostErrnos are Winsock's and Windows' numbers: package syscall names only
// a few of them (WSAECONNRESET, WSAECONNABORTED, ERROR_NETNAME_DELETED; the
// tests check those), and its ECONNREFUSED and the like are invented values
// that Windows never returns.
var hostErrnos = errnoTables["windows"]
