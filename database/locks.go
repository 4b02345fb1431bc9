package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// LockTimeout is how long a statement waits for a lock another connection
// holds before it fails: SQLite's busy timeout always, PostgreSQL's
// lock_timeout for the command-line tools (Options.LockTimeout), so that no
// command waits forever behind another process.
const LockTimeout = 10 * time.Second

// migrateLockTimeout bounds the wait for another process's migration.
const migrateLockTimeout = 2 * time.Minute

// migrateLockKey is the PostgreSQL advisory lock Migrate holds.
const migrateLockKey = 7424617

// IsLockTimeout reports whether err is a lock wait that ran out: SQLite's
// "database is locked" or PostgreSQL's lock_timeout.
func IsLockTimeout(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff      // extended codes keep the primary one in the low byte
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03" // lock_not_available
}

// ExplainLockTimeout turns a lock wait that ran out into an error that
// names what held the lock: the processes that have the SQLite file open,
// or the PostgreSQL sessions in a transaction on the database. Other errors
// are returned as they are.
func ExplainLockTimeout(ctx context.Context, opts Options, err error) error {
	if !IsLockTimeout(err) {
		return err
	}
	if opts.URL == "" || strings.HasPrefix(opts.URL, "sqlite://") || strings.HasPrefix(opts.URL, "file:") {
		path := sqlitePath(opts)
		holders := processesWithOpen(path)
		if len(holders) == 0 {
			holders = []string{"none found; another machine sharing the file?"}
		}
		return fmt.Errorf("the database %s stayed locked by another writer for more than %s (processes that have it open: %s); try again when that work is done: %w",
			path, LockTimeout, strings.Join(holders, ", "), err)
	}
	return fmt.Errorf("waited more than %s for a lock another PostgreSQL session holds (%s); try again when that work is done: %w",
		LockTimeout, postgresHolders(ctx, opts), err)
}

func sqlitePath(opts Options) string {
	if opts.URL == "" {
		return filepath.Join(opts.DataDir, "warna.db")
	}
	return strings.TrimPrefix(strings.TrimPrefix(opts.URL, "sqlite://"), "file:")
}

// processesWithOpen lists the processes that have path (or its write-ahead
// log) open, read from /proc; empty where /proc is not there or not
// readable.
func processesWithOpen(path string) []string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || !hasOpen(pid, abs) {
			continue
		}
		name := "pid " + p.Name() + " (" + commandLine(pid) + ")"
		if pid == os.Getpid() {
			name += " — this process"
		}
		if out = append(out, name); len(out) == 8 {
			break
		}
	}
	return out
}

func hasOpen(pid int, path string) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err == nil && (target == path || target == path+"-wal") {
			return true
		}
	}
	return false
}

func commandLine(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(raw) == 0 {
		return "?"
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	args[0] = filepath.Base(args[0])
	if len(args) > 4 {
		args = append(args[:4], "…")
	}
	return strings.Join(args, " ")
}

// postgresHolders describes the other sessions in a transaction on the
// database, oldest first; they are the ones that can hold a lock.
func postgresHolders(ctx context.Context, opts Options) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	db, err := Open(ctx, Options{URL: opts.URL, AppName: "warna lock report"})
	if err != nil {
		return "could not list them: " + err.Error()
	}
	defer Close(db)
	sessions, err := sessionsInTransaction(ctx, db, "")
	if err != nil {
		return "could not list them: " + err.Error()
	}
	if len(sessions) == 0 {
		return "it has ended since"
	}
	return "sessions in a transaction: " + strings.Join(sessions, "; ")
}

type session struct {
	PID             int `gorm:"column:pid"`
	ApplicationName string
	ClientAddr      string
	State           string
	XactStart       time.Time
	Query           string
}

func (s session) String() string {
	q := strings.Join(strings.Fields(s.Query), " ")
	if len(q) > 80 {
		q = q[:80] + "…"
	}
	name := s.ApplicationName
	if name == "" {
		name = "no application name"
	}
	return fmt.Sprintf("pid %d (%s%s) %s since %s: %s", s.PID, name, s.ClientAddr, s.State, s.XactStart.UTC().Format(time.RFC3339), q)
}

// sessionsInTransaction lists the other sessions on this database with a
// transaction open, or (with lockCondition) those holding a lock that
// matches it.
func sessionsInTransaction(ctx context.Context, db *gorm.DB, lockCondition string) ([]string, error) {
	q := `SELECT a.pid, a.application_name, COALESCE(' from ' || host(a.client_addr), '') AS client_addr,
			a.state, COALESCE(a.xact_start, a.backend_start) AS xact_start, a.query
		FROM pg_stat_activity a
		WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()`
	if lockCondition != "" {
		q += ` AND a.pid IN (SELECT pid FROM pg_locks WHERE granted AND ` + lockCondition + `)`
	} else {
		q += ` AND a.xact_start IS NOT NULL`
	}
	var rows []session
	if err := db.WithContext(ctx).Raw(q + ` ORDER BY a.xact_start LIMIT 8`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out, nil
}

// lockMigrations takes the migration lock on a dedicated connection, waiting
// at most migrateLockTimeout for another process's migration, and returns
// the function that releases it.
func lockMigrations(ctx context.Context, db *gorm.DB) (func(), error) {
	conn, err := db.DB()
	if err != nil {
		return nil, err
	}
	// A dedicated connection holds the session-level lock for the whole run.
	lockConn, err := conn.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	deadline := time.Now().Add(migrateLockTimeout)
	for {
		var got bool
		if err := lockConn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", migrateLockKey).Scan(&got); err != nil {
			lockConn.Close()
			return nil, fmt.Errorf("migrate: take lock: %w", err)
		}
		if got {
			return func() {
				_, _ = lockConn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey)
				lockConn.Close()
			}, nil
		}
		if time.Now().After(deadline) {
			lockConn.Close()
			holders, err := sessionsInTransaction(ctx, db, fmt.Sprintf("locktype = 'advisory' AND objid = %d", migrateLockKey))
			if err != nil || len(holders) == 0 {
				holders = []string{"a session that no longer shows"}
			}
			return nil, fmt.Errorf("migrate: another process has held the migration lock for more than %s: %s", migrateLockTimeout, strings.Join(holders, "; "))
		}
		select {
		case <-ctx.Done():
			lockConn.Close()
			return nil, fmt.Errorf("migrate: waiting for another process's migration: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
