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
		// The line mode's "Save? n", usually after a failed test.
		return &exitError{code: exitTestFailed, err: err}
	default:
		return usageErr(err)
	}
}
