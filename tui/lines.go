package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/shellquote"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/oauth"
)

// lineOptions configure the line mode.
type lineOptions struct {
	path     string
	in       io.Reader
	out      io.Writer
	start    start
	test     testFunc
	terminal bool
	oauth    oauthDeps // zero: package oauth's
}

// runLines is the accessible line mode: the wizard's steps as plain
// prompts, one answer per line, for pipes, TERM=dumb, serial consoles and
// screen readers. It walks the same steps and inputs as the screens (the
// draft's steps, each screen's form with what it hides now) and asks each
// input with its screen label, its current value as the default in
// brackets, its choices and its check; the draft's lineAsk adds the other
// answers a choice takes (questions.go). An empty answer keeps the
// default; a choice is answered by its number or its name; "-" clears an
// optional value. An answer that cannot be used asks again (at most 5
// times); input that ends before the last question is an error and
// nothing is written.
//
// The order is the screens': account type; server name, port; (IMAP4)
// mail box; user name, keep password, the password or its source; the
// authentication; (OAuth 2.0) the OAuth 2.0 settings; secure connection;
// (not None) reject invalid certificates, CA file, pin, name to verify.
// Then "Test the connection now? [Y/n]" and "Save to PATH? [Y/n]".
//
// An existing config is edited: on a terminal the first question is
// "Edit the existing settings in PATH? [Y/n]"; from a pipe it is not
// asked, so the same answers work on a fresh file and on the file they
// wrote. Piped answers are echoed after their prompt (a secret as
// "(hidden)"), so a transcript shows them.
//
// After a failed test the question is what to do: 1) test again, 2)
// change a setting (the one the failure points to first), 3) save anyway,
// 4) quit without saving — also "retry", "change", "save", "quit", "n".
// A "y" is no answer to it. Quitting, or input that ends there, returns
// ErrNotSaved; saving anyway returns ErrSavedAfterFailure (both exit 1).
//
// For example, a new IMAPS account with a subfolder (README.md):
//
//	printf '%s\n' imap "$MAIL_SERVER" "$MAIL_PORT" INBOX/Support "$MAIL_USER" \
//	    1 "$MAIL_PASSWORD" 1 tls y '' '' '' y y | mailsetup --accessible
func runLines(ctx context.Context, o lineOptions) error {
	p := &prompter{ctx: ctx, r: bufio.NewReader(o.in), w: o.out, in: o.in, terminal: o.terminal}
	if o.oauth.login == nil {
		o.oauth = defaultOAuthDeps()
	}
	w := o.out
	fmt.Fprintln(w, "mailsetup: set up the Mail Connector's incoming mail server.")
	fmt.Fprintf(w, "Config file: %s. Nothing is written until you save.\n", o.path)

	// The screens' model: its steps, forms and draft are what is asked.
	m := newModel(o.path, o.start, environment{ascii: true}, o.test)
	l := &lineMode{ctx: ctx, p: p, o: o, screens: m.screens, d: m.draft}
	switch s := o.start; {
	case s.cfg != nil:
		if s.permErr != nil {
			fmt.Fprintf(w, "[warn] %s. %s\n", s.permErr.Message, s.saveNote())
		}
		for _, wn := range s.warnings {
			fmt.Fprintf(w, "[warn] %s\n", wn)
		}
		if !o.terminal {
			fmt.Fprintf(w, "Editing the existing settings in %s: an empty answer keeps one.\n", o.path)
			break
		}
		edit, err := p.yesNo(fmt.Sprintf("Edit the existing settings in %s?", o.path), true)
		if err != nil {
			return err
		}
		if !edit {
			l.d.load(config.Default().Incoming)
		}
	case s.loadErr != nil:
		fmt.Fprintf(w, "[FAIL] %s cannot be used: %s\n", o.path, describeLoadError(s.loadErr))
		fresh, err := p.yesNo("Start from the defaults? The file stays as it is until you save.", true)
		if err != nil {
			return err
		}
		if !fresh {
			return fmt.Errorf("config %s: %w", o.path, s.loadErr)
		}
	}
	if err := l.walk(); err != nil {
		return err
	}
	if err := l.validate(); err != nil {
		return err
	}
	return l.finish()
}

// lineMode asks the screens' inputs as lines.
type lineMode struct {
	ctx     context.Context
	p       *prompter
	o       lineOptions
	screens map[screenID]screen // the screens' forms: what is asked, in their order
	d       *draft
}

