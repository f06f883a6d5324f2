package tui

import (
	"context"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// probeHostFunc probes a host's protocols, ports and security modes;
// mailconn.ProbeHost outside tests.
type probeHostFunc func(ctx context.Context, host string, opts mailconn.DiscoverOptions, report func(mailconn.ProbeResult)) ([]mailconn.ProbeResult, error)

// probeDone is the outcome of a probe run, its stream's last value.
type probeDone struct {
	results []mailconn.ProbeResult
	err     error
}

// detectPanel is the server screen's Detect action: the host probe of
// `mailsetup discover`, one line per candidate as it finishes; then the
// user picks one (the recommended one preselected), which fills protocol,
// port and security. A plain-text candidate is never recommended nor
// preselected: when only plain text answered (what a stripped connection
// looks like), nothing is selected until the user moves to a line.
type detectPanel struct {
	c       *common
	s       *serverScreen // the screen it belongs to
	open    bool
	running bool
	run     int
	cancel  context.CancelFunc
	spinner spinner.Model

	host    string
	total   int                    // candidates probed
	port    int                    // the port typed in, probed besides the usual ones; 0 if none
	results []mailconn.ProbeResult // in the order they finished
	err     error                  // the probe could not start (an unreadable CA file)
	best    int                    // index of the recommendation in results, -1 if none
	sel     int                    // index in results of the selected line, -1 if none
}

func newDetectPanel(c *common, s *serverScreen) *detectPanel {
	return &detectPanel{c: c, s: s, spinner: c.st.spinnerModel(), best: -1}
}

func (d *detectPanel) isOpen() bool { return d.open }

// close hides the panel and cancels a running probe.
func (d *detectPanel) close() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
	d.open, d.running = false, false
}

// start probes host in the background.
func (d *detectPanel) start(host string) tea.Cmd {
	c, dr := d.c, d.c.draft
	d.close()
	d.run++
	d.open, d.running = true, true
	d.host, d.results, d.err, d.best, d.sel = host, nil, nil, -1, -1
	opts := mailconn.DiscoverOptions{}
	// A port typed in is probed too, as every protocol and security mode:
	// a server behind a port mapping answers only there.
	if v := dr.port.value(); v != "" && checkPort(v) == "" {
		p, _ := strconv.Atoi(v)
		opts.ExtraPorts = []int{p}
	}
	d.port = 0
	if len(opts.ExtraPorts) > 0 {
		d.port = opts.ExtraPorts[0]
	}
	d.total = len(opts.HostCandidates(host))
	if v := dr.caFile.value(); v != "" && checkOptionalPath(v) == "" {
		opts.CAFile = v
	}
	if v := dr.serverName.value(); v != "" && checkTLSName(v) == "" {
		opts.TLSServerName = v
	}
	ctx, cancel := context.WithCancel(c.ctx)
	d.cancel = cancel
	fn := c.probeFn
	begin := startStream(ctx, &c.bg, d.total+1, scrServer, d.run, func(send func(any)) {
		results, err := fn(ctx, host, opts, func(r mailconn.ProbeResult) { send(r) })
		send(probeDone{results: results, err: err})
	})
	return tea.Batch(begin, d.spinner.Tick)
}

func (d *detectPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamMsg:
		if msg.owner != scrServer {
			return nil
		}
		if msg.run == d.run && d.running {
			switch v := msg.v.(type) {
			case mailconn.ProbeResult:
				d.results = append(d.results, v)
			case probeDone:
				d.finish(v.err)
			}
		}
		return msg.next()
	case spinner.TickMsg:
		if !d.running {
			return nil
		}
		var cmd tea.Cmd
		d.spinner, cmd = d.spinner.Update(msg)
		return cmd
	}
	return nil
}

// finish ends a run: the recommendation is selected; without one (nothing
// answered, or only plain text) nothing is.
func (d *detectPanel) finish(err error) {
	d.running = false
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
	d.err = err
	d.best, d.sel = -1, -1
	if best, ok := mailconn.Recommend(d.results); ok {
		for i := range d.results {
			if d.results[i].Candidate == best.Candidate {
				d.best, d.sel = i, i
				break
			}
		}
	}
}

// move selects the next (dir 1) or previous (dir -1) candidate that
// answered; with none selected, the first (or last) one.
func (d *detectPanel) move(dir int) {
	from := d.sel
	if from < 0 && dir < 0 {
		from = len(d.results)
	}
	for i := from + dir; i >= 0 && i < len(d.results); i += dir {
		if d.results[i].Answered {
			d.sel = i
			return
		}
	}
}

// answered is the number of candidates that answered.
func (d *detectPanel) answered() int {
	n := 0
	for _, r := range d.results {
		if r.Answered {
			n++
		}
	}
	return n
}

func (d *detectPanel) selected() (mailconn.ProbeResult, bool) {
	if d.running || d.sel < 0 || d.sel >= len(d.results) || !d.results[d.sel].Answered {
		return mailconn.ProbeResult{}, false
	}
	return d.results[d.sel], true
}

func (d *detectPanel) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.keys
	if key.Matches(msg, k.Esc) {
		d.close()
		return d.s.form.focusFirst()
	}
	if d.running {
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		d.move(-1)
	case key.Matches(msg, k.Down):
		d.move(1)
	case key.Matches(msg, k.Retry):
		return d.start(d.host)
	case key.Matches(msg, k.Choose):
		if r, ok := d.selected(); ok {
			d.s.applyDetected(r)
			d.close()
			return d.s.form.focusFirst()
		}
	}
	return nil
}

// applyDetected fills protocol, port and security from a probe result and
// remembers it for the note on the server screen.
func (s *serverScreen) applyDetected(r mailconn.ProbeResult) {
	c, d := r.Candidate, s.c.draft
	d.kind.set(c.Protocol)
	d.security.set(c.Security)
	if c.Port == config.DefaultPort(c.Protocol, c.Security) {
		d.port.setValue("")
	} else {
		d.port.setValue(strconv.Itoa(c.Port))
	}
	s.detected = &detected{host: d.server.value(), r: r}
}

// detected is the candidate Detect filled in, for the note under the
// fields while the server name stays the same.
type detected struct {
	host string
	r    mailconn.ProbeResult
}

func (d *detectPanel) help() []key.Binding {
	k := d.c.keys
	if d.running {
		return []key.Binding{with(k.Esc, "esc", "cancel"), k.Quit}
	}
	var bs []key.Binding
	if _, ok := d.selected(); ok {
		bs = append(bs, with(k.Up, d.c.st.arrows, "choose"), with(k.Choose, "enter", "use it"))
	} else if d.answered() > 0 {
		bs = append(bs, with(k.Up, d.c.st.arrows, "choose"))
	}
	return append(bs, k.Retry, with(k.Esc, "esc", "close"), k.Quit)
}

// key handles the server screen's own keys: ctrl+d runs Detect; with the
// panel open, every key goes to it; the rest go to the form.
func (s *serverScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case s.detect.isOpen():
		return s.detect.key(msg)
	case key.Matches(msg, k.Detect):
		host := strings.TrimSpace(s.server.value())
		if checkServer(host) != "" {
			s.server.reveal()
			return s.form.focusFirst()
		}
		s.server.blur()
		s.port.blur()
		return s.detect.start(host)
	}
	return s.formScreen.key(msg)
}
