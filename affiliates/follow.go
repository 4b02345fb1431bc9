package affiliates

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/warna/warna/affiliates/clicklog"
)

// RefCookie is the first-party attribution cookie. Its value is the ids of
// the visitor's most recent clicks (newest first), signed so it cannot be
// forged.
const RefCookie = "warna_ref"

// maxRefClicks bounds how many recent clicks the cookie remembers.
const maxRefClicks = 5

// FollowInput is one request for /r/{code}.
type FollowInput struct {
	Code      string
	IP        string
	UserAgent string
	// PrevRef is the current attribution cookie value, if any.
	PrevRef string
}

// Follow is the answer to a link follow: where to send the browser and the
// attribution cookie to set.
type Follow struct {
	Location string
	ClickID  string
	Ref      string
	MaxAge   time.Duration
}

// Follow resolves a link code, appends the click to the click log and returns
// the redirect. The location is always a path on this site built from the
// link's target, never from the request. If the click cannot be appended
// (a full or failing disk), the visitor is still sent on but no click is
// kept and Ref is empty: no cookie may name a click that is not kept.
func (s *Service) Follow(ctx context.Context, in FollowInput) (Follow, error) {
	r, err := s.resolve(ctx, in.Code)
	if err != nil {
		return Follow{}, err
	}
	at := s.now()
	click := Click{
		ID:           clicklog.NewID(),
		LinkID:       r.LinkID,
		InfluencerID: r.InfluencerID,
		Visitor:      s.Visitor(in.IP, in.UserAgent, at),
		At:           at,
		UserAgent:    in.UserAgent,
	}
	if err := s.clicks.Record(&click); err != nil {
		s.logger.Error("click not recorded; redirecting without an attribution cookie", "link_id", r.LinkID, "err", err)
		return Follow{Location: r.Location, MaxAge: r.MaxAge}, nil
	}
	entries := []string{refEntry(&click)}
	for _, e := range s.refEntries(in.PrevRef) {
		if len(entries) == maxRefClicks {
			break
		}
		entries = append(entries, e)
	}
	return Follow{Location: r.Location, ClickID: click.ID, Ref: s.signer.signed("ref", strings.Join(entries, "~")), MaxAge: r.MaxAge}, nil
}

// Destination is where a link code leads, without recording a click: for
// visitors over the click rate limit, who still reach the page.
func (s *Service) Destination(ctx context.Context, code string) (string, error) {
	r, err := s.resolve(ctx, code)
	return r.Location, err
}

// RefClickIDs returns the click ids of a genuine attribution cookie value,
// newest first, or nil if the value was not made by this site.
func (s *Service) RefClickIDs(ref string) []string {
	clicks := s.refClicks(ref)
	if len(clicks) == 0 {
		return nil
	}
	ids := make([]string, len(clicks))
	for i, c := range clicks {
		ids[i] = c.ID
	}
	return ids
}

// Visitor is the pseudonymous visitor id of an IP and user agent on the day
// of at: HMAC(dailyKey, ip|ua) where dailyKey = HMAC(secret, yyyy-mm-dd UTC).
// The raw IP is never stored, and the same person gets an unrelated id the
// next day.
func (s *Service) Visitor(ip, userAgent string, at time.Time) string {
	return s.dailyKey(at.UTC().Format("2006-01-02")).sum(ip+"|", userAgent)
}

// dayKey is the visitor-hash key of one UTC day, with pooled HMAC states.
type dayKey struct {
	day string
	mac *macPool
}

// dailyKey returns the hasher keyed with HMAC(secret, day), made once per day.
func (s *Service) dailyKey(day string) *macPool {
	if k := s.visitorKey.Load(); k != nil && k.day == day {
		return k.mac
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("visitor-day\x00" + day))
	k := &dayKey{day: day, mac: newMacPool(m.Sum(nil))}
	s.visitorKey.Store(k)
	return k.mac
}
