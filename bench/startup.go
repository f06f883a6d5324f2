package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Goals of item 3.
const (
	goalFirstFrame = 40 * time.Millisecond
	goalRSS        = 25 << 20
	goalBinary     = 15 << 20
)

// startup is item 3: time to the first wizard frame and the memory on the
// first screen, memory during a test, and the binary's size.
func (b *bench) startup() error {
	n := max(5, b.o.runs/2)
	b.say("\n== startup and memory (%d runs, medians)", n)
	var first, quit []time.Duration
	var rss []int64
	for i := 0; i < n; i++ {
		r, err := b.firstFrame(filepath.Join(b.dir, fmt.Sprintf("fresh-%d", i), "config.toml"), false)
		if err != nil {
			return err
		}
		first, rss, quit = append(first, r.frame), append(rss, r.rss), append(quit, r.quit)
	}
	b.say("first wizard frame in an 80×24 pty: %s (p90 %s); RSS on the first screen %s; Ctrl+C to exit %s",
		ms(median(first)), ms(quantile(first, 0.9)), mib(median(rss)), ms(median(quit)))
	// One run in a terminal that answers no query (a serial console, some
	// multiplexers): what a quit costs there.
	r, err := b.firstFrame(filepath.Join(b.dir, "fresh-silent", "config.toml"), true)
	if err != nil {
		return err
	}
	b.say("in a terminal that answers no query: first frame %s, Ctrl+C to exit %s", ms(r.frame), ms(r.quit))
	b.rows = append(b.rows,
		row{what: "launch to first wizard frame (pty)", value: ms(median(first)), goal: "≤ " + ms(goalFirstFrame), met: check(median(first) <= goalFirstFrame)},
		row{what: "RSS on the first screen", value: mib(median(rss)), goal: "≤ " + mib(goalRSS), met: check(median(rss) <= goalRSS)},
		row{what: "Ctrl+C to exit, terminal answers", value: ms(median(quit))},
		row{what: "Ctrl+C to exit, terminal silent", value: ms(r.quit)})

	for _, acct := range b.accounts() {
		cfg, err := b.config(strings.ToLower(acct.name), acct)
		if err != nil {
			return err
		}
		var hwm []int64
		for i := 0; i < n; i++ {
			cmd := mailsetupCmd(b.bin, cfg)
			if _, _, err := timeRun(cmd); err != nil {
				return err
			}
			hwm = append(hwm, maxRSS(cmd.ProcessState))
		}
		b.say("peak RSS of mailsetup test %s: %s", acct.name, mib(median(hwm)))
		b.rows = append(b.rows, row{what: "peak RSS, mailsetup test " + acct.name, value: mib(median(hwm)),
			goal: "≤ " + mib(goalRSS), met: check(median(hwm) <= goalRSS)})
	}
	return b.binarySize()
}

// launch is what firstFrame measures.
type launch struct {
	frame time.Duration // from launch to the first frame
	rss   int64         // VmRSS on the first screen, once idle
	quit  time.Duration // from Ctrl+C to the end of the process
}

// firstFrame launches the wizard with a config path that does not exist
// yet and measures the time to its first frame (its header names the Mail
// Connector), the RSS on that screen once idle, and how long it takes to
// quit on Ctrl+C.
func (b *bench) firstFrame(cfg string, silent bool) (launch, error) {
	var l launch
	t, err := startTerm(80, 24, silent, b.bin, "--config", cfg)
	if err != nil {
		return l, err
	}
	at, err := t.waitText(0, "Mail Connector")
	if err == nil {
		err = t.waitQuiet(200 * time.Millisecond)
	}
	if err == nil {
		l.rss, err = procStatus(t.cmd.Process.Pid, "VmRSS")
	}
	quitAt := time.Now()
	if err == nil {
		err = t.send("\x03") // Ctrl+C: nothing changed, quits at once
	}
	if err != nil {
		t.close()
		return l, err
	}
	var ee *exec.ExitError
	if err := t.exit(); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 130) {
		return l, fmt.Errorf("wizard after Ctrl+C: %w", err)
	}
	l.frame, l.quit = at.Sub(t.started), time.Since(quitAt)
	return l, nil
}

