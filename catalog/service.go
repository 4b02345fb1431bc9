package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/media"
)

// enqueuer is the part of jobs.Queue the catalogue needs: adding a job inside
// the transaction that creates its work.
type enqueuer interface {
	EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error
}

// Options tune a Service; zero fields take defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Limits bound uploaded and imported images; zero means imaging.DefaultLimits.
	Limits imaging.Limits
	// FetchTimeout bounds one image download during import; 0 means 10 s.
	FetchTimeout time.Duration
	// BaseURL is the site's public URL, used for media links in exports.
	BaseURL string
	// PaletteEngine selects the colour extraction engine; empty is imaging's default.
	PaletteEngine string
}

// Service owns shops, products, images and imports. Every merchant-facing
// method takes the acting user's id and only sees that user's shop.
type Service struct {
	db            *gorm.DB
	media         media.Store
	queue         enqueuer
	now           func() time.Time
	limits        imaging.Limits
	fetchTimeout  time.Duration
	baseURL       string
	paletteEngine string
	// outcomes counts processed images by outcome (ready, failed, reused).
	outcomes *prometheus.CounterVec
}

// NewService returns a catalogue service over db, storing files in store and
// enqueuing processing jobs on queue.
func NewService(db *gorm.DB, store media.Store, queue enqueuer, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limits.MaxBytes <= 0 {
		opts.Limits.MaxBytes = imaging.DefaultLimits.MaxBytes
	}
	if opts.Limits.MaxPixels <= 0 {
		opts.Limits.MaxPixels = imaging.DefaultLimits.MaxPixels
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 10 * time.Second
	}
	now := opts.Now
	return &Service{
		db: db, media: store, queue: queue,
		now:           func() time.Time { return now().UTC() },
		limits:        opts.Limits,
		fetchTimeout:  opts.FetchTimeout,
		baseURL:       strings.TrimRight(opts.BaseURL, "/"),
		paletteEngine: opts.PaletteEngine,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warna_images_processed_total",
			Help: "Product images processed, by outcome: ready (pipeline ran), reused (same file already processed), failed.",
		}, []string{"outcome"}),
	}
}

// Collectors are the catalogue's metrics, for the app's registry.
func (s *Service) Collectors() []prometheus.Collector { return []prometheus.Collector{s.outcomes} }

// Limits are the image limits uploads are checked against.
func (s *Service) Limits() imaging.Limits { return s.limits }

// Media is the store originals and thumbnails live in.
func (s *Service) Media() media.Store { return s.media }

// touch records in the outbox that a product changed, in the caller's
// transaction, so the search index catches up.
func (s *Service) touch(tx *gorm.DB, productID int64) error {
	now := s.now()
	return tx.Create(&OutboxEntry{ProductID: productID, CreatedAt: now, NextAttemptAt: now}).Error
}

// notFound turns gorm's "no row" into a domain not-found with msg.
func notFound(err error, msg string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fault.NotFoundf("%s", msg)
	}
	return err
}

// jsonString encodes v for a JSON text column.
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// MediaURL is the public address of a stored file.
func (s *Service) MediaURL(key string) string { return s.baseURL + "/media/" + key }

// OpenMedia opens a stored photo or thumbnail for serving and names its
// content type. Only images are served: import files share the store but are
// private to their merchant.
func (s *Service) OpenMedia(ctx context.Context, key string) (io.ReadCloser, string, error) {
	contentType := media.ContentType(key)
	if !media.ValidKey(key) || !strings.HasPrefix(contentType, "image/") {
		return nil, "", fault.NotFoundf("no such file")
	}
	f, err := s.media.Open(ctx, key)
	return f, contentType, err
}
