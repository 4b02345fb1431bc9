package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/web/auth"
)

// expireSessionsArgs is the hourly job that deletes expired login sessions.
type expireSessionsArgs struct{}

func (expireSessionsArgs) Kind() string { return "expire_sessions" }

type expireSessionsWorker struct {
	river.WorkerDefaults[expireSessionsArgs]
	auth *auth.Service
}

func (w *expireSessionsWorker) Work(ctx context.Context, _ *river.Job[expireSessionsArgs]) error {
	_, err := w.auth.DeleteExpiredSessions(ctx)
	return err
}

// pruneChangesArgs is the hourly job that deletes the catalogue's change-log
// rows older than catalog.ChangeRetention (a search index that had not read
// them yet rebuilds from the database).
type pruneChangesArgs struct{}

func (pruneChangesArgs) Kind() string { return "prune_catalog_changes" }

type pruneChangesWorker struct {
	river.WorkerDefaults[pruneChangesArgs]
	db  *gorm.DB
	now func() time.Time
}

func (w *pruneChangesWorker) Work(ctx context.Context, _ *river.Job[pruneChangesArgs]) error {
	_, err := catalog.PruneChanges(ctx, w.db, w.now().Add(-catalog.ChangeRetention))
	return err
}

// expireIdempotencyKeysArgs is the hourly job that forgets Idempotency-Keys
// older than 24 hours.
type expireIdempotencyKeysArgs struct{}

func (expireIdempotencyKeysArgs) Kind() string { return "expire_idempotency_keys" }

type expireIdempotencyKeysWorker struct {
	river.WorkerDefaults[expireIdempotencyKeysArgs]
	keys *idempotency.Store
}

func (w *expireIdempotencyKeysWorker) Work(ctx context.Context, _ *river.Job[expireIdempotencyKeysArgs]) error {
	_, err := w.keys.DeleteExpired(ctx)
	return err
}

func housekeepingJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return expireSessionsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return pruneChangesArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return expireIdempotencyKeysArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
