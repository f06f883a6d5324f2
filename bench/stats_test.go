package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

func TestQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name          string
		xs            []int
		median, p90   int
		smallest, top int
	}{
		{"none", nil, 0, 0, 0, 0},
		{"one", []int{7}, 7, 7, 7, 7},
		{"odd", []int{5, 1, 3}, 3, 5, 1, 5},
		{"even", []int{4, 1, 3, 2}, 2, 4, 1, 4}, // (2+3)/2 in ints
		{"ten", []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5, 9, 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.xs); got != tc.median {
				t.Errorf("median = %d, want %d", got, tc.median)
			}
			if got := quantile(tc.xs, 0.9); got != tc.p90 {
				t.Errorf("p90 = %d, want %d", got, tc.p90)
			}
			if got := quantile(tc.xs, 0); got != tc.smallest {
				t.Errorf("p0 = %d, want %d", got, tc.smallest)
			}
			if got := quantile(tc.xs, 1); got != tc.top {
				t.Errorf("p100 = %d, want %d", got, tc.top)
			}
		})
	}
	if got := median([]time.Duration{time.Second, 3 * time.Second}); got != 2*time.Second {
		t.Errorf("median of durations = %v", got)
	}
}

func TestPrintTable(t *testing.T) {
	var b bytes.Buffer
	printTable(&b, []row{
		{what: "a long measurement", value: "1", goal: "≤ 2", met: met},
		{what: "short", value: "12.5 ms", goal: "", met: noGoal},
		{what: "missed one", value: "3", goal: "≤ 2", met: missed},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want header, rule and 3 rows:\n%s", len(lines), b.String())
	}
	if !strings.HasSuffix(lines[2], "ok") || !strings.HasSuffix(lines[4], "MISSED") || strings.HasSuffix(lines[3], " ") {
		t.Errorf("verdicts not at the line ends:\n%s", b.String())
	}
	if col := strings.Index(lines[2], "1"); col != strings.Index(lines[3], "12.5") {
		t.Errorf("value column not aligned:\n%s", b.String())
	}
}

func TestModuleTree(t *testing.T) {
	for sym, want := range map[string]string{
		"runtime.mallocgc":                         "runtime",
		"go:func.*":                                "runtime",
		"crypto/internal/fips140/nistec.p256Add":   "crypto",
		"vendor/golang.org/x/crypto/chacha20.xor":  "golang.org/x/crypto",
		"charm.land/lipgloss/v2.Style.Render":      "charm.land/lipgloss/v2",
		"github.com/a/b/c/d.(*T).M":                "github.com/a/b",
		"type:*github.com/emersion/go-imap/v2.Cap": "github.com/emersion/go-imap",
		"github.com/x/y.F[go.shape.int]":           "github.com/x/y",
		"main.main":                                "main",
	} {
		if got := moduleTree(sym); got != want {
			t.Errorf("moduleTree(%q) = %q, want %q", sym, got, want)
		}
	}
}

func TestInterleaveRunsRotates(t *testing.T) {
	var order []string
	mk := func(name string) runner {
		return func() (time.Duration, error) {
			order = append(order, name)
			return time.Duration(len(order)), nil
		}
	}
	s, err := interleaveRuns(2, mk("a"), mk("b"), mk("c"))
	if err != nil {
		t.Fatal(err)
	}
	// A warm-up round, then rounds starting one further along each time.
	if got, want := strings.Join(order, ""), "abc"+"abc"+"bca"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	if len(s) != 3 || len(s[0]) != 2 || s[0][0] != 4 || s[0][1] != 9 {
		t.Errorf("samples %v: want the measured rounds only, per runner", s)
	}

	boom := errors.New("boom")
	_, err = interleaveRuns(1, mk("a"), func() (time.Duration, error) { return 0, boom })
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want the runner's", err)
	}
}

func TestCheckCurl(t *testing.T) {
	imap := account{name: "IMAPS", protocol: config.ProtocolIMAP}
	pop3 := account{name: "POP3S", protocol: config.ProtocolPOP3}
	for _, tc := range []struct {
		name string
		acct account
		out  string
		ok   bool
	}{
		{"imap examined", imap, "* 3 EXISTS\r\n* 0 RECENT\r\n", true},
		{"imap nothing", imap, "", false},
		{"pop3 listed", pop3, "1 400\r\n2 380\r\n3 371\r\n", true},
		{"pop3 short", pop3, "1 400\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkCurl(tc.acct, []byte(tc.out)); (err == nil) != tc.ok {
				t.Errorf("checkCurl = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestPairedDiff(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	// Round 2 ran under load (both slow): its difference is like the
	// others.
	got := pairedDiff(ms(300, 500, 310), ms(100, 300, 105))
	if got != 200*time.Millisecond {
		t.Errorf("pairedDiff = %v, want 200ms (median of 200, 200, 205)", got)
	}
	if got := pairedDiff(nil, nil); got != 0 {
		t.Errorf("pairedDiff of nothing = %v, want 0", got)
	}
}
