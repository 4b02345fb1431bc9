package database_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
)

// TestSQLiteLockTimeoutNamesTheHolder: a writer that finds the file locked
// longer than its busy timeout gets an error naming the processes that have
// the file open (here, this test's own process).
func TestSQLiteLockTimeoutNamesTheHolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	holder, err := database.Open(ctx, database.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(holder)
	if err := holder.Exec("CREATE TABLE widgets (id integer)").Error; err != nil {
		t.Fatal(err)
	}
	tx := holder.Begin() // IMMEDIATE: takes the write lock now
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	// A second connection with a short busy timeout, so the test need not
	// wait database.LockTimeout.
	path := filepath.Join(dir, "warna.db")
	other, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=busy_timeout(100)&_txlock=immediate"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(other)
	err = other.Exec("INSERT INTO widgets VALUES (1)").Error
	if !database.IsLockTimeout(err) {
		t.Fatalf("write under a held lock: %v, want a lock timeout", err)
	}
	explained := database.ExplainLockTimeout(ctx, database.Options{DataDir: dir}, err)
	msg := explained.Error()
	for _, want := range []string{path, "stayed locked", fmt.Sprintf("pid %d", os.Getpid()), "this process"} {
		if !strings.Contains(msg, want) {
			t.Errorf("explanation %q does not mention %q", msg, want)
		}
	}
	if !errors.Is(explained, err) {
		t.Error("the explanation does not wrap the driver's error")
	}
	if other := errors.New("no such table"); database.ExplainLockTimeout(ctx, database.Options{DataDir: dir}, other) != other {
		t.Error("an error that is not a lock wait was changed")
	}
}

// TestPostgresLockTimeoutNamesTheHolder: with LockTimeout set, a statement
// waiting for a row another session holds fails, and the explanation names
// that session by its application name.
func TestPostgresLockTimeoutNamesTheHolder(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL only (set TEST_DATABASE_URL)")
	}
	ctx := context.Background()
	url := dbtest.URL(t)
	holder, err := database.Open(ctx, database.Options{URL: url, AppName: "warna lock holder test"})
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(holder)
	if err := holder.Exec("CREATE TABLE widgets (id integer PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	if err := holder.Exec("INSERT INTO widgets VALUES (1)").Error; err != nil {
		t.Fatal(err)
	}
	tx := holder.Begin()
	if err := tx.Exec("UPDATE widgets SET id = 1 WHERE id = 1").Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	waiter, err := database.Open(ctx, database.Options{URL: url, AppName: "warna test", LockTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(waiter)
	start := time.Now()
	err = waiter.Exec("UPDATE widgets SET id = 1 WHERE id = 1").Error
	if !database.IsLockTimeout(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("update of a locked row: %v after %v, want a lock timeout after 300 ms", err, time.Since(start))
	}
	msg := database.ExplainLockTimeout(ctx, database.Options{URL: url}, err).Error()
	if !strings.Contains(msg, "warna lock holder test") || !strings.Contains(msg, "UPDATE widgets") {
		t.Errorf("explanation %q does not name the holding session", msg)
	}
}

// TestMigrateWaitsForAnotherMigrationOnlyUntilCancelled: on PostgreSQL a
// second migrator waits for the first's lock, but gives up when its context
// ends instead of waiting forever.
func TestMigrateWaitsForAnotherMigrationOnlyUntilCancelled(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL only (set TEST_DATABASE_URL)")
	}
	db := dbtest.Open(t)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_lock(7424617)"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7424617)"); err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = database.Migrate(ctx, db, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "another process's migration") {
		t.Fatalf("migrate while another holds the lock: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %v, want soon after the context ended", took)
	}
}
