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

// Options tune the catalogue's services; zero fields take defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Limits bound uploaded and imported images; zero means imaging.DefaultLimits.
	Limits imaging.Limits
	// BaseURL is the site's public URL, used for media links in exports.
	BaseURL string
	// PaletteEngine selects the colour extraction engine; empty is imaging's default.
	PaletteEngine string
}

// Catalog is the catalogue's services over one database and media store.
// Every merchant-facing method takes the acting user's id and only sees
// that user's shop.
type Catalog struct {
	Shops    *Shops
	Products *Products
	Images   *Images
	Pipeline *Pipeline
}

// New builds the catalogue's services over db, storing files in store and
// enqueuing processing jobs on queue.
func New(db *gorm.DB, store media.Store, queue enqueuer, opts Options) *Catalog {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limits.MaxBytes <= 0 {
		opts.Limits.MaxBytes = imaging.DefaultLimits.MaxBytes
	}
	if opts.Limits.MaxPixels <= 0 {
		opts.Limits.MaxPixels = imaging.DefaultLimits.MaxPixels
	}
	now := opts.Now
	b := &base{db: db, media: store, queue: queue, now: func() time.Time { return now().UTC() }}
	images := &Images{base: b, limits: opts.Limits, baseURL: strings.TrimRight(opts.BaseURL, "/")}
	return &Catalog{
		Shops:    &Shops{base: b},
		Products: &Products{base: b, images: images},
		Images:   images,
		Pipeline: &Pipeline{
			base: b, limits: opts.Limits, paletteEngine: opts.PaletteEngine,
			outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "warna_images_processed_total",
				Help: "Product images processed, by outcome: ready (pipeline ran), reused (same file already processed), failed.",
			}, []string{"outcome"}),
		},
	}
}

// base is what the catalogue's services share.
type base struct {
	db    *gorm.DB
	media media.Store
	queue enqueuer
	now   func() time.Time
}

// touch records in the change log that a product changed, in the caller's
// transaction, so every search index catches up.
func (s *base) touch(tx *gorm.DB, productID int64) error {
	return recordChange(tx, productID, s.now())
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
func (s *Images) MediaURL(key string) string { return s.baseURL + "/media/" + key }

// OpenMedia opens a stored photo or thumbnail for serving and names its
// content type. Only images are served: import files share the store but are
// private to their merchant.
func (s *Images) OpenMedia(ctx context.Context, key string) (io.ReadCloser, string, error) {
	contentType := media.ContentType(key)
	if !media.ValidKey(key) || !strings.HasPrefix(contentType, "image/") {
		return nil, "", fault.NotFoundf("no such file")
	}
	f, err := s.media.Open(ctx, key)
	return f, contentType, err
}
