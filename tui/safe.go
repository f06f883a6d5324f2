package tui

import (
	"github.com/mailsetup/mailsetup/internal/safetext"
	"github.com/mailsetup/mailsetup/mailconn"
)

// mailconn cleans the text that came from outside (server, certificate,
// DNS, autoconfig, OAuth provider) before it reports it. The wizard and the
// line mode also build events and results of their own from errors (a
// token failure, a password_command's error): these go through safetext
// where they are stored or printed, so that nothing shown can carry a
// control character (package safetext). Hints keep their line feeds.

// safeEvent is ev with its text cleaned.
func safeEvent(ev mailconn.Event) mailconn.Event {
	ev.Title = safetext.Clean(ev.Title)
	ev.Detail = safetext.Clean(ev.Detail)
	ev.Hint = safetext.CleanLines(ev.Hint)
	ev.Field = safetext.Clean(ev.Field)
	return ev
}

// safeResult is r with its text cleaned.
func safeResult(r mailconn.Result) mailconn.Result {
	r.Error = safetext.Clean(r.Error)
	r.Message = safetext.Clean(r.Message)
	r.Hint = safetext.CleanLines(r.Hint)
	r.Field = safetext.Clean(r.Field)
	return r
}
