//go:build !unix

package oauth

import "io/fs"

// fileOwner reports no owner where files have none in the Unix sense.
func fileOwner(fs.FileInfo) (uid, gid int, ok bool) { return -1, -1, false }
