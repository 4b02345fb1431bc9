// Package dbtest gives each test a fresh, real database: an SQLite file in the
// test's temporary directory always, or a scratch schema on the PostgreSQL
// server named by TEST_DATABASE_URL when that variable is set.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// Open returns an empty database with the given migrations applied. It is
// closed (and a Postgres scratch schema dropped) when the test ends.
func Open(t testing.TB, migrations ...database.Migration) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	opts := database.Options{DataDir: t.TempDir()}
	var dropSchema func()
	if base := os.Getenv("TEST_DATABASE_URL"); base != "" {
		opts.URL, dropSchema = scratchSchema(t, base)
	}
	db, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		_ = database.Close(db)
		if dropSchema != nil {
			dropSchema()
		}
	})
	if err := database.Migrate(ctx, db, migrations); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// URL returns a database URL for code that opens its own connection: empty
// (the embedded SQLite database) normally, or a fresh scratch schema on the
// TEST_DATABASE_URL server, dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return ""
	}
	u, drop := scratchSchema(t, base)
	t.Cleanup(drop)
	return u
}

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// scratchSchema creates a uniquely named schema and returns a URL whose
// search_path points at it, plus a function that drops it.
func scratchSchema(t testing.TB, base string) (string, func()) {
	t.Helper()
	admin, err := database.Open(context.Background(), database.Options{URL: base})
	if err != nil {
		t.Fatalf("open TEST_DATABASE_URL: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create scratch schema: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_ = admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		_ = database.Close(admin)
	}
}
