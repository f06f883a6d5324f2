package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// listFoldersFunc lists the server's folders; mailconn.ListFolders outside
// tests.
type listFoldersFunc func(ctx context.Context, in config.Incoming, opts mailconn.Options, report func(mailconn.Event)) (*mailconn.FolderList, error)

// foldersDone is the outcome of a folder list run, its stream's last value.
type foldersDone struct {
	list *mailconn.FolderList
	err  error
}

// browseState is what the folder browser shows.
type browseState int

const (
	browseClosed  browseState = iota
	browseNeeds               // a setting the list needs is missing: offer to go there
	browseLoading             // signing in and listing
	browseFailed              // the list failed: the hint and a key to fix
	browseList                // the tree
)

// folderBrowser lists the server's folders on the mailbox screen (once the
// server, user name and password are known) as a tree: \Noselect folders
// are shown dimmed and cannot be chosen; Enter fills the Mail Box field.
type folderBrowser struct {
	c       *common
	s       *mailboxScreen // the screen it belongs to
	state   browseState
	run     int
	cancel  context.CancelFunc
	spinner spinner.Model
	step    string // the title of the engine step running now

	need string          // browseNeeds: the field to fill first
	fail mailconn.Result // browseFailed

	list       *mailconn.FolderList // the last list, kept after closing for the separator offer
	listServer string               // the server list came from
	server     string               // the server of the current run
	rows       []int                // indexes into list.Folders shown (after the filter)
	sel        int                  // index into rows
	offset     int                  // first row shown
	filter     string
	note       string // a line under the list ("Archive holds only other folders.")
	lastRows   int    // rows the last view showed (page up/down)
}

func newFolderBrowser(c *common, s *mailboxScreen) *folderBrowser {
	return &folderBrowser{c: c, s: s, spinner: c.st.spinnerModel()}
}

func (b *folderBrowser) isOpen() bool { return b.state != browseClosed }

// listFor is the last folder list if it came from server, else nil.
func (b *folderBrowser) listFor(server string) *mailconn.FolderList {
	if b.list == nil || !strings.EqualFold(b.listServer, server) {
		return nil
	}
	return b.list
}

// close hides the browser and cancels a running list.
func (b *folderBrowser) close() {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
	b.state = browseClosed
}

// open shows the browser: the list, or what it still needs.
func (b *folderBrowser) open() tea.Cmd {
	d := b.c.draft
	b.note = ""
	if checkServer(d.server.value()) != "" {
		b.state, b.need = browseNeeds, mailconn.FieldServer
		return nil
	}
	if bad, name := d.credsMissing(); bad {
		b.state, b.need = browseNeeds, name
		return nil
	}
	return b.start()
}

// start signs in and lists the folders in the background.
func (b *folderBrowser) start() tea.Cmd {
	b.close()
	b.run++
	b.state, b.step, b.filter = browseLoading, "", ""
	c := b.c.draft.config()
	if checkMailbox(b.s.mailbox.value()) != "" {
		c.Incoming.Mailbox = config.DefaultMailbox // the list does not need it
	}
	if _, err := c.Validate(); err != nil {
		b.state, b.fail = browseFailed, settingResult(err)
		return nil
	}
	in := c.Incoming
	ctx, cancel := context.WithCancel(b.c.ctx)
	b.cancel = cancel
	b.server = in.Server
	fn := b.c.listFn
	begin := startStream(ctx, &b.c.bg, 16, scrMailbox, b.run, func(send func(any)) { runList(ctx, fn, in, send) })
	return tea.Batch(begin, b.spinner.Tick)
}

// runList lists the folders, reading the password at the authenticate
// step as the test does, sending the events and then a foldersDone.
func runList(ctx context.Context, fn listFoldersFunc, in config.Incoming, send func(any)) {
	list, err := fn(ctx, in, passwordOptions(in), func(ev mailconn.Event) { send(ev) })
	send(foldersDone{list: list, err: err})
}

func (b *folderBrowser) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamMsg:
		if msg.owner != scrMailbox {
			return nil
		}
		if msg.run == b.run && b.state == browseLoading {
			switch v := msg.v.(type) {
			case mailconn.Event:
				if v.Status == mailconn.StatusRunning {
					b.step = safeEvent(v).Title
				}
			case foldersDone:
				b.loaded(v.list, v.err)
			}
		}
		return msg.next()
	case spinner.TickMsg:
		if b.state != browseLoading {
			return nil
		}
		var cmd tea.Cmd
		b.spinner, cmd = b.spinner.Update(msg)
		return cmd
	}
	return nil
}

// loaded shows the list, selecting the folder in the Mail Box field (or
// the closest one), or the failure.
func (b *folderBrowser) loaded(list *mailconn.FolderList, err error) {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
	if err != nil || list == nil {
		b.state = browseFailed
		var le *mailconn.ListError
		switch {
		case errors.As(err, &le):
			b.fail = le.Result
		case err != nil:
			b.fail = mailconn.Result{Error: err.Error()}
		default:
			b.fail = mailconn.Result{Error: "no folder list"}
		}
		b.fail = safeResult(b.fail)
		return
	}
	b.state, b.list, b.listServer = browseList, list, b.server
	b.refilter()
	want := b.s.mailbox.value()
	if _, ok := list.Find(want); !ok {
		if s := list.Suggest(want); len(s) > 0 {
			want = s[0]
		}
	}
	for i, r := range b.rows {
		if f := list.Folders[r]; f.Name == want || strings.EqualFold(f.Name, "INBOX") && strings.EqualFold(want, "INBOX") {
			b.sel = i
		}
	}
}

