package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
)

// minimumRTT is the fewest round trips the work of `mailsetup test` needs
// over implicit TLS, counted the way the issue counts them: IMAPS is TCP 1
// + TLS 1.3 1 + greeting ½ + AUTHENTICATE (SASL-IR) 1 + the pipelined
// mailbox queries 1; POP3S is TCP 1 + TLS 1 + greeting ½ + CAPA 1 + AUTH
// (initial response) 1 + STAT and UIDL pipelined 1.
//
// The greeting's ½ assumes the server sends it as TLS 1.3 "0.5-RTT" data
// with its Finished; Dovecot (like most servers) sends it only once the
// client's Finished has arrived, which makes it a whole round trip: with
// Dovecot the floor is ½ RTT higher (5 and 6).
var minimumRTT = map[string]float64{config.ProtocolIMAP: 4.5, config.ProtocolPOP3: 5.5}

// roundTrips is item 2: the comparison through a delay line, in round
// trips, on every server.
func (b *bench) roundTrips() error {
	rtt, err := measuredRTT(b.o.delay)
	if err != nil {
		return err
	}
	b.say("\n== through a delay line of %s each way (RTT %s; %s measured by an echo through it: its timers wake late), %d interleaved runs each, medians",
		b.o.delay, 2*b.o.delay, ms(rtt), b.o.rttRuns)
	b.say("   round trips are counted in the measured RTT")
	b.say("   RTTs = wall time ÷ RTT; net = median of (wall − loopback wall of the same round) ÷ RTT, which leaves out the local work")
	for _, name := range b.o.servers {
		t := b.target(name)
		if t == nil {
			continue
		}
		for _, acct := range t.accounts() {
			if err := b.roundTripsOf(t, acct, rtt); err != nil {
				return fmt.Errorf("%s %s: %w", t.server, acct.name, err)
			}
		}
	}
	return nil
}

// roundTripsOf measures acct of t through a delay line of rtt.
func (b *bench) roundTripsOf(t *target, acct account, rtt time.Duration) error {
	dl, err := newDelayLine(t.addr(acct.port), b.o.delay)
	if err != nil {
		return err
	}
	defer dl.Close()
	loopCfg, err := b.config(strings.ToLower(acct.name), acct)
	if err != nil {
		return err
	}
	delayed := acct
	delayed.port = dl.port()
	cfg, err := b.config(strings.ToLower(acct.name)+"-delayed", delayed)
	if err != nil {
		return err
	}
	// The loopback runs are interleaved with the delayed ones, so that
	// "net" subtracts local work measured under the same load.
	s, err := interleaveRuns(b.o.rttRuns,
		mailsetupRunner(b.bin, cfg), curlRunner(delayed),
		mailsetupRunner(b.bin, loopCfg), curlRunner(acct))
	if err != nil {
		return err
	}
	p := pair{acct: delayed, mailsetup: s[0], curl: s[1]}
	loop := pair{acct: acct, mailsetup: s[2], curl: s[3]}
	in := func(d time.Duration) float64 { return float64(d) / float64(rtt) }
	mWall, cWall := median(p.mailsetup), median(p.curl)
	mNet, cNet := in(pairedDiff(p.mailsetup, loop.mailsetup)), in(pairedDiff(p.curl, loop.curl))
	floor := minimumRTT[acct.protocol]
	b.say("%s %s  mailsetup %s = %.1f RTT (net %.1f)  curl %s = %.1f RTT (net %.1f)  minimum %.1f  ratio %.2f",
		t.server, acct.name, ms(mWall), in(mWall), mNet, ms(cWall), in(cWall), cNet, floor, p.ratio())
	hrr, err := b.breakdown(cfg, rtt)
	if err != nil {
		return err
	}
	if b.o.verbose {
		if err := b.showTrace(cfg); err != nil {
			return err
		}
	}
	r := b.resultFor(t, acct)
	r.rtt, r.curlRTT, r.minimum, r.rttRatio, r.hrr = mNet, cNet, floor, p.ratio(), hrr
	return nil
}

// showTrace prints the protocol transcript of one run through the delay
// line, with its timestamps.
func (b *bench) showTrace(cfg string) error {
	path := filepath.Join(b.dir, "trace.txt")
	if _, _, err := timeRun(mailsetupCmd(b.bin, cfg, "--trace", path)); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b.say("  trace of one run:\n%s", indent(string(data), "    "))
	return nil
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix)
}

// pairedDiff is the median of delayed[i] − loop[i]: each delayed run less
// the loopback run of the same round, which ran under about the same load
// (a difference of medians takes each from a different moment).
func pairedDiff(delayed, loop []time.Duration) time.Duration {
	n := min(len(delayed), len(loop))
	d := make([]time.Duration, n)
	for i := range n {
		d[i] = delayed[i] - loop[i]
	}
	return median(d)
}

// measuredRTT is the round-trip time of a delay line of delay each way as
// it really behaves: the median of 20 echoes through it. Its timers wake a
// little late (about half a millisecond a hop on a busy VM), so a round
// trip takes a little more than 2×delay; counting round trips in the
// nominal RTT would add that excess once per round trip, to both tools.
func measuredRTT(delay time.Duration) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	dl, err := newDelayLine(ln.Addr().String(), delay)
	if err != nil {
		return 0, err
	}
	defer dl.Close()
	c, err := net.Dial("tcp", dl.ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	buf := make([]byte, 1)
	var ds []time.Duration
	for i := 0; i <= 20; i++ {
		start := time.Now()
		if _, err := c.Write([]byte{'x'}); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return 0, fmt.Errorf("echo through the delay line: %w", err)
		}
		if i > 0 { // the first pays the modelled TCP handshake
			ds = append(ds, time.Since(start))
		}
	}
	return median(ds), nil
}
