package shellquote

import "testing"

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/etc/mailsetup/config.toml", "/etc/mailsetup/config.toml"},
		{"host:993", "host:993"},
		{"a+b,c@d%e=f", "a+b,c@d%e=f"},
		{"", "''"},
		{"/tmp/my config", "'/tmp/my config'"},
		{"it's", `'it'\''s'`},
		{"$(rm -rf /)", "'$(rm -rf /)'"},
		{"a;b", "'a;b'"},
		{"~/x", "'~/x'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Quote(tt.in); got != tt.want {
				t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
