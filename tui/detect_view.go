package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// Columns of the probe table: protocol, port, security, TLS version and
// certificate verdict; the mechanisms take the rest.
const (
	detProto, detPort, detSec, detTLS, detCert = 5, 5, 8, 7, 12
)

func (d *detectPanel) view(width, height int) page {
	st := d.c.st
	intro := para(fmt.Sprintf("Probing %s: IMAP and POP3 over TLS, with STARTTLS and in plain text. Nothing signs in.", d.host), width)
	var lines []string
	if d.err != nil {
		lines = append(lines, para(st.errLine("Cannot probe: "+d.err.Error()), width))
		return page{intro: intro, main: strings.Join(lines, "\n")}
	}
	showTLS := width >= 68
	lines = append(lines, st.muted.Render(d.header(showTLS)))
	for i, r := range d.results {
		lines = append(lines, d.row(r, i == d.sel && !d.running, showTLS, width))
	}
	lines = append(lines, "")
	answered := d.answered()
	switch {
	case d.running:
		lines = append(lines, fmt.Sprintf("%s %d of %d done%s", d.spinner.View(), len(d.results), d.total, st.ellipsis))
	case d.best < 0 && answered > 0:
		// Only plain text answered: say why nothing is recommended, and
		// let the user pick a line knowingly.
		lines = append(lines, para(st.warnLine(mailconn.NoTLSReason), width))
		if d.sel < 0 {
			lines = append(lines, para(st.muted.Render(fmt.Sprintf("To use plain text anyway, choose a line with %s and press enter.", st.arrows)), width))
			break
		}
		lines = append(lines, d.detail(d.results[d.sel], answered, width)...)
	case d.best < 0 && d.port != 0:
		lines = append(lines, para(st.errLine(fmt.Sprintf("Nothing answered on %s, on the usual ports or on port %d: "+
			"check the server name, the port and the firewall between here and the server.", d.host, d.port)), width))
	case d.best < 0:
		lines = append(lines, para(st.errLine(fmt.Sprintf("Nothing answered on %s: check the server name and the firewall between here and the server; "+
			"a server on other ports needs its port typed in.", d.host)), width))
	default:
		lines = append(lines, d.detail(d.results[d.sel], answered, width)...)
	}
	return page{intro: intro, main: strings.Join(lines, "\n")}
}

// prefixWidth is the pointer and the icon with their spaces.
func (d *detectPanel) prefixWidth() int { return 2 + lipgloss.Width(d.c.st.iconFail) + 1 }

func (d *detectPanel) header(showTLS bool) string {
	h := strings.Repeat(" ", d.prefixWidth()) + fmt.Sprintf("%-*s %*s  %-*s  ", detProto, "PROTO", detPort, "PORT", detSec, "SECURITY")
	if showTLS {
		h += fmt.Sprintf("%-*s  ", detTLS, "TLS")
	}
	return h + fmt.Sprintf("%-*s  %s", detCert, "CERTIFICATE", "MECHANISMS")
}

// row is one finished candidate.
func (d *detectPanel) row(r mailconn.ProbeResult, selected, showTLS bool, width int) string {
	st := d.c.st
	c := r.Candidate
	status := mailconn.StatusOK
	switch {
	case !r.Answered:
		status = mailconn.StatusFail
	case r.Flagged():
		status = mailconn.StatusWarn
	}
	icon := st.statusIcon(status)
	icon += strings.Repeat(" ", max(0, lipgloss.Width(st.iconFail)-lipgloss.Width(icon)))
	ptr := "  "
	if selected {
		ptr = st.accent.Render(st.pointer) + " "
	}
	proto := "IMAP4"
	if c.Protocol == config.ProtocolPOP3 {
		proto = "POP3"
	}
	cols := fmt.Sprintf("%-*s %*d  %-*s  ", detProto, proto, detPort, c.Port, detSec, c.Security)
	used := d.prefixWidth() + lipgloss.Width(cols)
	if !r.Answered {
		return ptr + icon + " " + cols + st.muted.Render(ansi.Truncate(r.Problem, max(0, width-used), st.ellipsis))
	}
	if showTLS {
		tlsV := "-"
		if r.TLS != nil {
			tlsV = r.TLSVersion()
		}
		cols += fmt.Sprintf("%-*s  ", detTLS, tlsV)
	}
	cols += fmt.Sprintf("%-*s  ", detCert, r.CertVerdict())
	used = d.prefixWidth() + lipgloss.Width(cols)
	mechs := ansi.Truncate(r.MechanismsText(), max(0, width-used), st.ellipsis)
	text := cols + mechs
	if selected {
		text = st.labelFocused.Render(text)
	}
	return ptr + icon + " " + text
}