// walk asks every step up to the test, in the screens' order; a step's
// answers may add or drop later steps (POP3 has no mailbox).
func (l *lineMode) walk() error {
	asked := map[screenID]bool{}
	for {
		next := scrTest
		for _, id := range l.d.steps() {
			if !asked[id] {
				next = id
				break
			}
		}
		if next == scrTest || next == scrReview {
			return nil
		}
		asked[next] = true
		if err := l.askScreen(next); err != nil {
			return err
		}
	}
}

// askScreen asks the inputs the screen shows now, in its order.
func (l *lineMode) askScreen(id screenID) error {
	w := l.p.w
	fmt.Fprintln(w)
	if f := l.screens[id].inputs(); f == nil || l.d.label(f.fields[0]) != screenTitles[id] {
		fmt.Fprintln(w, screenTitles[id]) // the step's heading, unless its one question says it
	}
	if id == scrCerts && l.d.security.value() == config.SecurityNone {
		fmt.Fprintln(w, "  With Secure connection None there is no TLS: no certificate settings apply.")
		return nil
	}
	return l.askFrom(id, nil)
}

// askFrom asks the screen's shown inputs after the input from (all of
// them when from is nil).
func (l *lineMode) askFrom(id screenID, from field) error {
	f := l.screens[id].inputs()
	if f == nil {
		return nil
	}
	started := from == nil
	for i, fl := range f.fields {
		switch {
		case fl == from:
			started = true
		case started && f.visible(i):
			if err := l.askField(fl); err != nil {
				return err
			}
		}
	}
	return nil
}

// askField asks one input by its definition and sets it.
func (l *lineMode) askField(f field) error {
	w := l.p.w
	a := l.d.ask(f)
	if a.before != nil {
		if s := a.before(); s != "" {
			fmt.Fprintln(w, "  [warn] "+s)
		}
	}
	var err error
	switch f := f.(type) {
	case *textField:
		err = l.askText(f, a)
	case *choiceField:
		err = l.askChoice(f, f.choices, f.value(), a, nil)
	case *inlineChoice:
		err = l.askChoice(f, f.choices, f.value(), a, nil) // its check needs what it shows: validate asks again
	case *checkField:
		if f.note != nil {
			fmt.Fprintln(w, "  "+lineText(f.note()))
		}
		f.checked, err = l.p.yesNo(l.d.label(f)+"?", f.checked)
	}
	if err != nil {
		return err
	}
	if a.after != nil {
		if s := a.after(); s != "" {
			fmt.Fprintln(w, "  "+s)
		}
	}
	return nil
}

// askChoice asks for one of choices; problem, when set, is the input's
// check after the answer.
func (l *lineMode) askChoice(f field, choices []choice, def string, a *lineAsk, problem func() string) error {
	label := l.d.label(f)
	for range maxAttempts {
		v, err := l.p.choose(label, choices, def, a.aliases)
		if err != nil {
			return err
		}
		choose(f, v)
		if problem != nil {
			if pr := problem(); pr != "" {
				fmt.Fprintln(l.p.w, "  "+pr)
				def = v
				continue
			}
		}
		return nil
	}
	return fmt.Errorf("no usable answer to %q after %d tries", label, maxAttempts)
}

// askText asks a text input: a secret with echo off on a terminal; an
// input that may stay empty says so, and "-" clears it.
func (l *lineMode) askText(f *textField, a *lineAsk) error {
	p, label := l.p, l.d.label(f)
	if f.note != nil {
		if n := f.note(); n != "" {
			fmt.Fprintln(p.w, "  "+lineText(n))
		}
	}
	emptyProblem := callCheck(f.check, "")
	if f.input.EchoMode == textinput.EchoPassword {
		s, err := p.secret(label, emptyProblem, emptyProblem == "")
		if err != nil {
			return err
		}
		f.setValue(s) // empty: the current one is kept
		return nil
	}
	def := f.value()
	prompt := label
	optional := emptyProblem == ""
	if optional && a.empty != "the default" || def != "" && optional {
		none := a.empty
		if none == "" {
			none = "none"
		}
		prompt += " (optional"
		if def != "" {
			prompt += ", - for " + none
		}
		prompt += ")"
	}
	if def != "" {
		prompt += " [" + def + "]"
	}
	for range maxAttempts {
		s, err := p.line(prompt + ": ")
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			s = def
		}
		if optional && s == clearAnswer {
			s = ""
		}
		f.setValue(s)
		if pr := f.problem(); pr != "" {
			fmt.Fprintln(p.w, "  "+pr)
			continue
		}
		if wn := callCheck(f.warn, f.value()); wn != "" {
			fmt.Fprintln(p.w, "  [warn] "+lineText(wn))
		}
		return nil
	}
	f.setValue(def)
	return fmt.Errorf("no usable answer to %q after %d tries", label, maxAttempts)
}

