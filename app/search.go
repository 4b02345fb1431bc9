package app

import (
	"context"
	"encoding/pem"
	"fmt"
	"os"
	"sync"

	"github.com/warna/warna/search/indexing"

	"gorm.io/gorm"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/essearch"
)

// elasticsearchCursor names the Elasticsearch index's stored position in
// the change log.
const elasticsearchCursor = "elasticsearch"

// OpenSearch opens the configured search backend: Elasticsearch when
// ELASTICSEARCH_URL is set, else an empty embedded index that the follower
// builds from the database when the app starts serving.
func OpenSearch(ctx context.Context, cfg Config) (search.Backend, error) {
	if cfg.ElasticsearchURL != "" {
		opts := essearch.Options{URL: cfg.ElasticsearchURL, APIKey: cfg.ElasticsearchAPIKey}
		if cfg.ElasticsearchCAFile != "" {
			ca, err := os.ReadFile(cfg.ElasticsearchCAFile)
			if err != nil {
				return nil, fmt.Errorf("read ELASTICSEARCH_CA_FILE: %w", err)
			}
			if block, _ := pem.Decode(ca); block == nil || block.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("ELASTICSEARCH_CA_FILE %s holds no PEM certificate", cfg.ElasticsearchCAFile)
			}
			opts.CACert = ca
		}
		b, err := essearch.Open(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("open Elasticsearch (check ELASTICSEARCH_URL, ELASTICSEARCH_API_KEY and ELASTICSEARCH_CA_FILE): %w", err)
		}
		return b, nil
	}
	return embedded.New(), nil
}

// searchParts are the search backend, service and change-log follower of an
// App.
type searchParts struct {
	backend  search.Backend
	service  *search.Service
	follower *indexing.Follower
	stop     context.CancelFunc
	done     sync.WaitGroup
}

func (a *App) buildSearch(ctx context.Context) error {
	backend, err := OpenSearch(ctx, a.cfg)
	if err != nil {
		return err
	}
	opts := indexing.FollowerOptions{Logger: a.logger, Metrics: indexing.NewMetrics(a.registry), Now: a.now}
	if a.cfg.ElasticsearchURL != "" {
		opts.Cursors = indexing.NewDBCursor(a.db, elasticsearchCursor)
	}
	a.search.backend = backend
	if o, ok := backend.(interface{ Outdated() string }); ok && o.Outdated() != "" {
		a.logger.Warn("the search index was built by an older version of Warna; it is rebuilt from the database now (searches use the old one meanwhile)",
			"index", o.Outdated())
	}
	a.search.service = search.NewService(backend, search.Options{})
	a.search.follower = indexing.NewFollower(a.db, backend, opts)
	return nil
}

// startIndexer builds the index (embedded: from the database, with progress
// in the log) and follows the change log until stopIndexer.
func (a *App) startIndexer(ctx context.Context) {
	ctx, a.search.stop = context.WithCancel(context.WithoutCancel(ctx))
	a.search.done.Add(1)
	go func() {
		defer a.search.done.Done()
		_ = a.search.follower.Run(ctx)
	}()
}

// stopIndexer ends the follower and waits for its round in progress.
func (a *App) stopIndexer() {
	if a.search.stop != nil {
		a.search.stop()
		a.search.done.Wait()
	}
}

func (a *App) closeSearch() error {
	if a.search.backend == nil {
		return nil
	}
	return a.search.backend.Close()
}

// ReindexResult says what `warna reindex` did.
type ReindexResult struct {
	// Requested is true for the embedded index: every running server was
	// asked to rebuild its own from the database.
	Requested bool
	// Indexed counts the products visible to shoppers in a rebuilt
	// Elasticsearch index.
	Indexed int
}

// Reindex rebuilds the search index from the database. Elasticsearch is
// rebuilt here into a new index and swapped in; for the embedded index,
// which lives in each server's memory, it writes a rebuild request to the
// change log that every `warna serve` on this database follows. Neither
// needs a lock: searches keep answering meanwhile.
func Reindex(ctx context.Context, cfg Config, progress indexing.Progress) (ReindexResult, error) {
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return ReindexResult{}, ExplainLockTimeout(ctx, cfg, err)
	}
	defer closeDB(db)
	if cfg.ElasticsearchURL == "" {
		return ReindexResult{Requested: true}, ExplainLockTimeout(ctx, cfg, indexing.RequestRebuild(ctx, db))
	}
	backend, err := OpenSearch(ctx, cfg)
	if err != nil {
		return ReindexResult{}, err
	}
	defer backend.Close()
	n, err := indexing.Reindex(ctx, db, backend, progress)
	return ReindexResult{Indexed: n}, ExplainLockTimeout(ctx, cfg, err)
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}
