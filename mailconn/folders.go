package mailconn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/safetext"
)

// The folder list of the wizard's folder browser: the same session as the
// connection test (resolve, connect, TLS or STARTTLS, authenticate), then
// LIST "" "*" with the message counts instead of opening one folder.

// maxStatusFolders bounds the STATUS commands sent when the server has no
// LIST-STATUS: the folders after it keep unknown counts.
const maxStatusFolders = 1000

// attrNonExistent marks a parent folder the server did not list, added so
// that the list is a tree.
const attrNonExistent = `\NonExistent`

// Folder is one folder on the server.
type Folder struct {
	// Name is the full name, decoded to UTF-8 (modified UTF-7 on the
	// wire), as the config's mailbox key takes it: "INBOX/Bestätigungen".
	Name string `json:"name"`
	// Attrs are the folder's LIST attributes as the server sent them
	// (\Noselect, \HasChildren, \Sent, …).
	Attrs []string `json:"attrs,omitempty"`
	// NoSelect is true for a folder that holds only other folders
	// (\Noselect or \NonExistent): it cannot be the connector's mailbox.
	NoSelect bool `json:"noselect,omitempty"`
	// Messages and Unseen are the STATUS counts; -1 when unknown.
	Messages int `json:"messages"`
	Unseen   int `json:"unseen"`
}

// FolderList is what ListFolders found.
type FolderList struct {
	// Delimiter is the server's hierarchy separator, "/" or "."; empty for
	// a server without hierarchy.
	Delimiter string `json:"delimiter"`
	// Folders in tree order: INBOX first, then by name, each parent before
	// its children. A parent the server did not list is added with
	// NoSelect set and the attribute \NonExistent.
	Folders []Folder `json:"folders"`
	// CountsFrom says how the counts were read: "LIST-STATUS" (one
	// command), "STATUS" (one command per folder, pipelined) or "" (none).
	CountsFrom string `json:"counts_from,omitempty"`
}

// Depth is the level of name in the tree: 0 for a top-level folder.
func (l *FolderList) Depth(name string) int {
	if l.Delimiter == "" {
		return 0
	}
	return strings.Count(name, l.Delimiter)
}

// Leaf is the last part of name: "Support" for "INBOX/Support".
func (l *FolderList) Leaf(name string) string {
	if l.Delimiter == "" {
		return name
	}
	if i := strings.LastIndex(name, l.Delimiter); i >= 0 {
		return name[i+len(l.Delimiter):]
	}
	return name
}

// Find returns the folder called name (INBOX in any case), and whether
// there is one.
func (l *FolderList) Find(name string) (Folder, bool) {
	for _, f := range l.Folders {
		if f.Name == name || isInbox(f.Name) && isInbox(name) {
			return f, true
		}
	}
	return Folder{}, false
}

// Suggest returns the selectable folders closest to name, best first, as
// the connection test's hint does ("INBOX.Support" → "INBOX/Support").
func (l *FolderList) Suggest(name string) []string {
	var names []string
	for _, f := range l.Folders {
		if !f.NoSelect {
			names = append(names, f.Name)
		}
	}
	return suggestFolders(name, sortedUnique(names), l.sep())
}

func (l *FolderList) sep() rune {
	r := []rune(l.Delimiter)
	if len(r) != 1 {
		return 0
	}
	return r[0]
}

// SuggestSeparator offers name written with the server's separator delim:
// every ".", "/" or "\" in name that is not delim becomes delim. It reports
// false when there is nothing to change (or delim is unknown). A "." that
// is part of a folder's own name is translated too: the offer is a
// suggestion for the user to accept, not a correction.
func SuggestSeparator(name, delim string) (string, bool) {
	r := []rune(delim)
	if len(r) != 1 {
		return name, false
	}
	out := translateSeparators(name, r[0])
	return out, out != name
}

// translateSeparators replaces every separator people confuse in name by
// sep.
func translateSeparators(name string, sep rune) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(separators, r) {
			return sep
		}
		return r
	}, name)
}

// ListError is why ListFolders failed, classified as the connection test
// classifies failures: Result names the failed step, the field at fault
// and the hint; Event is that step's final event. It wraps the step's
// error (errors.Is(err, ErrCanceled), errors.As(err, &authErr)).
type ListError struct {
	Result Result
	Event  Event
	Err    error
}

