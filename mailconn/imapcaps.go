package mailconn

import (
	"io"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Servers such as Courier and GNU Mailutils end sign-in with a plain "OK"
// (no [CAPABILITY …] code), after which imapclient asks CAPABILITY and
// Client.Caps waits for the answer: one round trip before the mailbox
// queries could even be sent (imapclient's Search waits for them). The
// mailbox step does not wait: it pipelines its queries with imapclient's
// CAPABILITY, counting the unseen messages with STATUS instead of SEARCH. Telling whether the sign-in reply carried capabilities needs the
// reply itself, which imapclient does not expose: taggedTap watches the
// lines it reads.

// taggedTap passes reads through and remembers the start of the last
// tagged response line (not "*" or "+"). It is read right after sign-in,
// before any literal (message data) has crossed the session.
type taggedTap struct {
	r io.Reader

	mu      sync.Mutex
	cur     []byte // the start of the line being read
	lastTag string // the start of the last tagged line
}

// tapKeep is how much of each line the tap keeps: enough for a tag, the
// status and "[CAPABILITY".
const tapKeep = 64

func newTaggedTap(r io.Reader) *taggedTap {
	return &taggedTap{r: r, cur: make([]byte, 0, tapKeep)}
}

func (t *taggedTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.mu.Lock()
	for _, b := range p[:n] {
		if b == '\n' {
			if len(t.cur) > 0 && t.cur[0] != '*' && t.cur[0] != '+' {
				t.lastTag = string(t.cur)
			}
			t.cur = t.cur[:0]
			continue
		}
		if len(t.cur) < tapKeep {
			t.cur = append(t.cur, b)
		}
	}
	t.mu.Unlock()
	return n, err
}

// capsKnown reports whether imapclient knows the capabilities without
// asking: no tagged reply yet (PREAUTH: the greeting's), or the last one
// was "tag OK [CAPABILITY …]".
func (t *taggedTap) capsKnown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lastTag == "" {
		return true
	}
	_, rest, _ := strings.Cut(t.lastTag, " ")
	rest = strings.ToUpper(rest)
	return strings.HasPrefix(rest, "OK [CAPABILITY ")
}

// mailboxCaps are the capabilities the mailbox step goes by, and whether
// imapclient knows them: its own when it does, else those announced before
// sign-in (imapclient's own CAPABILITY is then on its way, and nothing
// waits for it).
func (r *runner) mailboxCaps(c *imapclient.Client) (imap.CapSet, bool) {
	if r.imapTap == nil || (r.imapTap.capsKnown() && !r.imapCapsAsked) {
		return c.Caps(), true
	}
	caps := imap.CapSet{}
	for _, s := range r.preLoginCaps {
		name := imap.Cap(s)
		for _, known := range []imap.Cap{imap.CapIMAP4rev2, imap.CapESearch} {
			if strings.EqualFold(s, string(known)) {
				name = known
			}
		}
		caps[name] = struct{}{}
	}
	return caps, false
}
