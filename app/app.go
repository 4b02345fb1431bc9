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
	"time"

	"github.com/warna/warna/search/indexing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/database"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/mail"
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
	webhooks    *orders.Webhooks
	stats       *stats.Service
	catalog     *catalog.Catalog
	bulk        *bulk.Service
	media       media.Store
	// bucket is the media store when MEDIA_URL names one (nil on disk).
	bucket    *media.S3
	secretKey string
	queue     *jobs.Queue
	server    *web.Server
	search    searchParts
	now       func() time.Time
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
	all = append(all, indexing.Migrations()...)
	all = append(all, idempotency.Migrations()...)
	return all
}

// databaseOptions are the database settings of cfg: a command-line tool
// waits at most database.LockTimeout for a lock on PostgreSQL too.
func databaseOptions(cfg Config) database.Options {
	opts := database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir}
	if cfg.Command != "" {
		opts.AppName = "warna " + cfg.Command
	}
	if cfg.Command != "" && cfg.Command != "serve" {
		opts.LockTimeout = database.LockTimeout
	}
	return opts
}

// ExplainLockTimeout turns a lock wait that ran out into an error naming
// what held the lock (see database.ExplainLockTimeout).
func ExplainLockTimeout(ctx context.Context, cfg Config, err error) error {
	if err == nil {
		return nil
	}
	return database.ExplainLockTimeout(ctx, databaseOptions(cfg), err)
}

// OpenDatabase opens and migrates the configured database.
func OpenDatabase(ctx context.Context, cfg Config) (*gorm.DB, error) {
	db, err := database.Open(ctx, databaseOptions(cfg))
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
		return nil, ExplainLockTimeout(ctx, cfg, err)
	}
	a.db = db
	if err := a.buildSearch(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	if err := a.build(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	a.auth = auth.NewService(a.db, a.now)
	workers := jobs.NewWorkers()
	river.AddWorker(workers, &expireSessionsWorker{auth: a.auth})
	river.AddWorker(workers, &pruneChangesWorker{db: a.db, now: a.now})
	keys := idempotency.New(a.db, idempotency.Options{Now: a.now})
	river.AddWorker(workers, &expireIdempotencyKeysWorker{keys: keys})
	instance, err := a.cfg.resolveInstanceID()
	if err != nil {
		return err
	}
	if err := a.openMedia(ctx); err != nil {
		return err
	}
	queue, err := jobs.New(a.db, workers, jobs.Options{
		Workers: a.cfg.Workers, Logger: a.logger, Registerer: a.registry,
		RescueAfter: a.cfg.JobRescueAfter, ID: instance,
		Periodic: append(append(housekeepingJobs(), affiliates.PeriodicJobs()...), stats.PeriodicJobs()...),
	})
	if err != nil {
		return err
	}
	a.queue = queue
	a.catalog = catalog.New(a.db, a.media, queue, catalog.Options{Now: a.now, BaseURL: a.cfg.BaseURL, PaletteEngine: a.cfg.PaletteEngine})
	catalog.AddWorkers(workers, a.catalog)
	a.bulk = bulk.NewService(a.db, a.media, queue, a.catalog, bulk.Options{Now: a.now, Logger: a.logger})
	bulk.AddWorkers(workers, a.bulk)
	a.registry.MustRegister(a.catalog.Pipeline.Collectors()...)

	aff, err := affiliates.NewService(a.db, affiliates.Options{Secret: a.secretKey, DataDir: a.cfg.DataDir, InstanceID: instance,
		Now: a.now, Logger: a.logger})
	if err != nil {
		return err
	}
	a.affiliates = aff
	a.influencers = affiliates.NewInfluencers(a.db, aff, a.media, a.now, a.logger)
	webhooks := orders.NewWebhooks(a.db, queue, orders.WebhookOptions{Now: a.now})
	a.webhooks = webhooks
	a.ledger = affiliates.NewLedger(a.db, webhooks, a.now, a.logger)
	a.orders = orders.NewService(a.db, affiliates.NewAttribution(aff, a.now), webhooks, a.now)
	a.stats = stats.NewService(a.db, a.now, a.logger)
	river.AddWorker(workers, &affiliates.ApproveDueWorker{Ledger: a.ledger})
	river.AddWorker(workers, orders.NewDeliveryWorker(webhooks, false))
	river.AddWorker(workers, &orders.LegacyWebhookWorker{Webhooks: webhooks})
	river.AddWorker(workers, &stats.RefreshWorker{Stats: a.stats})
	a.registry.MustRegister(aff.Clicks().Collectors()...)

	outbox, err := mail.Open(a.cfg.SMTPURL, a.cfg.DataDir, a.logger)
	if err != nil {
		return fmt.Errorf("SMTP_URL: %w", err)
	}
	server, err := web.New(web.Config{
		BaseURL:          a.cfg.BaseURL,
		Language:         a.cfg.Language,
		Secret:           a.secretKey,
		MetricsToken:     a.cfg.MetricsToken,
		MetricsElsewhere: a.cfg.MetricsAddr != "",
		TrustedProxies:   a.cfg.TrustedProxies,
		Version:          a.cfg.Version,
		Commit:           a.cfg.Commit,
		InstanceID:       instance,
	}, web.Deps{
		Auth:        a.auth,
		Recovery:    auth.NewRecovery(a.db, a.now),
		Mail:        outbox,
		Wishlists:   auth.NewWishlists(a.db, a.now),
		History:     orders.NewHistory(a.db),
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
		Idempotency: keys,
		Logger:      a.logger,
		Registry:    a.registry,
		Ready: []web.ReadyCheck{
			{Name: "database", Check: func(ctx context.Context) error { return database.Ping(ctx, a.db) }},
			{Name: "search", Check: a.search.follower.Ready},
			{Name: "media", Check: a.pingMedia},
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

// Serve is Run on a listener the caller opened. With METRICS_ADDR set it
// also serves /metrics there.
func (a *App) Serve(ctx context.Context, l net.Listener) error {
	metrics, err := a.listenMetrics()
	if err != nil {
		_ = l.Close()
		return err
	}
	if err := a.queue.Start(ctx); err != nil {
		_ = l.Close()
		if metrics != nil {
			_ = metrics.Close()
		}
		return err
	}
	// The click recorder ends on Close (after HTTP), not when ctx ends, so
	// clicks of requests still in flight are stored.
	if err := a.affiliates.Start(context.WithoutCancel(ctx)); err != nil {
		_ = l.Close()
		return err
	}
	a.startIndexer(ctx)
	serveErr := make(chan error, 2)
	go func() { serveErr <- a.server.Serve(l) }()
	metricsServer := &http.Server{Handler: a.server.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
	if metrics != nil {
		go func() {
			if err := metricsServer.Serve(metrics); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- fmt.Errorf("serve metrics: %w", err)
			}
		}()
		a.logger.Info("metrics are served on their own address", "addr", metrics.Addr().String())
	}
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
	if metrics != nil {
		if err := metricsServer.Shutdown(shutdownCtx); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("stop metrics: %w", err))
		}
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

// listenMetrics opens METRICS_ADDR, or returns nil when it is not set.
func (a *App) listenMetrics() (net.Listener, error) {
	if a.cfg.MetricsAddr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s (set METRICS_ADDR to another address): %w", a.cfg.MetricsAddr, err)
	}
	return l, nil
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
