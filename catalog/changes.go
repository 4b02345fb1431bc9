package catalog

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// The change log. Every transaction that changes a product, its images or
// its palette appends a row naming the product (touch); nothing else writes
// it. Readers (each search index, each with its own cursor) follow it in
// Position order and load the products it names from the database, which
// stays the truth: a row says "look again", never what changed.
//
// Order. On SQLite one writer at a time assigns ids, so ids are in commit
// order and a reader that has seen id n will never see a new row below it.
// On PostgreSQL ids come from a sequence and commit out of order, so each row
// also records its transaction id (txid) and the log is read in (txid, id)
// order, only up to the oldest transaction still running
// (pg_snapshot_xmin): everything below that has committed or rolled back,
// so no row can appear later behind a reader's cursor.
//
// Pruning. PruneChanges deletes the rows written more than ChangeRetention
// ago and records the position it deleted through (PrunedThrough). A reader
// whose cursor is behind that position may have missed rows, so it rebuilds
// from the database instead of trusting the log. A running server follows
// within seconds, so only a process stopped for longer than the retention (or
// a transaction open that long) pays for a rebuild.

// ChangeRetention is how long change rows are kept.
const ChangeRetention = 24 * time.Hour

// Change is one row of the log: ProductID changed; ProductID 0 asks every
// reader to rebuild from the database (`warna reindex`).
type Change struct {
	ID int64 `gorm:"primaryKey"`
	// Tx is the PostgreSQL transaction that wrote the row (0 on SQLite);
	// the database fills it in.
	Tx        int64 `gorm:"column:txid;->"`
	ProductID int64
	CreatedAt time.Time
}

// TableName implements gorm's Tabler.
func (Change) TableName() string { return "catalog_changes" }

// Position returns where the row stands in the log.
func (c Change) Position() ChangePosition { return ChangePosition{Tx: c.Tx, ID: c.ID} }

// RebuildAll reports whether the row asks for a rebuild from the database.
func (c Change) RebuildAll() bool { return c.ProductID == 0 }

// ChangePosition is a place in the change log; the zero value is its start.
type ChangePosition struct {
	Tx int64 `json:"tx"`
	ID int64 `json:"id"`
}

// Before reports whether p comes before q in the log.
func (p ChangePosition) Before(q ChangePosition) bool {
	return p.Tx < q.Tx || (p.Tx == q.Tx && p.ID < q.ID)
}

func (p ChangePosition) String() string { return fmt.Sprintf("%d/%d", p.Tx, p.ID) }

// changesPruned is the one row saying how far PruneChanges has deleted.
type changesPruned struct {
	ID       int   `gorm:"primaryKey"`
	Tx       int64 `gorm:"column:txid;not null"`
	ChangeID int64 `gorm:"not null"`
}

func (changesPruned) TableName() string { return "catalog_changes_pruned" }

// recordChange appends a change row in the caller's transaction.
func recordChange(tx *gorm.DB, productID int64, now time.Time) error {
	return tx.Create(&Change{ProductID: productID, CreatedAt: now}).Error
}

// RequestRebuild appends a row that makes every reader of the log rebuild
// its index from the database.
func RequestRebuild(ctx context.Context, db *gorm.DB, now time.Time) error {
	if err := recordChange(db.WithContext(ctx), 0, now.UTC()); err != nil {
		return fmt.Errorf("request a search rebuild: %w", err)
	}
	return nil
}

// LogChanges appends a row for each product, in one transaction (search
// uses it to have products looked at again).
func LogChanges(ctx context.Context, db *gorm.DB, productIDs []int64, now time.Time) error {
	if len(productIDs) == 0 {
		return nil
	}
	rows := make([]Change, len(productIDs))
	for i, id := range productIDs {
		rows[i] = Change{ProductID: id, CreatedAt: now.UTC()}
	}
	if err := db.WithContext(ctx).CreateInBatches(rows, 500).Error; err != nil {
		return fmt.Errorf("log product changes: %w", err)
	}
	return nil
}

// settled restricts a query to rows no running transaction can still add
// below (see the package comment on order).
func settled(db *gorm.DB) *gorm.DB {
	if database.DialectOf(db) == database.Postgres {
		return db.Where("txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
	}
	return db
}

func after(db *gorm.DB, p ChangePosition) *gorm.DB {
	return db.Where("txid > ? OR (txid = ? AND id > ?)", p.Tx, p.Tx, p.ID)
}

// ChangesAfter reads up to limit settled rows after p, in log order.
func ChangesAfter(ctx context.Context, db *gorm.DB, p ChangePosition, limit int) ([]Change, error) {
	var rows []Change
	q := settled(after(db.WithContext(ctx).Model(&Change{}), p))
	if err := q.Order("txid, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read the change log: %w", err)
	}
	return rows, nil
}

