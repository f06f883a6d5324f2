package mailconn_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

// listFolders runs ListFolders under the hang guard, checking the event
// protocol as runTest does.
func listFolders(t *testing.T, in config.Incoming, o mailconn.Options) (*mailconn.FolderList, *run, error) {
	t.Helper()
	var trace syncBuffer
	o.Trace = &trace
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	r := &run{}
	list, err := mailconn.ListFolders(ctx, in, o, func(e mailconn.Event) { r.events = append(r.events, e) })
	r.trace = trace.String()
	var le *mailconn.ListError
	if errors.As(err, &le) {
		r.res = le.Result
	} else {
		r.res.OK = err == nil
	}
	checkEventProtocol(t, r)
	return list, r, err
}

// folderLine is a folder as the tests compare it.
func folderLine(f mailconn.Folder) string {
	s := fmt.Sprintf("%s %d/%d", f.Name, f.Messages, f.Unseen)
	if f.NoSelect {
		s += " noselect"
	}
	return s
}

func TestRigListFolders(t *testing.T) {
	for _, sep := range []rune{'/', '.'} {
		t.Run(fmt.Sprintf("separator %c", sep), func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Separator: sep})
			a := mailtest.Alice
			in := incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a)
			in.Mailbox = "Nowhere" // the list does not open the configured folder

			list, r, err := listFolders(t, in, opts(a))
			if err != nil {
				t.Fatalf("ListFolders: %v\n%s", err, r.dump())
			}
			if list.Delimiter != string(sep) {
				t.Errorf("Delimiter %q, want %q", list.Delimiter, string(sep))
			}
			if list.CountsFrom != "LIST-STATUS" {
				t.Errorf("CountsFrom %q: Dovecot offers LIST-STATUS", list.CountsFrom)
			}
			var got []string
			for _, f := range list.Folders {
				got = append(got, folderLine(f))
			}
			want := []string{
				fmt.Sprintf("INBOX %d/%d", mailtest.InboxMessages, mailtest.InboxMessages-mailtest.InboxSeen),
				fmt.Sprintf("%s %d/%d", srv.Folder("INBOX", mailtest.NonASCIIFolder), mailtest.NonASCIIMessages, mailtest.NonASCIIMessages),
				fmt.Sprintf("%s %d/%d", srv.Folder("INBOX", mailtest.SupportFolder), mailtest.SupportMessages, mailtest.SupportMessages),
				mailtest.ArchiveFolder + " -1/-1 noselect",
				fmt.Sprintf("%s %d/0", srv.Folder(mailtest.ArchiveFolder, mailtest.ArchiveChildFolder), mailtest.ArchiveMessages),
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("folders:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			nonASCII := srv.Folder("INBOX", mailtest.NonASCIIFolder)
			if d := list.Depth(nonASCII); d != 1 {
				t.Errorf("Depth(%q) = %d, want 1", nonASCII, d)
			}
			if l := list.Leaf(nonASCII); l != mailtest.NonASCIIFolder {
				t.Errorf("Leaf(%q) = %q", nonASCII, l)
			}
			if _, ok := list.Find("inbox"); !ok {
				t.Error("Find(inbox) found nothing")
			}
			other := map[rune]string{'/': ".", '.': "/"}[sep]
			if s := list.Suggest("INBOX" + other + mailtest.SupportFolder); len(s) == 0 || s[0] != srv.Folder("INBOX", mailtest.SupportFolder) {
				t.Errorf("Suggest with the wrong separator = %q", s)
			}
			mb, ok := r.final(mailconn.StepMailbox)
			if !ok || mb.Title != "List folders" || !strings.Contains(mb.Detail, fmt.Sprintf("separator %q", string(sep))) {
				t.Errorf("mailbox step %+v", mb)
			}
			for _, l := range strings.Split(r.trace, "\n") {
				if _, c, ok := strings.Cut(l, " C: "); ok && (strings.Contains(c, " EXAMINE ") || strings.Contains(c, " SELECT ")) {
					t.Errorf("the list opened a folder: %s", l)
				}
			}
			checkNoSecret(t, r, a.Name, a.Password)
		})
	}
}

