package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// timeRun runs cmd to the end and returns its wall time and stdout; an
// exit status other than 0 is an error carrying stderr.
func timeRun(cmd *exec.Cmd) (time.Duration, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return wall, stdout.Bytes(), fmt.Errorf("%s: %w\n%s%s", strings.Join(cmd.Args[:min(len(cmd.Args), 4)], " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return wall, stdout.Bytes(), nil
}

// checkCurl makes sure curl did the work: IMAP answered EXAMINE with the
// message count, POP3 listed messages.
func checkCurl(acct account, out []byte) error {
	s := string(out)
	switch {
	case acct.protocol == config.ProtocolIMAP && !strings.Contains(s, "EXISTS"):
		return fmt.Errorf("curl %s: no EXISTS in the EXAMINE answer: %q", acct.name, s)
	case acct.protocol == config.ProtocolPOP3 && strings.Count(s, "\n") < acct.messages():
		return fmt.Errorf("curl %s: LIST has fewer than %d messages: %q", acct.name, acct.messages(), s)
	}
	return nil
}

// messages is the number of messages in the INBOX of acct's user.
func (acct account) messages() int {
	if acct.t == nil || acct.t.messages == 0 {
		return mailtest.InboxMessages
	}
	return acct.t.messages
}

// pair is the wall times of interleaved runs of mailsetup and curl.
type pair struct {
	acct            account
	mailsetup, curl []time.Duration
}

// ratio is median(mailsetup) ÷ median(curl).
func (p pair) ratio() float64 {
	return float64(median(p.mailsetup)) / float64(median(p.curl))
}

// interleave runs `mailsetup test` with cfg and curl against acct runs
// times each, alternating which goes first, after one unmeasured warm-up
// run of each (page cache, Dovecot's login processes).
func interleave(bin, cfg string, acct account, runs int) (pair, error) {
	s, err := interleaveRuns(runs, mailsetupRunner(bin, cfg), curlRunner(acct))
	if err != nil {
		return pair{}, err
	}
	return pair{acct: acct, mailsetup: s[0], curl: s[1]}, nil
}

// runner runs one measured command and returns its wall time.
type runner func() (time.Duration, error)

func mailsetupRunner(bin, cfg string) runner {
	return func() (time.Duration, error) {
		wall, _, err := timeRun(mailsetupCmd(bin, cfg))
		return wall, err
	}
}

func curlRunner(acct account) runner {
	return func() (time.Duration, error) {
		wall, out, err := timeRun(curlCmd(acct.t, acct))
		if err == nil {
			err = checkCurl(acct, out)
		}
		return wall, err
	}
}

// interleaveRuns runs every runner runs times, in rounds: each round runs
// each runner once, starting one further along than the round before, so
// that no runner always follows the same one. One unmeasured round comes
// first (page cache, Dovecot's login processes). It returns the samples of
// each runner.
func interleaveRuns(runs int, rs ...runner) ([][]time.Duration, error) {
	out := make([][]time.Duration, len(rs))
	for round := -1; round < runs; round++ {
		for k := range rs {
			i := (k + max(round, 0)) % len(rs)
			d, err := rs[i]()
			if err != nil {
				return nil, err
			}
			if round >= 0 {
				out[i] = append(out[i], d)
			}
		}
	}
	return out, nil
}

// stepLine is one line of `mailsetup test --json`.
type stepLine struct {
	Type      string `json:"type"`
	Step      string `json:"step"`
	Status    string `json:"status"`
	ElapsedMS int64  `json:"elapsed_ms"`
	OK        bool   `json:"ok"`
	Detail    string `json:"detail"`
}

// stepTimes runs `mailsetup test --json` runs times and returns each
// step's median elapsed time in the order of the steps, and the median of
// the result's total.
func stepTimes(bin, cfg string, runs int) (steps []string, medians map[string]time.Duration, total time.Duration, hrr bool, err error) {
	samples := map[string][]time.Duration{}
	var totals []time.Duration
	for i := 0; i < runs; i++ {
		_, out, err := timeRun(mailsetupCmd(bin, cfg, "--json"))
		if err != nil {
			return nil, nil, 0, false, err
		}
		for _, ln := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
			var s stepLine
			if err := json.Unmarshal(ln, &s); err != nil {
				return nil, nil, 0, false, fmt.Errorf("mailsetup test --json: %w: %q", err, ln)
			}
			d := time.Duration(s.ElapsedMS) * time.Millisecond
			if strings.Contains(s.Detail, "HelloRetryRequest") {
				hrr = true
			}
			switch {
			case s.Type == "result":
				totals = append(totals, d)
			case s.Status == "skipped":
			default:
				if _, seen := samples[s.Step]; !seen {
					steps = append(steps, s.Step)
				}
				samples[s.Step] = append(samples[s.Step], d)
			}
		}
	}
	medians = map[string]time.Duration{}
	for k, v := range samples {
		medians[k] = median(v)
	}
	return steps, medians, median(totals), hrr, nil
}
