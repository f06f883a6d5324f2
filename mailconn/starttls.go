package mailconn

import (
	"context"

	"github.com/mailsetup/mailsetup/config"
)

// startTLSSteps runs the starttls and capabilities_tls steps of either
// protocol as the security mode asks: both are skipped for tls and none;
// starttls-if-available without the offer goes on in plain text with a
// warning (plainDetail says why); otherwise upgrade runs as the starttls
// step (and fails it when STARTTLS is not offered), then capsAgain asks
// for the capabilities under its step id and title.
func (r *runner) startTLSSteps(offered bool, plainDetail string, upgrade func(ctx context.Context, s *stepState) error, capsAgain func(id StepID, title string) error) error {
	const title, capsTitle = "STARTTLS", "Capabilities after STARTTLS"
	switch r.in.Security {
	case config.SecurityTLS, config.SecurityNone:
		r.skip(StepStartTLS, title, "security is "+r.in.Security)
		r.skip(StepCapabilitiesTLS, capsTitle, "security is "+r.in.Security)
		return nil
	case config.SecurityStartTLSIfAvailable:
		if !offered {
			err := r.step(StepStartTLS, title, r.total, func(ctx context.Context, s *stepState) error {
				s.detail = plainDetail
				s.warnf(FieldSecurity, "Anyone on the network path can read this session and downgrade it: use security = tls or starttls if the server supports them.")
				return nil
			})
			r.skip(StepCapabilitiesTLS, capsTitle, "no STARTTLS")
			return err
		}
	}
	if err := r.step(StepStartTLS, title, r.total, upgrade); err != nil {
		return err
	}
	return capsAgain(StepCapabilitiesTLS, capsTitle)
}
