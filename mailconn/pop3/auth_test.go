package pop3

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
)

// scriptedMech is a SASL client with a fixed initial response and answers.
type scriptedMech struct {
	name    string
	ir      []byte
	answers map[string]string // challenge → response
}

var errNoAnswer = errors.New("no answer to that challenge")

func (m *scriptedMech) Start() (string, []byte, error) { return m.name, m.ir, nil }

func (m *scriptedMech) Next(challenge []byte) ([]byte, error) {
	resp, ok := m.answers[string(challenge)]
	if !ok {
		return nil, errNoAnswer
	}
	return []byte(resp), nil
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestAuth(t *testing.T) {
	longToken := strings.Repeat("t", 300)
	longIR := "user=alice\x01auth=Bearer " + longToken + "\x01\x01"
	tests := []struct {
		name    string
		mech    sasl.Client
		script  func(f *fake)
		wantErr func(t *testing.T, err error)
	}{
		{
			name: "plain with initial response",
			mech: sasl.NewPlainClient("", "alice", "s3cret"),
			script: func(f *fake) {
				f.expect("AUTH PLAIN " + b64("\x00alice\x00s3cret"))
				f.send("+OK Logged in.\r\n")
			},
		},
		{
			name: "long initial response after continuation",
			mech: &scriptedMech{name: "XOAUTH2", ir: []byte(longIR)},
			script: func(f *fake) {
				f.expect("AUTH XOAUTH2")
				f.send("+ \r\n")
				f.expect(b64(longIR))
				f.send("+OK\r\n")
			},
		},
		{
			name: "empty initial response",
			mech: &scriptedMech{name: "EXTERNAL", ir: []byte{}},
			script: func(f *fake) {
				f.expect("AUTH EXTERNAL =")
				f.send("+OK\r\n")
			},
		},
		{
			name: "go-sasl login",
			mech: sasl.NewLoginClient("alice", "s3cret"),
			script: func(f *fake) {
				f.expect("AUTH LOGIN " + b64("alice"))
				f.send("+ " + b64("Password:") + "\r\n")
				f.expect(b64("s3cret"))
				f.send("+OK\r\n")
			},
		},
		{
			name: "login with two challenges",
			mech: &scriptedMech{name: "LOGIN", answers: map[string]string{"Username:": "alice", "Password:": "s3cret"}},
			script: func(f *fake) {
				f.expect("AUTH LOGIN")
				f.send("+ " + b64("Username:") + "\r\n")
				f.expect(b64("alice"))
				f.send("+ " + b64("Password:") + "\r\n")
				f.expect(b64("s3cret"))
				f.send("+OK\r\n")
			},
		},
		{
			name: "bare plus and empty response",
			mech: &scriptedMech{name: "X-TEST", answers: map[string]string{"": ""}},
			script: func(f *fake) {
				f.expect("AUTH X-TEST")
				f.send("+\r\n")
				f.expect("")
				f.send("+OK\r\n")
			},
		},
		{
			name: "refused with code",
			mech: sasl.NewPlainClient("", "alice", "s3cret"),
			script: func(f *fake) {
				f.expect("AUTH PLAIN " + b64("\x00alice\x00s3cret"))
				f.send("-ERR [AUTH] Authentication failed.\r\n")
			},
			wantErr: func(t *testing.T, err error) {
				var perr *Error
				if !errors.As(err, &perr) || perr.Code != "AUTH" || perr.Command != "AUTH PLAIN" {
					t.Errorf("error = %v, want *Error [AUTH] for AUTH PLAIN", err)
				}
			},
		},
		{
			name: "server echoes the payload",
			mech: sasl.NewPlainClient("", "alice", "s3cret"),
			script: func(f *fake) {
				f.expect("AUTH PLAIN " + b64("\x00alice\x00s3cret"))
				f.send("-ERR bad credentials " + b64("\x00alice\x00s3cret") + "\r\n")
			},
			wantErr: func(t *testing.T, err error) {
				var perr *Error
				if !errors.As(err, &perr) || !strings.Contains(perr.Text, redacted) {
					t.Errorf("error = %v, want the echoed payload redacted", err)
				}
			},
		},
		{
			name: "unanswerable challenge is cancelled",
			mech: &scriptedMech{name: "X-TEST"},
			script: func(f *fake) {
				f.expect("AUTH X-TEST")
				f.send("+ " + b64("what?") + "\r\n")
				f.expect("*")
				f.send("-ERR authentication cancelled\r\n")
			},
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, errNoAnswer) {
					t.Errorf("error = %v, want the mechanism's error", err)
				}
			},
		},
		{
			name: "challenge not base64 is cancelled",
			mech: &scriptedMech{name: "X-TEST"},
			script: func(f *fake) {
				f.expect("AUTH X-TEST")
				f.send("+ !!!not base64\r\n")
				f.expect("*")
				f.send("-ERR cancelled\r\n")
			},
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("error = %v, want ErrMalformed", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var trace strings.Builder
			c, _ := newFakeClient(t, &Options{Trace: &trace}, func(f *fake) {
				f.send("+OK\r\n")
				tt.script(f)
				f.expect("STAT")
				f.send("+OK 0 0\r\n")
			})
			ctx := testContext(t)
			err := c.Auth(ctx, tt.mech)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Auth: %v", err)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("Auth succeeded")
				}
				tt.wantErr(t, err)
			}
			// The session stays in step after success, -ERR and cancel.
			if _, _, err := c.Stat(ctx); err != nil {
				t.Errorf("Stat after AUTH: %v", err)
			}
			for _, secret := range []string{"s3cret", b64("\x00alice\x00s3cret"), b64("s3cret"), longToken} {
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q carries %q", err, secret)
				}
				if strings.Contains(trace.String(), secret) {
					t.Errorf("trace carries %q:\n%s", secret, trace.String())
				}
			}
		})
	}
}

func TestAuthBadMechanism(t *testing.T) {
	c, _ := newFakeClient(t, nil, func(f *fake) {
		f.send("+OK\r\n")
		f.expect("STAT")
		f.send("+OK 0 0\r\n")
	})
	ctx := testContext(t)
	for _, m := range []sasl.Client{nil, &scriptedMech{name: "PLAIN\r\nDELE 1"}, &scriptedMech{name: ""}} {
		if err := c.Auth(ctx, m); !errors.Is(err, ErrBadArgument) {
			t.Errorf("Auth(%v) = %v, want ErrBadArgument", m, err)
		}
	}
	if _, _, err := c.Stat(ctx); err != nil {
		t.Errorf("Stat after refused AUTH: %v", err)
	}
}