func (e *ListError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("list folders: %s failed: %s", e.Result.FailedStep, e.Result.Error)
	}
	return fmt.Sprintf("list folders: %s: %v", e.Result.FailedStep, safeErr(e.Err))
}

func (e *ListError) Unwrap() error { return e.Err }

// ErrNoFolders means ListFolders was asked about a POP3 account: POP3 has
// one mailbox and no folders.
var ErrNoFolders = errors.New("POP3 has no folders")

// ListFolders signs in as Test does (same steps, same options, same
// deadlines and cancellation; report, which may be nil, gets the same
// events) and lists every folder with its message and unseen counts, in
// place of the mailbox step: LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))
// where the server offers LIST-STATUS, else LIST and then one STATUS per
// selectable folder, pipelined (one round trip either way). Nothing is
// selected or changed.
//
// It blocks until the list is read, the timeout passes or ctx is
// cancelled. A failure is a *ListError whose Result carries the step, the
// field and the hint; a POP3 account gives ErrNoFolders at once.
func ListFolders(ctx context.Context, in config.Incoming, opts Options, report func(Event)) (*FolderList, error) {
	if strings.EqualFold(in.Protocol, config.ProtocolPOP3) {
		return nil, ErrNoFolders
	}
	in.Protocol = config.ProtocolIMAP
	var failed Event
	r := newRunner(ctx, in, opts, func(e Event) {
		if e.Status == StatusFail {
			failed = e
		}
		if report != nil {
			report(e)
		}
	})
	defer r.close()
	list := &FolderList{}
	r.imapFinal = func(c *imapclient.Client) error { return r.imapFolderStep(c, list) }
	r.test()
	res := r.result()
	if !res.OK {
		return nil, &ListError{Result: res, Event: failed, Err: safeErr(r.scrubErr(r.err))}
	}
	return list, nil
}

// imapFolderStep is the mailbox step of ListFolders.
func (r *runner) imapFolderStep(c *imapclient.Client, out *FolderList) error {
	return r.step(StepMailbox, "List folders", r.total, func(ctx context.Context, s *stepState) error {
		caps := c.Caps()
		status := &imap.StatusOptions{NumMessages: true, NumUnseen: true}
		var listOpts *imap.ListOptions
		if caps.Has(imap.CapListStatus) || caps.Has(imap.CapIMAP4rev2) {
			listOpts = &imap.ListOptions{ReturnStatus: status}
			out.CountsFrom = "LIST-STATUS"
		}
		boxes, err := c.List("", "*", listOpts).Collect()
		if err != nil {
			var ie *imap.Error
			if errors.As(err, &ie) {
				return &ServerError{Command: "LIST", Code: safetext.Clean(string(ie.Code)), Text: r.sample(ie.Text)}
			}
			return r.imapErr(fmt.Errorf("list: %w", err))
		}
		folders := make([]Folder, 0, len(boxes))
		for _, b := range boxes {
			if d := safeDelim(b.Delim); d != 0 && out.Delimiter == "" {
				out.Delimiter = string(d)
			}
			f := Folder{Name: b.Mailbox, Messages: -1, Unseen: -1,
				NoSelect: hasAttr(b.Attrs, imap.MailboxAttrNoSelect) || hasAttr(b.Attrs, imap.MailboxAttrNonExistent)}
			for _, a := range b.Attrs {
				f.Attrs = append(f.Attrs, string(a))
			}
			setCounts(&f, b.Status)
			folders = append(folders, f)
		}
		if listOpts == nil {
			if err := r.imapStatuses(c, folders, status); err != nil {
				return err
			}
			out.CountsFrom = "STATUS"
			if len(folders) == 0 {
				out.CountsFrom = ""
			}
		}
		// STATUS needed the names as the server spelled them; from here on
		// they are for display and go through safetext.
		cleanFolders(folders)
		out.Folders = treeOrder(folders, out.Delimiter)
		s.detail = plural(int64(len(boxes)), "folder")
		if out.Delimiter != "" {
			s.detail += fmt.Sprintf(", separator %q", out.Delimiter)
		}
		return nil
	})
}

