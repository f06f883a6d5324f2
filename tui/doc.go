// Package tui is the setup wizard of mailsetup: a Bubble Tea v2 program
// whose screens are the numbered steps of the Mail Connector's help page,
// and a plain line-by-line mode for pipes, TERM=dumb, serial consoles and
// screen readers (lines.go, oauthlines.go, prompt.go).
//
// The shape (screen.go): one root Model owns a map of screens, each
// implementing the screen interface (keys, view for a width and height,
// help bindings, its form). Screens share a small common context — styles,
// keys, size, the engine calls and the draft (draft.go), the config being
// edited with every input — and never the root: they ask it to navigate
// with messages (goToMsg, nextMsg, fixFieldMsg, …) that only the root acts
// on. Every background run (the test, the folder list, Detect, the
// sign-in) streams its values as one streamMsg type (stream.go).
//
// The screens: welcome, account type, server and port (with Detect, the
// host probe; detect*.go), mailbox (with the folder browser; folders*.go),
// user name and password, SPA or OAuth 2.0, the OAuth 2.0 settings and
// sign-in (device code, or Google's browser sign-in through an SSH
// forward; oauth*.go, devicecode.go), secure connection, certificates,
// the connection test (the step log, the hint and a key to fix the field
// at fault, the redacted trace), review (the file and the changes) and
// save.
//
// Nothing is written before the user saves on the review screen; the
// config is then written with config.Save.
package tui
