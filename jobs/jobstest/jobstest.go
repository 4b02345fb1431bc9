// Package jobstest waits, in tests, for background jobs to finish: on the
// queue's own events (jobs.Queue.Finished), not by polling or sleeping.
package jobstest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// Wait reads finished-job events until done returns true for one. It fails
// the test when no job finishes for stall: the queue stopped making progress
// (a busy machine only slows it).
func Wait(t testing.TB, events <-chan *river.Event, stall time.Duration, done func(*river.Event) bool) {
	t.Helper()
	timer := time.NewTimer(stall)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the job events ended before the wait was over")
			}
			if done(ev) {
				return
			}
			timer.Reset(stall)
		case <-timer.C:
			t.Fatalf("no job finished in %s", stall)
		}
	}
}

// Completed waits until n jobs of kind have completed.
func Completed(t testing.TB, events <-chan *river.Event, kind string, n int, stall time.Duration) {
	t.Helper()
	if n <= 0 {
		return
	}
	seen := 0
	Wait(t, events, stall, func(ev *river.Event) bool {
		if ev.Kind == river.EventKindJobCompleted && ev.Job.Kind == kind {
			seen++
		}
		return seen == n
	})
}

// Args decodes a finished job's arguments.
func Args[T any](t testing.TB, ev *river.Event) T {
	t.Helper()
	var args T
	if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err != nil {
		t.Fatalf("job %d (%s) arguments: %v", ev.Job.ID, ev.Job.Kind, err)
	}
	return args
}