// detail is what the selected candidate means, under the table.
func (d *detectPanel) detail(r mailconn.ProbeResult, answered, width int) []string {
	st := d.c.st
	c := r.Candidate
	head := fmt.Sprintf("%d of %d answered. ", answered, len(d.results))
	what := fmt.Sprintf("%s, port %d", protocolSecurityLabel(c.Protocol, c.Security), c.Port)
	if d.sel == d.best {
		head += "Recommended: " + what + "."
	} else {
		head += "Selected: " + what + "."
	}
	out := []string{para(head, width)}
	out = append(out, para(st.muted.Render("Mechanisms: "+r.MechanismsText()), width))
	for _, w := range candidateWarnings(r, d.c.draft.reject.checked) {
		out = append(out, para(st.warnLine(w), width))
	}
	return out
}

// candidateWarnings are the risks of a candidate, one sentence each.
// rejectOn is the state of the Reject invalid certificates check box: a
// warning never asks to clear it when it is clear already.
func candidateWarnings(r mailconn.ProbeResult, rejectOn bool) []string {
	var out []string
	switch {
	case r.TLS != nil && !r.CertificateOK && rejectOn:
		out = append(out, fmt.Sprintf("Its certificate is not valid (%s): with Reject invalid certificates checked the connection fails. "+
			"Give its CA file or pin it on the Certificates screen, or clear the check box.", r.CertVerdict()))
	case r.TLS != nil && !r.CertificateOK:
		out = append(out, fmt.Sprintf("Its certificate is not valid (%s), and Reject invalid certificates is clear, so the password would go to whoever holds it. "+
			"Give its CA file or pin it on the Certificates screen, then check the box again.", r.CertVerdict()))
	}
	if r.Candidate.Security == config.SecurityNone {
		out = append(out, "Plain text: the password and all mail would cross the network unencrypted.")
	}
	if r.LoginDisabled {
		out = append(out, "The server refuses passwords on this connection ("+r.Notes()[0]+").")
	}
	return out
}

// protocolSecurityLabel is e.g. "IMAP4 over SSL/TLS", "POP3 with STARTTLS".
func protocolSecurityLabel(protocol, security string) string {
	p := protocolName(protocol)
	switch security {
	case config.SecurityTLS:
		return p + " over SSL/TLS"
	case config.SecurityStartTLS:
		return p + " with STARTTLS"
	}
	return p + " in plain text"
}

// detectedNote is the server screen's line about what Detect filled in.
func (s *serverScreen) detectedNote(width int) string {
	d := s.detected
	if d == nil || !strings.EqualFold(d.host, s.server.value()) {
		return ""
	}
	st := s.c.st
	in := s.c.draft.incoming()
	c := d.r.Candidate
	port := in.Port
	if port == 0 {
		port = config.DefaultPort(in.Protocol, in.Security)
	}
	if in.Protocol != c.Protocol || in.Security != c.Security || port != c.Port {
		return "" // changed since
	}
	parts := []string{para(st.ok.Render(st.iconOK)+" "+fmt.Sprintf("Detect chose %s, port %d (certificate: %s).",
		protocolSecurityLabel(c.Protocol, c.Security), c.Port, d.r.CertVerdict()), width)}
	for _, w := range candidateWarnings(d.r, s.c.draft.reject.checked) {
		parts = append(parts, para(st.warnLine(w), width))
	}
	return strings.Join(parts, "\n")
}
