package mailconn_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mailsetup/mailsetup/mailconn"
)

// ProbeHost streams each candidate's result as it ends; Recommend picks the
// one to use.
func ExampleProbeHost() {
	ctx, cancel := context.WithCancel(context.Background()) // cancel to stop at once
	defer cancel()
	opts := mailconn.DiscoverOptions{Timeout: 10 * time.Second, CAFile: "/etc/ssl/certs/internal-ca.pem"}
	results, err := mailconn.ProbeHost(ctx, "mail.example.com", opts, func(r mailconn.ProbeResult) {
		fmt.Println(r.Candidate, r.Answered, r.TLSVersion(), r.Mechanisms, r.Problem)
	})
	if err != nil {
		fmt.Println(err) // an unreadable CA file
		return
	}
	if best, ok := mailconn.Recommend(results); ok {
		fmt.Println("use", best.Candidate.Protocol, best.Candidate.Port, best.Candidate.Security)
	}
}

func ExampleRecommend() {
	results := []mailconn.ProbeResult{
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.com", Protocol: "pop3", Port: 995, Security: "tls"},
			Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.3", Verified: true}, CertificateOK: true},
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.com", Protocol: "imap", Port: 143, Security: "starttls"},
			Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.3", Verified: true}, CertificateOK: true},
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.com", Protocol: "imap", Port: 993, Security: "tls"},
			Answered: true, TLS: &mailconn.TLSInfo{Version: "TLS 1.2"}, CertificateError: "certificate is self-signed (CN=mail) and not trusted"},
		{Candidate: mailconn.ProbeCandidate{Host: "mail.example.com", Protocol: "imap", Port: 143, Security: "none"},
			Answered: true},
	}
	best, _ := mailconn.Recommend(results)
	fmt.Println(best.Candidate)
	fmt.Println("flagged:", best.Flagged(), best.CertificateError)
	// Output:
	// IMAP 993 tls on mail.example.com
	// flagged: true certificate is self-signed (CN=mail) and not trusted
}
