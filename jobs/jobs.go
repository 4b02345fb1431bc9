// Package jobs runs Warna's durable background work on River, in the same
// database as everything else (SQLite by default, PostgreSQL at scale), so a
// job is enqueued in the transaction that creates the work it refers to and a
// job interrupted by a crash runs again.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// Queue names. Slow, optional work (WebP variants, roll-ups) runs on its own
// queue so it never delays the work merchants wait for.
const (
	QueueDefault = river.QueueDefault
	QueueLow     = "low"
)

// Options configure the job runner.
type Options struct {
	// Workers is the number of concurrent default-queue workers; 0 means 2.
	Workers int
	// PollInterval is how often idle workers look for new jobs; 0 means 500 ms.
	PollInterval time.Duration
	// RescueAfter is how long a job may run before River takes it for
	// abandoned (the process running it died) and schedules it again, to be
	// picked up by any instance; 0 means 5 minutes. It is also each job's
	// time limit (River requires the limit to be no longer), capped at 2
	// minutes. River's rescuer looks for such jobs every 30 s, on the
	// instance that holds the queue's leadership, so a job of a killed
	// instance runs again within RescueAfter + 30 s (+ up to 15 s for
	// leadership to move when the killed instance was the leader).
	RescueAfter time.Duration
	// ID names this runner in River's job rows (attempted_by) and leader
	// election: the instance id. Empty lets River make one up.
	ID string
	// Periodic jobs the runner schedules itself.
	Periodic []*river.PeriodicJob
	Logger   *slog.Logger
	// Registerer receives queue metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Queue enqueues and runs jobs.
type Queue struct {
	client   *river.Client[*sql.Tx]
	db       *gorm.DB
	logger   *slog.Logger
	duration *prometheus.HistogramVec
	stopSubs func()
	done     chan struct{}
}

// Workers is the registry that domain packages add their workers to before
// the queue starts.
type Workers = river.Workers

// NewWorkers returns an empty worker registry.
func NewWorkers() *Workers { return river.NewWorkers() }

func driverFor(db *gorm.DB) (riverdriver.Driver[*sql.Tx], error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if database.DialectOf(db) == database.Postgres {
		return riverdatabasesql.New(sqlDB), nil
	}
	return riversqlite.New(sqlDB), nil
}

// New builds a queue over db. Workers may be registered in workers until Start.
func New(db *gorm.DB, workers *Workers, opts Options) (*Queue, error) {
	driver, err := driverFor(db)
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = 5 * time.Minute
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues: map[string]river.QueueConfig{
			QueueDefault: {MaxWorkers: opts.Workers},
			QueueLow:     {MaxWorkers: 1},
		},
		Workers:              workers,
		PeriodicJobs:         opts.Periodic,
		FetchPollInterval:    opts.PollInterval,
		FetchCooldown:        opts.PollInterval / 5,
		MaxAttempts:          5,
		JobTimeout:           min(2*time.Minute, opts.RescueAfter),
		RescueStuckJobsAfter: opts.RescueAfter,
		ID:                   opts.ID,
		Logger:               opts.Logger.With("component", "jobs"),
	})
	if err != nil {
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	q := &Queue{client: client, db: db, logger: opts.Logger}
	if opts.Registerer != nil {
		q.registerMetrics(opts.Registerer)
	}
	return q, nil
}

// EnqueueTx inserts a job inside the caller's gorm transaction: the job exists
// if and only if the transaction commits.
func (q *Queue) EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error {
	sqlTx, err := database.SQLTx(tx)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	if _, err := q.client.InsertTx(ctx, sqlTx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Enqueue inserts a job on its own.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Finished returns the events of the jobs this queue's workers finish from
// now on (completed, failed and to be retried, or cancelled), and the
// function that stops them. Tests wait on it instead of polling the job
// table. Events that the reader does not take in time (over 1,000 waiting)
// are dropped.
func (q *Queue) Finished() (<-chan *river.Event, func()) {
	return q.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
}

// Start begins working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if q.duration != nil {
		events, cancel := q.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		q.stopSubs = cancel
		q.done = make(chan struct{})
		go q.observe(events)
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends, then cancels them) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = q.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	if q.stopSubs != nil {
		q.stopSubs()
		<-q.done
	}
	return err
}

// Depth counts jobs waiting to run (available, scheduled or retryable).
func (q *Queue) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := q.db.WithContext(ctx).Table("river_job").
		Where("state IN ?", []string{"available", "scheduled", "retryable"}).Count(&n).Error
	return n, err
}

func (q *Queue) registerMetrics(reg prometheus.Registerer) {
	q.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "warna_job_duration_seconds",
		Help:    "Time a job spent running, by kind and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"kind", "outcome"})
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "warna_job_queue_depth",
		Help: "Jobs waiting to run (available, scheduled or retryable).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := q.Depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(q.duration, depth)
}

// observe records job durations until the subscription closes.
func (q *Queue) observe(events <-chan *river.Event) {
	defer close(q.done)
	for ev := range events {
		if ev.Job == nil || ev.JobStats == nil {
			continue
		}
		outcome := "completed"
		switch ev.Kind {
		case river.EventKindJobFailed:
			outcome = "failed"
		case river.EventKindJobCancelled:
			outcome = "cancelled"
		}
		q.duration.WithLabelValues(ev.Job.Kind, outcome).Observe(ev.JobStats.RunDuration.Seconds())
	}
}

// Migrations creates River's tables through the shared migration runner.
func Migrations() []database.Migration {
	return []database.Migration{{
		ID:        "0100_river_queue",
		OutsideTx: true, // River applies each of its versions in its own transaction
		Up: func(db *gorm.DB) error {
			driver, err := driverFor(db)
			if err != nil {
				return err
			}
			migrator, err := rivermigrate.New(driver, nil)
			if err != nil {
				return err
			}
			_, err = migrator.Migrate(db.Statement.Context, rivermigrate.DirectionUp, nil)
			return err
		},
	}}
}
