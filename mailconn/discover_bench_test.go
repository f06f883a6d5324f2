package mailconn_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// BenchmarkProbeHost probes the rig's six listeners and compares the run's
// wall time with its slowest single probe ("wall/slowest", about 1 when the
// probes run in parallel) and with the sum of all probes ("wall/sum", about
// 1/6 in parallel, 1 if they ran one after another).
func BenchmarkProbeHost(b *testing.B) {
	srv := mailtest.Start(b, mailtest.Options{})
	o := mailconn.DiscoverOptions{Timeout: hangGuard, CAFile: srv.CAFile, Ports: rigPorts(srv)}
	var wall, slowest, sum time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		res, err := mailconn.ProbeHost(context.Background(), srv.Host, o, nil)
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		var s time.Duration
		for _, r := range res {
			if !r.Answered {
				b.Fatalf("%s: %v\n%s", r.Candidate, r.Err, srv.Log())
			}
			s = max(s, r.Elapsed)
			sum += r.Elapsed
		}
		slowest += s
	}
	b.ReportMetric(float64(wall)/float64(slowest), "wall/slowest")
	b.ReportMetric(float64(wall)/float64(sum), "wall/sum")
	b.ReportMetric(float64(slowest.Milliseconds())/float64(b.N), "slowest-ms/op")
}
