package monitor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Thresholds decide WARNING and CRITICAL. A zero duration or count is no
// threshold.
type Thresholds struct {
	// CertWarning and CertCritical: the certificate expires in less than
	// this.
	CertWarning, CertCritical time.Duration
	// BacklogWarning and BacklogCritical: the oldest unseen message (IMAP)
	// or the oldest message left on the server (POP3) is older than this.
	BacklogWarning, BacklogCritical time.Duration
	// MessagesWarning and MessagesCritical: more messages than this.
	MessagesWarning, MessagesCritical int64
	// TimeWarning and TimeCritical: the whole test took longer than this.
	TimeWarning, TimeCritical time.Duration
}

// Day is 24 hours, the unit of "21d".
const Day = 24 * time.Hour

// DefaultThresholds are the thresholds with no flags: certificate 21 and 7
// days, time 5 and 15 seconds, no backlog or message threshold.
func DefaultThresholds() Thresholds {
	return Thresholds{
		CertWarning:  21 * Day,
		CertCritical: 7 * Day,
		TimeWarning:  5 * time.Second,
		TimeCritical: 15 * time.Second,
	}
}

// NeedOldest reports whether the thresholds need the oldest message's
// date, which costs the test a round trip more.
func (t Thresholds) NeedOldest() bool {
	return t.BacklogWarning > 0 || t.BacklogCritical > 0
}

// ParseDuration reads a threshold: a whole number of days ("21d") or a Go
// duration ("36h", "90m", "5s", "1h30m"). "0" is no threshold.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(d, 10, 32)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q is not a number of days: write e.g. 21d, 36h or 90m", s)
		}
		return time.Duration(n) * Day, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write e.g. 21d, 36h, 90m or 5s", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%q is negative: write a positive duration such as 21d", s)
	}
	return v, nil
}

// Validate checks that each warning comes before its critical.
func (t Thresholds) Validate() error {
	var errs []error
	if t.CertWarning > 0 && t.CertCritical > t.CertWarning {
		errs = append(errs, errors.New("--cert-critical is longer than --cert-warning: the critical threshold must be the nearer expiry (e.g. --cert-warning 21d --cert-critical 7d)"))
	}
	if t.BacklogCritical > 0 && t.BacklogWarning > t.BacklogCritical {
		errs = append(errs, errors.New("--backlog-warning is longer than --backlog-critical: warn first (e.g. --backlog-warning 1h --backlog-critical 4h)"))
	}
	if t.MessagesCritical > 0 && t.MessagesWarning > t.MessagesCritical {
		errs = append(errs, errors.New("--messages-warning is larger than --messages-critical: warn first"))
	}
	if t.TimeCritical > 0 && t.TimeWarning > t.TimeCritical {
		errs = append(errs, errors.New("--time-warning is longer than --time-critical: warn first (e.g. --time-warning 5s --time-critical 15s)"))
	}
	if t.MessagesWarning < 0 || t.MessagesCritical < 0 {
		errs = append(errs, errors.New("--messages-warning and --messages-critical must not be negative"))
	}
	return errors.Join(errs...)
}
