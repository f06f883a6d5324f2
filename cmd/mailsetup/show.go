package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mailsetup/mailsetup/config"
)

func newShowCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the config with secrets redacted",
		Long: `Print the saved config, strictly checked, with the password and any client
secret shown as <redacted>. Password references (password_file, password_env,
password_command) are shown as they are: they are not secrets.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, path, err := loadConfig(g, stderr)
			if err != nil {
				return err
			}
			red := config.Redact(*c)
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false) // "<redacted>", not "\u003credacted\u003e"
				return enc.Encode(struct {
					Path string `json:"path"`
					config.Config
				}{path, red})
			}
			b, err := config.Marshal(&red)
			if err != nil {
				return fmt.Errorf("show %s: %w", path, err)
			}
			_, err = fmt.Fprintf(stdout, "# %s\n%s", path, b)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of TOML")
	return cmd
}
