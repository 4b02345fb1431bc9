package searchtest

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/warna/warna/search"
)

// ErrDown is what a failing Flaky backend answers.
var ErrDown = errors.New("search backend is down (test)")

// Flaky wraps a backend and fails every call while SetDown(true).
type Flaky struct {
	search.Backend
	down  atomic.Bool
	Calls atomic.Int64 // calls refused while down
}

var _ search.Backend = (*Flaky)(nil)

// SetDown starts or ends the outage.
func (f *Flaky) SetDown(down bool) { f.down.Store(down) }

func (f *Flaky) refuse() error {
	if f.down.Load() {
		f.Calls.Add(1)
		return ErrDown
	}
	return nil
}

// Upsert implements search.Backend.
func (f *Flaky) Upsert(ctx context.Context, docs []search.Document) error {
	if err := f.refuse(); err != nil {
		return err
	}
	return f.Backend.Upsert(ctx, docs)
}

// Delete implements search.Backend.
func (f *Flaky) Delete(ctx context.Context, ids []int64) error {
	if err := f.refuse(); err != nil {
		return err
	}
	return f.Backend.Delete(ctx, ids)
}

// Candidates implements search.Backend.
func (f *Flaky) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	if err := f.refuse(); err != nil {
		return search.Candidates{}, err
	}
	return f.Backend.Candidates(ctx, q, window)
}

// Ping implements search.Backend.
func (f *Flaky) Ping(ctx context.Context) error {
	if err := f.refuse(); err != nil {
		return err
	}
	return f.Backend.Ping(ctx)
}
