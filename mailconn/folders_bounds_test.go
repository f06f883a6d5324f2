package mailconn

import (
	"strings"
	"testing"
)

// TestTreeOrderBounds checks the bounds that keep a hostile LIST from
// costing time and memory that grow with the square of a name: names past
// maxFolderName are dropped, and no parents are added below maxFolderDepth.
func TestTreeOrderBounds(t *testing.T) {
	long := strings.Repeat("x/", 16000) + "x" // 32 KB, 16001 levels
	deep := strings.Repeat("a/", 100) + "a"   // 201 bytes, 101 levels
	got := treeOrder([]Folder{{Name: "INBOX"}, {Name: long}, {Name: deep}}, "/")
	names := map[string]bool{}
	for _, f := range got {
		names[f.Name] = true
		if len(f.Name) > maxFolderName {
			t.Fatalf("a %d-byte name was kept", len(f.Name))
		}
	}
	// INBOX, the deep folder, and its parents a, a/a, … down to 64 levels.
	if want := 2 + maxFolderDepth; len(got) != want {
		t.Fatalf("%d folders, want %d", len(got), want)
	}
	if !names[deep] || !names["a"] || !names[strings.Repeat("a/", maxFolderDepth-1)+"a"] || names[strings.Repeat("a/", maxFolderDepth)+"a"] {
		t.Fatalf("parents of the deep folder: %d folders", len(got))
	}
	if got[0].Name != "INBOX" || got[1].Name != "a" || got[len(got)-1].Name != deep {
		t.Fatalf("order: first %q, %q, last %q", got[0].Name, got[1].Name, got[len(got)-1].Name)
	}
}
