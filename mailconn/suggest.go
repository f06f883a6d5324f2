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
	var cands []cand
	seen := map[string]bool{}
	add := func(n string, score int) {
		if n == name || seen[n] {
			return
		}
		seen[n] = true
		cands = append(cands, cand{n, score})
	}
	translated := name
	if sep != 0 {
		translated = translateSeparators(name, sep)
	}
	lname, ltrans := strings.ToLower(name), strings.ToLower(translated)
	lastPart := strings.ToLower(lastComponent(translated, sep))
	for _, f := range folders {
		lf := strings.ToLower(f)
		switch {
		case f == translated:
			add(f, 0)
		case lf == ltrans:
			add(f, 1)
		case lf == lname:
			add(f, 2)
		case lastPart != "" && strings.ToLower(lastComponent(f, sep)) == lastPart:
			add(f, 3)
		case sep != 0 && strings.HasPrefix(lf, ltrans+string(sep)):
			add(f, 4) // a child of a folder that holds no mail
		default:
			limit := max(2, utf8.RuneCountInString(ltrans)/4)
			if d := editDistance(ltrans, lf); d <= limit {
				add(f, 4+d)
			}
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

// isSeparatorSwap reports whether the best suggestion is name with its
// separators translated to sep.
func isSeparatorSwap(name string, suggestions []string, sep rune) bool {
	if len(suggestions) == 0 || sep == 0 || !strings.ContainsAny(name, separators) {
		return false
	}
	return strings.EqualFold(suggestions[0], translateSeparators(name, sep))
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
