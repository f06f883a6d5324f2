package mailconn

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFolderNames fuzzes the folder-name handling of the mailbox step and
// the folder browser: the '.' ↔ '/' translation (SuggestSeparator,
// isSeparatorSwap), the suggestions for a folder that cannot be opened
// (suggestFolders) and the tree order of a LIST (treeOrder). Names are
// UTF-8 here: go-imap decodes modified UTF-7 before they reach this code.
// folders holds one name per line; delim picks the server's separator.
//
//	go test -run '^$' -fuzz '^FuzzFolderNames$' -fuzztime 10s ./mailconn
func FuzzFolderNames(f *testing.F) {
	const layout = "INBOX\nINBOX/Support\nINBOX/Bestätigungen\nArchive\nArchive/2024\nSent"
	for _, seed := range []struct {
		name, folders string
		delim         byte
	}{
		{"INBOX.Support", layout, '/'},
		{"INBOX/Support", strings.ReplaceAll(layout, "/", "."), '.'},
		{"inbox\\support", layout, '/'},
		{"Bestätigungen", layout, '/'},
		{"Archiv/2024", layout, '/'},
		{"Archive", layout, 0},
		{"a.b/c\\d", "a/b/c/d\na.b.c.d\n/\n.\n\n", '.'},
		{"", "", '/'},
	} {
		f.Add(seed.name, seed.folders, seed.delim)
	}
	f.Fuzz(func(t *testing.T, name, folderLines string, delimByte byte) {
		delim := ""
		switch delimByte % 3 {
		case 1:
			delim = "/"
		case 2:
			delim = "."
		}
		folders := strings.Split(folderLines, "\n")
		checkSuggestSeparator(t, name, delim)
		checkSuggestions(t, name, folders, delim)
		checkTreeOrder(t, folders, delim)
	})
}

func checkSuggestSeparator(t *testing.T, name, delim string) {
	out, changed := SuggestSeparator(name, delim)
	if delim == "" {
		if changed || out != name {
			t.Fatalf("SuggestSeparator(%q, no delimiter) = %q, %v; want it unchanged", name, out, changed)
		}
		return
	}
	if changed != (out != name) {
		t.Fatalf("SuggestSeparator(%q, %q) = %q, changed %v", name, delim, out, changed)
	}
	if utf8.ValidString(name) && utf8.RuneCountInString(out) != utf8.RuneCountInString(name) {
		t.Fatalf("SuggestSeparator(%q, %q) = %q: not one rune for one", name, delim, out)
	}
	for _, r := range separators {
		if string(r) != delim && strings.ContainsRune(out, r) {
			t.Fatalf("SuggestSeparator(%q, %q) = %q still holds %q", name, delim, out, r)
		}
	}
	if again, more := SuggestSeparator(out, delim); more || again != out {
		t.Fatalf("SuggestSeparator is not idempotent: %q → %q → %q", name, out, again)
	}
}

func checkSuggestions(t *testing.T, name string, folders []string, delim string) {
	l := &FolderList{Delimiter: delim}
	for _, f := range folders {
		l.Folders = append(l.Folders, Folder{Name: f, Messages: -1, Unseen: -1})
	}
	got := l.Suggest(name)
	if len(got) > maxSuggestions {
		t.Fatalf("Suggest(%q) gave %d names, want at most %d", name, len(got), maxSuggestions)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if s == name || seen[s] || !slices.Contains(folders, s) {
			t.Fatalf("Suggest(%q) = %q: each must be another folder of %q, once", name, got, folders)
		}
		seen[s] = true
	}
	sep := l.sep()
	if sep == 0 {
		return
	}
	// A folder that is name in the server's separator is the best offer,
	// and the hint calls it a separator swap.
	swapped := translateSeparators(name, sep)
	if swapped != name && slices.Contains(folders, swapped) {
		if len(got) == 0 || got[0] != swapped {
			t.Fatalf("Suggest(%q) = %q, want %q first", name, got, swapped)
		}
		if !isSeparatorSwap(name, got, sep) {
			t.Fatalf("isSeparatorSwap(%q, %q) is false", name, got)
		}
	}
}

func checkTreeOrder(t *testing.T, names []string, delim string) {
	var in []Folder
	for _, n := range names {
		in = append(in, Folder{Name: n, Messages: -1, Unseen: -1})
	}
	out := treeOrder(slices.Clone(in), delim)
	pos := map[string]int{}
	for i, f := range out {
		if _, dup := pos[f.Name]; !dup {
			pos[f.Name] = i
		}
	}
	for _, n := range names {
		_, ok := pos[n]
		switch {
		case len(n) > maxFolderName && ok:
			t.Fatalf("treeOrder kept a %d-byte name (the bound is %d)", len(n), maxFolderName)
		case len(n) <= maxFolderName && !ok:
			t.Fatalf("treeOrder(%q) lost %q: %v", names, n, out)
		}
	}
	if len(out) > 0 && slices.ContainsFunc(names, isInbox) && !isInbox(strings.Split(out[0].Name, delimOr(delim))[0]) {
		t.Fatalf("treeOrder(%q) does not start with INBOX: %v", names, out)
	}
	if delim == "" {
		kept := slices.DeleteFunc(slices.Clone(in), func(f Folder) bool { return len(f.Name) > maxFolderName })
		if len(out) != len(kept) {
			t.Fatalf("treeOrder(%q) without a delimiter added folders: %v", names, out)
		}
		return
	}
	for i, f := range out {
		parts := strings.Split(f.Name, delim)
		for n := 1; n < len(parts) && n <= maxFolderDepth; n++ {
			parent := strings.Join(parts[:n], delim)
			if parent == "" {
				continue
			}
			p, ok := pos[parent]
			if !ok {
				t.Fatalf("treeOrder(%q): %q has no parent %q: %v", names, f.Name, parent, out)
			}
			if p > i {
				t.Fatalf("treeOrder(%q): parent %q after its child %q: %v", names, parent, f.Name, out)
			}
		}
	}
	listed := map[string]int{}
	for _, n := range names {
		if len(n) <= maxFolderName {
			listed[n]++
		}
	}
	for _, f := range out {
		if listed[f.Name] > 0 && !f.NoSelect {
			listed[f.Name]--
			continue
		}
		if !f.NoSelect || !slices.Contains(f.Attrs, attrNonExistent) || slices.Contains(names, f.Name) {
			t.Fatalf("treeOrder(%q) added %+v: want a missing parent marked \\NonExistent", names, f)
		}
	}
}

// delimOr is delim, or a string no name holds when there is none.
func delimOr(delim string) string {
	if delim == "" {
		return "\x00\x00"
	}
	return delim
}
