package affiliates

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
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

// Follow resolves a link code, records the click off the request path and
// returns the redirect. The location is always a path on this site built from
// the link's target, never from the request.
func (s *Service) Follow(ctx context.Context, in FollowInput) (Follow, error) {
	r, err := s.resolve(ctx, in.Code)
	if err != nil {
		return Follow{}, err
	}
	at := s.now()
	click := Click{
		ID:           newClickID(),
		LinkID:       r.LinkID,
		InfluencerID: r.InfluencerID,
		Visitor:      s.Visitor(in.IP, in.UserAgent, at),
		At:           at,
		UserAgent:    in.UserAgent,
	}
	s.clicks.Record(click)
	ids := []string{click.ID}
	for _, id := range s.RefClickIDs(in.PrevRef) {
		if len(ids) == maxRefClicks {
			break
		}
		ids = append(ids, id)
	}
	return Follow{Location: r.Location, ClickID: click.ID, Ref: s.signed("ref", strings.Join(ids, "~")), MaxAge: r.MaxAge}, nil
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
	if ref == "" {
		return nil
	}
	msg, ok := s.verify("ref", ref)
	if !ok || msg == "" {
		return nil
	}
	ids := strings.Split(msg, "~")
	if len(ids) > maxRefClicks {
		ids = ids[:maxRefClicks]
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

// newClickID returns a 128-bit id in hex: 48 bits of milliseconds then 80
// random bits. Ids made later sort later, so inserts append to the primary
// key index instead of landing at random places in it.
func newClickID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// botMarkers are lower-case user-agent fragments of crawlers, link
// previewers and scripted clients.
var botMarkers = []string{
	"bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "headless", "curl/", "wget/",
	"python-requests", "python-urllib", "go-http-client", "okhttp", "java/", "libwww", "httpclient", "scrapy",
	"phantomjs", "lighthouse", "pingdom", "monitor",
}

// isBot reports whether a user agent belongs to a bot (or is missing).
func isBot(userAgent string) bool {
	if strings.TrimSpace(userAgent) == "" {
		return true
	}
	ua := strings.ToLower(userAgent)
	for _, m := range botMarkers {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}