func TestRigListFoldersFailures(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	a := mailtest.Alice
	tests := []struct {
		name      string
		in        config.Incoming
		secret    string
		step      mailconn.StepID
		field     string
		wantIs    error
		wantEvent bool
	}{
		{"wrong password", incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a), "wrong",
			mailconn.StepAuthenticate, mailconn.FieldPassword, mailconn.ErrAuthFailed, true},
		{"STARTTLS on the TLS port", incoming(srv, config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAPS, a), a.Password,
			mailconn.StepGreeting, mailconn.FieldSecurity, mailconn.ErrPortSpeaksTLS, true},
		{"no password", incoming(srv, config.ProtocolIMAP, config.SecurityStartTLS, srv.IMAP, a), "",
			mailconn.StepAuthenticate, mailconn.FieldPassword, mailconn.ErrNoSecret, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts(a)
			o.Secret = tt.secret
			list, r, err := listFolders(t, tt.in, o)
			var le *mailconn.ListError
			if list != nil || !errors.As(err, &le) {
				t.Fatalf("got %v, %v; want a *ListError\n%s", list, err, r.dump())
			}
			if le.Result.FailedStep != tt.step || le.Result.Field != tt.field || le.Result.Hint == "" {
				t.Errorf("result %+v, want step %s field %s and a hint", le.Result, tt.step, tt.field)
			}
			if le.Event.Step != tt.step || le.Event.Status != mailconn.StatusFail || le.Event.Hint != le.Result.Hint {
				t.Errorf("event %+v", le.Event)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}

	t.Run("POP3", func(t *testing.T) {
		_, err := mailconn.ListFolders(context.Background(), incoming(srv, config.ProtocolPOP3, config.SecurityTLS, srv.POP3S, a), opts(a), nil)
		if !errors.Is(err, mailconn.ErrNoFolders) {
			t.Fatalf("error %v, want ErrNoFolders", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := mailconn.ListFolders(ctx, incoming(srv, config.ProtocolIMAP, config.SecurityTLS, srv.IMAPS, a), opts(a), nil)
		var le *mailconn.ListError
		if !errors.Is(err, mailconn.ErrCanceled) || !errors.As(err, &le) || !le.Result.Canceled {
			t.Fatalf("error %v, want a cancelled *ListError", err)
		}
	})
}

// folderFake is an IMAP server without LIST-STATUS: LIST answers list (in
// that order), STATUS answers from counts (a folder without counts gets
// NO). It holds its STATUS replies until the client sends something else or
// stays quiet for a second, and records in *batch the most STATUS commands
// it held at once: a client that waits for each reply gets 1.
func folderFake(list []string, counts map[string]string, batch *atomic.Int32) func(*fakeServer, net.Conn) {
	return func(s *fakeServer, c net.Conn) {
		br := bufio.NewReader(c)
		write := func(lines ...string) { _, _ = c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n")) }
		var held []string
		var cmds int32 // STATUS commands held
		flush := func() {
			if cmds > batch.Load() {
				batch.Store(cmds)
			}
			if len(held) > 0 {
				write(held...)
			}
			held, cmds = nil, 0
			_ = c.SetReadDeadline(time.Time{})
		}
		write("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake")
		for {
			line, err := br.ReadString('\n')
			if ne, ok := err.(net.Error); ok && ne.Timeout() && len(held) > 0 {
				flush()
				continue
			}
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb, args, _ := strings.Cut(rest, " ")
			if strings.ToUpper(verb) != "STATUS" {
				flush()
			}
			switch strings.ToUpper(verb) {
			case "AUTHENTICATE":
				write(tag + " OK [CAPABILITY IMAP4rev1] signed in")
			case "LIST":
				write(append(list, tag+" OK")...)
			case "STATUS":
				name, _, _ := strings.Cut(args, " (")
				if n, ok := counts[strings.Trim(name, `"`)]; ok {
					held = append(held, fmt.Sprintf("* STATUS %s (%s)", name, n), tag+" OK")
				} else {
					held = append(held, tag+" NO no such folder")
				}
				cmds++
				_ = c.SetReadDeadline(time.Now().Add(time.Second))
			case "LOGOUT":
				write("* BYE", tag+" OK")
				return
			default:
				write(tag + " BAD unknown")
			}
		}
	}
}

func TestFakeListFoldersWithStatus(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var batch atomic.Int32
	srv := startFake(t, folderFake([]string{
		`* LIST (\HasNoChildren) "." "Zeta"`,
		`* LIST (\HasNoChildren) "." "Projects.Alpha.Notes"`, // parents "Projects" and "Projects.Alpha" not listed
		`* LIST (\HasChildren) "." "INBOX"`,
		`* LIST (\HasNoChildren) "." "INBOX.b"`,
		`* LIST (\HasNoChildren) "." "INBOX.A"`,
		`* LIST (\HasNoChildren) "." "INBOX.&AMQ-rger"`, // modified UTF-7 for "Ärger"
		`* LIST (\Noselect \HasChildren) "." "Old"`,
		`* LIST (\HasNoChildren) "." "Old.x"`,
	}, map[string]string{
		"INBOX":                "MESSAGES 5 UNSEEN 2",
		"INBOX.A":              "MESSAGES 1 UNSEEN 0",
		"INBOX.&AMQ-rger":      "MESSAGES 7 UNSEEN 7",
		"Projects.Alpha.Notes": "MESSAGES 0 UNSEEN 0",
		"Old.x":                "MESSAGES 9 UNSEEN 1",
		// INBOX.b and Zeta: NO, so their counts stay unknown
	}, &batch))
	defer srv.close()
	in := config.Incoming{Protocol: config.ProtocolIMAP, Server: "127.0.0.1", Port: srv.port(),
		Username: "alice", Auth: config.AuthPassword, Security: config.SecurityNone}
	list, r, err := listFolders(t, in, mailconn.Options{Secret: "pw", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("ListFolders: %v\n%s", err, r.dump())
	}
	var got []string
	for _, f := range list.Folders {
		got = append(got, folderLine(f))
	}
	want := []string{
		"INBOX 5/2", "INBOX.A 1/0", "INBOX.b -1/-1", "INBOX.Ärger 7/7",
		"Old -1/-1 noselect", "Old.x 9/1",
		"Projects -1/-1 noselect", "Projects.Alpha -1/-1 noselect", "Projects.Alpha.Notes 0/0",
		"Zeta -1/-1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("folders:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if list.CountsFrom != "STATUS" || list.Delimiter != "." {
		t.Errorf("CountsFrom %q Delimiter %q", list.CountsFrom, list.Delimiter)
	}
	if f, _ := list.Find("Projects"); len(f.Attrs) != 1 || f.Attrs[0] != `\NonExistent` {
		t.Errorf("added parent attrs %q", f.Attrs)
	}
	// One round trip: all seven STATUS commands (one per selectable
	// folder) reached the server before it answered any.
	if n := batch.Load(); n != 7 {
		t.Errorf("the server held %d STATUS commands at most, want all 7 (not pipelined):\n%s", n, r.trace)
	}
}

func TestSuggestSeparator(t *testing.T) {
	tests := []struct {
		name, in, delim, want string
		ok                    bool
	}{
		{"dot to slash", "INBOX.Support", "/", "INBOX/Support", true},
		{"slash to dot", "INBOX/Support", ".", "INBOX.Support", true},
		{"backslash", `INBOX\Support`, "/", "INBOX/Support", true},
		{"already right", "INBOX/Support", "/", "INBOX/Support", false},
		{"no separator", "INBOX", "/", "INBOX", false},
		{"unknown delimiter", "INBOX.Support", "", "INBOX.Support", false},
		{"non-ASCII", "INBOX.Bestätigungen", "/", "INBOX/Bestätigungen", true},
		{"mixed", "A/B.C", ".", "A.B.C", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mailconn.SuggestSeparator(tt.in, tt.delim)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("SuggestSeparator(%q, %q) = %q, %v; want %q, %v", tt.in, tt.delim, got, ok, tt.want, tt.ok)
			}
		})
	}
}
