package affiliates

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
)

// DefaultAttributionDays is the cookie lifetime for links not tied to one
// shop (collections and storefronts).
const DefaultAttributionDays = 30

// Options configure the service.
type Options struct {
	// Secret signs attribution cookies and derives the daily
	// visitor-hash key. It is the application's SECRET_KEY.
	Secret string
	// DataDir is the instance's data directory (DATA_DIR); the click log
	// lives in its clicklog folder.
	DataDir string
	// InstanceID names this instance's click log files (and their stored
	// positions); empty means "local". Instances sharing a database need
	// distinct ids.
	InstanceID string
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Clicks tune the click recorder; zero values take the defaults.
	Clicks clicklog.Options
}

// Service is influencers' tracked links: making and listing them, the /r
// redirect with its attribution cookie, and recording the clicks.
type Service struct {
	db     *gorm.DB
	secret []byte
	now    func() time.Time
	logger *slog.Logger
	links  *linkCache
	clicks *clicklog.Recorder
	// follow evicts cached links changed on other instances; stopFollow
	// ends it and followDone is closed when it has.
	follow     *linkChangeFollower
	stopFollow context.CancelFunc
	followDone chan struct{}
	signer     *macPool
	// visitorKey caches the current day's visitor-hash key.
	visitorKey atomic.Pointer[dayKey]
}

// NewService builds the service over db. Call Start before serving redirects
// and Close after the HTTP server has stopped.
func NewService(db *gorm.DB, opts Options) (*Service, error) {
	if len(opts.Secret) < 16 {
		return nil, errors.New("affiliates: secret must be at least 16 characters")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		db:     db,
		secret: []byte(opts.Secret),
		now:    utcClock(opts.Now),
		logger: opts.Logger,
		links:  newLinkCache(time.Minute, 50_000),
		signer: newMacPool([]byte(opts.Secret)),
	}
	ro := opts.Clicks
	if ro.Now == nil {
		ro.Now = s.now
	}
	if ro.Logger == nil {
		ro.Logger = opts.Logger
	}
	if opts.DataDir == "" {
		return nil, errors.New("affiliates: a data directory for the click log is required")
	}
	instance := opts.InstanceID
	if instance == "" {
		instance = "local"
	}
	rec, err := clicklog.New(db, filepath.Join(opts.DataDir, "clicklog"), instance, ro)
	if err != nil {
		return nil, err
	}
	s.clicks = rec
	s.follow = &linkChangeFollower{db: db, cache: s.links, now: s.now}
	return s, nil
}

// Start starts loading the click log into the database, beginning with what
// an earlier run left in it, and following the link change log.
func (s *Service) Start(ctx context.Context) error {
	followCtx, stop := context.WithCancel(ctx)
	s.stopFollow, s.followDone = stop, make(chan struct{})
	if err := s.follow.start(followCtx, s.followDone); err != nil {
		stop()
		return err
	}
	return s.clicks.Start(ctx)
}

// Close stops following the link change log and recording clicks, and
// loads the click log into the database.
func (s *Service) Close() error {
	if s.stopFollow != nil {
		s.stopFollow()
		<-s.followDone
	}
	return s.clicks.Close()
}

// ClickLag is how long ago the oldest click not yet in the database was
// made (0 when every click is stored): the dashboards' click counts lag by
// this much.
func (s *Service) ClickLag() time.Duration { return s.clicks.Lag() }

// Clicks exposes the recorder (for metrics and tests).
func (s *Service) Clicks() *clicklog.Recorder { return s.clicks }

// sign returns the HMAC-SHA256 of msg under the pool's key and a purpose,
// so that a signature made for one use is worthless for another.
func (p *macPool) sign(purpose, msg string) string {
	return p.sum(purpose+"\x00", msg)
}

// macPool reuses keyed HMAC-SHA256 states: the redirect signs a cookie and
// hashes a visitor on every request.
type macPool struct{ pool sync.Pool }

func newMacPool(key []byte) *macPool {
	return &macPool{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// sum returns the first 128 bits of HMAC(key, a‖b) in hex.
func (p *macPool) sum(a, b string) string {
	m := p.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(a))
	m.Write([]byte(b))
	var buf [sha256.Size]byte
	out := hex.EncodeToString(m.Sum(buf[:0])[:16])
	p.pool.Put(m)
	return out
}

// signed returns msg with its signature appended after a '.'.
func (p *macPool) signed(purpose, msg string) string { return msg + "." + p.sign(purpose, msg) }

// Ref is the attribution cookie value naming the given clicks, newest first,
// as Follow sets it.
func (s *Service) Ref(clickIDs ...string) string {
	return s.signer.signed("ref", strings.Join(clickIDs, "~"))
}

// verify returns the message of a value made by signed, or false if the
// signature does not match.
func (p *macPool) verify(purpose, value string) (string, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	msg, sig := value[:i], value[i+1:]
	return msg, hmac.Equal([]byte(sig), []byte(p.sign(purpose, msg)))
}

// currentRate is the rate a product earns today and where it comes from.
func currentRate(shop catalog.Shop, p catalog.Product) (int, RateSource) {
	if p.CommissionBps != nil {
		return *p.CommissionBps, RateProductOverride
	}
	return shop.DefaultCommissionBps, RateShopDefault
}

func ptr[T any](v T) *T { return &v }

// utcClock returns now in UTC, time.Now when now is nil.
func utcClock(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().UTC() }
}
