package mailconn_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// A secret source that fails after the config loaded is a failed test at
// step authenticate, with the field of the source and its own sentence as
// the hint; the network steps before it ran, and nothing was sent.
func TestSecretFuncFailure(t *testing.T) {
	const secret = "s3cret-from-command"
	sent := make(chan string, 4)
	login := func(br *bufio.Reader, c net.Conn, tag, args string) bool {
		sent <- args
		_, _ = c.Write([]byte(tag + " OK done\r\n"))
		return true
	}
	base := config.Incoming{Protocol: "imap", Security: "none", Username: "alice", Mailbox: "INBOX"}
	cmdErr := &config.SecretError{Key: "incoming.password_command",
		Message: "incoming.password_command failed (exit status 3): boom"}
	tests := []struct {
		name      string
		auth      string
		fn        func(ctx context.Context) (string, error)
		timeout   time.Duration
		field     string
		short     string
		hintHas   string
		wantLogin bool
	}{
		{name: "command fails", fn: func(context.Context) (string, error) { return "", cmdErr },
			field: mailconn.FieldPassword, short: "cannot read the password", hintHas: "exit status 3): boom"},
		{name: "source reached over the network", auth: config.AuthOAuth2,
			fn: func(context.Context) (string, error) {
				return "", fmt.Errorf("refresh: %w", &net.DNSError{Err: "no such host", Name: "login.example", IsNotFound: true})
			},
			field: mailconn.FieldOAuth2, short: "cannot get an OAuth 2.0 token", hintHas: "login.example"},
		{name: "command runs out of time", timeout: 500 * time.Millisecond,
			fn: func(ctx context.Context) (string, error) {
				<-ctx.Done()
				return "", &config.SecretError{Key: "incoming.password_command", Err: ctx.Err(),
					Message: "incoming.password_command did not finish in time; make it print the secret and exit"}
			},
			field: mailconn.FieldPassword, short: "cannot read the password", hintHas: "did not finish in time"},
		{name: "resolved", fn: func(context.Context) (string, error) { return secret, nil }, wantLogin: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFake(t, imapFake("IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2", login))
			defer srv.close()
			in := base
			in.Server, in.Port = "127.0.0.1", srv.port()
			if tc.auth != "" {
				in.Auth = tc.auth
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			r := runTest(t, in, mailconn.Options{SecretFunc: tc.fn, Timeout: timeout})
			checkNoSecret(t, r, in.Username, secret)
			if tc.wantLogin {
				if !r.res.OK {
					t.Fatalf("test failed:\n%s", r.dump())
				}
				if e, _ := r.final(mailconn.StepAuthenticate); e.Status != mailconn.StatusWarn || len(sent) != 1 {
					t.Fatalf("authenticate %+v, %d sign-ins, want one (plain-text warning):\n%s", e, len(sent), r.dump())
				}
				return
			}
			for _, id := range []mailconn.StepID{mailconn.StepConnect, mailconn.StepGreeting, mailconn.StepCapabilities} {
				if e, ok := r.final(id); !ok || e.Status != mailconn.StatusOK {
					t.Fatalf("step %s did not pass before the secret was asked for:\n%s", id, r.dump())
				}
			}
			res := r.res
			if res.OK || res.FailedStep != mailconn.StepAuthenticate || res.Field != tc.field || res.Error != tc.short ||
				!strings.Contains(res.Hint, tc.hintHas) || res.Canceled {
				t.Fatalf("result %+v, want failed at authenticate, field %s, error %q, hint with %q:\n%s",
					res, tc.field, tc.short, tc.hintHas, r.dump())
			}
			e, _ := r.final(mailconn.StepAuthenticate)
			if e.Status != mailconn.StatusFail || e.Field != tc.field || e.Hint != res.Hint {
				t.Fatalf("authenticate event %+v", e)
			}
			select {
			case args := <-sent:
				t.Fatalf("credentials sent after the secret source failed: %q", args)
			default:
			}
		})
	}
}

// A cancelled test stays cancelled when the secret source is running.
func TestSecretFuncCanceled(t *testing.T) {
	srv := startFake(t, imapFake("IMAP4rev1 AUTH=PLAIN", func(*bufio.Reader, net.Conn, string, string) bool { return false }))
	defer srv.close()
	in := config.Incoming{Protocol: "imap", Security: "none", Username: "alice", Server: "127.0.0.1", Port: srv.port()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := mailconn.Test(ctx, in, mailconn.Options{Timeout: 5 * time.Second, SecretFunc: func(ctx context.Context) (string, error) {
		cancel()
		<-ctx.Done()
		return "", &config.SecretError{Key: "incoming.password_command", Err: ctx.Err(), Message: "incoming.password_command was cancelled"}
	}}, nil)
	if !res.Canceled || res.FailedStep != mailconn.StepAuthenticate {
		t.Fatalf("result %+v, want cancelled", res)
	}
	if errors.Is(ctx.Err(), context.Canceled) == false {
		t.Fatal("context not cancelled")
	}
}