// validate asks again, with config.Validate's message, each input whose
// value the whole config refuses.
func (l *lineMode) validate() error {
	for range maxAttempts {
		c := l.d.config()
		_, err := c.Validate()
		if err == nil {
			return nil
		}
		var bad field
		var scr screenID
		for _, e := range flattenErrors(err) {
			var ve *config.ValidationError
			if errors.As(e, &ve) {
				if scr, bad = l.d.target(ve.Key); bad != nil {
					fmt.Fprintf(l.p.w, "  %s: %s\n", l.d.label(bad), ve.Message)
					break
				}
			}
		}
		if bad == nil {
			return fmt.Errorf("the answers make an invalid config: %w", err)
		}
		if err := l.reask(scr, bad); err != nil {
			return err
		}
	}
	return fmt.Errorf("no valid config after %d tries", maxAttempts)
}

// What to do after a failed test.
const (
	afterRetry  = "retry"
	afterChange = "change"
	afterSave   = "save"
	afterQuit   = "quit"
)

var afterAliases = map[string]string{
	"r": afterRetry, "t": afterRetry, "test": afterRetry, "again": afterRetry,
	"c": afterChange, "s": afterSave, "save anyway": afterSave,
	"q": afterQuit, "n": afterQuit, "no": afterQuit,
}

// finish asks to test, and after a failed test what to do, then to save.
func (l *lineMode) finish() error {
	p, w, o := l.p, l.p.w, l.o
	fmt.Fprintln(w)
	run, err := p.yesNo("Test the connection now?", true)
	if err != nil {
		return err
	}
	passed := !run
	for run && !passed {
		c := l.d.config()
		res := printTest(l.ctx, w, o, c.Incoming, l.d)
		if l.ctx.Err() != nil {
			return ErrInterrupted
		}
		if passed = res.OK; passed {
			break
		}
		act, err := l.afterFailure(res)
		if err == nil && act == afterChange {
			err = l.change(res.Field)
		}
		if err != nil {
			if errors.Is(err, ErrInterrupted) {
				return err
			}
			fmt.Fprintln(w, "Nothing was saved.")
			return notSavedError{err}
		}
		switch act {
		case afterSave:
			if err := l.save(); err != nil {
				return err
			}
			fmt.Fprintln(w, "The connection test failed: the connector will fail the same way until the server or the settings change.")
			return ErrSavedAfterFailure
		case afterQuit:
			fmt.Fprintln(w, "Nothing was saved.")
			return ErrNotSaved
		}
	}
	if passed {
		save, err := p.yesNo(fmt.Sprintf("Save to %s?", o.path), true)
		if err != nil {
			return err
		}
		if !save {
			fmt.Fprintln(w, "Nothing was saved.")
			return ErrNotSaved
		}
	}
	if err := l.save(); err != nil {
		return err
	}
	in := l.d.incoming()
	if !run && in.Auth == config.AuthOAuth2 && in.OAuth2.EffectiveFlow() != config.FlowClientCredentials {
		fmt.Fprintf(w, "Sign in before the connector starts: %s\n", oauth.LoginCommand(o.path))
	}
	return nil
}

