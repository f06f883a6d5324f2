package mailconn_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// DNS response codes.
const (
	rcodeOK       = 0
	rcodeServFail = 2
	rcodeNXDomain = 3
)

// fakeResolver is a resolver whose DNS server runs in-process over
// net.Pipe: it answers A queries with addrs and rcode, AAAA with nothing, or
// stays silent.
type fakeResolver struct {
	rcode  int
	addrs  []net.IP
	silent bool
}

func (f *fakeResolver) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		client, server := net.Pipe()
		// Like the engine's own resolver: a cancelled lookup closes its
		// connection (and so ends serve).
		context.AfterFunc(ctx, func() { client.Close() })
		go func() {
			defer server.Close()
			f.serve(server)
		}()
		return client, nil
	}}
}

// serve answers length-prefixed DNS queries on a stream.
func (f *fakeResolver) serve(c net.Conn) {
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		if f.silent {
			continue
		}
		resp := f.answer(q)
		_ = binary.Write(c, binary.BigEndian, uint16(len(resp)))
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

// answer builds the response to query q (one question).
func (f *fakeResolver) answer(q []byte) []byte {
	end := 12
	for q[end] != 0 {
		end += int(q[end]) + 1
	}
	end++ // root label
	qtype := binary.BigEndian.Uint16(q[end:])
	question := q[12 : end+4]
	var answers [][]byte
	if qtype == 1 && f.rcode == rcodeOK {
		for _, ip := range f.addrs {
			rr := []byte{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4}
			answers = append(answers, append(rr, ip.To4()...))
		}
	}
	resp := make([]byte, 12, 512)
	copy(resp, q[:2])
	binary.BigEndian.PutUint16(resp[2:], 0x8180|uint16(f.rcode)) // response, RD, RA
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(len(answers)))
	resp = append(resp, question...)
	for _, a := range answers {
		resp = append(resp, a...)
	}
	return resp
}

func TestResolve(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name    string
		fake    *fakeResolver
		ok      bool
		hintHas string
		errHas  string
	}{
		{"nxdomain", &fakeResolver{rcode: rcodeNXDomain}, false, "does not exist in DNS", "no such host"},
		{"servfail", &fakeResolver{rcode: rcodeServFail}, false, "could not answer", "DNS lookup failed"},
		{"no answer", &fakeResolver{rcode: rcodeOK}, false, "mail.example.test", "no such host"},
		{"silent", &fakeResolver{silent: true}, false, "timed out", "timed out"},
		{"second address answers", &fakeResolver{rcode: rcodeOK, addrs: []net.IP{net.IPv4(127, 0, 0, 3), net.IPv4(127, 0, 0, 1)}}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "mail.example.test", Port: port,
				Username: "alice", Auth: config.AuthPassword, Security: config.SecurityNone}
			var events []mailconn.Event
			res := mailconn.Test(context.Background(), in, mailconn.Options{Secret: "x", Timeout: 3 * time.Second, Resolver: tt.fake.resolver()},
				func(e mailconn.Event) { events = append(events, e) })
			if tt.ok {
				// The listener never greets: the test gets past connect.
				var connect mailconn.Event
				for _, e := range events {
					if e.Step == mailconn.StepConnect && e.Status != mailconn.StatusRunning {
						connect = e
					}
				}
				if connect.Status != mailconn.StatusOK || !strings.HasPrefix(connect.Detail, "127.0.0.1:") || !strings.Contains(connect.Detail, "127.0.0.3") {
					t.Fatalf("connect %+v, want 127.0.0.1 answering after 127.0.0.3", connect)
				}
				return
			}
			if res.FailedStep != mailconn.StepResolve || res.Field != mailconn.FieldServer {
				t.Fatalf("result %+v, want a failure at resolve, field server", res)
			}
			if !strings.Contains(res.Hint, tt.hintHas) || !strings.Contains(res.Error, tt.errHas) {
				t.Fatalf("result %+v, want hint with %q, error with %q", res, tt.hintHas, tt.errHas)
			}
		})
	}
}
