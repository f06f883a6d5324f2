package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/mailconn"
)

// countsWidth is the width of the Messages and Unseen columns with the gap
// before them.
const countsWidth = 2 + 8 + 2 + 6

// maxFolderName is the widest the name column grows.
const maxFolderName = 44

func (b *folderBrowser) view(width, height int) page {
	st := b.c.st
	switch b.state {
	case browseNeeds:
		return page{main: b.needsView(width)}
	case browseLoading:
		in := b.c.draft.incoming()
		line := fmt.Sprintf("%s Listing the folders on %s as %s%s", b.spinner.View(), in.Server, orDash(in.Username), st.ellipsis)
		main := ansi.Truncate(line, width, st.ellipsis)
		if b.step != "" {
			main += "\n  " + st.muted.Render(ansi.Truncate(b.step, width-2, st.ellipsis))
		}
		return page{main: main}
	case browseFailed:
		return page{main: b.failedView(width)}
	}
	return page{main: b.listView(width, height)}
}

func (b *folderBrowser) needsView(width int) string {
	st := b.c.st
	var msg string
	switch b.need {
	case mailconn.FieldServer:
		msg = "The folder list needs the server name, from the Server name and port screen."
	default:
		msg = "The folder list signs in to the server, so it needs the user name and password, which come on the next screen."
	}
	return para(st.warnLine(msg), width) + "\n\n" +
		para("Press enter to go there; once you leave that screen with enter, you come back here and the folders are listed.", width)
}

func (b *folderBrowser) failedView(width int) string {
	st := b.c.st
	r := b.fail
	msg := "Cannot list the folders"
	if r.FailedStep != "" {
		msg += " (" + string(r.FailedStep) + ")"
	}
	if e := r.Sentence(); e != "" {
		msg += ": " + e
	}
	parts := []string{para(st.errLine(msg), width)}
	if r.Hint != "" {
		parts = append(parts, hintBlock(st, r.Hint, width, "  ", false))
	}
	var keys string
	if f := b.fixField(); f != "" {
		scr, _ := b.c.draft.target(f)
		keys = fmt.Sprintf("Press f to fix the %s on the %s screen (you come back here afterwards), r to try again, esc to close.",
			fieldLabel(f), screenTitles[scr])
	} else {
		keys = "Press r to try again, esc to close."
	}
	parts = append(parts, indentBlock(para(st.muted.Render(keys), width-2), "  "))
	return strings.Join(parts, "\n")
}

// listView is the tree: a heading, the column titles, the rows that fit,
// and a line saying what is shown and the filter.
func (b *folderBrowser) listView(width, height int) string {
	st := b.c.st
	l := b.list
	head := "Folders on " + b.listServer
	if l.Delimiter != "" {
		head += fmt.Sprintf(" (separator %q)", l.Delimiter)
	}
	lines := []string{st.muted.Render(ansi.Truncate(head+":", width, st.ellipsis))}
	nameW := max(10, min(width-2-countsWidth, maxFolderName)) // counts near the names
	lines = append(lines, strings.Repeat(" ", 2+nameW)+st.muted.Render(fmt.Sprintf("  %8s  %6s", "Messages", "Unseen")))

	extra := 4 // heading, column titles, blank, status
	if b.note != "" {
		extra++
	}
	rowsH := max(1, height-extra)
	b.lastRows = rowsH
	if b.sel < b.offset {
		b.offset = b.sel
	}
	if b.sel >= b.offset+rowsH {
		b.offset = b.sel - rowsH + 1
	}
	b.offset = max(0, min(b.offset, len(b.rows)-rowsH))
	end := min(len(b.rows), b.offset+rowsH)
	for i := b.offset; i < end; i++ {
		lines = append(lines, b.row(b.list.Folders[b.rows[i]], i == b.sel, nameW))
	}
	switch {
	case len(b.list.Folders) == 0:
		lines = append(lines, "  "+st.muted.Render("The server lists no folders."))
	case len(b.rows) == 0:
		lines = append(lines, "  "+st.muted.Render("No folder matches."))
	}

	var status string
	switch {
	case len(b.rows) > rowsH:
		status = fmt.Sprintf("%d-%d of %d folders", b.offset+1, end, len(b.rows))
	default:
		status = plural(len(b.rows), "folder")
	}
	if b.filter != "" {
		status = "Filter: " + b.filter + "  " + st.dash + "  " + status + "; esc clears it"
	} else {
		status += "; type to filter"
	}
	lines = append(lines, "", st.muted.Render(ansi.Truncate(status, width, st.ellipsis)))
	if b.note != "" {
		lines = append(lines, st.warnLine(ansi.Truncate(b.note, width-2, st.ellipsis)))
	}
	return strings.Join(lines, "\n")
}

// row is one folder: indented by its depth (full name while filtering),
// dimmed and marked "folders only" when it cannot be chosen.
func (b *folderBrowser) row(f mailconn.Folder, selected bool, nameW int) string {
	st := b.c.st
	name := f.Name
	if b.filter == "" {
		name = strings.Repeat("  ", b.list.Depth(f.Name)) + b.list.Leaf(f.Name)
	}
	name = ansi.Truncate(name, nameW, st.ellipsis)
	pad := strings.Repeat(" ", max(0, nameW-lipgloss.Width(name)))
	ptr := "  "
	if selected {
		ptr = st.accent.Render(st.pointer) + " "
	}
	if f.NoSelect {
		return ptr + st.muted.Render(name+pad+fmt.Sprintf("%*s", countsWidth, "folders only")) // readable without colour too
	}
	style := st.label
	if selected {
		style = st.labelFocused
	}
	return ptr + style.Render(name) + pad + fmt.Sprintf("  %8s  %6s", count(f.Messages), count(f.Unseen))
}

func count(n int) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

// plural is "1 folder", "3 folders".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
