package indexing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/warna/warna/search"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
)

// Follower keeps one backend in step with the catalogue. It starts from the
// database — a full load, or the position a durable backend stored — and
// then follows the catalogue's change log from its own cursor, loading the
// products each row names. The cursor moves only past changes the backend
// took: when the backend or the database fails, it retries the same rows
// with a growing pause, so an outage delays the index but loses nothing.
// Several processes on one database each run their own Follower and each
// keep a complete index.
type Follower struct {
	db      *gorm.DB
	backend search.Backend
	cursors CursorStore
	logger  *slog.Logger
	now     func() time.Time
	batch   int
	every   time.Duration
	metrics *Metrics

	ready chan struct{} // closed once the index is built

	mu       sync.Mutex
	cursor   catalog.ChangePosition
	started  bool
	progress [2]int // products loaded and to load while starting
	failures int    // consecutive failed rounds
}

// CursorStore keeps a durable backend's cursor between runs (Elasticsearch
// outlives the process; the embedded index does not and has none).
type CursorStore interface {
	// Load returns the stored position; ok is false when there is none and
	// the index must be built from the database.
	Load(ctx context.Context) (p catalog.ChangePosition, ok bool, err error)
	Save(ctx context.Context, p catalog.ChangePosition) error
}

// FollowerOptions tune a Follower; zero values take the defaults.
type FollowerOptions struct {
	// Cursors, when set, keeps the cursor across restarts; without it the
	// index is built from the database at every start.
	Cursors  CursorStore
	Batch    int           // change rows per round (default 500)
	Interval time.Duration // pause when the log has nothing new (default 500 ms)
	Logger   *slog.Logger
	Metrics  *Metrics
	Now      func() time.Time
}

// Backoff bounds.
const (
	backoffBase = 2 * time.Second
	backoffMax  = 5 * time.Minute
)

// NewFollower builds a follower; start it with Run.
func NewFollower(db *gorm.DB, backend search.Backend, opts FollowerOptions) *Follower {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Interval <= 0 {
		opts.Interval = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Follower{db: db, backend: backend, cursors: opts.Cursors, logger: opts.Logger, now: opts.Now,
		batch: opts.Batch, every: opts.Interval, metrics: opts.Metrics, ready: make(chan struct{})}
}

// Run starts the index and follows the change log until ctx ends; it
// returns nil then. Database statements are not cancelled with ctx (Run
// stops between rounds): interrupting SQLite mid-statement at shutdown gains
// nothing on a round this small, and the driver's interrupt can still be
// running when the database is closed right after.
func (f *Follower) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		wait := f.every
		if err := f.catchUp(ctx); err != nil && ctx.Err() == nil {
			wait = f.failed(err)
		}
		f.observeLag(context.WithoutCancel(ctx))
		timer.Reset(wait)
	}
}

