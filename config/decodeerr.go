package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// schemaField is one key of the schema: its table ("" for the top level,
// "incoming", "incoming.oauth2"), its name and its Go type.
type schemaField struct {
	table, name string
	typ         reflect.Type
}

var (
	durationType = reflect.TypeFor[Duration]()
	schemaFields = sync.OnceValue(func() []schemaField { return collectSchema("", reflect.TypeFor[Config]()) })
	schemaTables = []string{"incoming", "incoming.oauth2"}
)

// collectSchema lists every key of a struct type, descending into tables.
func collectSchema(table string, t reflect.Type) []schemaField {
	var out []schemaField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, schemaField{table: table, name: name, typ: f.Type})
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != durationType {
			out = append(out, collectSchema(joinKey(table, name), ft)...)
		}
	}
	return out
}

func joinKey(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

// lookupField finds the schema field of a dotted key.
func lookupField(key string) (schemaField, bool) {
	for _, f := range schemaFields() {
		if joinKey(f.table, f.name) == key {
			return f, true
		}
	}
	return schemaField{}, false
}

// translateDecodeError turns a go-toml error into *DecodeError values that
// name the file, line and column and say what to fix.
func translateDecodeError(data []byte, filename string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		errs := make([]error, 0, len(strict.Errors))
		for i := range strict.Errors {
			e := &strict.Errors[i]
			line, col := e.Position()
			key := strings.Join(e.Key(), ".")
			errs = append(errs, &DecodeError{File: filename, Line: line, Column: col, Key: key,
				Message: unknownKeyMessage(e.Key(), strings.Contains(e.Error(), "missing table"))})
		}
		if len(errs) == 1 {
			return errs[0]
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		key := strings.Join(de.Key(), ".")
		return &DecodeError{File: filename, Line: line, Column: col, Key: key,
			Message: decodeMessage(key, strings.TrimPrefix(de.Error(), "toml: "))}
	}
	// go-toml returns a TextUnmarshaler's error without a position when the
	// value is not a string (timeout = 30): find the value ourselves.
	if key, kind, line, col, ok := findNonStringDuration(data); ok {
		return &DecodeError{File: filename, Line: line, Column: col, Key: key,
			Message: fmt.Sprintf("%s must be %s, not %s", key, expectedWords(durationType), kindWords(kind))}
	}
	return &DecodeError{File: filename, Message: "cannot decode TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
}

// typeMismatch is compiled on first use, not at every start (docs/DESIGN.md
// "Start-up time").
var typeMismatch = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^cannot decode TOML ([a-z -]+?) into `) })

// decodeMessage rewrites a positioned go-toml message.
func decodeMessage(key, msg string) string {
	f, known := lookupField(key)
	switch {
	case known && typeMismatch().MatchString(msg):
		got := typeMismatch().FindStringSubmatch(msg)[1]
		if f.typ.Kind() == reflect.Slice {
			return fmt.Sprintf("%s must be %s", key, expectedWords(f.typ))
		}
		return fmt.Sprintf("%s must be %s, not %s", key, expectedWords(f.typ), kindWords(got))
	case strings.Contains(msg, "cannot store an array table"):
		return fmt.Sprintf("[[%s]] is an array of tables; write [%s] with single brackets", key, key)
	case known && f.typ == durationType:
		return fmt.Sprintf("%s = %s", key, msg)
	}
	return "invalid TOML: " + msg
}

// expectedWords says in words what a key of Go type t holds.
func expectedWords(t reflect.Type) string {
	if t == durationType {
		return `a duration in quotes, like "30s" or "2m"`
	}
	switch t.Kind() {
	case reflect.Int:
		return "a number without quotes, like 993"
	case reflect.String:
		return "a string in quotes"
	case reflect.Bool:
		return "true or false, without quotes"
	case reflect.Slice:
		return `an array of strings, like ["a", "b"]`
	case reflect.Struct, reflect.Pointer:
		return "a table"
	}
	return t.String()
}

// kindWords names a TOML value kind as found in go-toml's messages or a
// parser node kind.
func kindWords(kind string) string {
	switch strings.ToLower(kind) {
	case "string":
		return "a string"
	case "integer":
		return "a number"
	case "float":
		return "a decimal number"
	case "boolean", "bool":
		return "true/false"
	case "array":
		return "an array"
	case "table", "inline table", "inlinetable":
		return "a table"
	}
	return "a date or time"
}

// unknownKeyMessage says a key (or table) is unknown and suggests the
// closest known one, or the table where that key belongs.
func unknownKeyMessage(parts []string, table bool) string {
	key := strings.Join(parts, ".")
	if table {
		msg := fmt.Sprintf("unknown table [%s]", key)
		if s := closest(key, schemaTables); s != "" {
			return fmt.Sprintf("%s; did you mean [%s]?", msg, s)
		}
		return msg + "; the tables are [incoming] and [incoming.oauth2]"
	}
	parent := strings.Join(parts[:len(parts)-1], ".")
	name := parts[len(parts)-1]
	where := "at the top level"
	if parent != "" {
		where = "in [" + parent + "]"
	}
	msg := fmt.Sprintf("unknown key %q %s", name, where)
	var siblings []string
	for _, f := range schemaFields() {
		if f.table == parent {
			siblings = append(siblings, f.name)
		}
	}
	if s := closest(name, siblings); s != "" {
		return fmt.Sprintf("%s; did you mean %q?", msg, s)
	}
	for _, f := range schemaFields() {
		if f.name == name && f.table != parent {
			if f.table == "" {
				return fmt.Sprintf("%s; %q belongs at the top level, before any [table]", msg, name)
			}
			return fmt.Sprintf("%s; %q belongs in [%s]", msg, name, f.table)
		}
	}
	return msg + "; remove it"
}

// closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a typo, else "".
func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	norm := strings.ToLower(strings.ReplaceAll(s, "-", "_"))
	for _, c := range candidates {
		d := editDistance(norm, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(s)/3) || bestDist >= len(s) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// findNonStringDuration walks the document for a duration key whose value is
// not a string and returns its dotted key, value kind and position.
func findNonStringDuration(data []byte) (key, kind string, line, col int, ok bool) {
	var p unstable.Parser
	p.Reset(data)
	var table []string
	var visit func(prefix []string, n *unstable.Node) bool
	visit = func(prefix []string, n *unstable.Node) bool {
		full := slices.Concat(prefix, keyParts(n))
		v := n.Value()
		if v.Kind == unstable.InlineTable {
			it := v.Children()
			for it.Next() {
				if it.Node().Kind == unstable.KeyValue && visit(full, it.Node()) {
					return true
				}
			}
			return false
		}
		if f, known := lookupField(strings.Join(full, ".")); known && f.typ == durationType && v.Kind != unstable.String {
			pos := p.Shape(v.Raw).Start
			key, kind, line, col = strings.Join(full, "."), v.Kind.String(), pos.Line, pos.Column
			return true
		}
		return false
	}
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(n)
		case unstable.KeyValue:
			if visit(table, n) {
				return key, kind, line, col, true
			}
		}
	}
	return "", "", 0, 0, false
}

func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}
