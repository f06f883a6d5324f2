package mailtest

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"
)

// User is an account on every Server. All users have the same mail.
type User struct{ Name, Password string }

// The users of every Server. Their passwords contain no colon (the
// passwd-file separator).
var (
	Alice = User{"alice", "Secret-Pa55"}           // plain ASCII
	Bob   = User{"bob", "pässwörd-Ünïcode"}        // non-ASCII password (UTF-8)
	Carol = User{"carol", `say "hello" my friend`} // spaces and quotes
)

// Users lists every account of a Server.
var Users = []User{Alice, Bob, Carol}

// Folder names below the top level; join them with Server.Folder.
const (
	SupportFolder      = "Support"       // "INBOX/Support": SupportMessages unseen messages
	NonASCIIFolder     = "Bestätigungen" // "INBOX/Bestätigungen": NonASCIIMessages unseen messages
	ArchiveFolder      = "Archive"       // top level, \Noselect: a folder with no mail of its own
	ArchiveChildFolder = "2024"          // "Archive/2024": ArchiveMessages seen messages
)

// Message counts, the same for every user of every Server.
const (
	InboxMessages    = 3 // in INBOX
	InboxSeen        = 1 // of InboxMessages, flagged \Seen
	SupportMessages  = 2 // in INBOX/Support, all unseen
	NonASCIIMessages = 1 // in INBOX/Bestätigungen, unseen
	ArchiveMessages  = 1 // in Archive/2024, seen
)

// Message is one message the rig puts in a mailbox. Its Date header and its
// IMAP INTERNALDATE are both Date; a non-ASCII Subject or From name is
// stored as RFC 2047 encoded words.
type Message struct {
	Subject string
	From    string
	Date    time.Time
	Seen    bool
}

// Dates of the oldest and the newest INBOX message.
var (
	OldestInboxDate = time.Date(2024, time.March, 1, 9, 30, 0, 0, time.UTC)
	NewestInboxDate = time.Date(2024, time.May, 20, 16, 45, 0, 0, time.UTC)
)

// The messages of each mailbox, oldest first.
var (
	InboxContent = []Message{
		{Subject: "Welcome to the help desk", From: "Help Desk <helpdesk@example.com>", Date: OldestInboxDate, Seen: true},
		{Subject: "Printer on floor 2 is jammed", From: "Dana Example <dana@example.com>", Date: time.Date(2024, time.April, 12, 11, 5, 0, 0, time.UTC)},
		{Subject: "Grüße aus München", From: "Jörg Müller <joerg@example.de>", Date: NewestInboxDate},
	}
	SupportContent = []Message{
		{Subject: "VPN does not connect", From: "Eve Example <eve@example.com>", Date: time.Date(2024, time.February, 2, 8, 0, 0, 0, time.UTC)},
		{Subject: "Password reset", From: "Frank Example <frank@example.com>", Date: time.Date(2024, time.February, 3, 8, 0, 0, 0, time.UTC)},
	}
	NonASCIIContent = []Message{
		{Subject: "Bestellbestätigung Nr. 42", From: "Shop <shop@example.de>", Date: time.Date(2024, time.January, 15, 10, 0, 0, 0, time.UTC)},
	}
	ArchiveContent = []Message{
		{Subject: "Old ticket", From: "Gina Example <gina@example.com>", Date: time.Date(2024, time.January, 2, 10, 0, 0, 0, time.UTC), Seen: true},
	}
)

// mailbox is one mailbox of the seeded layout.
type mailbox struct {
	parts    []string // name below the namespace root; nil is INBOX
	messages []Message
}

var mailboxes = []mailbox{
	{nil, InboxContent},
	{[]string{"INBOX", SupportFolder}, SupportContent},
	{[]string{"INBOX", NonASCIIFolder}, NonASCIIContent},
	{[]string{ArchiveFolder, ArchiveChildFolder}, ArchiveContent},
}

// seedMaildir writes the mailboxes of user into maildir (the user's
// ~/Maildir). With sep '/' the layout is Dovecot's LAYOUT=fs (one folder per
// level, INBOX's children in "INBOX/"); with '.' it is Maildir++ (".INBOX.Support").
// Folder names on disk are in modified UTF-7, as Dovecot stores them. The
// "Archive" parent gets no cur/new/tmp of its own, so Dovecot lists it
// \Noselect.
func seedMaildir(maildir string, sep rune, user User) error {
	for _, mb := range mailboxes {
		dir := maildir
		if mb.parts != nil {
			enc := make([]string, len(mb.parts))
			for i, p := range mb.parts {
				enc[i] = encodeMUTF7(p)
			}
			if sep == '.' {
				dir = filepath.Join(maildir, "."+strings.Join(enc, "."))
			} else {
				dir = filepath.Join(append([]string{maildir}, enc...)...)
			}
		}
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				return fmt.Errorf("seed maildir: %w", err)
			}
		}
		for i, m := range mb.messages {
			if err := writeMessage(dir, i, user, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeMessage stores m as a maildir file: in cur/ with the S flag when
// seen, else in new/; its mtime (Dovecot's INTERNALDATE) is m.Date.
func writeMessage(dir string, i int, user User, m Message) error {
	name := fmt.Sprintf("%d.M%dP1.mailtest", m.Date.Unix(), i)
	path := filepath.Join(dir, "new", name)
	if m.Seen {
		path = filepath.Join(dir, "cur", name+":2,S")
	}
	body, err := messageText(i, user, m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return fmt.Errorf("seed message: %w", err)
	}
	if err := os.Chtimes(path, m.Date, m.Date); err != nil {
		return fmt.Errorf("seed message: %w", err)
	}
	return nil
}

// messageText is the text of m for user, LF line endings.
func messageText(i int, user User, m Message) ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("seed message: from %q: %w", m.From, err)
	}
	// Header text outside ASCII goes in RFC 2047 encoded words, as real
	// mail clients send it; the body is UTF-8.
	body := fmt.Sprintf("Date: %s\n"+
		"From: %s\n"+
		"To: %s@localhost\n"+
		"Subject: %s\n"+
		"Message-ID: <%d.%d.%s@mailtest.invalid>\n"+
		"MIME-Version: 1.0\n"+
		"Content-Type: text/plain; charset=utf-8\n"+
		"Content-Transfer-Encoding: 8bit\n"+
		"\n"+
		"Hello %s,\n\nthis is a test message of the mailtest rig: %s.\n",
		m.Date.Format(time.RFC1123Z), from.String(), user.Name, mime.QEncoding.Encode("utf-8", m.Subject),
		m.Date.Unix(), i, user.Name, user.Name, m.Subject)
	return []byte(body), nil
}

// mutf7 is the base64 alphabet of IMAP's modified UTF-7 (RFC 3501 5.1.3).
var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// encodeMUTF7 encodes a mailbox name in modified UTF-7.
func encodeMUTF7(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		u := utf16.Encode(run)
		buf := make([]byte, 0, 2*len(u))
		for _, c := range u {
			buf = append(buf, byte(c>>8), byte(c))
		}
		b.WriteByte('&')
		b.WriteString(mutf7.EncodeToString(buf))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			b.WriteString("&-")
		case r >= 0x20 && r <= 0x7e:
			flush()
			b.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return b.String()
}
