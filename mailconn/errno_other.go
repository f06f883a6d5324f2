//go:build !unix && !windows

package mailconn

// hostErrnos is empty where the OS has no table (js, wasip1): network
// errors there get the generic hints.
var hostErrnos errnoTable
