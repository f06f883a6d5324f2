package monitor

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Perf is one parsed performance data item.
type Perf struct {
	Label, Value, UOM    string
	Warn, Crit, Min, Max string
}

// The Monitoring Plugins development guidelines, "Performance data":
// 'label'=value[UOM];[warn];[crit];[min];[max], items separated by spaces;
// value, min and max in [-0-9.] (value may be "U"); warn and crit in the
// range format [@][start:][end] with start "~" for minus infinity; UOM one
// of s ms us % B KB MB TB c or none.
// The regexps are compiled on first use, not at every start of mailsetup
// (docs/DESIGN.md "Start-up time").
const perfNumber = `-?[0-9]+(\.[0-9]+)?|-?\.[0-9]+`

var perfRes = sync.OnceValue(func() (r struct{ value, num, rng *regexp.Regexp }) {
	r.value = regexp.MustCompile(`^(` + perfNumber + `|U)(s|ms|us|%|B|KB|MB|TB|c)?$`)
	r.num = regexp.MustCompile(`^(` + perfNumber + `)?$`)
	r.rng = regexp.MustCompile(`^(@?((` + perfNumber + `|~):)?(` + perfNumber + `)?)?$`)
	return r
})

// ParsePerfdata parses the performance data after the '|' of a plugin's
// status line, strictly: a label with a space must be quoted, a quote in a
// quoted label is doubled, a label holds no '=', and at most five
// ';'-separated fields follow the '='.
func ParsePerfdata(s string) ([]Perf, error) {
	var out []Perf
	rest := strings.TrimLeft(s, " ")
	for rest != "" {
		var label string
		if strings.HasPrefix(rest, "'") {
			i := 1
			var b strings.Builder
			for {
				if i >= len(rest) {
					return nil, fmt.Errorf("unterminated quoted label in %q", rest)
				}
				if rest[i] == '\'' {
					if i+1 < len(rest) && rest[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					break
				}
				b.WriteByte(rest[i])
				i++
			}
			label = b.String()
			rest = rest[i+1:]
			if !strings.HasPrefix(rest, "=") {
				return nil, fmt.Errorf("no '=' after the label %q", label)
			}
		} else {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				return nil, fmt.Errorf("no '=' in %q", rest)
			}
			label = rest[:eq]
			if strings.ContainsAny(label, " '") {
				return nil, fmt.Errorf("label %q has a space or quote but is not quoted", label)
			}
			rest = rest[eq:]
		}
		if label == "" || strings.Contains(label, "=") {
			return nil, fmt.Errorf("bad label %q", label)
		}
		rest = rest[1:] // '='
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		item := rest[:end]
		rest = strings.TrimLeft(rest[end:], " ")
		fields := strings.Split(item, ";")
		if len(fields) > 5 {
			return nil, fmt.Errorf("%s: %d fields, at most 5", label, len(fields))
		}
		for len(fields) < 5 {
			fields = append(fields, "")
		}
		m := perfRes().value.FindStringSubmatch(fields[0])
		if m == nil {
			return nil, fmt.Errorf("%s: bad value %q", label, fields[0])
		}
		p := Perf{Label: label, Value: m[1], UOM: m[len(m)-1], Warn: fields[1], Crit: fields[2], Min: fields[3], Max: fields[4]}
		for _, r := range []string{p.Warn, p.Crit} {
			if !perfRes().rng.MatchString(r) {
				return nil, fmt.Errorf("%s: bad range %q", label, r)
			}
		}
		for _, n := range []string{p.Min, p.Max} {
			if !perfRes().num.MatchString(n) {
				return nil, fmt.Errorf("%s: bad min/max %q", label, n)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// SplitStatus splits a plugin's first output line into its text and its
// performance data.
func SplitStatus(line string) (text, perf string) {
	text, perf, _ = strings.Cut(line, "|")
	return strings.TrimSpace(text), strings.TrimSpace(perf)
}
