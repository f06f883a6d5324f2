package mailconn

import (
	"slices"
	"testing"
)

func TestSuggestFolders(t *testing.T) {
	slash := []string{"INBOX", "INBOX/Support", "INBOX/Bestätigungen", "Archive/2024", "Sent"}
	dot := []string{"INBOX", "INBOX.Support", "INBOX.Sales", "Sent"}
	tests := []struct {
		name    string
		folder  string
		folders []string
		sep     rune
		want    []string
	}{
		{"dot to slash", "INBOX.Support", slash, '/', []string{"INBOX/Support"}},
		{"slash to dot", "INBOX/Support", dot, '.', []string{"INBOX.Support"}},
		{"backslash", `INBOX\Support`, slash, '/', []string{"INBOX/Support"}},
		{"case", "inbox/support", slash, '/', []string{"INBOX/Support"}},
		{"last part", "Support", slash, '/', []string{"INBOX/Support"}},
		{"typo", "INBOX/Suport", slash, '/', []string{"INBOX/Support"}},
		{"children of a folder without mail", "Archive", slash, '/', []string{"Archive/2024"}},
		{"nothing close", "Projects/2019/Q3", slash, '/', []string{}},
		{"sent", "Snet", slash, '/', []string{"Sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := suggestFolders(tt.folder, tt.folders, tt.sep)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("suggestFolders(%q) = %q, want %q", tt.folder, got, tt.want)
			}
		})
	}
}

func TestFolderHint(t *testing.T) {
	tests := []struct {
		name string
		err  FolderError
		want string
	}{
		{"separator", FolderError{Name: "INBOX.Support", Separator: '/', Suggestions: []string{"INBOX/Support"}},
			`No folder "INBOX.Support"; this server uses "/" as separator: did you mean "INBOX/Support"?`},
		{"two", FolderError{Name: "Suport", Separator: '/', Suggestions: []string{"INBOX/Support", "Sport"}},
			`No folder "Suport": did you mean "INBOX/Support" or "Sport"?`},
		{"none", FolderError{Name: "X", Separator: '/'},
			`No folder "X": check the mailbox name (INBOX always exists).`},
		{"noselect", FolderError{Name: "Archive", Separator: '/', NoSelect: true, Suggestions: []string{"Archive/2024"}},
			`Folder "Archive" holds only other folders, no mail: did you mean "Archive/2024"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := folderHint(&tt.err); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
