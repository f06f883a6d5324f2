package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// goalDiscover is the most discover may take, as a multiple of its slowest
// probe.
const goalDiscover = 1.2

// probeLine is the part of a `discover --json` line the bench reads.
type probeLine struct {
	Type      string `json:"type"`
	Protocol  string `json:"protocol"`
	Security  string `json:"security"`
	Answered  bool   `json:"answered"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// discover is item 3's last goal: `mailsetup discover --json` on one host
// (the rig, with its ports given by --ports) against its slowest probe,
// on loopback and through delay lines.
func (b *bench) discover() error {
	if err := exec.Command(b.bin, "discover", "--help").Run(); err != nil {
		b.say("\n== discover: this mailsetup has no discover command (%v); not measured", err)
		b.rows = append(b.rows, row{what: "discover ÷ slowest probe", value: "no discover", met: notMeasured})
		return nil
	}
	n := max(5, b.o.rttRuns)
	b.say("\n== discover 127.0.0.1 with --ports (%d runs each, medians of wall ÷ slowest probe)", n)
	ports := map[string]int{"imaps": b.srv.IMAPS, "imap": b.srv.IMAP, "pop3s": b.srv.POP3S, "pop3": b.srv.POP3}
	ratio, wall, slowest, err := b.discoverRuns(ports, n)
	if err != nil {
		return err
	}
	b.say("loopback: wall %s, slowest probe %s, ratio %.2f", ms(wall), ms(slowest), ratio)
	b.rows = append(b.rows, row{what: "discover ÷ slowest probe, loopback", value: fmt.Sprintf("%.2f", ratio),
		goal: fmt.Sprintf("≤ %.1f", goalDiscover), met: check(ratio <= goalDiscover)})

	delayed := map[string]int{}
	for name, port := range ports {
		dl, err := newDelayLine(b.srv.Addr(port), b.o.delay)
		if err != nil {
			return err
		}
		defer dl.Close()
		delayed[name] = dl.port()
	}
	ratio, wall, slowest, err = b.discoverRuns(delayed, n)
	if err != nil {
		return err
	}
	rtt := 2 * b.o.delay
	b.say("RTT %s: wall %s, slowest probe %s, ratio %.2f", rtt, ms(wall), ms(slowest), ratio)
	b.rows = append(b.rows, row{what: "discover ÷ slowest probe, RTT " + rtt.String(), value: fmt.Sprintf("%.2f", ratio),
		goal: fmt.Sprintf("≤ %.1f", goalDiscover), met: check(ratio <= goalDiscover)})
	return nil
}

// discoverRuns runs discover n times against ports and returns the median
// of wall ÷ slowest probe, and the medians of both.
func (b *bench) discoverRuns(ports map[string]int, n int) (ratio float64, wall, slowest time.Duration, err error) {
	var spec []string
	for name, port := range ports {
		spec = append(spec, fmt.Sprintf("%s=%d", name, port))
	}
	var ratios []float64
	var walls, slows []time.Duration
	for i := 0; i < n; i++ {
		cmd := exec.Command(b.bin, "--config", b.dir+"/unused.toml", "discover", b.srv.Host, "--json",
			"--ports", strings.Join(spec, ","), "--ca-file", b.srv.CAFile)
		d, out, err := timeRun(cmd)
		if err != nil {
			return 0, 0, 0, err
		}
		var slow time.Duration
		answered := 0
		for _, ln := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
			var p probeLine
			if err := json.Unmarshal(ln, &p); err != nil {
				return 0, 0, 0, fmt.Errorf("discover --json: %w: %q", err, ln)
			}
			if p.Type == "probe" {
				slow = max(slow, time.Duration(p.ElapsedMS)*time.Millisecond)
				if p.Answered {
					answered++
				}
			}
		}
		if answered == 0 || slow == 0 {
			return 0, 0, 0, fmt.Errorf("discover found nothing on the rig:\n%s", out)
		}
		ratios = append(ratios, float64(d)/float64(slow))
		walls, slows = append(walls, d), append(slows, slow)
		if b.o.verbose && i == 0 {
			b.say("%s", indent(string(out), "    "))
		}
	}
	return median(ratios), median(walls), median(slows), nil
}
