package clicklog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
)

func storedClicks(t *testing.T, db *gorm.DB) []Click {
	t.Helper()
	var cs []Click
	if err := db.Order("at, id").Find(&cs).Error; err != nil {
		t.Fatal(err)
	}
	return cs
}

// failSwitch makes every gorm create, query and raw statement fail while
// on, like a database that has gone away.
func failSwitch(t *testing.T, db *gorm.DB) *atomic.Bool {
	t.Helper()
	var down atomic.Bool
	fail := func(tx *gorm.DB) {
		if down.Load() {
			_ = tx.AddError(errors.New("connection refused (simulated outage)"))
		}
	}
	if err := db.Callback().Create().Before("gorm:create").Register("test:outage_create", fail); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Query().Before("gorm:query").Register("test:outage_query", fail); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Raw().Before("gorm:raw").Register("test:outage_raw", fail); err != nil {
		t.Fatal(err)
	}
	return &down
}

// waitFor polls cond until it holds or the deadline passes: for states
// nothing announces (a retry loop having failed at least once).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func testClick(id string, at time.Time, visitor string) *Click {
	return &Click{ID: id, LinkID: 1, InfluencerID: influencerID, Visitor: visitor, At: at, UserAgent: browserUA}
}

func TestClickDurabilityThroughOutage(t *testing.T) {
	f := newFixture(t)
	down := failSwitch(t, f.db)
	rec, err := New(f.db, t.TempDir(), "outage", Options{FlushEvery: 5 * time.Millisecond, BatchSize: 50, MaxBackoff: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	const producers, perProducer = 4, 600
	produce := func(round int) {
		var wg sync.WaitGroup
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perProducer {
					if err := rec.Record(testClick(fmt.Sprintf("r%d-p%d-%04d", round, p, i), f.clock.Now(), fmt.Sprintf("v%d-%d", p, i))); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	produce(0)
	waitFor(t, "some clicks stored before the outage", func() bool { return rec.Stats().Loaded > 0 })
	down.Store(true) // the database goes away mid-load
	produce(1)
	waitFor(t, "a failed attempt to store", func() bool { return rec.Stats().LoadFailures > 0 })
	down.Store(false)
	produce(2)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	const sent = 3 * producers * perProducer
	var rows, distinct int64
	if err := f.db.Model(&Click{}).Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.Model(&Click{}).Distinct("id").Count(&distinct).Error; err != nil {
		t.Fatal(err)
	}
	if rows != sent || distinct != sent {
		t.Fatalf("stored %d rows (%d distinct) of %d appended", rows, distinct, sent)
	}
	if st := rec.Stats(); st.Appended != sent || st.Loaded != sent || st.UnloadedBytes != 0 || st.Lag != 0 {
		t.Errorf("stats %+v, want %d appended and loaded, nothing left", st, sent)
	}
}

func TestClicksLeftInLogAtShutdownLoadOnNextStart(t *testing.T) {
	f := newFixture(t)
	down := failSwitch(t, f.db)
	dir := t.TempDir()
	opts := Options{FlushEvery: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	rec, err := New(f.db, dir, "i1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	for i := range 300 {
		if err := rec.Record(testClick(fmt.Sprintf("s%03d", i), f.clock.Now(), "v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil { // the database is still down: everything stays in the log
		t.Fatal(err)
	}
	down.Store(false)
	if n := f.count(&Click{}); n != 0 {
		t.Fatalf("%d clicks stored during the outage", n)
	}
	if err := rec.Record(testClick("late", f.clock.Now(), "v")); err == nil {
		t.Error("a closed recorder accepted a click")
	}
	rec2, err := New(f.db, dir, "i1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if st := rec2.Stats(); st.UnloadedBytes == 0 {
		t.Errorf("a new recorder does not count the %d clicks left in the log: %+v", 300, st)
	}
	if err := rec2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec2.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.count(&Click{}); n != 300 {
		t.Fatalf("after the restart %d clicks stored, want 300", n)
	}
	valid := 0
	for _, c := range storedClicks(t, f.db) {
		if c.Valid {
			valid++
		}
	}
	if valid != 1 {
		t.Errorf("%d valid clicks, want 1 (the rest repeat the same visitor and link)", valid)
	}
	if segs := logFiles(t, dir); len(segs) != 0 {
		t.Errorf("segments left after loading: %v", segs)
	}
}
