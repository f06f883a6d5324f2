//go:build !unix

package config

import "io/fs"

// fileOwner reports no owner where files have no numeric owner.
func fileOwner(fs.FileInfo) (uid, gid int, ok bool) { return -1, -1, false }

// fileLinks reports one link where the count is unknown.
func fileLinks(fs.FileInfo) uint64 { return 1 }

const (
	flagNonBlock = 0
	flagNoFollow = 0
)

// unixChecks is false: ownership and mode checks are no-ops here.
const unixChecks = false
