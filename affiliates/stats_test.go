package affiliates

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
)

// The refresh job, run by the real queue, rolls up what is there; enqueued
// again it changes nothing.
func TestRefreshStatsJobOnTheQueue(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, append(append(jobs.Migrations(), migrations()...), StatsMigrations()...)...)
	now := time.Now().UTC()
	stats := NewStats(db, nil, nil)
	shop := catalog.Shop{OwnerID: 1, Slug: "s", Name: "S", Currency: "USD", TimeZone: "UTC", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		o := Order{ShopID: shop.ID, Source: SourceAPI, Currency: "USD", TotalMinor: 1_000, PlacedAt: now.Add(-time.Duration(3+i) * time.Hour),
			AttrOutcome: OutcomeNone, AttrRule: RuleVersion, AttrWindowDays: 7, ExternalID: ptr(fmt.Sprint(i))}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
	}
	workers := jobs.NewWorkers()
	river.AddWorker(workers, &RefreshStatsWorker{Stats: stats})
	queue, err := jobs.New(db, workers, jobs.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = queue.Stop(context.Background()) })

	gmv := func() int64 {
		var sum int64
		if err := db.Model(&ShopHour{}).Select("COALESCE(SUM(gmv_minor), 0)").Scan(&sum).Error; err != nil {
			t.Fatal(err)
		}
		return sum
	}
	completed := func() int64 {
		var n int64
		db.Table("river_job").Where("kind = ? AND state = ?", RefreshStatsArgs{}.Kind(), "completed").Count(&n)
		return n
	}
	for round := 1; round <= 2; round++ {
		if err := queue.Enqueue(ctx, RefreshStatsArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for completed() < int64(round) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the refresh job did not complete", round)
			}
			time.Sleep(20 * time.Millisecond)
		}
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

// TestPayablesLargestFirstWithCount checks the merchant's payables: approved
// commission net of clawbacks per influencer, largest first, cut to a limit
// with the number left out, nobody owed nothing listed, handles filled in.
func TestPayablesLargestFirstWithCount(t *testing.T) {
	f := newFixture(t)
	owed := map[int64]int64{201: 500, 202: 9_000, 203: 1_200, 204: 0, 205: 3_000}
	for id, amount := range owed {
		if _, err := f.svc.EnsureInfluencer(f.ctx, Account{ID: id, Name: fmt.Sprintf("Creator %d", id), Email: fmt.Sprintf("c%d@example.com", id)}); err != nil {
			t.Fatal(err)
		}
		entries := []LedgerEntry{{Kind: EntryApprove, InfluencerID: id, ShopID: f.shop.ID, OrderID: id, AmountMinor: amount + 700, Currency: "USD"},
			{Kind: EntryClawback, InfluencerID: id, ShopID: f.shop.ID, OrderID: id, AmountMinor: -700, Currency: "USD"}}
		if err := f.db.Create(&entries).Error; err != nil {
			t.Fatal(err)
		}
	}
	st := NewStats(f.db, nil, nil)
	rows, more, err := st.Payables(f.ctx, merchantID, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %d", r.Handle, r.AmountMinor))
	}
	if want := []string{"creator_202 9000", "creator_205 3000", "creator_203 1200"}; !slices.Equal(got, want) || more != 1 {
		t.Errorf("payables %v and %d more, want %v and 1 more", got, more, want)
	}
	all, more, err := st.Payables(f.ctx, merchantID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || more != 0 || all[3].InfluencerID != 201 {
		t.Errorf("all payables: %+v, %d more; want the four owed something, 201 last", all, more)
	}
}
