package database

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Migration is one ordered, named schema step. Up runs inside a transaction
// together with the record that it ran, so a step is applied fully or not at
// all; IDs are never renamed once released.
type Migration struct {
	ID string
	Up func(tx *gorm.DB) error
	// OutsideTx runs Up on the plain connection pool instead, for steps that
	// manage their own transactions (River's migrator applies each of its
	// versions in its own; PostgreSQL forbids using an enum value in the
	// transaction that added it). Such a step must be idempotent itself.
	OutsideTx bool
}

// appliedMigration records a migration that has run.
type appliedMigration struct {
	ID        string `gorm:"primaryKey;size:200"`
	AppliedAt time.Time
}

func (appliedMigration) TableName() string { return "schema_migrations" }

// Migrate applies, in order, every migration that has not run yet. Running it
// again changes nothing. On PostgreSQL an advisory lock keeps concurrent
// instances from migrating at the same time; one waits at most two minutes
// for another's migration, then fails naming the session that holds it.
func Migrate(ctx context.Context, db *gorm.DB, migrations []Migration) error {
	if err := checkUnique(migrations); err != nil {
		return err
	}
	db = db.WithContext(ctx)
	if DialectOf(db) == Postgres {
		unlock, err := lockMigrations(ctx, db)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if err := db.AutoMigrate(&appliedMigration{}); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var done []string
	if err := db.Model(&appliedMigration{}).Pluck("id", &done).Error; err != nil {
		return fmt.Errorf("migrate: read applied: %w", err)
	}
	applied := make(map[string]bool, len(done))
	for _, id := range done {
		applied[id] = true
	}
	for _, m := range migrations {
		if applied[m.ID] {
			continue
		}
		if err := apply(db, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.ID, err)
		}
	}
	return nil
}

func apply(db *gorm.DB, m Migration) error {
	record := func(tx *gorm.DB) error {
		return tx.Create(&appliedMigration{ID: m.ID, AppliedAt: time.Now().UTC()}).Error
	}
	if m.OutsideTx {
		if err := m.Up(db); err != nil {
			return err
		}
		return record(db)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := m.Up(tx); err != nil {
			return err
		}
		return record(tx)
	})
}

// Pending lists the IDs of migrations that have not run yet.
func Pending(ctx context.Context, db *gorm.DB, migrations []Migration) ([]string, error) {
	var done []string
	if db.Migrator().HasTable(&appliedMigration{}) {
		if err := db.WithContext(ctx).Model(&appliedMigration{}).Pluck("id", &done).Error; err != nil {
			return nil, err
		}
	}
	applied := make(map[string]bool, len(done))
	for _, id := range done {
		applied[id] = true
	}
	var pending []string
	for _, m := range migrations {
		if !applied[m.ID] {
			pending = append(pending, m.ID)
		}
	}
	return pending, nil
}

func checkUnique(migrations []Migration) error {
	seen := make(map[string]bool, len(migrations))
	for _, m := range migrations {
		if seen[m.ID] {
			return fmt.Errorf("migrate: duplicate migration id %q", m.ID)
		}
		seen[m.ID] = true
	}
	return nil
}