func (l *lineMode) save() error {
	c := l.d.config()
	if err := config.Save(l.o.path, &c, config.SaveOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(l.p.w, "Saved %s.\nTest it again at any time with: mailsetup test --config %s\n", l.o.path, shellquote.Quote(l.o.path))
	return nil
}

// afterFailure asks what to do after the failed test res: test again,
// change a setting (the one at fault first), save anyway or quit.
func (l *lineMode) afterFailure(res mailconn.Result) (string, error) {
	change := choice{value: afterChange, label: "Change a setting"}
	def := afterRetry
	if _, f := l.d.target(res.Field); f != nil && res.Field != "" {
		change.short = l.d.label(f) + " first"
		def = afterChange
	}
	choices := []choice{
		{value: afterRetry, label: "Test again"},
		change,
		{value: afterSave, label: "Save anyway", short: "the connector will fail the same way"},
		{value: afterQuit, label: "Quit without saving"},
	}
	return l.p.choose("The connection test failed. What now?", choices, def, afterAliases)
}

// change asks which setting to change, the one named by at first, and asks
// it again (with what its answer makes appear on its screen).
func (l *lineMode) change(at string) error {
	type shown struct {
		id screenID
		f  field
	}
	var all []shown
	var choices []choice
	aliases := map[string]string{}
	def := ""
	_, target := l.d.target(at)
	for _, id := range l.d.steps() {
		f := l.screens[id].inputs()
		if f == nil || id == scrCerts && l.d.security.value() == config.SecurityNone {
			continue
		}
		for i, fl := range f.fields {
			if !f.visible(i) {
				continue
			}
			v := strconv.Itoa(len(all) + 1)
			label := l.d.label(fl)
			all = append(all, shown{id, fl})
			choices = append(choices, choice{value: v, label: label, short: screenTitles[id]})
			if _, ok := aliases[strings.ToLower(label)]; !ok {
				aliases[strings.ToLower(label)] = v
			}
			if fl == target && at != "" || def == "" {
				def = v
			}
		}
	}
	if target == nil || at == "" {
		def = "1"
	}
	v, err := l.p.choose("Which setting?", choices, def, aliases)
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(v)
	s := all[n-1]
	if s.f == field(l.d.password) {
		l.d.password.setValue("") // a new try after the server rejected it
	}
	if err := l.reask(s.id, s.f); err != nil {
		return err
	}
	return l.validate()
}

// reask asks f of screen id again; after a choice, also what it shows on
// the screen after it (a password file after "In a password file").
func (l *lineMode) reask(id screenID, f field) error {
	if err := l.askField(f); err != nil {
		return err
	}
	switch f.(type) {
	case *choiceField, *inlineChoice:
		return l.askFrom(id, f)
	}
	return nil
}

// printTest runs the connection test and prints each finished step as it
// is reported, then the result, each hint once. With OAuth 2.0 it gets the
// token first (signing in when there is no usable sign-in). d names the
// setting at fault by its label.
func printTest(ctx context.Context, w io.Writer, o lineOptions, in config.Incoming, d *draft) mailconn.Result {
	fmt.Fprintf(w, "Testing %s %s:%d (%s) as %s\n", protocolName(in.Protocol), in.Server, in.Port, securityLabel[in.Security], orDash(in.Username))
	hints := map[string]bool{}
	report := func(ev mailconn.Event) {
		if ev.Status == mailconn.StatusWarn || ev.Status == mailconn.StatusFail {
			hints[safeEvent(ev).Hint] = true
		}
		printEvent(w, ev)
	}
	var res mailconn.Result
	var failed *mailconn.Result
	opts := passwordOptions(in)
	if in.Auth == config.AuthOAuth2 {
		opts.Secret, failed = lineToken(ctx, w, o, in, report)
		report = withAfterFailure(in, report)
	}
	if failed != nil {
		res = *failed
	} else {
		res = oauthResult(in, o.test(ctx, in, opts, report))
	}
	res = safeResult(res)
	switch {
	case res.OK:
		fmt.Fprintf(w, "Connection test passed in %s.\n", fmtDuration(res.Elapsed))
	case res.Canceled || errors.Is(ctx.Err(), context.Canceled):
		fmt.Fprintln(w, "Connection test cancelled.")
	default:
		msg := "The test failed"
		if res.FailedStep != "" {
			msg += " at " + string(res.FailedStep)
		}
		if e := res.Sentence(); e != "" {
			msg += ": " + e
		}
		fmt.Fprintln(w, msg)
		if res.Hint != "" && !hints[res.Hint] {
			fmt.Fprintln(w, "Hint: "+res.Hint)
		}
		if scr, f := d.target(res.Field); f != nil && res.Field != "" {
			fmt.Fprintf(w, "The setting at fault: %s (%s).\n", d.label(f), screenTitles[scr])
		}
	}
	return res
}

// printEvent prints a finished step and, for a warning or failure, its hint.
func printEvent(w io.Writer, ev mailconn.Event) {
	if ev.Status == mailconn.StatusRunning {
		return
	}
	ev = safeEvent(ev)
	line := fmt.Sprintf("%-6s %s", lineIcon(ev.Status), ev.Title)
	if ev.Detail != "" {
		line += ": " + ev.Detail
	}
	if ev.Elapsed > 0 {
		line += " (" + fmtDuration(ev.Elapsed) + ")"
	}
	fmt.Fprintln(w, line)
	if ev.Hint != "" && (ev.Status == mailconn.StatusWarn || ev.Status == mailconn.StatusFail) {
		fmt.Fprintln(w, "       "+ev.Hint)
	}
}

// lineIcon is the word for a status: the line mode never relies on symbols.
func lineIcon(s mailconn.Status) string {
	switch s {
	case mailconn.StatusOK:
		return "[ok]"
	case mailconn.StatusWarn:
		return "[warn]"
	case mailconn.StatusFail:
		return "[FAIL]"
	case mailconn.StatusSkipped:
		return "[skip]"
	}
	return "[..]"
}
