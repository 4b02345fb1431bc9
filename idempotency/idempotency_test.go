package idempotency

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	db := dbtest.Open(t, Migrations()...)
	clk := &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	return New(db, Options{Now: clk.Now}), clk
}

func TestReplayMismatchAndInProgress(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	c, err := s.Begin(ctx, "merchant:1", "k-1", "fp-a")
	if err != nil || c.Replay != nil {
		t.Fatalf("first Begin = %+v, %v; want a fresh claim", c, err)
	}
	if _, err := s.Begin(ctx, "merchant:1", "k-1", "fp-a"); !errors.Is(err, ErrInProgress) {
		t.Errorf("Begin while the first runs: err = %v, want ErrInProgress", err)
	}
	want := Response{Status: 201, Header: http.Header{"Location": {"/api/v1/products/7"}}, Body: []byte(`{"id":7}`)}
	if err := s.Complete(ctx, c, want); err != nil {
		t.Fatal(err)
	}
	again, err := s.Begin(ctx, "merchant:1", "k-1", "fp-a")
	if err != nil || again.Replay == nil {
		t.Fatalf("Begin after Complete = %+v, %v; want the stored answer", again, err)
	}
	got := again.Replay
	if got.Status != 201 || string(got.Body) != `{"id":7}` || got.Header.Get("Location") != "/api/v1/products/7" {
		t.Errorf("replay = %d %s %v, want 201 {\"id\":7} with the Location", got.Status, got.Body, got.Header)
	}
	if _, err := s.Begin(ctx, "merchant:1", "k-1", "fp-b"); !errors.Is(err, ErrMismatch) || fault.KindOf(err) != fault.Conflict {
		t.Errorf("same key, other request: err = %v, want ErrMismatch (conflict)", err)
	}
	// Another merchant's identical key is theirs alone.
	other, err := s.Begin(ctx, "merchant:2", "k-1", "fp-b")
	if err != nil || other.Replay != nil {
		t.Errorf("same key in another scope = %+v, %v; want a fresh claim", other, err)
	}
}

func TestKeysExpireAndAbandonedClaimsAreTakenOver(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	done, err := s.Begin(ctx, "m", "old", "fp")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, done, Response{Status: 200, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	stuck, err := s.Begin(ctx, "m", "stuck", "fp")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(DefaultLease)
	// The process that claimed "stuck" is gone: a retry takes it over, and
	// the old claimant can no longer store an answer over the new one.
	taken, err := s.Begin(ctx, "m", "stuck", "fp")
	if err != nil || taken.Replay != nil {
		t.Fatalf("retry after the lease = %+v, %v; want a new claim", taken, err)
	}
	if err := s.Complete(ctx, stuck, Response{Status: 201}); err == nil {
		t.Error("the claimant that lost its lease still stored an answer")
	}
	if r, err := s.Begin(ctx, "m", "old", "fp"); err != nil || r.Replay == nil {
		t.Errorf("a finished key within 24 h = %+v, %v; want its replay", r, err)
	}
	clk.Advance(DefaultTTL)
	n, err := s.DeleteExpired(ctx)
	if err != nil || n != 2 {
		t.Errorf("DeleteExpired = %d, %v; want 2", n, err)
	}
	if r, err := s.Begin(ctx, "m", "old", "another request"); err != nil || r.Replay != nil {
		t.Errorf("a key after 24 h = %+v, %v; want it free for a new request", r, err)
	}
}

func TestReleaseLetsARetryRunAgain(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	c, err := s.Begin(ctx, "m", "k", "fp")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Begin(ctx, "m", "k", "fp"); err != nil || r.Replay != nil {
		t.Errorf("Begin after Release = %+v, %v; want a fresh claim", r, err)
	}
}

func TestConcurrentClaimsExactlyOneWins(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make(chan error, n)
	for range n {
		wg.Go(func() {
			<-start
			c, err := s.Begin(ctx, "m", "race", "fp")
			if err == nil && c.Replay != nil {
				err = errors.New("replayed an answer that was never stored")
			}
			results <- err
		})
	}
	close(start)
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, ErrInProgress):
		default:
			t.Errorf("Begin: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent requests claimed the key, want exactly 1", won, n)
	}
}

func TestValidKey(t *testing.T) {
	for _, tt := range []struct {
		key string
		ok  bool
	}{
		{"0b8a4d6e-7f2c-4f3a-9c1d-2e5b6a7c8d9e", true},
		{"order-1001/retry", true},
		{"", false},
		{"with space", false},
		{"ünïcode", false},
		{string(make([]byte, 256)), false},
	} {
		if err := ValidKey(tt.key); (err == nil) != tt.ok {
			t.Errorf("ValidKey(%q) = %v, want ok %v", tt.key, err, tt.ok)
		}
	}
}
