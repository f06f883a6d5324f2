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
	"syscall"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// options are the command-line flags.
type options struct {
	runs    int
	rttRuns int
	delay   time.Duration
	bin     string
	only    map[string]bool
	verbose bool
}

// sections, in the order they run.
var sections = []string{"compare", "rtt", "startup", "discover", "bytes"}

func main() {
	var o options
	var only string
	flag.IntVar(&o.runs, "runs", 20, "interleaved runs of each tool on loopback")
	flag.IntVar(&o.rttRuns, "rtt-runs", 8, "interleaved runs of each tool through the delay line")
	flag.DurationVar(&o.delay, "delay", 25*time.Millisecond, "one-way delay of the delay line (RTT is twice this)")
	flag.StringVar(&o.bin, "bin", "", "mailsetup binary to measure (default: build one like a release)")
	flag.StringVar(&only, "only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(sections, ","))
	flag.BoolVar(&o.verbose, "v", false, "print every sample and the trace of one delayed run")
	flag.Parse()
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		o.only[strings.TrimSpace(s)] = true
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
	last []string // lines printed after the table (the ratios)
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
	// Interrupted, stop Dovecot and remove the folder before exiting; a
	// closed stdout (bench | head) must not kill the run before that.
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			b.srv.Close()
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
	_, _ = fmt.Fprintln(w)
	printTable(w, b.rows)
	for _, l := range b.last {
		_, _ = fmt.Fprintln(w, l)
	}
	return nil
}

// say prints a progress line.
func (b *bench) say(format string, args ...any) {
	_, _ = fmt.Fprintf(b.w, format+"\n", args...)
}

// accounts are the rig's implicit-TLS listeners.
func (b *bench) accounts() []account {
	return []account{
		{name: "IMAPS", protocol: config.ProtocolIMAP, port: b.srv.IMAPS},
		{name: "POP3S", protocol: config.ProtocolPOP3, port: b.srv.POP3S},
	}
}

// config writes the config for acct and returns its path.
func (b *bench) config(name string, acct account) (string, error) {
	path := filepath.Join(b.dir, name+".toml")
	return path, writeConfig(path, b.srv, acct)
}

// compare is item 1: mailsetup test vs curl on loopback.
func (b *bench) compare() error {
	b.say("\n== mailsetup test vs curl on loopback (%d interleaved runs each, medians)", b.o.runs)
	for _, acct := range b.accounts() {
		cfg, err := b.config(strings.ToLower(acct.name), acct)
		if err != nil {
			return err
		}
		p, err := interleave(b.bin, cfg, b.srv, acct, b.o.runs)
		if err != nil {
			return err
		}
		if b.o.verbose {
			b.say("%s mailsetup: %v\n%s curl:      %v", acct.name, p.mailsetup, acct.name, p.curl)
		}
		b.say("%s  mailsetup %s (p90 %s)  curl %s (p90 %s)  ratio %.2f", acct.name,
			ms(median(p.mailsetup)), ms(quantile(p.mailsetup, 0.9)), ms(median(p.curl)), ms(quantile(p.curl, 0.9)), p.ratio())
		b.rows = append(b.rows,
			row{what: acct.name + " mailsetup test, loopback", value: ms(median(p.mailsetup))},
			row{what: acct.name + " curl, loopback", value: ms(median(p.curl))},
			row{what: acct.name + " mailsetup ÷ curl, loopback", value: fmt.Sprintf("%.2f", p.ratio()), goal: "≤ 1.0", met: check(p.ratio() <= 1.0)})
		b.last = append(b.last, fmt.Sprintf("ratio mailsetup/curl %s loopback: %.2f", acct.name, p.ratio()))
		if err := b.breakdown(cfg, 0); err != nil {
			return err
		}
		if err := b.whatIfNoSystemRoots(cfg, acct, p); err != nil {
			return err
		}
	}
	return b.startupBaseline()
}

// breakdown prints the median time of each step of `mailsetup test --json`
// and, with an rtt, the same in round trips.
func (b *bench) breakdown(cfg string, rtt time.Duration) error {
	steps, med, total, err := stepTimes(b.bin, cfg, max(3, b.o.rttRuns))
	if err != nil {
		return err
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
	return nil
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
