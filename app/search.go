package app

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"gorm.io/gorm"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/essearch"
)

// OpenSearch opens the configured search backend: Elasticsearch when
// ELASTICSEARCH_URL is set, else the embedded index in DATA_DIR/search.
func OpenSearch(ctx context.Context, cfg Config) (search.Backend, error) {
	if cfg.ElasticsearchURL != "" {
		b, err := essearch.Open(ctx, essearch.Options{URL: cfg.ElasticsearchURL})
		if err != nil {
			return nil, fmt.Errorf("open Elasticsearch (check ELASTICSEARCH_URL): %w", err)
		}
		return b, nil
	}
	return embedded.Open(filepath.Join(cfg.DataDir, "search"))
}

// searchParts are the search backend, service and indexer of an App.
type searchParts struct {
	backend search.Backend
	service *search.Service
	indexer *search.Indexer
	stop    context.CancelFunc
	done    sync.WaitGroup
}

func (a *App) buildSearch(ctx context.Context) error {
	backend, err := OpenSearch(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.search.backend = backend
	a.search.service = search.NewService(backend, search.Options{})
	a.search.indexer = search.NewIndexer(a.db, backend, search.IndexerOptions{
		Logger: a.logger, Metrics: search.NewMetrics(a.registry), Now: a.now,
	})
	return nil
}

// startIndexer runs the outbox indexer until stopIndexer.
func (a *App) startIndexer(ctx context.Context) {
	ctx, a.search.stop = context.WithCancel(context.WithoutCancel(ctx))
	a.search.done.Add(1)
	go func() {
		defer a.search.done.Done()
		_ = a.search.indexer.Run(ctx)
	}()
}

// stopIndexer ends the indexer and waits for its round in progress.
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

// Reindex rebuilds the search index from the database and swaps it in.
func Reindex(ctx context.Context, cfg Config, progress search.Progress) (int, error) {
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer closeDB(db)
	backend, err := OpenSearch(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer backend.Close()
	return search.Reindex(ctx, db, backend, progress)
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}
