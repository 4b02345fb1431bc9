// Package app wires Warna together: it opens the database, search and
// storage named by Config, builds the services and the web server, and owns
// the start and stop order.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/database"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web"
	"github.com/warna/warna/web/auth"
)

// App is a running Warna instance.
type App struct {
	cfg         Config
	logger      *slog.Logger
	db          *gorm.DB
	registry    *prometheus.Registry
	auth        *auth.Service
	affiliates  *affiliates.Service
	influencers *affiliates.Influencers
	ledger      *affiliates.Ledger
	orders      *orders.Service
	stats       *stats.Service
	catalog     *catalog.Catalog
	bulk        *bulk.Service
	media       *media.Local
	secretKey   string
	queue       *jobs.Queue
	server      *web.Server
	search      searchParts
	now         func() time.Time
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Migrations lists every schema step in the order they run.
func Migrations() []database.Migration {
	var all []database.Migration
	all = append(all, auth.Migrations()...)
	all = append(all, jobs.Migrations()...)
	all = append(all, catalog.Migrations()...)
	all = append(all, bulk.Migrations()...)
	all = append(all, orders.Migrations()...)
	all = append(all, affiliates.Migrations()...)
	all = append(all, stats.Migrations()...)
	return all
}

// OpenDatabase opens and migrates the configured database.
func OpenDatabase(ctx context.Context, cfg Config) (*gorm.DB, error) {
	db, err := database.Open(ctx, database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if err := database.Migrate(ctx, db, Migrations()); err != nil {
		_ = database.Close(db)
		return nil, err
	}
	return db, nil
}

// New opens everything the configuration names and builds the services. The
// caller must Close the App.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, logger: logger, registry: prometheus.NewRegistry(), now: time.Now}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	key, err := cfg.resolveSecretKey()
	if err != nil {
		return nil, err
	}
	a.secretKey = key
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.db = db
	if err := a.buildSearch(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	if err := a.build(); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build() error {
	a.auth = auth.NewService(a.db, a.now)
	workers := jobs.NewWorkers()
	river.AddWorker(workers, &expireSessionsWorker{auth: a.auth})
	var err error
	if a.media, err = media.NewLocal(filepath.Join(a.cfg.DataDir, "media")); err != nil {
		return err
	}
	queue, err := jobs.New(a.db, workers, jobs.Options{
		Workers: a.cfg.Workers, Logger: a.logger, Registerer: a.registry,
		Periodic: append(append(housekeepingJobs(), affiliates.PeriodicJobs()...), stats.PeriodicJobs()...),
	})
	if err != nil {
		return err
	}
	a.queue = queue
	a.catalog = catalog.New(a.db, a.media, queue, catalog.Options{Now: a.now, BaseURL: a.cfg.BaseURL, PaletteEngine: a.cfg.PaletteEngine})
	catalog.AddWorkers(workers, a.catalog)
	a.bulk = bulk.NewService(a.db, a.media, queue, a.catalog, bulk.Options{Now: a.now})
	bulk.AddWorkers(workers, a.bulk)
	a.registry.MustRegister(a.catalog.Pipeline.Collectors()...)

	aff, err := affiliates.NewService(a.db, affiliates.Options{Secret: a.secretKey, SpillDir: a.cfg.DataDir, Now: a.now, Logger: a.logger})
	if err != nil {
		return err
	}
	a.affiliates = aff
	a.influencers = affiliates.NewInfluencers(a.db, aff, a.media, a.now, a.logger)
	a.ledger = affiliates.NewLedger(a.db, a.now, a.logger)
	webhooks := orders.NewWebhooks(a.db, queue, a.now)
	a.orders = orders.NewService(a.db, affiliates.NewAttribution(aff, a.now), webhooks, a.now)
	a.stats = stats.NewService(a.db, a.now, a.logger)
	river.AddWorker(workers, &affiliates.ApproveDueWorker{Ledger: a.ledger})
	river.AddWorker(workers, orders.NewWebhookWorker(webhooks, false))
	river.AddWorker(workers, &stats.RefreshWorker{Stats: a.stats})
	a.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "warna_click_buffer_queued", Help: "Clicks waiting in memory to be stored.",
	}, func() float64 { return float64(aff.Clicks().Stats().Queued) }))

	server, err := web.New(web.Config{
		BaseURL:        a.cfg.BaseURL,
		TrustedProxies: a.cfg.TrustedProxies,
		Version:        a.cfg.Version,
		Commit:         a.cfg.Commit,
	}, web.Deps{
		Auth:        a.auth,
		Affiliates:  a.affiliates,
		Influencers: a.influencers,
		Ledger:      a.ledger,
		Carts:       orders.NewCarts(a.db, a.secretKey),
		Orders:      a.orders,
		Webhooks:    webhooks,
		Stats:       a.stats,
		Catalog:     a.catalog,
		Bulk:        a.bulk,
		Search:      a.search.service,
		Logger:      a.logger,
		Registry:    a.registry,
		Ready: []web.ReadyCheck{
			{Name: "database", Check: func(ctx context.Context) error { return database.Ping(ctx, a.db) }},
			{Name: "search", Check: a.search.indexer.Ready},
		},
	})
	if err != nil {
		return err
	}
	a.server = server
	return nil
}

// Handler exposes the HTTP handler (for tests that serve it themselves).
func (a *App) Handler() http.Handler { return a.server.Handler() }

// Run serves HTTP on the configured address and runs the background workers
// until ctx ends, then shuts down in order: HTTP first (finishing requests in
// flight), then workers and buffers. The database is closed by Close.
func (a *App) Run(ctx context.Context) error {
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set ADDR to another address): %w", a.cfg.Addr, err)
	}
	return a.Serve(ctx, l)
}

// Serve is Run on a listener the caller opened.
func (a *App) Serve(ctx context.Context, l net.Listener) error {
	if err := a.queue.Start(ctx); err != nil {
		_ = l.Close()
		return err
	}
	// The click recorder ends on Close (after HTTP), not when ctx ends, so
	// clicks of requests still in flight are stored.
	if err := a.affiliates.Start(context.WithoutCancel(ctx)); err != nil {
		_ = l.Close()
		return err
	}
	a.startIndexer(ctx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.server.Serve(l) }()
	a.logger.Info("warna is serving", "addr", l.Addr().String(), "url", a.cfg.BaseURL, "database", string(database.DialectOf(a.db)))

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("stop http: %w", err))
	}
	if err := a.affiliates.Close(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("flush clicks: %w", err))
	}
	if err := a.queue.Stop(shutdownCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("stop workers: %w", err))
	}
	a.stopIndexer()
	return runErr
}

// Close releases the search index, then the database. Call it after Run
// returns.
func (a *App) Close() error {
	a.stopIndexer()
	err := a.closeSearch()
	if a.db == nil {
		return err
	}
	return errors.Join(err, database.Close(a.db))
}
