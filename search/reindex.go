package search

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
)

// Progress is told how many products of total a long job has handled.
type Progress func(done, total int)

// Reindex rebuilds the backend's index from the database and swaps it in;
// searches use the old index meanwhile. Products that change while it runs
// are queued again in the outbox afterwards so the indexer catches them up.
func Reindex(ctx context.Context, db *gorm.DB, backend Backend, progress Progress) (int, error) {
	started := time.Now().UTC()
	var total int64
	if err := db.WithContext(ctx).Model(&catalog.Product{}).Count(&total).Error; err != nil {
		return 0, fmt.Errorf("count products: %w", err)
	}
	indexed, done := 0, 0
	err := backend.Rebuild(ctx, func(put func([]Document) error) error {
		var lastID int64
		for {
			var ids []int64
			if err := db.WithContext(ctx).Model(&catalog.Product{}).Where("id > ?", lastID).Order("id").Limit(500).Pluck("id", &ids).Error; err != nil {
				return fmt.Errorf("list products: %w", err)
			}
			if len(ids) == 0 {
				return nil
			}
			lastID = ids[len(ids)-1]
			docs, _, err := LoadDocuments(ctx, db, ids)
			if err != nil {
				return err
			}
			if err := put(docs); err != nil {
				return err
			}
			indexed += len(docs)
			done += len(ids)
			if progress != nil {
				progress(done, int(total))
			}
		}
	})
	if err != nil {
		return indexed, err
	}
	return indexed, requeueChangedSince(ctx, db, started.Add(-time.Second))
}

// requeueChangedSince writes outbox rows for products edited during a
// rebuild: the rebuild may have read them before the edit.
func requeueChangedSince(ctx context.Context, db *gorm.DB, since time.Time) error {
	var ids []int64
	if err := db.WithContext(ctx).Model(&catalog.Product{}).Where("updated_at >= ?", since).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("find products changed during reindex: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]catalog.OutboxEntry, len(ids))
	for i, id := range ids {
		rows[i] = catalog.OutboxEntry{ProductID: id, CreatedAt: now, NextAttemptAt: now}
	}
	if err := db.WithContext(ctx).CreateInBatches(rows, 200).Error; err != nil {
		return fmt.Errorf("queue products changed during reindex: %w", err)
	}
	return nil
}
