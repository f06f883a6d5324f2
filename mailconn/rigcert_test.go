package mailconn_test

import (
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

func TestRigCertificates(t *testing.T) {
	a := mailtest.Alice
	kinds := []struct {
		kind    mailtest.CertKind
		field   string
		hintHas string
		errHas  string
	}{
		{mailtest.CertSelfSigned, mailconn.FieldCAFile, "pinned_certificate_sha256", "self-signed"},
		{mailtest.CertExpired, mailconn.FieldRejectInvalidCertificates, "Renew", "expired"},
		{mailtest.CertNotYetValid, mailconn.FieldRejectInvalidCertificates, "clock", "not valid until"},
		{mailtest.CertWrongHost, mailconn.FieldServer, mailtest.WrongHostName, "does not match"},
	}
	for _, k := range kinds {
		t.Run(k.kind.String(), func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Cert: k.kind})
			imaps := incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a)
			pop3ST := incoming(srv, config.ProtocolPOP3, config.SecurityStartTLS, srv.POP3, a)
			imapST := incoming(srv, config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP, a)
			runFailCases(t, srv, []failCase{
				{"imap tls rejects", imaps, a.Password, mailconn.StepTLS, k.field, k.hintHas, k.errHas},
				{"imap starttls rejects", imapST, a.Password, mailconn.StepStartTLS, k.field, k.hintHas, k.errHas},
				{"pop3 starttls rejects", pop3ST, a.Password, mailconn.StepStartTLS, k.field, k.hintHas, k.errHas},
				{"wrong pin", with(imaps, func(in *config.Incoming) {
					in.PinnedCertificateSHA256 = strings.Repeat("AB:", 31) + "AB"
				}), a.Password, mailconn.StepTLS, mailconn.FieldPinnedCertificate, srv.CertSHA256, "does not match the pinned"},
			})
			pop3S := incoming(srv, config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, a)
			noCheck := func(in *config.Incoming) { in.RejectInvalidCertificates = false }
			passes := []struct {
				name string
				in   config.Incoming
				step mailconn.StepID
				want mailconn.Status
			}{
				{"imap tls accepts when told", with(imaps, noCheck), mailconn.StepTLS, mailconn.StatusWarn},
				{"imap starttls accepts when told", with(imapST, noCheck), mailconn.StepStartTLS, mailconn.StatusWarn},
				{"pop3 tls accepts when told", with(pop3S, noCheck), mailconn.StepTLS, mailconn.StatusWarn},
				{"pop3 starttls accepts when told", with(pop3ST, noCheck), mailconn.StepStartTLS, mailconn.StatusWarn},
				{"right pin", with(imaps, func(in *config.Incoming) { in.PinnedCertificateSHA256 = srv.CertSHA256 }),
					mailconn.StepTLS, mailconn.StatusOK},
				{"right pin, check off", with(pop3ST, func(in *config.Incoming) {
					in.PinnedCertificateSHA256, in.RejectInvalidCertificates = srv.CertSHA256, false
				}), mailconn.StepStartTLS, mailconn.StatusOK},
			}
			const sentTo = "credentials were sent to a server whose certificate did not verify"
			for _, p := range passes {
				t.Run(p.name, func(t *testing.T) {
					r := runTest(t, p.in, opts(a))
					if !r.res.OK {
						t.Fatalf("failed\n%s", r.dump())
					}
					e, _ := r.final(p.step)
					if e.Status != p.want {
						t.Fatalf("step %s: %s, want %s\n%s", p.step, e.Status, p.want, r.dump())
					}
					auth, _ := r.final(mailconn.StepAuthenticate)
					if p.want == mailconn.StatusOK {
						if auth.Status != mailconn.StatusOK || strings.Contains(auth.Detail, sentTo) {
							t.Fatalf("a verified (pinned) certificate: authenticate %s %q\n%s", auth.Status, auth.Detail, r.dump())
						}
						return
					}
					if e.Hint == "" || e.Field != k.field || !strings.Contains(e.Detail, k.errHas) {
						t.Fatalf("warning without the certificate's hint and reason (field %q, want %q)\n%s", e.Field, k.field, r.dump())
					}
					// The check is off already: no hint may ask to turn it off.
					for _, ev := range []mailconn.Event{e, auth} {
						if strings.Contains(ev.Hint, "turn off reject_invalid_certificates") || strings.Contains(ev.Hint, "or turn off") {
							t.Errorf("step %s asks for what is already set: %q", ev.Step, ev.Hint)
						}
					}
					if auth.Status != mailconn.StatusWarn || !strings.Contains(auth.Detail, sentTo) || !strings.Contains(auth.Hint, sentTo) {
						t.Fatalf("authenticate %s, detail %q, hint %q: want a warning that the %s\n%s", auth.Status, auth.Detail, auth.Hint, sentTo, r.dump())
					}
				})
			}
		})
	}
}

func TestRigTrustNeedsCAFile(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	a := mailtest.Alice
	in := incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a)
	in.CAFile = ""
	runFailCases(t, srv, []failCase{
		{"no ca_file", in, a.Password, mailconn.StepTLS, mailconn.FieldCAFile, "ca_file", "unknown authority"},
	})
}
