package tui

import (
	"regexp"
	"strings"
	"sync"

	"github.com/mailsetup/mailsetup/config"
)

// hintWord is one phrase of a mailconn hint and what the wizard says
// instead: the screen and label that set the value.
type hintWord struct {
	re  *regexp.Regexp
	say func(m []string, arrow string) string // m: the match and its groups
}

// mailconn's hints speak config words ("use security = starttls", "turn
// off reject_invalid_certificates") for the CLI and the config file. The
// wizard shows them in its own words, naming the screen and the label that
// set the value ("Secure connection → STARTTLS"). hintWords is that table,
// applied in order (longer phrases first). Its regexps are compiled on
// first use, not at every start (docs/DESIGN.md "Start-up time").
var hintWords = sync.OnceValue(func() []hintWord {
	return []hintWord{
		{re: regexp.MustCompile(`pinned_certificate_sha256 = "[0-9A-Fa-f:]+"`), say: func(_ []string, a string) string {
			return onScreen(scrCerts, a, "Pin SHA-256") + " (the fingerprint below)"
		}},
		{re: regexp.MustCompile(`reject_invalid_certificates = false let it through`), say: func(_ []string, a string) string {
			return onScreen(scrCerts, a, "Reject invalid certificates") + " is off, which let it through"
		}},
		{re: regexp.MustCompile(`\breject_invalid_certificates\b`), say: label(scrCerts, "Reject invalid certificates")},
		{re: regexp.MustCompile(`\bpinned_certificate_sha256\b`), say: label(scrCerts, "Pin SHA-256")},
		{re: regexp.MustCompile(`\bca_file\b`), say: label(scrCerts, "CA file")},
		{re: regexp.MustCompile(`\btls_server_name\b`), say: label(scrCerts, "Verify name")},
		{re: regexp.MustCompile(`security = tls or starttls`), say: label(scrSecurity, securityLabel[config.SecurityTLS]+" or "+securityLabel[config.SecurityStartTLS])},
		{re: regexp.MustCompile(`security = "?(starttls-if-available|starttls|tls|none)\b"?`), say: func(m []string, a string) string {
			return onScreen(scrSecurity, a, securityLabel[m[1]])
		}},
		{re: regexp.MustCompile(`auth = "?password\b"?`), say: label(scrSPA, "Password")},
		{re: regexp.MustCompile(`set password_file, password_env or password_command`), say: func(_ []string, a string) string {
			return "choose another place at " + onScreen(scrCredentials, a, "Keep password")
		}},
		{re: regexp.MustCompile(`username = "([^"]*)"`), say: func(m []string, a string) string {
			return onScreen(scrCredentials, a, "User name") + ` "` + m[1] + `"`
		}},
	}
})

func label(s screenID, l string) func([]string, string) string {
	return func(_ []string, a string) string { return onScreen(s, a, l) }
}

func onScreen(s screenID, arrow, label string) string {
	return screenTitles[s] + " " + arrow + " " + label
}

// pinInHint finds the SHA-256 fingerprint a hint offers to pin.
var pinInHint = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`pinned_certificate_sha256 = "([0-9A-Fa-f:]+)"`)
})

// screenHint is hint in the wizard's words (hintWords), and the
// fingerprint it offers to pin as 64 hex digits (what the Pin SHA-256
// field takes), or "".
func screenHint(hint string, ascii bool) (text, pin string) {
	if m := pinInHint().FindStringSubmatch(hint); m != nil {
		pin = strings.ToUpper(strings.ReplaceAll(m[1], ":", ""))
	}
	arrow := "→"
	if ascii {
		arrow = "->"
	}
	for _, w := range hintWords() {
		var b strings.Builder
		last := 0
		for _, ix := range w.re.FindAllStringSubmatchIndex(hint, -1) {
			m := make([]string, len(ix)/2)
			for i := range m {
				if ix[2*i] >= 0 {
					m[i] = hint[ix[2*i]:ix[2*i+1]]
				}
			}
			b.WriteString(hint[last:ix[0]])
			b.WriteString(w.say(m, arrow))
			last = ix[1]
		}
		b.WriteString(hint[last:])
		hint = b.String()
	}
	return hint, pin
}

// hintBlock is a hint as the wizard shows it, wrapped to width under
// indent: in screen words, with the fingerprint it offers to pin on a
// line of its own, never wrapped (so that it can be copied whole).
func hintBlock(st *styles, hint string, width int, indent string, muted bool) string {
	text, pin := screenHint(hint, st.ascii)
	if muted {
		text = st.muted.Render(text)
	}
	out := indentBlock(wrap(text, width-len(indent)), indent)
	switch {
	case pin == "":
	case len(indent)+len(pin) <= width:
		out += "\n" + indent + st.code.Render(pin)
	case len(pin) <= width:
		out += "\n" + st.code.Render(pin) // whole, at the margin
	default: // narrower than the value: two halves, each whole on its line
		out += "\n" + st.code.Render(pin[:len(pin)/2]) + "\n" + st.code.Render(pin[len(pin)/2:])
	}
	return out
}

// arrow is "→" between a screen and a label, "->" in ASCII.
func arrow(st *styles) string {
	if st.ascii {
		return "->"
	}
	return "→"
}
