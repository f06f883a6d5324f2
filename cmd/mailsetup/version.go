package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			printVersion(stdout)
		},
	}
}

func printVersion(w io.Writer) {
	_, _ = fmt.Fprintf(w, "mailsetup %s %s %s/%s\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
