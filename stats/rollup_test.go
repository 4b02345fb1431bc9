package stats

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/jobs/jobstest"
	"github.com/warna/warna/orders"
)

// The refresh job, run by the real queue, rolls up what is there; enqueued
// again it changes nothing.
func TestRefreshStatsJobOnTheQueue(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, append(jobs.Migrations(), migrations()...)...)
	now := time.Now().UTC()
	stats := NewService(db, nil, nil)
	shop := catalog.Shop{OwnerID: 1, Slug: "s", Name: "S", Currency: "USD", TimeZone: "UTC", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		o := orders.Order{ShopID: shop.ID, Source: orders.SourceAPI, Currency: "USD", TotalMinor: 1_000, PlacedAt: now.Add(-time.Duration(3+i) * time.Hour),
			AttrOutcome: orders.OutcomeNone, AttrRule: affiliates.RuleVersion, AttrWindowDays: 7, ExternalID: ptr(fmt.Sprint(i))}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
	}
	workers := jobs.NewWorkers()
	river.AddWorker(workers, &RefreshWorker{Stats: stats})
	queue, err := jobs.New(db, workers, jobs.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := queue.Finished()
	defer stop()
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := queue.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})

	gmv := func() int64 {
		var sum int64
		if err := db.Model(&ShopHour{}).Select("COALESCE(SUM(gmv_minor), 0)").Scan(&sum).Error; err != nil {
			t.Fatal(err)
		}
		return sum
	}
	for round := 1; round <= 2; round++ {
		if err := queue.Enqueue(ctx, RefreshArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		jobstest.Completed(t, events, RefreshArgs{}.Kind(), 1, 20*time.Second)
		if got := gmv(); got != 5_000 {
			t.Errorf("round %d: rolled-up GMV %d, want 5000", round, got)
		}
	}
}

func TestSplitSpan(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, time.UTC) }
	rolled := hourOf(at(12, 0))
	tests := []struct {
		name     string
		from, to time.Time
		hours    [2]int64
		live     int
	}{
		{"all rolled up", at(0, 0), at(10, 0), [2]int64{hourOf(at(0, 0)), hourOf(at(10, 0))}, 0},
		{"tail live", at(0, 0), at(18, 0), [2]int64{hourOf(at(0, 0)), rolled}, 1},
		{"half-hour zone edges", at(0, 30), at(10, 30), [2]int64{hourOf(at(1, 0)), hourOf(at(10, 0))}, 2},
		{"nothing rolled up", at(13, 0), at(18, 0), [2]int64{}, 1},
	}
	for _, tt := range tests {
		sp := splitSpan(tt.from, tt.to, rolled)
		if [2]int64{sp.HourFrom, sp.HourTo} != tt.hours || len(sp.Live) != tt.live {
			t.Errorf("%s: hours [%d, %d) live %v; want %v and %d live parts", tt.name, sp.HourFrom, sp.HourTo, sp.Live, tt.hours, tt.live)
		}
		// The parts cover [from, to) exactly once.
		covered := time.Duration(0)
		if sp.HourTo > sp.HourFrom {
			covered += time.Duration(sp.HourTo-sp.HourFrom) * time.Hour
		}
		for _, iv := range sp.Live {
			covered += iv[1].Sub(iv[0])
		}
		if covered != tt.to.Sub(tt.from) {
			t.Errorf("%s: parts cover %v of %v", tt.name, covered, tt.to.Sub(tt.from))
		}
	}
}
