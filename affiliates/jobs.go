package affiliates

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ApproveDueArgs is the periodic job that approves commission whose return
// window has passed. The time it judges by is the ledger's clock.
type ApproveDueArgs struct{}

// Kind names the job.
func (ApproveDueArgs) Kind() string { return "affiliates_approve_due" }

// ApproveDueWorker runs ApproveDueArgs.
type ApproveDueWorker struct {
	river.WorkerDefaults[ApproveDueArgs]
	Ledger *Ledger
}

// Work approves everything due; running it twice approves nothing twice.
func (w *ApproveDueWorker) Work(ctx context.Context, _ *river.Job[ApproveDueArgs]) error {
	n, err := w.Ledger.ApproveDue(ctx)
	if err == nil && n > 0 {
		w.Ledger.logger.Info("commission approved", "lines", n)
	}
	return err
}

// PeriodicJobs schedules the approval run every hour (and once at start).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return ApproveDueArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