// ChangeHead is the position of the last settled row (or of the last pruned
// one, when the log is empty): a reader that loads every product after
// reading it and then follows from it misses nothing.
func ChangeHead(ctx context.Context, db *gorm.DB) (ChangePosition, error) {
	var rows []Change
	if err := settled(db.WithContext(ctx).Model(&Change{})).Order("txid DESC, id DESC").Limit(1).Find(&rows).Error; err != nil {
		return ChangePosition{}, fmt.Errorf("read the change log: %w", err)
	}
	pruned, err := PrunedThrough(ctx, db)
	if err != nil {
		return ChangePosition{}, err
	}
	if len(rows) > 0 && pruned.Before(rows[0].Position()) {
		return rows[0].Position(), nil
	}
	return pruned, nil
}

// PrunedThrough is the last position PruneChanges deleted.
func PrunedThrough(ctx context.Context, db *gorm.DB) (ChangePosition, error) {
	var rows []changesPruned
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return ChangePosition{}, fmt.Errorf("read how far the change log is pruned: %w", err)
	}
	if len(rows) == 0 {
		return ChangePosition{}, nil
	}
	return ChangePosition{Tx: rows[0].Tx, ID: rows[0].ChangeID}, nil
}

// ChangeBacklog counts the rows after p and the creation time of the first.
func ChangeBacklog(ctx context.Context, db *gorm.DB, p ChangePosition) (int64, time.Time, error) {
	var n int64
	if err := after(db.WithContext(ctx).Model(&Change{}), p).Count(&n).Error; err != nil {
		return 0, time.Time{}, fmt.Errorf("count the change log: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	var first []Change
	if err := after(db.WithContext(ctx).Model(&Change{}), p).Order("txid, id").Limit(1).Find(&first).Error; err != nil {
		return 0, time.Time{}, fmt.Errorf("read the change log: %w", err)
	}
	if len(first) == 0 { // pruned meanwhile
		return n, time.Time{}, nil
	}
	return n, first[0].CreatedAt, nil
}

// PruneChanges deletes the rows created before cutoff (and any row before
// the last of them in log order) and moves PrunedThrough up to it, in one
// transaction. It returns how many rows it deleted.
func PruneChanges(ctx context.Context, db *gorm.DB, cutoff time.Time) (int64, error) {
	var deleted int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last []Change
		if err := tx.Where("created_at < ?", cutoff.UTC()).Order("txid DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		if len(last) == 0 {
			return nil
		}
		p := last[0].Position()
		res := tx.Where("txid < ? OR (txid = ? AND id <= ?)", p.Tx, p.Tx, p.ID).Delete(&Change{})
		if res.Error != nil {
			return res.Error
		}
		deleted = res.RowsAffected
		return tx.Model(&changesPruned{}).Where("id = 1 AND (txid < ? OR (txid = ? AND change_id < ?))", p.Tx, p.Tx, p.ID).
			Updates(map[string]any{"txid": p.Tx, "change_id": p.ID}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("prune the change log: %w", err)
	}
	return deleted, nil
}

// changeLogMigration creates the change log, carries over the products the
// outbox it replaces still had waiting, and drops the outbox.
func changeLogMigration(tx *gorm.DB) error {
	var ddl []string
	if database.DialectOf(tx) == database.Postgres {
		ddl = []string{
			`CREATE TABLE catalog_changes (
				id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
				txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
				product_id bigint NOT NULL,
				created_at timestamptz NOT NULL)`,
		}
	} else {
		// AUTOINCREMENT: ids never go back, even after every row is pruned.
		ddl = []string{
			`CREATE TABLE catalog_changes (
				id integer PRIMARY KEY AUTOINCREMENT,
				txid integer NOT NULL DEFAULT 0,
				product_id integer NOT NULL,
				created_at datetime NOT NULL)`,
		}
	}
	ddl = append(ddl,
		`CREATE INDEX idx_catalog_changes_position ON catalog_changes (txid, id)`,
		`CREATE INDEX idx_catalog_changes_created_at ON catalog_changes (created_at)`,
		`CREATE TABLE catalog_changes_pruned (id integer PRIMARY KEY, txid bigint NOT NULL, change_id bigint NOT NULL)`,
		`INSERT INTO catalog_changes_pruned (id, txid, change_id) VALUES (1, 0, 0)`,
	)
	for _, stmt := range ddl {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	if !tx.Migrator().HasTable("outbox") {
		return nil
	}
	if err := tx.Exec(`INSERT INTO catalog_changes (product_id, created_at)
		SELECT product_id, MIN(created_at) FROM outbox GROUP BY product_id ORDER BY MIN(id)`).Error; err != nil {
		return err
	}
	return tx.Migrator().DropTable("outbox")
}
