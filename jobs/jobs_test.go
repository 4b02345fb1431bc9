package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
)

type echoArgs struct {
	Value string `json:"value"`
}

func (echoArgs) Kind() string { return "test_echo" }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	seen chan string
}

func (w *echoWorker) Work(_ context.Context, job *river.Job[echoArgs]) error {
	w.seen <- job.Args.Value
	return nil
}

func TestJobIsEnqueuedOnlyWhenTheTransactionCommits(t *testing.T) {
	db := dbtest.Open(t, jobs.Migrations()...)
	workers := jobs.NewWorkers()
	worker := &echoWorker{seen: make(chan string, 4)}
	river.AddWorker(workers, worker)
	reg := prometheus.NewRegistry()
	q, err := jobs.New(db, workers, jobs.Options{PollInterval: 50 * time.Millisecond, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rollback := errors.New("rollback")
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := q.EnqueueTx(ctx, tx, echoArgs{Value: "rolled back"}, nil); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("transaction: %v", err)
	}
	if n, _ := q.Depth(ctx); n != 0 {
		t.Fatalf("depth after rollback = %d, want 0", n)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return q.EnqueueTx(ctx, tx, echoArgs{Value: "committed"}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := q.Depth(ctx); n != 1 {
		t.Fatalf("depth after commit = %d, want 1", n)
	}

	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-worker.seen:
		if got != "committed" {
			t.Errorf("worker saw %q, want committed", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the committed job did not run within 15 s")
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case got := <-worker.seen:
		t.Errorf("the rolled-back job ran: %q", got)
	default:
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"warna_job_duration_seconds", "warna_job_queue_depth"} {
		if !names[want] {
			t.Errorf("metric %s not exported", want)
		}
	}
}

func TestEnqueueTxOutsideATransactionFails(t *testing.T) {
	db := dbtest.Open(t, jobs.Migrations()...)
	workers := jobs.NewWorkers()
	river.AddWorker(workers, &echoWorker{seen: make(chan string, 1)})
	q, err := jobs.New(db, workers, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueTx(context.Background(), db, echoArgs{}, nil); err == nil {
		t.Fatal("EnqueueTx accepted a handle that is not a transaction")
	}
}