// imapStatuses asks STATUS of each selectable folder, all commands sent
// before the first reply is read. A folder the server refuses keeps unknown
// counts.
func (r *runner) imapStatuses(c *imapclient.Client, folders []Folder, opts *imap.StatusOptions) error {
	type pending struct {
		i   int
		cmd *imapclient.StatusCommand
	}
	var cmds []pending
	for i := range folders {
		if folders[i].NoSelect || len(cmds) == maxStatusFolders {
			continue
		}
		cmds = append(cmds, pending{i, c.Status(folders[i].Name, opts)})
	}
	var ioErr error
	for _, p := range cmds {
		data, err := p.cmd.Wait()
		switch {
		case err == nil:
			setCounts(&folders[p.i], data)
		case !isIMAPError(err) && ioErr == nil:
			ioErr = r.imapErr(fmt.Errorf("status %q: %w", folders[p.i].Name, err))
		}
	}
	return ioErr
}

func setCounts(f *Folder, d *imap.StatusData) {
	if d == nil {
		return
	}
	if d.NumMessages != nil {
		f.Messages = int(*d.NumMessages)
	}
	if d.NumUnseen != nil {
		f.Unseen = int(*d.NumUnseen)
	}
}

// Bounds on what a server may list: a longer name or a deeper one is no
// folder an admin would choose, and a hostile server could otherwise make
// the tree cost time and memory that grow with the square of the name.
const (
	maxFolderName  = 1024 // bytes; longer names are left out of the list
	maxFolderDepth = 64   // levels; no parents are added below this depth
)

// treeOrder sorts folders so that each parent comes before its children,
// INBOX first, siblings by name (case-insensitively), and adds the parents
// the server did not list. Names longer than maxFolderName are dropped.
func treeOrder(folders []Folder, delim string) []Folder {
	folders = slices.DeleteFunc(folders, func(f Folder) bool { return len(f.Name) > maxFolderName })
	have := map[string]bool{}
	for _, f := range folders {
		have[f.Name] = true
	}
	if delim != "" {
		for _, f := range folders {
			end, depth := 0, 0
			for depth < maxFolderDepth {
				i := strings.Index(f.Name[end:], delim)
				if i < 0 {
					break
				}
				end += i
				parent := f.Name[:end]
				end += len(delim)
				depth++
				if parent == "" || have[parent] {
					continue
				}
				have[parent] = true
				folders = append(folders, Folder{Name: parent, Attrs: []string{attrNonExistent},
					NoSelect: true, Messages: -1, Unseen: -1})
			}
		}
	}
	type key struct {
		parts, lower []string
		inbox        bool
	}
	keys := make(map[string]key, len(folders))
	for _, f := range folders {
		parts := []string{f.Name}
		if delim != "" {
			parts = strings.Split(f.Name, delim)
		}
		lower := make([]string, len(parts))
		for i, p := range parts {
			lower[i] = strings.ToLower(p)
		}
		keys[f.Name] = key{parts, lower, isInbox(parts[0])}
	}
	slices.SortStableFunc(folders, func(a, b Folder) int {
		ka, kb := keys[a.Name], keys[b.Name]
		if ka.inbox != kb.inbox {
			if ka.inbox {
				return -1
			}
			return 1
		}
		for i := 0; i < len(ka.parts) && i < len(kb.parts); i++ {
			if c := strings.Compare(ka.lower[i], kb.lower[i]); c != 0 {
				return c
			}
			if c := strings.Compare(ka.parts[i], kb.parts[i]); c != 0 {
				return c
			}
		}
		return len(ka.parts) - len(kb.parts)
	})
	return folders
}

func isInbox(name string) bool { return strings.EqualFold(name, "INBOX") }

// safeDelim is a hierarchy delimiter the server sent, or 0 when it is one
// that could not be shown as it is (a control character): such a server
// is treated as having no hierarchy.
func safeDelim(d rune) rune {
	if d == 0 || !safetext.IsClean(string(d)) {
		return 0
	}
	return d
}

// cleanFolders makes the names and attributes of folders, text from the
// server, safe to print (safetext). A name in modified UTF-7 may decode to
// a control character ("&ABs-" is ESC): it is shown escaped.
func cleanFolders(folders []Folder) {
	for i := range folders {
		f := &folders[i]
		f.Name = safetext.Clean(f.Name)
		for j, a := range f.Attrs {
			f.Attrs[j] = safetext.Clean(a)
		}
	}
}
