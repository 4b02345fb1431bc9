// Package database opens Warna's relational store — an embedded SQLite file by
// default, PostgreSQL when a postgres:// URL is configured — and runs the
// ordered schema migrations that each domain package contributes.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine behind a *gorm.DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf reports the engine of an open database.
func DialectOf(db *gorm.DB) Dialect {
	if db.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Options say which database to open.
type Options struct {
	// URL is empty for the embedded SQLite file, or a postgres:// URL.
	URL string
	// DataDir holds the SQLite file when URL is empty.
	DataDir string
	// Logger receives slow-query and error logs; nil silences gorm.
	Logger logger.Interface
	// AppName names the process to PostgreSQL (application_name), so that
	// a lock report says who holds a lock.
	AppName string
	// LockTimeout, when set, bounds every PostgreSQL lock wait
	// (lock_timeout; the command-line tools set LockTimeout). SQLite always
	// waits at most LockTimeout.
	LockTimeout time.Duration
}

// Open connects to the configured database and checks that it answers.
func Open(ctx context.Context, opts Options) (*gorm.DB, error) {
	dialector, err := dialectorFor(opts)
	if err != nil {
		return nil, err
	}
	gl := opts.Logger
	if gl == nil {
		gl = logger.Discard
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                                   gl,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		TranslateError:                           true,
		DisableForeignKeyConstraintWhenMigrating: false,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	configurePool(sqlDB, DialectOf(db))
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return db, nil
}

func dialectorFor(opts Options) (gorm.Dialector, error) {
	switch {
	case opts.URL == "":
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		return sqlite.Open(SQLiteDSN(filepath.Join(opts.DataDir, "warna.db"))), nil
	case strings.HasPrefix(opts.URL, "postgres://"), strings.HasPrefix(opts.URL, "postgresql://"):
		return postgres.Open(postgresURL(opts)), nil
	case strings.HasPrefix(opts.URL, "sqlite://"), strings.HasPrefix(opts.URL, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(opts.URL, "sqlite://"), "file:")
		return sqlite.Open(SQLiteDSN(path)), nil
	default:
		return nil, errors.New("DATABASE_URL must start with postgres:// or sqlite:// (or be empty for the embedded database)")
	}
}

// postgresURL adds the session settings of opts to the URL, unless the URL
// sets them itself.
func postgresURL(opts Options) string {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return opts.URL // the driver reports the bad URL
	}
	q := u.Query()
	if opts.AppName != "" && q.Get("application_name") == "" {
		q.Set("application_name", opts.AppName)
	}
	if opts.LockTimeout > 0 && q.Get("lock_timeout") == "" {
		q.Set("lock_timeout", strconv.FormatInt(opts.LockTimeout.Milliseconds(), 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteDSN builds the connection string for an SQLite file: write-ahead log,
// a busy timeout instead of immediate "database is locked" errors, foreign
// keys enforced, and IMMEDIATE transactions so that a read-then-write
// transaction never fails on lock upgrade.
func SQLiteDSN(path string) string {
	q := url.Values{}
	busy := fmt.Sprintf("busy_timeout(%d)", LockTimeout.Milliseconds())
	for _, p := range []string{"journal_mode(WAL)", busy, "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// No _time_format: the driver's default already writes the "sqlite"
	// format, and it stops reading parameters after _time_format, which would
	// silently drop _txlock.
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func configurePool(sqlDB *sql.DB, d Dialect) {
	if d == SQLite {
		// One writer at a time is SQLite's rule; a small pool lets WAL readers
		// proceed while a writer holds the lock.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
		return
	}
	sqlDB.SetMaxOpenConns(32)
	sqlDB.SetMaxIdleConns(16)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
}

// Ping checks that the database answers, for readiness probes.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SQLTx returns the *sql.Tx behind a gorm transaction, for libraries (such as
// the job queue) that must write inside the same transaction.
func SQLTx(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("not inside a database transaction")
	}
	return sqlTx, nil
}