// procStatus reads a "kB" field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status %s: %w", pid, field, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// maxRSS is the peak resident set of an ended process (its VmHWM), from
// wait4's rusage.
func maxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // kB on Linux
	}
	return 0
}

// binarySize reports the stripped binary's size and, from the symbol table
// of an unstripped build, which module trees take the most of it.
func (b *bench) binarySize() error {
	info, err := os.Stat(b.bin)
	if err != nil {
		return err
	}
	b.say("binary %s: %s", b.bin, mib(info.Size()))
	what := "binary size (stripped, -trimpath)"
	if b.o.bin != "" {
		what = "binary size (as given by -bin)"
	}
	b.rows = append(b.rows, row{what: what, value: mib(info.Size()), goal: "≤ " + mib(goalBinary), met: check(info.Size() <= goalBinary)})

	full := filepath.Join(b.dir, "mailsetup.syms")
	cmd := exec.Command("go", "build", "-trimpath", "-o", full, "github.com/mailsetup/mailsetup/cmd/mailsetup")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	sizes, total, err := symbolSizes(full)
	if err != nil {
		return err
	}
	// The Charm stack is many module trees; show it as one too.
	var charm int64
	for k, v := range sizes {
		if strings.HasPrefix(k, "charm.land/") || strings.HasPrefix(k, "github.com/charmbracelet/") {
			charm += v
		}
	}
	type kv struct {
		k string
		v int64
	}
	var list []kv
	for k, v := range sizes {
		list = append(list, kv{k, v})
	}
	slices.SortFunc(list, func(a, b kv) int { return int(b.v - a.v) })
	var parts []string
	for _, e := range list[:min(12, len(list))] {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", e.k, 100*float64(e.v)/float64(total)))
	}
	b.say("  share of the symbols by module tree: %s", strings.Join(parts, ", "))
	b.say("  Charm TUI stack (charm.land, github.com/charmbracelet) together: %.0f%%", 100*float64(charm)/float64(total))
	return nil
}

// symbolSizes sums the sizes of the symbols of the ELF file at path that
// take room in the file (code, read-only data, data; not BSS) by module
// tree: the first three path elements of a domain path
// (github.com/owner/repo, charm.land/lipgloss/v2), else the standard
// library's first element (crypto, runtime, net).
func symbolSizes(path string) (map[string]int64, int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	sizes := map[string]int64{}
	var total int64
	for _, sym := range syms {
		if sym.Size == 0 || int(sym.Section) <= 0 || int(sym.Section) >= len(f.Sections) {
			continue
		}
		if f.Sections[sym.Section].Type == elf.SHT_NOBITS {
			continue
		}
		total += int64(sym.Size)
		sizes[moduleTree(sym.Name)] += int64(sym.Size)
	}
	return sizes, total, nil
}

// moduleTree is the tree a symbol's package belongs to.
func moduleTree(sym string) string {
	if strings.HasPrefix(sym, "go:") || strings.HasPrefix(sym, "runtime.") {
		return "runtime" // with the function tables (go:func.*)
	}
	sym = strings.TrimLeft(strings.TrimPrefix(sym, "type:"), "*")
	sym = strings.TrimPrefix(sym, "vendor/")
	// The package path ends at the first '.' after the last '/' before any
	// '(' or '[' (methods, generics).
	cut := len(sym)
	if i := strings.IndexAny(sym, "(["); i >= 0 {
		cut = i
	}
	path := sym[:cut]
	slash := strings.LastIndex(path, "/")
	if dot := strings.Index(path[slash+1:], "."); dot >= 0 {
		path = path[:slash+1+dot]
	}
	parts := strings.Split(path, "/")
	switch {
	case len(parts) > 0 && strings.Contains(parts[0], "."):
		return strings.Join(parts[:min(3, len(parts))], "/")
	case path == "":
		return "(other)"
	default:
		return parts[0]
	}
}
