package main

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// goalKeystrokeBytes is the most the median keystroke on a text input
// may write to the terminal.
const goalKeystrokeBytes = 300

// quietFor is how long the wizard must write nothing for a keystroke's
// output to count as complete: several frames of the 60 fps renderer.
const quietFor = 120 * time.Millisecond

// keystrokes is item 5: the bytes the wizard writes to an 80×24 terminal
// per keystroke on the text inputs (server, port, user name, password, CA
// file) and per step on the test screen, which streams a real test of the
// rig through the delay line.
func (b *bench) keystrokes() error {
	b.say("\n== bytes written to an 80×24 terminal (what an SSH link carries)")
	dl, err := newDelayLine(b.srv.Addr(b.srv.IMAPS), b.o.delay)
	if err != nil {
		return err
	}
	defer dl.Close()
	k := &keyRun{b: b}
	if k.t, err = startTerm(80, 24, false, b.bin, "--config", b.dir+"/wizard/config.toml"); err != nil {
		return err
	}
	defer k.t.close()
	if err := k.walk(b.srv, dl.port()); err != nil {
		return err
	}
	if err := k.countSteps(b.srv, dl.port()); err != nil {
		return err
	}

	all := k.all()
	b.say("first frame %d bytes; per keystroke on text inputs (%d keys): median %d, p90 %d, max %d bytes",
		k.firstFrame, len(all), median(all), quantile(all, 0.9), quantile(all, 1))
	for _, f := range k.order {
		b.say("  %-10s median %4d  p90 %4d  (%d keys)", f, median(k.perField[f]), quantile(k.perField[f], 0.9), len(k.perField[f]))
	}
	perStep := k.testBytes / k.testSteps
	b.say("test screen: %d bytes for %d steps streamed through the delay line (RTT %s), %d per step (spinner frames included)",
		k.testBytes, k.testSteps, 2*b.o.delay, perStep)
	b.rows = append(b.rows,
		row{what: "bytes per keystroke, text inputs (median)", value: strconv.Itoa(median(all)),
			goal: fmt.Sprintf("< %d", goalKeystrokeBytes), met: check(median(all) < goalKeystrokeBytes)},
		row{what: "bytes per keystroke, text inputs (p90)", value: strconv.Itoa(quantile(all, 0.9))},
		row{what: "bytes per streamed test step", value: strconv.Itoa(perStep)},
		row{what: "bytes of the first frame", value: strconv.Itoa(k.firstFrame)})
	return nil
}

// keyRun walks the wizard and keeps the bytes of each keystroke.
type keyRun struct {
	b          *bench
	t          *term
	firstFrame int
	order      []string
	perField   map[string][]int
	testBytes  int
	testSteps  int
}

func (k *keyRun) all() []int {
	var all []int
	for _, f := range k.order {
		all = append(all, k.perField[f]...)
	}
	return all
}

// key sends s once the wizard is idle and returns the bytes written in
// answer, once it is idle again.
func (k *keyRun) key(s string) (int, error) {
	if err := k.t.waitQuiet(quietFor); err != nil {
		return 0, err
	}
	before := k.t.size()
	if err := k.t.send(s); err != nil {
		return 0, err
	}
	// Wait for the answer to start, then for it to end.
	deadline := time.After(hangGuard)
	for k.t.size() == before {
		select {
		case <-k.t.changed:
		case <-deadline:
			return 0, fmt.Errorf("%w: no answer to key %q", errTermTimeout, s)
		}
	}
	if err := k.t.waitQuiet(quietFor); err != nil {
		return 0, err
	}
	n := k.t.size() - before
	if k.b.o.verbose {
		k.b.say("    key %q: %d bytes %q", s, n, k.t.since(before))
	}
	return n, nil
}

// typeInto types text into the focused field, one measured key at a time.
func (k *keyRun) typeInto(field, text string) error {
	if k.perField == nil {
		k.perField = map[string][]int{}
	}
	if _, ok := k.perField[field]; !ok {
		k.order = append(k.order, field)
	}
	for _, r := range text {
		n, err := k.key(string(r))
		if err != nil {
			return fmt.Errorf("typing into %s: %w", field, err)
		}
		k.perField[field] = append(k.perField[field], n)
	}
	return nil
}

// press sends keys one at a time and checks that what they wrote contains
// the needles (text new on the next screen: the renderer writes only
// changed cells, so a needle must differ from what it replaces).
func (k *keyRun) press(keys string, needles ...string) error {
	off := k.t.size()
	for _, c := range keys {
		if _, err := k.key(string(c)); err != nil {
			return err
		}
	}
	if len(needles) > 0 {
		if _, err := k.t.waitText(off, needles...); err != nil {
			return fmt.Errorf("after keys %q: %w", keys, err)
		}
	}
	return nil
}

// walk goes through the wizard as an admin setting up IMAPS would, with the
// server reached through the delay line at port.
func (k *keyRun) walk(srv *mailtest.Server, port int) error {
	t := k.t
	if _, err := t.waitText(0, "Mail Connector"); err != nil {
		return err
	}
	if err := t.waitQuiet(quietFor); err != nil {
		return err
	}
	k.firstFrame = t.size()
	steps := []func() error{
		func() error { return k.press("\r", "Account type") },
		func() error { return k.press("\r", "Server name and port") }, // IMAP4
		func() error { return k.typeInto("server", srv.Host) },
		func() error { return k.press("\t") },
		func() error { return k.typeInto("port", strconv.Itoa(port)) },
		func() error { return k.press("\r", "Mailbox") },
		func() error { return k.press("\r", "User name and password") }, // INBOX
		func() error { return k.typeInto("user name", mailtest.Alice.Name) },
		func() error { return k.press("\r\r", "Password") }, // keep the password in the file
		func() error { return k.typeInto("password", mailtest.Alice.Password) },
		func() error { return k.press("\r", "Secure Password Authentication") },
		func() error { return k.press("\r\r", "Certificates") }, // no SPA; SSL/TLS
		func() error { return k.press("\r", "CA file") },
		func() error { return k.typeInto("CA file", srv.CAFile) },
		func() error { return k.press("\r\r", "Verify name") }, // no pin
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	// The last Enter starts the test.
	off := t.size()
	if err := t.send("\r"); err != nil {
		return err
	}
	if _, err := t.waitText(off, "Connection test passed"); err != nil {
		return err
	}
	if err := t.waitQuiet(quietFor); err != nil {
		return err
	}
	k.testBytes = t.size() - off
	return nil
}

// countSteps is the number of steps the test screen shows for the account
// at port: every step `mailsetup test --json` reports, skipped ones too.
func (k *keyRun) countSteps(srv *mailtest.Server, port int) error {
	cfg, err := k.b.config("steps", account{name: "IMAPS", protocol: config.ProtocolIMAP, port: port})
	if err != nil {
		return err
	}
	_, out, err := timeRun(mailsetupCmd(k.b.bin, cfg, "--json"))
	if err != nil {
		return err
	}
	k.testSteps = bytes.Count(out, []byte(`"type":"step"`))
	if k.testSteps == 0 {
		return fmt.Errorf("mailsetup test --json reported no step:\n%s", out)
	}
	return nil
}
