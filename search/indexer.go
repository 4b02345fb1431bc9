package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
)

// Indexer drains the catalogue's outbox into a backend. Rows are deleted
// only after the backend took the change; when it fails they stay, with
// Attempts, LastError and a NextAttemptAt that backs off exponentially, so a
// backend outage delays the index but loses nothing.
type Indexer struct {
	db      *gorm.DB
	backend Backend
	logger  *slog.Logger
	now     func() time.Time
	batch   int
	every   time.Duration
	metrics *Metrics
	wake    chan struct{}
}

// IndexerOptions tune an Indexer; zero values take the defaults.
type IndexerOptions struct {
	Batch    int           // outbox rows per round (default 200)
	Interval time.Duration // pause when the outbox is empty (default 1 s)
	Logger   *slog.Logger
	Metrics  *Metrics
	Now      func() time.Time
}

// Backoff bounds.
const (
	backoffBase = 2 * time.Second
	backoffMax  = 5 * time.Minute
)

// NewIndexer builds an indexer; start it with Run.
func NewIndexer(db *gorm.DB, backend Backend, opts IndexerOptions) *Indexer {
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Indexer{db: db, backend: backend, logger: opts.Logger, now: opts.Now, batch: opts.Batch,
		every: opts.Interval, metrics: opts.Metrics, wake: make(chan struct{}, 1)}
}

// Wake asks a running indexer to look at the outbox now.
func (ix *Indexer) Wake() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// Run drains the outbox until ctx ends. It returns nil on cancellation.
func (ix *Indexer) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-ix.wake:
		}
		for ctx.Err() == nil {
			n, err := ix.DrainOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					ix.logger.Warn("search indexing failed; will retry", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		ix.observeLag(context.WithoutCancel(ctx)) // not interrupted, like DrainOnce
		timer.Reset(ix.every)
	}
}

// DrainOnce indexes one batch of due outbox rows and returns how many rows
// it handled. Its database statements are not cancelled with ctx (Run stops
// between batches): interrupting SQLite mid-statement at shutdown gains
// nothing on a batch this small, and the driver's interrupt can still be
// running when the database is closed right after (the race detector caught
// it in TestIndexerRunStopsWithContext).
func (ix *Indexer) DrainOnce(ctx context.Context) (int, error) {
	dbCtx := context.WithoutCancel(ctx)
	db := ix.db.WithContext(dbCtx)
	var rows []catalog.OutboxEntry
	if err := db.Where("next_attempt_at <= ?", ix.now().UTC()).Order("id").Limit(ix.batch).Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	rowIDs, productIDs := make([]int64, len(rows)), make([]int64, 0, len(rows))
	seen := map[int64]bool{}
	for i, r := range rows {
		rowIDs[i] = r.ID
		if !seen[r.ProductID] {
			seen[r.ProductID] = true
			productIDs = append(productIDs, r.ProductID)
		}
	}
	docs, gone, err := LoadDocuments(dbCtx, ix.db, productIDs)
	if err == nil {
		err = ix.apply(ctx, docs, gone)
	}
	if err != nil {
		ix.metrics.indexError()
		if ferr := ix.fail(ctx, rows, err); ferr != nil {
			return 0, errors.Join(err, ferr)
		}
		return 0, err
	}
	if err := db.Where("id IN ?", rowIDs).Delete(&catalog.OutboxEntry{}).Error; err != nil {
		return 0, fmt.Errorf("clear outbox: %w", err)
	}
	ix.metrics.indexed(len(docs), len(gone))
	return len(rows), nil
}

func (ix *Indexer) apply(ctx context.Context, docs []Document, gone []int64) error {
	if len(docs) > 0 {
		if err := ix.backend.Upsert(ctx, docs); err != nil {
			return fmt.Errorf("index %d products: %w", len(docs), err)
		}
	}
	if len(gone) > 0 {
		if err := ix.backend.Delete(ctx, gone); err != nil {
			return fmt.Errorf("remove %d products: %w", len(gone), err)
		}
	}
	return nil
}

// fail keeps the rows for a later attempt with exponential backoff.
func (ix *Indexer) fail(ctx context.Context, rows []catalog.OutboxEntry, cause error) error {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	now := ix.now().UTC()
	return ix.db.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			attempts := r.Attempts + 1
			err := tx.Model(&catalog.OutboxEntry{}).Where("id = ?", r.ID).Updates(map[string]any{
				"attempts": attempts, "next_attempt_at": now.Add(Backoff(attempts)), "last_error": msg,
			}).Error
			if err != nil {
				return fmt.Errorf("postpone outbox row %d: %w", r.ID, err)
			}
		}
		return nil
	})
}