// refilter recomputes the rows shown and puts the selection on a folder
// that can be chosen.
func (b *folderBrowser) refilter() {
	b.rows = b.rows[:0]
	needle := strings.ToLower(b.filter)
	for i, f := range b.list.Folders {
		if needle == "" || strings.Contains(strings.ToLower(f.Name), needle) {
			b.rows = append(b.rows, i)
		}
	}
	b.sel, b.offset = 0, 0
	b.move(0)
}

// move moves the selection by n rows, skipping folders that cannot be
// chosen; it stays put when there is none that way.
func (b *folderBrowser) move(n int) {
	if len(b.rows) == 0 {
		return
	}
	dir := 1
	if n < 0 {
		dir = -1
	}
	target := min(max(b.sel+n, 0), len(b.rows)-1)
	for i := target; i >= 0 && i < len(b.rows); i += dir {
		if !b.list.Folders[b.rows[i]].NoSelect {
			b.sel = i
			return
		}
	}
	for i := target; i >= 0 && i < len(b.rows); i -= dir { // none further: the nearest back
		if !b.list.Folders[b.rows[i]].NoSelect {
			b.sel = i
			return
		}
	}
}

// selected is the folder under the pointer, if any can be chosen.
func (b *folderBrowser) selected() (mailconn.Folder, bool) {
	if b.sel >= len(b.rows) {
		return mailconn.Folder{}, false
	}
	f := b.list.Folders[b.rows[b.sel]]
	return f, !f.NoSelect
}

func (b *folderBrowser) key(msg tea.KeyPressMsg) tea.Cmd {
	k := b.c.keys
	if key.Matches(msg, k.Esc) {
		if b.state == browseList && b.filter != "" { // esc clears the filter first
			b.filter, b.note = "", ""
			b.refilter()
			return nil
		}
		b.close()
		return b.s.form.focusFirst()
	}
	switch b.state {
	case browseNeeds:
		if key.Matches(msg, k.Next) {
			b.jumpForList(b.need)
		}
	case browseFailed:
		switch {
		case key.Matches(msg, k.Retry):
			return b.start()
		case key.Matches(msg, k.Fix) && b.fixField() != "":
			b.jumpForList(b.fixField())
		}
	case browseList:
		return b.listKey(msg)
	}
	return nil
}

func (b *folderBrowser) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := b.c.keys
	b.note = ""
	switch {
	case key.Matches(msg, k.Up):
		b.move(-1)
	case key.Matches(msg, k.Down):
		b.move(1)
	case key.Matches(msg, k.PageUp):
		b.move(-b.pageRows())
	case key.Matches(msg, k.PageDown):
		b.move(b.pageRows())
	case key.Matches(msg, k.Choose):
		f, ok := b.selected()
		switch {
		case ok:
			b.s.mailbox.setValue(f.Name)
			b.close()
			return b.s.form.focusFirst()
		case b.sel < len(b.rows):
			b.note = fmt.Sprintf("%s holds only other folders: choose one of them.", f.Name)
		}
	case msg.Code == tea.KeyBackspace:
		if r := []rune(b.filter); len(r) > 0 {
			b.filter = string(r[:len(r)-1])
			b.refilter()
		}
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		b.filter += msg.Text
		b.refilter()
	}
	return nil
}

// fixField is the field a failed list points to, when a screen edits it.
func (b *folderBrowser) fixField() string {
	if b.fail.Canceled || b.fail.Field == "" {
		return ""
	}
	if scr, _ := b.c.draft.target(b.fail.Field); scr == scrWelcome || scr == scrMailbox {
		return ""
	}
	return b.fail.Field
}

// jumpForList asks the root for the screen of a field the folder list
// needs; leaving that screen forward comes back here and lists again.
func (b *folderBrowser) jumpForList(name string) {
	if _, target := b.c.draft.target(name); target == nil {
		return
	}
	b.close()
	b.c.request(fixFieldMsg{field: name, forList: true})
}

func (b *folderBrowser) help() []key.Binding {
	k := b.c.keys
	esc := with(k.Esc, "esc", "close")
	switch b.state {
	case browseNeeds:
		return []key.Binding{with(k.Next, "enter", "go there"), esc, k.Quit}
	case browseLoading:
		return []key.Binding{with(k.Esc, "esc", "cancel"), k.Quit}
	case browseFailed:
		var bs []key.Binding
		if f := b.fixField(); f != "" {
			bs = append(bs, with(k.Fix, "f", "fix "+fieldLabel(f)))
		}
		return append(bs, k.Retry, esc, k.Quit)
	}
	bs := []key.Binding{with(k.Up, b.c.st.arrows, "move"), with(k.Choose, "enter", "choose")}
	if b.filter != "" {
		esc = with(k.Esc, "esc", "clear filter")
	} else if b.c.width >= 76 { // the status line says it too
		bs = append(bs, k.Filter)
	}
	return append(bs, esc, k.Quit)
}

// pageRows is how many rows the list shows at once (set by view).
func (b *folderBrowser) pageRows() int { return max(1, b.lastRows) }
