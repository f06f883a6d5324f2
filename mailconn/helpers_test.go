package mailconn_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// hangGuard bounds a test run against a hang; it is not a measurement.
const hangGuard = 20 * time.Second

// run is one connection test with its events and trace.
type run struct {
	res    mailconn.Result
	events []mailconn.Event
	trace  string
}

// final returns the final event of step id, and whether there was one.
func (r *run) final(id mailconn.StepID) (mailconn.Event, bool) {
	for _, e := range r.events {
		if e.Step == id && e.Status != mailconn.StatusRunning {
			return e, true
		}
	}
	return mailconn.Event{}, false
}

// dump is the step log for failure messages.
func (r *run) dump() string {
	var b strings.Builder
	for _, e := range r.events {
		if e.Status == mailconn.StatusRunning {
			continue
		}
		b.WriteString(string(e.Step) + " " + string(e.Status) + ": " + e.Detail)
		if e.Hint != "" {
			b.WriteString(" [hint: " + e.Hint + " field: " + e.Field + "]")
		}
		b.WriteString("\n")
	}
	rj, _ := json.Marshal(r.res)
	b.Write(rj)
	b.WriteString("\n--- trace\n" + r.trace)
	return b.String()
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runTest runs mailconn.Test with a trace, checking the event protocol:
// every step reports running then one final status (or only skipped), in
// order.
func runTest(t testing.TB, in config.Incoming, opts mailconn.Options) *run {
	t.Helper()
	var trace syncBuffer
	opts.Trace = &trace
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	r := &run{}
	r.res = mailconn.Test(ctx, in, opts, func(e mailconn.Event) { r.events = append(r.events, e) })
	r.trace = trace.String()
	checkEventProtocol(t, r)
	return r
}

var stepOrder = []mailconn.StepID{
	mailconn.StepResolve, mailconn.StepConnect, mailconn.StepTLS, mailconn.StepGreeting,
	mailconn.StepCapabilities, mailconn.StepStartTLS, mailconn.StepCapabilitiesTLS,
	mailconn.StepAuthenticate, mailconn.StepMailbox, mailconn.StepLogout,
}

func checkEventProtocol(t testing.TB, r *run) {
	t.Helper()
	idx := map[mailconn.StepID]int{}
	for i, s := range stepOrder {
		idx[s] = i
	}
	last := -1
	running := mailconn.StepID("")
	for _, e := range r.events {
		i, ok := idx[e.Step]
		if !ok {
			t.Fatalf("unknown step %q\n%s", e.Step, r.dump())
		}
		if e.Status == mailconn.StatusRunning {
			if running != "" || i <= last {
				t.Fatalf("step %s running out of order\n%s", e.Step, r.dump())
			}
			running = e.Step
			continue
		}
		if e.Status == mailconn.StatusSkipped {
			if running != "" || i <= last {
				t.Fatalf("step %s skipped out of order\n%s", e.Step, r.dump())
			}
		} else if running != e.Step {
			t.Fatalf("step %s ended without running\n%s", e.Step, r.dump())
		}
		running = ""
		last = i
	}
	if running != "" {
		t.Fatalf("step %s never ended\n%s", running, r.dump())
	}
	if !r.res.OK && !r.res.Canceled {
		if e, ok := r.final(r.res.FailedStep); !ok || e.Status != mailconn.StatusFail {
			t.Fatalf("result failed at %s, but that step did not report fail\n%s", r.res.FailedStep, r.dump())
		}
		if r.res.Hint == "" || r.res.Field == "" || r.res.Error == "" {
			t.Fatalf("a failure without hint, field or error\n%s", r.dump())
		}
	}
}

// checkNoSecret fails if the secret or its usual wire forms appear in any
// event, the result or the trace.
func checkNoSecret(t testing.TB, r *run, user, secret string) {
	t.Helper()
	forms := []string{
		secret,
		base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + secret)),
	}
	var all strings.Builder
	for _, e := range r.events {
		b, _ := json.Marshal(e)
		all.Write(b)
		all.WriteString(e.Detail + e.Hint + e.Title)
	}
	b, _ := json.Marshal(r.res)
	all.Write(b)
	all.WriteString(r.trace)
	for _, f := range forms {
		if strings.Contains(all.String(), f) {
			t.Fatalf("secret form %q leaked\n%s", f, r.dump())
		}
	}
}
