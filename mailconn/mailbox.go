package mailconn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailsetup/mailsetup/internal/safetext"
)

// logoutBudget bounds the logout step: LOGOUT is sent, its reply is not
// awaited.
const logoutBudget = 3 * time.Second

// imapMailboxStep is step 9 for IMAP: the delimiter (LIST "" ""), EXAMINE
// (read-only: no flag changes), the unseen count (ESEARCH COUNT, else
// SEARCH UNSEEN) and the oldest message's date (FETCH 1 INTERNALDATE), all
// pipelined in one round trip, also behind the CAPABILITY that imapclient
// sends when the sign-in reply carried none (see mailboxCaps). A folder that cannot be opened costs one
// more: LIST "" "*" for the suggestions.
func (r *runner) imapMailboxStep(c *imapclient.Client) error {
	name := r.in.EffectiveMailbox()
	return r.step(StepMailbox, "Open folder "+name, r.total, func(ctx context.Context, s *stepState) error {
		caps, known := r.mailboxCaps(c)
		list := c.List("", "", nil)
		// imapclient's Search waits for the capabilities; when they are on
		// their way, STATUS (UNSEEN), sent before EXAMINE so that it asks
		// about a mailbox not yet selected, counts the unseen messages in
		// the same round trip.
		var status *imapclient.StatusCommand
		if !known {
			status = c.Status(name, &imap.StatusOptions{NumUnseen: true})
		}
		sel := c.Select(name, &imap.SelectOptions{ReadOnly: true})
		unseenCrit := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
		var searchOpts *imap.SearchOptions
		if caps.Has(imap.CapESearch) || caps.Has(imap.CapIMAP4rev2) {
			searchOpts = &imap.SearchOptions{ReturnCount: true, ReturnMin: r.opts.Oldest}
		}
		var search *imapclient.SearchCommand
		if known {
			search = c.Search(unseenCrit, searchOpts)
		}
		fetch := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{InternalDate: true})

		var delim rune
		boxes, listErr := list.Collect()
		for _, b := range boxes {
			delim = safeDelim(b.Delim)
		}
		var statusData *imap.StatusData
		var statusErr error
		if status != nil {
			statusData, statusErr = status.Wait()
		}
		selData, selErr := sel.Wait()
		var searchData *imap.SearchData
		var searchErr error
		if search != nil {
			searchData, searchErr = search.Wait()
		}
		msgs, fetchErr := fetch.Collect()

		if selErr != nil {
			var ie *imap.Error
			if !errors.As(selErr, &ie) {
				return r.imapErr(fmt.Errorf("examine %q: %w", name, selErr))
			}
			fe := &FolderError{Name: name, Code: safetext.Clean(string(ie.Code)), Text: r.serverText(ie.Text), Separator: delim}
			all, err := c.List("", "*", nil).Collect()
			if err != nil {
				if !isIMAPError(err) {
					return r.imapErr(fmt.Errorf("list: %w", err))
				}
			}
			var names []string
			for _, b := range all {
				if d := safeDelim(b.Delim); d != 0 {
					fe.Separator = d
				}
				if hasAttr(b.Attrs, imap.MailboxAttrNoSelect) || hasAttr(b.Attrs, imap.MailboxAttrNonExistent) {
					if b.Mailbox == name {
						fe.NoSelect = true
					}
					continue
				}
				if safetext.IsClean(b.Mailbox) {
					// A name with controls is never offered: it could
					// not be typed into the config as it was shown.
					names = append(names, b.Mailbox)
				}
			}
			fe.Suggestions = suggestFolders(name, sortedUnique(names), fe.Separator)
			return fe
		}
		if listErr != nil && !isIMAPError(listErr) {
			return r.imapErr(fmt.Errorf("list: %w", listErr))
		}

		var parts []string
		parts = append(parts, plural(int64(selData.NumMessages), "message"))
		numMessages := int64(selData.NumMessages)
		r.figures.Messages = &numMessages
		var firstUnseen uint32
		switch {
		case status != nil && statusErr == nil && statusData.NumUnseen != nil:
			parts = append(parts, fmt.Sprintf("%d unseen", *statusData.NumUnseen))
			unseen := int64(*statusData.NumUnseen)
			r.figures.Unseen = &unseen
			if r.opts.Oldest && unseen > 0 {
				// Which one is the first: one round trip more, asked by
				// monitoring only.
				first, err := c.Search(unseenCrit, &imap.SearchOptions{ReturnMin: true}).Wait()
				if err != nil && !isIMAPError(err) {
					return r.imapErr(fmt.Errorf("search: %w", err))
				}
				if err == nil {
					firstUnseen = first.Min
					if firstUnseen == 0 {
						if nums := first.AllSeqNums(); len(nums) > 0 {
							firstUnseen = slices.Min(nums)
						}
					}
				}
			}
		case status != nil:
			if statusErr != nil && !isIMAPError(statusErr) {
				return r.imapErr(fmt.Errorf("status: %w", statusErr))
			}
			parts = append(parts, "unseen unknown")
		case searchErr != nil:
			if !isIMAPError(searchErr) {
				return r.imapErr(fmt.Errorf("search: %w", searchErr))
			}
			parts = append(parts, "unseen unknown")
		case searchOpts != nil:
			parts = append(parts, fmt.Sprintf("%d unseen", searchData.Count))
			unseen := int64(searchData.Count)
			r.figures.Unseen = &unseen
			firstUnseen = searchData.Min
		default:
			nums := searchData.AllSeqNums()
			parts = append(parts, fmt.Sprintf("%d unseen", len(nums)))
			unseen := int64(len(nums))
			r.figures.Unseen = &unseen
			if len(nums) > 0 {
				firstUnseen = slices.Min(nums)
			}
		}
		if fetchErr != nil && !isIMAPError(fetchErr) {
			return r.imapErr(fmt.Errorf("fetch: %w", fetchErr))
		}
		if selData.NumMessages > 0 && len(msgs) > 0 {
			if d := oldestDate(msgs[0]); !d.IsZero() {
				parts = append(parts, "oldest "+d.Format("2006-01-02"))
			}
		}
		if r.opts.Oldest && firstUnseen > 0 {
			// One round trip more, asked by monitoring only.
			m, err := c.Fetch(imap.SeqSetNum(firstUnseen), &imap.FetchOptions{InternalDate: true}).Collect()
			if err != nil && !isIMAPError(err) {
				return r.imapErr(fmt.Errorf("fetch: %w", err))
			}
			if len(m) > 0 {
				r.figures.Oldest = oldestDate(m[0])
			}
		}
		s.detail = fmt.Sprintf("%s: %s", name, strings.Join(parts, ", "))
		if delim != 0 {
			s.detail += fmt.Sprintf("; separator %q", string(delim))
		}
		return nil
	})
}

// imapLogoutStep is step 10 for IMAP: LOGOUT without waiting for the reply
// (no extra round trip), then close.
func (r *runner) imapLogoutStep(c *imapclient.Client) {
	_ = r.step(StepLogout, "Log out", min(logoutBudget, r.total), func(ctx context.Context, s *stepState) error {
		_ = c.Logout()
		s.detail = "LOGOUT sent"
		return nil
	})
}

func oldestDate(m *imapclient.FetchMessageBuffer) time.Time {
	if !m.InternalDate.IsZero() {
		return m.InternalDate
	}
	if m.Envelope != nil {
		return m.Envelope.Date
	}
	return time.Time{}
}

func isIMAPError(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
