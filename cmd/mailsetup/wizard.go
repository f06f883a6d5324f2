package main

import (
	"context"
	"errors"
	"io"

	"github.com/mailsetup/mailsetup/tui"
)

// runWizard starts the full-screen wizard, or the line mode without a
// terminal, TERM=dumb or with --accessible.
func runWizard(ctx context.Context, g *globals, stdin io.Reader, stdout io.Writer) error {
	path, err := g.resolveConfigPath()
	if err != nil {
		return err
	}
	err = tui.Run(ctx, tui.Options{ConfigPath: path, Accessible: g.accessible, In: stdin, Out: stdout})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tui.ErrInterrupted):
		return &exitError{code: exitInterrupted}
	case errors.Is(err, tui.ErrNotSaved):
		// The line mode's "Save? n" or quit after a failed test: it
		// already said "Nothing was saved."; another reason is printed.
		if err == tui.ErrNotSaved {
			return &exitError{code: exitTestFailed}
		}
		return &exitError{code: exitTestFailed, err: err}
	case errors.Is(err, tui.ErrSavedAfterFailure):
		// Saved anyway after a failed test: the file is written (the line
		// mode said so), but the test failed.
		return &exitError{code: exitTestFailed}
	default:
		return usageErr(err)
	}
}
