// Command bench measures mailsetup against the tools an admin would use
// instead, on this machine, in one run: `mailsetup test` versus curl on
// loopback and through a delay line (round trips), startup time and memory
// of the wizard in a real pty, the stripped binary's size, discover against
// its slowest probe, and the bytes the wizard writes to the terminal per
// keystroke. It builds the binary and starts the Dovecot test rig itself.
//
//	go run ./bench            # from the repository root
//
// Numbers from one run are compared with each other (ratios), never with
// fixed times: the machine may be busy. See bench/README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// options are the command-line flags.
type options struct {
	runs    int
	rttRuns int
	delay   time.Duration
	bin     string
	only    map[string]bool
	servers []string
	verbose bool
}

// sections, in the order they run.
var sections = []string{"compare", "rtt", "startup", "discover", "bytes"}

func main() {
	var o options
	var only, srvs string
	flag.IntVar(&o.runs, "runs", 20, "interleaved runs of each tool on loopback")
	flag.IntVar(&o.rttRuns, "rtt-runs", 8, "interleaved runs of each tool through the delay line")
	flag.DurationVar(&o.delay, "delay", 25*time.Millisecond, "one-way delay of the delay line (RTT is twice this)")
	flag.StringVar(&o.bin, "bin", "", "mailsetup binary to measure (default: build one like a release)")
	flag.StringVar(&only, "only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(sections, ","))
	flag.StringVar(&srvs, "servers", strings.Join(servers, ","), "comma-separated servers to compare with curl: "+strings.Join(servers, ","))
	flag.BoolVar(&o.verbose, "v", false, "print every sample and the trace of one delayed run")
	flag.Parse()
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		o.only[strings.TrimSpace(s)] = true
	}
	for _, s := range strings.Split(srvs, ",") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			o.servers = append(o.servers, s)
		}
	}
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is the state shared by the sections.
type bench struct {
	o    options
	w    io.Writer
	dir  string
	bin  string
	srv  *mailtest.Server
	rows []row
	last []string // lines printed after the table

	dovecot *target
	targets map[string]*target // started rigs, by name (nil: could not start)
	results []*result          // the server table, in order
	mu      sync.Mutex         // guards targets against the signal handler
}

func run(w io.Writer, o options) error {
	dir, err := os.MkdirTemp("", "mailsetup-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{o: o, w: w, dir: dir, bin: o.bin}
	if b.bin == "" {
		b.say("building mailsetup (stripped, -trimpath) …")
		if b.bin, err = buildBinary(dir); err != nil {
			return err
		}
	}
	b.srv, err = mailtest.New(mailtest.Options{})
	if err != nil {
		return err
	}
	defer b.srv.Close()
	b.dovecot = dovecotTarget(b.srv)
	b.targets = map[string]*target{"dovecot": b.dovecot}
	defer b.closeTargets()
	// Interrupted, stop Dovecot and remove the folder before exiting; a
	// closed stdout (bench | head) must not kill the run before that.
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			b.srv.Close()
			b.closeTargets()
			_ = os.RemoveAll(dir)
			os.Exit(130)
		}
	}()
	b.say("Dovecot rig on %s: IMAPS %d, POP3S %d", b.srv.Host, b.srv.IMAPS, b.srv.POP3S)

	steps := map[string]func() error{
		"compare":  b.compare,
		"rtt":      b.roundTrips,
		"startup":  b.startup,
		"discover": b.discover,
		"bytes":    b.keystrokes,
	}
	for _, s := range sections {
		if !o.only[s] {
			continue
		}
		if err := steps[s](); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	if len(b.rows) > 0 {
		_, _ = fmt.Fprintln(w)
		printTable(w, b.rows)
	}
	for _, l := range b.last {
		_, _ = fmt.Fprintln(w, l)
	}
	if len(b.results) > 0 {
		_, _ = fmt.Fprintf(w, "\nmailsetup test vs curl (loopback: %d interleaved runs each, medians; round trips: RTT %s, %d runs)\n",
			o.runs, 2*o.delay, o.rttRuns)
		printServerTable(w, b.results, (2 * o.delay).String())
	}
	return nil
}

// target returns the rig named name, starting it the first time; nil when
// it cannot start (said once, and shown in the table).
func (b *bench) target(name string) *target {
	b.mu.Lock()
	t, ok := b.targets[name]
	b.mu.Unlock()
	if ok {
		return t
	}
	b.say("starting the %s rig …", name)
	t, err := startTarget(name, b.srv)
	if err != nil {
		b.say("%s: not measured: %v", name, err)
		b.results = append(b.results, &result{server: name, err: firstLine(err.Error())})
	}
	b.mu.Lock()
	b.targets[name] = t
	b.mu.Unlock()
	return t
}

// closeTargets stops every rig the bench started (not the Dovecot rig).
func (b *bench) closeTargets() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for name, t := range b.targets {
		if t != nil && t.close != nil {
			t.close()
		}
		delete(b.targets, name)
	}
}