// Backoff is the wait before attempt n+1: 2 s doubling, at most 5 minutes.
func Backoff(attempts int) time.Duration {
	d := backoffBase
	for i := 1; i < attempts && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// LoadDocuments builds the documents of the visible products among ids and
// lists the ids that must leave the index (hidden or deleted).
func LoadDocuments(ctx context.Context, db *gorm.DB, ids []int64) (docs []Document, gone []int64, err error) {
	var products []catalog.Product
	if err := db.WithContext(ctx).Preload("Images").Preload("Shop").Where("id IN ?", ids).Find(&products).Error; err != nil {
		return nil, nil, fmt.Errorf("load products: %w", err)
	}
	found := map[int64]bool{}
	for _, p := range products {
		found[p.ID] = true
		if !Visible(p) {
			gone = append(gone, p.ID)
			continue
		}
		d, err := BuildDocument(p)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, d)
	}
	for _, id := range ids {
		if !found[id] {
			gone = append(gone, id)
		}
	}
	return docs, gone, nil
}

// Lag is how far the index is behind the catalogue.
type Lag struct {
	Rows   int64
	Oldest time.Duration
}

// Lag reads the outbox size and the age of its oldest row.
func (ix *Indexer) Lag(ctx context.Context) (Lag, error) {
	var lag Lag
	db := ix.db.WithContext(ctx).Model(&catalog.OutboxEntry{})
	if err := db.Count(&lag.Rows).Error; err != nil {
		return Lag{}, fmt.Errorf("outbox size: %w", err)
	}
	if lag.Rows == 0 {
		return lag, nil
	}
	var oldest catalog.OutboxEntry
	if err := ix.db.WithContext(ctx).Order("id").Limit(1).Find(&oldest).Error; err != nil {
		return Lag{}, fmt.Errorf("oldest outbox row: %w", err)
	}
	if !oldest.CreatedAt.IsZero() {
		lag.Oldest = max(0, ix.now().Sub(oldest.CreatedAt))
	}
	return lag, nil
}

func (ix *Indexer) observeLag(ctx context.Context) {
	if ix.metrics == nil {
		return
	}
	lag, err := ix.Lag(ctx)
	if err != nil {
		return
	}
	ix.metrics.outboxRows.Set(float64(lag.Rows))
	ix.metrics.outboxLag.Set(lag.Oldest.Seconds())
}

// MaxLag is the index lag from which the instance reports itself not ready.
const MaxLag = 10 * time.Minute

// Ready fails when the backend does not answer or the index lags more than
// MaxLag behind the catalogue (for /readyz).
func (ix *Indexer) Ready(ctx context.Context) error {
	if err := ix.backend.Ping(ctx); err != nil {
		return fmt.Errorf("search backend: %w", err)
	}
	lag, err := ix.Lag(ctx)
	if err != nil {
		return err
	}
	if lag.Oldest > MaxLag {
		return fmt.Errorf("search index is %s behind (%d changes waiting)", lag.Oldest.Round(time.Second), lag.Rows)
	}
	return nil
}

// Metrics are the indexer's Prometheus metrics.
type Metrics struct {
	outboxRows prometheus.Gauge
	outboxLag  prometheus.Gauge
	errors     prometheus.Counter
	upserts    prometheus.Counter
	deletes    prometheus.Counter
}

// NewMetrics registers the search metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		outboxRows: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "warna", Subsystem: "search", Name: "outbox_rows", Help: "Product changes waiting to be indexed."}),
		outboxLag:  prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "warna", Subsystem: "search", Name: "outbox_lag_seconds", Help: "Age of the oldest product change not yet indexed."}),
		errors:     prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "index_errors_total", Help: "Failed indexing rounds (the changes are retried)."}),
		upserts:    prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "indexed_total", Help: "Product documents written to the index."}),
		deletes:    prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "removed_total", Help: "Products removed from the index."}),
	}
	reg.MustRegister(m.outboxRows, m.outboxLag, m.errors, m.upserts, m.deletes)
	return m
}

func (m *Metrics) indexError() {
	if m != nil {
		m.errors.Inc()
	}
}

func (m *Metrics) indexed(upserts, deletes int) {
	if m != nil {
		m.upserts.Add(float64(upserts))
		m.deletes.Add(float64(deletes))
	}
}
