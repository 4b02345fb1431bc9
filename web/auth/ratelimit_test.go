package auth

import (
	"context"
	"testing"
	"time"

	"github.com/warna/warna/database/dbtest"
)

// Two instances on one database share the count: the limit does not
// multiply with the number of instances.
func TestTakeAttemptIsSharedAcrossInstances(t *testing.T) {
	db := dbtest.Open(t, Migrations()...)
	now := time.Date(2026, 12, 3, 10, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	a, b := NewService(db, clock), NewService(db, clock)
	ctx := context.Background()
	for i, svc := range []*Service{a, b, a, b} {
		ok, _, err := svc.TakeAttempt(ctx, "account:203.0.113.7", 4, time.Minute)
		if err != nil || !ok {
			t.Fatalf("attempt %d: allowed %v, %v; want allowed", i+1, ok, err)
		}
	}
	ok, retry, err := b.TakeAttempt(ctx, "account:203.0.113.7", 4, time.Minute)
	if err != nil || ok || retry != 30*time.Second {
		t.Fatalf("fifth attempt: allowed %v, retry %v, %v; want refused, retry 30s", ok, retry, err)
	}
	if ok, _, err := a.TakeAttempt(ctx, "account:198.51.100.1", 4, time.Minute); err != nil || !ok {
		t.Fatalf("another address: allowed %v, %v; want allowed", ok, err)
	}
	now = now.Add(30 * time.Second) // the next window
	if ok, _, err := a.TakeAttempt(ctx, "account:203.0.113.7", 4, time.Minute); err != nil || !ok {
		t.Fatalf("next window: allowed %v, %v; want allowed", ok, err)
	}
}