// resultFor returns the table line of t's protocol, adding it when new.
func (b *bench) resultFor(t *target, acct account) *result {
	for _, r := range b.results {
		if r.server == t.server && r.protocol == acct.name {
			return r
		}
	}
	r := &result{server: t.server, protocol: acct.name}
	b.results = append(b.results, r)
	return r
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// say prints a progress line.
func (b *bench) say(format string, args ...any) {
	_, _ = fmt.Fprintf(b.w, format+"\n", args...)
}

// accounts are the Dovecot rig's implicit-TLS listeners.
func (b *bench) accounts() []account { return b.dovecot.accounts() }

// config writes the config for acct and returns its path.
func (b *bench) config(name string, acct account) (string, error) {
	t := acct.t
	if t == nil {
		t = b.dovecot
	}
	path := filepath.Join(b.dir, strings.ToLower(t.server)+"-"+name+".toml")
	return path, writeConfig(path, t, acct)
}

// compare is item 1: mailsetup test vs curl on loopback, on every server.
func (b *bench) compare() error {
	b.say("\n== mailsetup test vs curl on loopback (%d interleaved runs each, medians)", b.o.runs)
	for _, name := range b.o.servers {
		t := b.target(name)
		if t == nil {
			continue
		}
		for _, acct := range t.accounts() {
			cfg, err := b.config(strings.ToLower(acct.name), acct)
			if err != nil {
				return err
			}
			p, err := interleave(b.bin, cfg, acct, b.o.runs)
			if err != nil {
				return fmt.Errorf("%s %s: %w", t.server, acct.name, err)
			}
			if b.o.verbose {
				b.say("%s mailsetup: %v\n%s curl:      %v", acct.name, p.mailsetup, acct.name, p.curl)
			}
			b.say("%s %s  mailsetup %s (p90 %s)  curl %s (p90 %s)  ratio %.2f", t.server, acct.name,
				ms(median(p.mailsetup)), ms(quantile(p.mailsetup, 0.9)), ms(median(p.curl)), ms(quantile(p.curl, 0.9)), p.ratio())
			r := b.resultFor(t, acct)
			r.mailsetup, r.curl, r.ratio = msf(median(p.mailsetup)), msf(median(p.curl)), p.ratio()
			if _, err := b.breakdown(cfg, 0); err != nil {
				return err
			}
			if t == b.dovecot {
				if err := b.whatIfNoSystemRoots(cfg, acct, p); err != nil {
					return err
				}
			}
			if b.o.verbose {
				if err := b.showTrace(cfg); err != nil {
					return err
				}
			}
		}
	}
	return b.startupBaseline()
}

// breakdown prints the median time of each step of `mailsetup test --json`
// and, with an rtt, the same in round trips.
func (b *bench) breakdown(cfg string, rtt time.Duration) (hrr bool, err error) {
	steps, med, total, hrr, err := stepTimes(b.bin, cfg, max(3, b.o.rttRuns))
	if err != nil {
		return false, err
	}
	var parts []string
	for _, s := range steps {
		if rtt > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1f", s, float64(med[s])/float64(rtt)))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", s, med[s].Milliseconds()))
		}
	}
	if rtt > 0 {
		b.say("  engine steps (RTT, median): %s; total %.1f RTT (the delay line's TCP handshake shows in tls)",
			strings.Join(parts, ", "), float64(total)/float64(rtt))
	} else {
		b.say("  engine steps (ms, median): %s; total %s (the rest is process start, config load, output)", strings.Join(parts, ", "), ms(total))
	}
	if hrr {
		b.say("  the server answered the ClientHello with a HelloRetryRequest: one round trip more, asked of every client")
	}
	return hrr, nil
}

// startupBaseline times `mailsetup version` against `curl --version`: the
// cost of starting each process, which both pay on every run.
func (b *bench) startupBaseline() error {
	var m, c []time.Duration
	for i := 0; i < b.o.runs; i++ {
		d, _, err := timeRun(exec.Command(b.bin, "version"))
		if err != nil {
			return err
		}
		m = append(m, d)
		if d, _, err = timeRun(exec.Command("curl", "--version")); err != nil {
			return err
		}
		c = append(c, d)
	}
	b.say("process start alone: mailsetup version %s, curl --version %s (medians)", ms(median(m)), ms(median(c)))
	b.rows = append(b.rows,
		row{what: "process start: mailsetup version", value: ms(median(m))},
		row{what: "process start: curl --version", value: ms(median(c))})
	return nil
}

// whatIfNoSystemRoots measures what loading the system's CA pool costs
// mailsetup: Go's x509.SystemCertPool parses the bundle and every file of
// /etc/ssl/certs (about 290 certificates on Debian) on its first call,
// while curl with --cacert reads only that file. Pointing SSL_CERT_FILE at
// the rig's CA and SSL_CERT_DIR at nothing shows mailsetup without that
// cost (a diagnosis, not how anyone runs it).
func (b *bench) whatIfNoSystemRoots(cfg string, acct account, p pair) error {
	var ds []time.Duration
	for i := 0; i < b.o.runs/2+1; i++ {
		cmd := mailsetupCmd(b.bin, cfg)
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+b.srv.CAFile, "SSL_CERT_DIR="+filepath.Join(b.dir, "none"))
		d, _, err := timeRun(cmd)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	b.say("  without loading the system CA pool: mailsetup %s, ratio %.2f (diagnosis: see README)", ms(median(ds)),
		float64(median(ds))/float64(median(p.curl)))
	return nil
}
