package mailconn

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxSuggestions is how many folder names a hint offers.
const maxSuggestions = 3

// separators are the hierarchy delimiters people confuse.
const separators = "./\\"

// suggestFolders returns the names in folders closest to name, best first:
// name with its separators translated to sep ("INBOX.Support" →
// "INBOX/Support"), then case-insensitive matches, then names whose last
// part matches, then near misses by edit distance.
func suggestFolders(name string, folders []string, sep rune) []string {
	type cand struct {
		name  string
		score int
	}
	// A name typed as logs show it, in modified UTF-7 ("INBOX.K&APw-che"),
	// is matched as what it encodes ("INBOX.Küche") too.
	typed := []string{name}
	if d, ok := decodeModifiedUTF7(name); ok && d != name {
		typed = append(typed, d)
	}
	var cands []cand
	for _, f := range folders {
		if f == name || slices.ContainsFunc(cands, func(c cand) bool { return c.name == f }) {
			continue
		}
		best, found := 0, false
		for _, t := range typed {
			if sc, ok := folderScore(t, f, sep); ok && (!found || sc < best) {
				best, found = sc, true
			}
		}
		if found {
			cands = append(cands, cand{f, best})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score < cands[j].score })
	out := make([]string, 0, maxSuggestions)
	for _, c := range cands {
		if len(out) == maxSuggestions {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// folderScore rates folder f as a suggestion for the typed name, lower is
// better; ok is false when f is not close.
func folderScore(name, f string, sep rune) (score int, ok bool) {
	translated := name
	if sep != 0 {
		translated = translateSeparators(name, sep)
	}
	lname, ltrans := strings.ToLower(name), strings.ToLower(translated)
	lastPart := strings.ToLower(lastComponent(translated, sep))
	lf := strings.ToLower(f)
	switch {
	case f == translated:
		return 0, true
	case lf == ltrans:
		return 1, true
	case lf == lname:
		return 2, true
	case lastPart != "" && strings.ToLower(lastComponent(f, sep)) == lastPart:
		return 3, true
	case sep != 0 && strings.HasPrefix(lf, ltrans+string(sep)):
		return 4, true // a child of a folder that holds no mail
	}
	limit := max(2, utf8.RuneCountInString(ltrans)/4)
	if d := editDistance(ltrans, lf); d <= limit {
		return 4 + d, true
	}
	return 0, false
}

// isSeparatorSwap reports whether the best suggestion is name with its
// separators translated to sep (and perhaps its case changed). A name
// whose separators are right already is no swap, whatever its case:
// "inbox.support" → "INBOX.Support" on a "." server.
func isSeparatorSwap(name string, suggestions []string, sep rune) bool {
	if len(suggestions) == 0 || sep == 0 || !strings.ContainsAny(name, separators) {
		return false
	}
	translated := translateSeparators(name, sep)
	return translated != name && strings.EqualFold(suggestions[0], translated)
}

func lastComponent(name string, sep rune) string {
	if sep == 0 {
		return name
	}
	if i := strings.LastIndex(name, string(sep)); i >= 0 {
		return name[i+utf8.RuneLen(sep):]
	}
	return name
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return max(len(ra), len(rb))
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// sortedUnique returns the sorted distinct strings of s.
func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
