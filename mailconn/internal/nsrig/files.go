package nsrig

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// WriteMaildir makes the Maildir folder dir (cur, new and tmp) and writes
// msgs into it as u's mail: seen ones in cur/ with the S flag, the others
// in new/, each file's mtime its date. tag ("couriertest") ends every file
// name.
func WriteMaildir(dir, tag string, u mailtest.User, msgs []mailtest.Message) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("seed maildir: %w", err)
		}
	}
	for i, m := range msgs {
		text, err := mailtest.MessageText(i, u, m)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%d.M%dP1.%s", m.Date.Unix(), i, tag)
		path := filepath.Join(dir, "new", name)
		if m.Seen {
			path = filepath.Join(dir, "cur", name+":2,S")
		}
		if err := os.WriteFile(path, text, 0o600); err != nil {
			return fmt.Errorf("seed message: %w", err)
		}
		if err := os.Chtimes(path, m.Date, m.Date); err != nil {
			return fmt.Errorf("seed message: %w", err)
		}
	}
	return nil
}

// ChownTree hands dir and everything in it to uid:gid; what names dir in
// the error ("mail": "hand mail to uid 60001: ...").
func ChownTree(what, dir string, uid, gid int) error {
	err := filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("hand %s to uid %d: %w", what, uid, err)
	}
	return nil
}
