package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// quantile returns the q-quantile (0 ≤ q ≤ 1) of xs by the nearest-rank
// method on a sorted copy; 0 for no samples.
func quantile[T int | int64 | float64 | time.Duration](xs []T, q float64) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if q <= 0 {
		return s[0]
	}
	i := int(q*float64(len(s))+0.999999) - 1 // ceil(q·n) - 1
	return s[max(0, min(i, len(s)-1))]
}

// median is the middle sample; for an even count, the mean of the two
// middle samples.
func median[T int | int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// msf is d in milliseconds.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// mib formats a byte count in MiB with one decimal.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// row is one line of the summary: what was measured, the value, the goal
// and whether it was met.
type row struct {
	what, value, goal string
	met               verdict
}

type verdict int

const (
	noGoal verdict = iota
	met
	missed
	notMeasured
)

func (v verdict) String() string {
	switch v {
	case met:
		return "ok"
	case missed:
		return "MISSED"
	case notMeasured:
		return "n/a"
	}
	return ""
}

// check is met when ok, else missed.
func check(ok bool) verdict {
	if ok {
		return met
	}
	return missed
}

// printTable writes rows as an aligned plain-text table.
func printTable(w io.Writer, rows []row) {
	head := row{what: "measurement", value: "value", goal: "goal"}
	wa, wb, wc := len(head.what), len(head.value), len(head.goal)
	for _, r := range rows {
		wa, wb, wc = max(wa, len(r.what)), max(wb, len(r.value)), max(wc, len(r.goal))
	}
	line := func(a, b, c, d string) {
		_, _ = fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-*s  %-*s  %-*s  %s", wa, a, wb, b, wc, c, d), " "))
	}
	line(head.what, head.value, head.goal, "")
	line(strings.Repeat("-", wa), strings.Repeat("-", wb), strings.Repeat("-", wc), "------")
	for _, r := range rows {
		line(r.what, r.value, r.goal, r.met.String())
	}
}
