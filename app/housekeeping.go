package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

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

func housekeepingJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return expireSessionsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
