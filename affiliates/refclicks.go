package affiliates

import (
	"strconv"
	"strings"
	"time"

	"github.com/warna/warna/affiliates/clicklog"
)

// A click is answered before it is stored: it waits in the click log of the
// instance that answered it, and reaches the database in the next batch.
// Prepare settles this instance's log before an order, but the shopper's
// next request may reach another instance (behind a load balancer, within
// milliseconds), whose database does not have the click yet. So the
// attribution cookie carries, with each click id, what the rule needs from
// the click — its link and time — signed with the rest of the cookie: an
// order on any instance is attributed to a click not stored yet as to a
// valid one. Bot clicks (by user agent) carry only their id, so they are
// never credited from the cookie; a repeat click (judged only when stored)
// is of the same link as the valid click it repeats, so crediting it pays
// the same influencer for the same link.

// refClick is one click an attribution cookie names.
type refClick struct {
	ID     string
	LinkID int64     // 0: not carried (an older cookie, or a bot's click)
	At     time.Time // zero when LinkID is 0
}

// refEntry is a click as the cookie carries it: ID, or ID:LINK:AT with the
// link id and the time in Unix milliseconds, both base 36.
func refEntry(c *Click) string {
	if clicklog.IsBot(c.UserAgent) {
		return c.ID
	}
	return c.ID + ":" + strconv.FormatInt(c.LinkID, 36) + ":" + strconv.FormatInt(c.At.UnixMilli(), 36)
}

// parseRefEntry reads an entry made by refEntry.
func parseRefEntry(e string) refClick {
	id, rest, ok := strings.Cut(e, ":")
	if !ok {
		return refClick{ID: e}
	}
	link, at, ok := strings.Cut(rest, ":")
	linkID, err1 := strconv.ParseInt(link, 36, 64)
	ms, err2 := strconv.ParseInt(at, 36, 64)
	if !ok || err1 != nil || err2 != nil || linkID <= 0 {
		return refClick{ID: id}
	}
	return refClick{ID: id, LinkID: linkID, At: time.UnixMilli(ms).UTC()}
}

// refEntries returns the entries of a genuine attribution cookie value,
// newest first, or nil if the value was not made by this site.
func (s *Service) refEntries(ref string) []string {
	if ref == "" {
		return nil
	}
	msg, ok := s.signer.verify("ref", ref)
	if !ok || msg == "" {
		return nil
	}
	entries := strings.Split(msg, "~")
	if len(entries) > maxRefClicks {
		entries = entries[:maxRefClicks]
	}
	return entries
}

// refClicks returns the clicks a genuine attribution cookie names, newest
// first.
func (s *Service) refClicks(ref string) []refClick {
	entries := s.refEntries(ref)
	out := make([]refClick, len(entries))
	for i, e := range entries {
		out[i] = parseRefEntry(e)
	}
	return out
}
