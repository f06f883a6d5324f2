package tui

import "strings"

// diffOp is one line of a line diff.
type diffOp struct {
	kind byte // ' ' same, '-' only in the old text, '+' only in the new
	text string
}

// lineDiff is a longest-common-subsequence line diff of two small texts
// (config files of a few dozen lines).
func lineDiff(oldText, newText string) []diffOp {
	a := splitLines(oldText)
	b := splitLines(newText)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, diffOp{'-', a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, diffOp{'-', a[i]})
	}
	for ; j < len(b); j++ {
		ops = append(ops, diffOp{'+', b[j]})
	}
	return ops
}

// changes are the lines that differ, without the comments of a line (the
// TOML writer aligns them, so a longer value moves its comment).
func changes(oldText, newText string) []diffOp {
	var out []diffOp
	for _, op := range lineDiff(stripComments(oldText), stripComments(newText)) {
		if op.kind != ' ' && strings.TrimSpace(op.text) != "" {
			out = append(out, op)
		}
	}
	return out
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// stripComments drops comment lines and trailing comments outside strings.
func stripComments(s string) string {
	var out []string
	for _, l := range splitLines(s) {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, strings.TrimRight(cutComment(l), " \t"))
	}
	return strings.Join(out, "\n")
}

// cutComment removes a "# …" comment that is not inside a quoted string.
func cutComment(line string) string {
	inStr, esc := byte(0), false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case esc:
			esc = false
		case inStr == '"' && c == '\\':
			esc = true
		case inStr != 0 && c == inStr:
			inStr = 0
		case inStr == 0 && (c == '"' || c == '\''):
			inStr = c
		case inStr == 0 && c == '#':
			return line[:i]
		}
	}
	return line
}
