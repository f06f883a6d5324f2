package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// maxAttempts bounds how often the line mode asks a question again after
// an answer it cannot use.
const maxAttempts = 5

// clearAnswer, typed to an optional question, clears its current value.
const clearAnswer = "-"

// prompter asks questions on out and reads the answers from one
// bufio.Reader, so that answers piped in one after another are never lost
// between questions.
type prompter struct {
	ctx      context.Context
	r        *bufio.Reader
	w        io.Writer
	in       io.Reader
	terminal bool // in is a terminal: passwords are read with echo off
}

type lineResult struct {
	s   string
	err error
}

// line prints prompt and reads one line. Input that ends before the answer
// is an error that names the question; Ctrl+C (a cancelled ctx) is
// ErrInterrupted.
func (p *prompter) line(prompt string) (string, error) {
	s, err := p.read(prompt)
	if err == nil && !p.terminal {
		fmt.Fprintln(p.w, s) // the answer did not echo: show it after the prompt
	}
	return s, err
}

// read prints prompt and reads one line without showing it.
func (p *prompter) read(prompt string) (string, error) {
	fmt.Fprint(p.w, prompt)
	ch := make(chan lineResult, 1)
	go func() {
		s, err := p.r.ReadString('\n')
		ch <- lineResult{s, err}
	}()
	var res lineResult
	select {
	case <-p.ctx.Done():
		fmt.Fprintln(p.w)
		return "", ErrInterrupted
	case res = <-ch:
	}
	if res.err != nil && (res.s == "" || !errors.Is(res.err, io.EOF)) {
		fmt.Fprintln(p.w)
		if errors.Is(res.err, io.EOF) {
			return "", fmt.Errorf("input ended at the question %q: give one answer per line (an empty line keeps the default)", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(prompt), ":")))
		}
		return "", fmt.Errorf("read answer: %w", res.err)
	}
	return strings.TrimRight(res.s, "\r\n"), nil
}

// ask asks for a text value. def is used for an empty answer; check
// returns a problem that makes the question come again.
func (p *prompter) ask(label, def string, check func(string) string) (string, error) {
	prompt := label + ": "
	if def != "" {
		prompt = fmt.Sprintf("%s [%s]: ", label, def)
	}
	for range maxAttempts {
		s, err := p.line(prompt)
		if err != nil {
			return "", err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			s = def
		}
		if msg := callCheck(check, s); msg != "" {
			fmt.Fprintln(p.w, "  "+msg)
			continue
		}
		return s, nil
	}
	return "", fmt.Errorf("no usable answer to %q after %d tries", label, maxAttempts)
}

// choose asks for one of choices by number, value or label.
func (p *prompter) choose(label string, choices []choice, def string, aliases map[string]string) (string, error) {
	if !strings.HasSuffix(label, "?") {
		label += ":"
	}
	fmt.Fprintln(p.w, label)
	defN := 1
	for i, c := range choices {
		line := fmt.Sprintf("  %d) %s", i+1, c.label)
		if c.short != "" && c.short != c.label {
			line += " - " + c.short
		}
		fmt.Fprintln(p.w, line)
		if c.value == def {
			defN = i + 1
		}
	}
	s, err := p.ask(fmt.Sprintf("Choose 1-%d", len(choices)), strconv.Itoa(defN), func(v string) string {
		if pick(v, choices, aliases) == "" {
			return fmt.Sprintf("Answer with a number from 1 to %d.", len(choices))
		}
		return ""
	})
	if err != nil {
		return "", err
	}
	return pick(s, choices, aliases), nil
}

func pick(v string, choices []choice, aliases map[string]string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(choices) {
		return choices[n-1].value
	}
	if a, ok := aliases[v]; ok {
		v = a
	}
	for _, c := range choices {
		if v == c.value || v == strings.ToLower(c.label) {
			return c.value
		}
	}
	return ""
}

// yesNo asks a yes/no question; an empty answer is def.
func (p *prompter) yesNo(question string, def bool) (bool, error) {
	hint := "[y/N]"
	if def {
		hint = "[Y/n]"
	}
	for range maxAttempts {
		s, err := p.line(question + " " + hint + " ")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		fmt.Fprintln(p.w, "  Answer y or n.")
	}
	return false, fmt.Errorf("no yes or no answer to %q after %d tries", question, maxAttempts)
}

// secret reads a secret value the way password does.
func (p *prompter) secret(label, emptyMsg string, keep bool) (string, error) {
	prompt := label + ": "
	if keep {
		prompt = label + " [unchanged]: "
	}
	for range maxAttempts {
		var s string
		var err error
		if f, ok := p.in.(*os.File); ok && p.terminal {
			fmt.Fprint(p.w, prompt)
			var b []byte
			b, err = term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(p.w)
			s = string(b)
		} else if s, err = p.read(prompt); err == nil {
			shown := "(hidden)" // a piped secret is never echoed
			if s == "" {
				shown = ""
			}
			fmt.Fprintln(p.w, shown)
		}
		if err != nil {
			return "", err
		}
		if s == "" && !keep {
			fmt.Fprintln(p.w, "  "+emptyMsg)
			continue
		}
		return s, nil
	}
	return "", fmt.Errorf("no answer to %q after %d tries", label, maxAttempts)
}
