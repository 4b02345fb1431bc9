package database_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
)

type widget struct {
	ID   int64
	Name string
}

func TestMigrateRunsInOrderOnceAndIsIdempotent(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	var ran []string
	migrations := []database.Migration{
		{ID: "0001_widgets", Up: func(tx *gorm.DB) error { ran = append(ran, "0001"); return tx.AutoMigrate(&widget{}) }},
		{ID: "0002_seed", Up: func(tx *gorm.DB) error { ran = append(ran, "0002"); return tx.Create(&widget{Name: "first"}).Error }},
	}
	for range 2 {
		if err := database.Migrate(ctx, db, migrations); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if len(ran) != 2 || ran[0] != "0001" || ran[1] != "0002" {
		t.Errorf("ran %v, want [0001 0002] exactly once each", ran)
	}
	var n int64
	if err := db.Model(&widget{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("widgets = %d, want 1", n)
	}
	pending, err := database.Pending(ctx, db, migrations)
	if err != nil || len(pending) != 0 {
		t.Errorf("pending = %v, %v; want none", pending, err)
	}
}

func TestFailedMigrationLeavesNothingBehind(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	migrations := []database.Migration{
		{ID: "0001_widgets", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&widget{}) }},
		{ID: "0002_half", Up: func(tx *gorm.DB) error {
			if err := tx.Create(&widget{Name: "half"}).Error; err != nil {
				return err
			}
			return boom
		}},
	}
	if err := database.Migrate(ctx, db, migrations); !errors.Is(err, boom) {
		t.Fatalf("migrate: %v, want boom", err)
	}
	var n int64
	if err := db.Model(&widget{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("widgets after failed migration = %d, want 0", n)
	}
	pending, err := database.Pending(ctx, db, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0] != "0002_half" {
		t.Errorf("pending = %v, want [0002_half]", pending)
	}
}

func TestMigrateRejectsDuplicateIDs(t *testing.T) {
	db := dbtest.Open(t)
	noop := func(*gorm.DB) error { return nil }
	err := database.Migrate(context.Background(), db, []database.Migration{{ID: "a", Up: noop}, {ID: "a", Up: noop}})
	if err == nil {
		t.Fatal("duplicate migration ids accepted")
	}
}

func TestDialect(t *testing.T) {
	db := dbtest.Open(t)
	want := database.SQLite
	if dbtest.Postgres() {
		want = database.Postgres
	}
	if got := database.DialectOf(db); got != want {
		t.Errorf("dialect = %s, want %s", got, want)
	}
}

// TestReadThenWriteTransactionsWait proves that SQLite transactions begin
// IMMEDIATE: a transaction that reads, lets another writer try, and then
// writes must make the other wait rather than fail with "database is locked".
func TestReadThenWriteTransactionsWait(t *testing.T) {
	db := dbtest.Open(t, database.Migration{ID: "w", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&widget{}) }})
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started := make(chan struct{})
	trying := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var n int64
			if err := tx.Model(&widget{}).Count(&n).Error; err != nil {
				return err
			}
			close(started)
			<-trying
			// The other transaction has its connection and is beginning (no
			// signal says it is blocked inside BEGIN, so the pool's count of
			// connections in use is polled, with a deadline).
			deadline := time.Now().Add(10 * time.Second)
			for sqlDB.Stats().InUse < 2 {
				if time.Now().After(deadline) {
					return errors.New("the second transaction never took a connection")
				}
				runtime.Gosched()
			}
			return tx.Create(&widget{Name: "first"}).Error
		})
	}()
	<-started
	close(trying)
	errs <- db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&widget{}).Count(&n).Error; err != nil {
			return err
		}
		return tx.Create(&widget{Name: "second"}).Error
	})
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent read-then-write transaction failed: %v", err)
		}
	}
	var n int64
	if err := db.Model(&widget{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("widgets = %d, want 2", n)
	}
}
