package mailconn_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// failedStep runs the test and returns its failed step's event.
func failedStep(t *testing.T, in config.Incoming, opts mailconn.Options) mailconn.Event {
	t.Helper()
	var fail mailconn.Event
	mailconn.Test(context.Background(), in, opts, func(e mailconn.Event) {
		if e.Status == mailconn.StatusFail {
			fail = e
		}
	})
	if fail.Status != mailconn.StatusFail {
		t.Fatal("no step failed")
	}
	return fail
}

// TestFailedStepDetailSaysItOnce: a failed step's line, "Title: detail",
// does not repeat its title in the detail ("Look up x: look up x: lookup
// x on …: no such host", "TLS handshake: tls handshake: certificate …";
// issue 13 item 17).
func TestFailedStepDetailSaysItOnce(t *testing.T) {
	t.Run("lookup", func(t *testing.T) {
		in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "mail.example.test", Port: 1,
			Username: "alice", Auth: config.AuthPassword, Security: config.SecurityNone}
		e := failedStep(t, in, mailconn.Options{Secret: "x", Timeout: 3 * time.Second, Resolver: (&fakeResolver{rcode: rcodeNXDomain}).resolver()})
		if e.Step != mailconn.StepResolve || strings.Contains(e.Detail, "mail.example.test") || strings.Contains(strings.ToLower(e.Detail), "look") ||
			!strings.HasPrefix(e.Detail, "no such host") {
			t.Errorf("%s: %s — want the DNS answer without the name again", e.Title, e.Detail)
		}
	})
	t.Run("tls", func(t *testing.T) {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{selfSigned127(t)}})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}
		}()
		in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
			Username: "alice", Auth: config.AuthPassword, Security: config.SecurityTLS, RejectInvalidCertificates: true}
		e := failedStep(t, in, mailconn.Options{Secret: "x", Timeout: 3 * time.Second})
		if e.Step != mailconn.StepTLS || strings.HasPrefix(strings.ToLower(e.Detail), "tls handshake") || !strings.Contains(e.Detail, "certificate") {
			t.Errorf("%s: %s — want the certificate's problem without the title again", e.Title, e.Detail)
		}
	})
}
