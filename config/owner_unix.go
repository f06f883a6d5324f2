//go:build unix

package config

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the numeric owner and group of a file.
func fileOwner(info fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, -1, false
	}
	return int(st.Uid), int(st.Gid), true
}

// fileLinks returns the number of hard links of a file; 1 when unknown.
func fileLinks(info fs.FileInfo) uint64 {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 1
	}
	return uint64(st.Nlink)
}

// Open flags: a read never blocks on a FIFO or a device (the file is then
// refused after fstat), and a created file never follows a symlink.
const (
	flagNonBlock = syscall.O_NONBLOCK
	flagNoFollow = syscall.O_NOFOLLOW
)

// unixChecks is true where files have numeric owners and mode bits.
const unixChecks = true