// catchUp applies rounds until the log has nothing new.
func (f *Follower) catchUp(ctx context.Context) error {
	for ctx.Err() == nil {
		n, err := f.Step(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

func (f *Follower) failed(err error) time.Duration {
	f.mu.Lock()
	f.failures++
	n := f.failures
	f.mu.Unlock()
	f.metrics.indexError()
	wait := Backoff(n)
	f.logger.Warn("search index is not keeping up with the catalogue; will retry", "err", err, "attempt", n, "retry_in", wait)
	return wait
}

// Started reports whether the index has been filled and follows the log.
func (f *Follower) Started() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started
}

// Cursor is the position in the change log the index has caught up with.
func (f *Follower) Cursor() catalog.ChangePosition {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cursor
}

// outdatedBackend is a durable backend that knows its index was built with
// an older mapping (Elasticsearch after an upgrade).
type outdatedBackend interface{ Outdated() string }

func (f *Follower) start(ctx context.Context) error {
	if o, ok := f.backend.(outdatedBackend); ok && o.Outdated() != "" {
		return f.rebuild(ctx, "index "+o.Outdated()+" has an older mapping")
	}
	if f.cursors != nil {
		p, ok, err := f.cursors.Load(ctx)
		if err != nil {
			return fmt.Errorf("read the search index's position in the change log: %w", err)
		}
		if ok {
			f.logger.Info("search index follows the change log", "from", p.String())
			f.moveTo(p, true)
			return nil
		}
	}
	return f.rebuild(ctx, "start")
}

// rebuild fills the backend from the database and moves the cursor to the
// log's head read before the first product (changes after it are applied
// again: a change row means "look again", so that is harmless).
func (f *Follower) rebuild(ctx context.Context, reason string) error {
	began := f.now()
	f.logger.Info("building the search index from the database", "reason", reason)
	lastLog := began
	head, n, rejected, err := rebuildFromDatabase(ctx, f.db, f.backend, func(done, total int) {
		f.mu.Lock()
		f.progress = [2]int{done, total}
		f.mu.Unlock()
		if now := f.now(); now.Sub(lastLog) >= 2*time.Second || done == total {
			lastLog = now
			f.logger.Info("building the search index", "products", done, "of", total)
		}
	})
	if err != nil {
		return fmt.Errorf("build the search index from the database: %w", err)
	}
	if rejected > 0 {
		f.logger.Warn("the search index refused some products for good; they are recorded in search_rejections", "products", rejected)
	}
	if err := f.save(ctx, head); err != nil {
		return err
	}
	f.moveTo(head, true)
	f.metrics.rebuilt()
	f.logger.Info("search index built", "visible_products", n, "took", f.now().Sub(began).Round(time.Millisecond), "change_log", head.String())
	return nil
}

func (f *Follower) moveTo(p catalog.ChangePosition, started bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cursor, f.failures = p, 0
	if started && !f.started {
		f.started = true
		close(f.ready)
	}
}

func (f *Follower) save(ctx context.Context, p catalog.ChangePosition) error {
	if f.cursors == nil {
		return nil
	}
	if err := f.cursors.Save(context.WithoutCancel(ctx), p); err != nil {
		return fmt.Errorf("store the search index's position in the change log: %w", err)
	}
	return nil
}

// Step does one round of work and returns how many change rows it handled
// (0: nothing new). The first round starts the index; later ones apply at
// most a batch of the change log. A row asking for a rebuild, or a cursor
// the log was pruned past, rebuilds from the database.
func (f *Follower) Step(ctx context.Context) (int, error) {
	if !f.Started() {
		return 1, f.start(ctx)
	}
	dbCtx := context.WithoutCancel(ctx)
	from := f.Cursor()
	rows, err := catalog.ChangesAfter(dbCtx, f.db, from, f.batch)
	if err != nil {
		return 0, err
	}
	if stale, err := f.prunedPast(dbCtx, from); err != nil || stale {
		if err != nil {
			return 0, err
		}
		f.logger.Warn("the change log was pruned past this search index's position; rebuilding from the database", "position", from.String())
		return max(len(rows), 1), f.rebuild(ctx, "change log pruned")
	}
	if len(rows) == 0 {
		return 0, nil
	}
	ids := make([]int64, 0, len(rows))
	versions := make(map[int64]int64, len(rows))
	for _, r := range rows {
		if r.RebuildAll() {
			return len(rows), f.rebuild(ctx, "warna reindex")
		}
		if _, seen := versions[r.ProductID]; !seen {
			ids = append(ids, r.ProductID)
		}
		versions[r.ProductID] = max(versions[r.ProductID], ChangeVersion(r.Position()))
	}
	docs, gone, err := LoadDocuments(dbCtx, f.db, ids)
	if err != nil {
		return 0, err
	}
	for i := range docs {
		docs[i].Version = versions[docs[i].ID]
	}
	if err := f.apply(ctx, docs, gone, versions); err != nil {
		return 0, err
	}
	last := rows[len(rows)-1].Position()
	if err := f.save(ctx, last); err != nil {
		return 0, err
	}
	f.moveTo(last, false)
	f.metrics.indexed(len(docs), len(gone))
	return len(rows), nil
}

// prunedPast reports whether rows after p may have been pruned unread. It is
// asked after reading the rows, so a prune between the two shows here.
func (f *Follower) prunedPast(ctx context.Context, p catalog.ChangePosition) (bool, error) {
	pruned, err := catalog.PrunedThrough(ctx, f.db)
	if err != nil {
		return false, err
	}
	return p.Before(pruned), nil
}

// ChangeVersion is the version of a product snapshot loaded after reading
// the change log up to p: the transaction id on PostgreSQL (the log is in
// txid order, and a reader sees a txid only once every lower one has
// ended), the row id on SQLite. Any later change of the product has a
// higher one, so a shared index that keeps the highest version keeps the
// newest snapshot, whichever writer is slower.
func ChangeVersion(p catalog.ChangePosition) int64 {
	if p.Tx != 0 {
		return p.Tx
	}
	return p.ID
}

// versionedDeleter is a backend whose deletes carry the snapshot's version
// (Elasticsearch: a delete older than the stored document is no delete).
type versionedDeleter interface {
	DeleteVersions(ctx context.Context, versions map[int64]int64) error
}

func (f *Follower) apply(ctx context.Context, docs []search.Document, gone []int64, versions map[int64]int64) error {
	if len(docs) > 0 {
		if err := f.rejected(ctx, f.backend.Upsert(ctx, docs)); err != nil {
			return fmt.Errorf("index %d products: %w", len(docs), err)
		}
	}
	if len(gone) > 0 {
		var err error
		if vd, ok := f.backend.(versionedDeleter); ok {
			v := make(map[int64]int64, len(gone))
			for _, id := range gone {
				v[id] = versions[id]
			}
			err = vd.DeleteVersions(ctx, v)
		} else {
			err = f.backend.Delete(ctx, gone)
		}
		if err := f.rejected(ctx, err); err != nil {
			return fmt.Errorf("remove %d products: %w", len(gone), err)
		}
	}
	return nil
}

// rejected records and logs the documents a backend refused for good
// (they do not hold up the log) and returns any other error.
func (f *Follower) rejected(ctx context.Context, err error) error {
	var rej *search.RejectedError
	if !errors.As(err, &rej) {
		return err
	}
	if err := recordRejections(context.WithoutCancel(ctx), f.db, rej.Rejections, f.now()); err != nil {
		return err
	}
	for _, r := range rej.Rejections {
		f.logger.Warn("the search index refused a product; it is recorded in search_rejections and not retried until it changes",
			"product", r.ProductID, "status", r.Status, "reason", r.Reason)
	}
	f.metrics.refused(len(rej.Rejections))
	return nil
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
func LoadDocuments(ctx context.Context, db *gorm.DB, ids []int64) (docs []search.Document, gone []int64, err error) {
	products, err := catalog.ProductsForIndexByID(ctx, db, ids)
	if err != nil {
		return nil, nil, err
	}
	found := map[int64]bool{}
	for _, p := range products {
		found[p.ID] = true
		if !search.Visible(p) {
			gone = append(gone, p.ID)
			continue
		}
		d, err := search.BuildDocument(p)
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

// Lag counts the change rows after the cursor and the age of the first.
func (f *Follower) Lag(ctx context.Context) (Lag, error) {
	n, first, err := catalog.ChangeBacklog(ctx, f.db, f.Cursor())
	if err != nil {
		return Lag{}, err
	}
	lag := Lag{Rows: n}
	if !first.IsZero() {
		lag.Oldest = max(0, f.now().Sub(first))
	}
	return lag, nil
}

func (f *Follower) observeLag(ctx context.Context) {
	if f.metrics == nil || !f.Started() {
		return
	}
	lag, err := f.Lag(ctx)
	if err != nil {
		return
	}
	f.metrics.pending.Set(float64(lag.Rows))
	f.metrics.lag.Set(lag.Oldest.Seconds())
}

// MaxLag is the index lag from which the instance reports itself not ready.
const MaxLag = 10 * time.Minute

// Ready fails while the index is being built, when the backend does not
// answer, or when the index lags more than MaxLag behind the catalogue (for
// /readyz).
func (f *Follower) Ready(ctx context.Context) error {
	f.mu.Lock()
	started, progress := f.started, f.progress
	f.mu.Unlock()
	if !started {
		return fmt.Errorf("search index is being built from the database (%d of %d products)", progress[0], progress[1])
	}
	if err := f.backend.Ping(ctx); err != nil {
		return fmt.Errorf("search backend: %w", err)
	}
	lag, err := f.Lag(ctx)
	if err != nil {
		return err
	}
	if lag.Oldest > MaxLag {
		return fmt.Errorf("search index is %s behind (%d changes waiting)", lag.Oldest.Round(time.Second), lag.Rows)
	}
	return nil
}

// WaitStarted blocks until the index is built and follows the log, or ctx
// ends (for tools that need a full index before they go on).
func (f *Follower) WaitStarted(ctx context.Context) error {
	select {
	case <-f.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("search index not built yet: %w", ctx.Err())
	}
}

// Metrics are the follower's Prometheus metrics.
type Metrics struct {
	pending  prometheus.Gauge
	lag      prometheus.Gauge
	errors   prometheus.Counter
	upserts  prometheus.Counter
	deletes  prometheus.Counter
	rebuilds prometheus.Counter
	refusals prometheus.Counter
}

// NewMetrics registers the search metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pending:  prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "warna", Subsystem: "search", Name: "changes_pending", Help: "Catalogue change-log rows this process's index has not applied yet."}),
		lag:      prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "warna", Subsystem: "search", Name: "lag_seconds", Help: "Age of the oldest catalogue change this process's index has not applied yet."}),
		errors:   prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "index_errors_total", Help: "Failed indexing rounds (the changes are retried)."}),
		upserts:  prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "indexed_total", Help: "Product documents written to the index."}),
		deletes:  prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "removed_total", Help: "Products removed from the index."}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "rebuilds_total", Help: "Times the index was built from the database (start, warna reindex, pruned change log)."}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "warna", Subsystem: "search", Name: "refused_total", Help: "Product documents the index refused for good (recorded in search_rejections, not retried)."}),
	}
	reg.MustRegister(m.pending, m.lag, m.errors, m.upserts, m.deletes, m.rebuilds, m.refusals)
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

func (m *Metrics) refused(n int) {
	if m != nil {
		m.refusals.Add(float64(n))
	}
}

func (m *Metrics) rebuilt() {
	if m != nil {
		m.rebuilds.Inc()
	}
}
