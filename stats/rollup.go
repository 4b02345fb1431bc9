package stats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/orders"
)

// Dashboard roll-ups.
//
// Facts are counted in UTC hours (hour number = Unix seconds / 3600): clicks
// at their time, orders, their lines and the current status of their
// commission at the time the order was placed. Hours, not days, because a
// dashboard day is a day in the viewer's time zone (the shop's, or the one
// an influencer chose); any whole-hour zone's day is a run of UTC hours, so
// one table serves every zone.
//
// Roll-up rows exist for hours before RolledUntil; the dashboards read them
// and compute the hours since (and the partial hours at the ends of a range
// in a zone with a half-hour offset) live from the source tables with the
// same aggregation code, so the two can never disagree on a definition.
//
// Refresh recomputes whole hours from the source tables (delete the hour's
// rows, insert them again), so running it twice changes nothing. It finds
// the hours to recompute from the hours since its last run (less a margin
// for late clicks) and from the orders, refunds and ledger entries added
// since its last run (their ids are watermarks): an approval, refund or
// payout changes the status of commission on an order placed long ago.

// ShopHour is one shop's activity in one UTC hour.
type ShopHour struct {
	ShopID           int64 `gorm:"primaryKey;autoIncrement:false"`
	Hour             int64 `gorm:"primaryKey;autoIncrement:false"`
	Orders           int64 `gorm:"not null"`
	GMVMinor         int64 `gorm:"column:gmv_minor;not null"`
	AttributedOrders int64 `gorm:"not null"`
	// ConvertedClicks count the clicks that led to an order (an order
	// credited to a click counts when it is the click's first): what
	// conversion divides by valid clicks. OffClickOrders are the
	// attributed orders without a click (a link code, the API).
	ConvertedClicks int64 `gorm:"not null;default:0"`
	OffClickOrders  int64 `gorm:"not null;default:0"`
	AttributedMinor int64 `gorm:"not null"`
	RefundedMinor   int64 `gorm:"not null"`
	ClicksRaw       int64 `gorm:"not null"`
	ClicksValid     int64 `gorm:"not null"`
	CommissionBuckets
}

// TableName names the roll-up table.
func (ShopHour) TableName() string { return "stats_shop_hours" }

// LinkHour is one link's activity in one UTC hour, per shop: clicks on a
// product link count for the product's shop (clicks on storefront and
// collection links for none, shop 0); orders for the shop they were placed in.
type LinkHour struct {
	LinkID       int64  `gorm:"primaryKey;autoIncrement:false"`
	ShopID       int64  `gorm:"primaryKey;autoIncrement:false;index:idx_stats_link_hours_shop,priority:1"`
	Hour         int64  `gorm:"primaryKey;autoIncrement:false;index:idx_stats_link_hours_inf,priority:2;index:idx_stats_link_hours_shop,priority:2"`
	InfluencerID int64  `gorm:"not null;index:idx_stats_link_hours_inf,priority:1"`
	Currency     string `gorm:"size:3;not null"`
	ClicksRaw    int64  `gorm:"not null"`
	ClicksValid  int64  `gorm:"not null"`
	Orders       int64  `gorm:"not null"`
	SalesMinor   int64  `gorm:"not null"`
	// ConvertedClicks count the link's clicks that led to an order (see
	// ShopHour), OffClickOrders its orders without a click (a link code),
	// and ClickEarnedMinor the commission on every order credited to one
	// of its clicks, net of reversals: conversion and earnings per click
	// divide them by valid clicks.
	ConvertedClicks  int64 `gorm:"not null;default:0"`
	OffClickOrders   int64 `gorm:"not null;default:0"`
	ClickEarnedMinor int64 `gorm:"not null;default:0"`
	CommissionBuckets
}

// TableName names the roll-up table.
func (LinkHour) TableName() string { return "stats_link_hours" }

// ProductHour is one product's sales in one UTC hour, per influencer
// credited (0: not attributed). Lines sold off-site without a product have
// product 0.
type ProductHour struct {
	ProductID       int64  `gorm:"primaryKey;autoIncrement:false"`
	InfluencerID    int64  `gorm:"primaryKey;autoIncrement:false;index:idx_stats_product_hours_inf,priority:1"`
	Hour            int64  `gorm:"primaryKey;autoIncrement:false;index:idx_stats_product_hours_shop,priority:2;index:idx_stats_product_hours_inf,priority:2"`
	ShopID          int64  `gorm:"not null;index:idx_stats_product_hours_shop,priority:1"`
	Currency        string `gorm:"size:3;not null"`
	Units           int64  `gorm:"not null"`
	SalesMinor      int64  `gorm:"not null"`
	RefundedMinor   int64  `gorm:"not null"`
	CommissionMinor int64  `gorm:"not null"` // accrued less reversed and clawed back
}

// TableName names the roll-up table.
func (ProductHour) TableName() string { return "stats_product_hours" }

// CommissionBuckets is the commission on a set of orders by status, summed
// from their ledger entries with the ledger's rules (see affiliates.EntryKind):
// Pending + Approved + Paid = Accrued − Reversed. Paid is commission whose
// approve or clawback entry a payout has taken.
type CommissionBuckets struct {
	CommAccrued  int64 `gorm:"not null"`
	CommReversed int64 `gorm:"not null"` // positive: reversed and clawed back
	CommPending  int64 `gorm:"not null"`
	CommApproved int64 `gorm:"not null"`
	CommPaid     int64 `gorm:"not null"`
}

func (b *CommissionBuckets) add(o CommissionBuckets) {
	b.CommAccrued += o.CommAccrued
	b.CommReversed += o.CommReversed
	b.CommPending += o.CommPending
	b.CommApproved += o.CommApproved
	b.CommPaid += o.CommPaid
}

// apply adds one ledger entry's effect; paidOut says a payout has taken it.
func (b *CommissionBuckets) apply(kind affiliates.EntryKind, amount int64, paidOut bool) {
	switch kind {
	case affiliates.EntryAccrue:
		b.CommAccrued += amount
		b.CommPending += amount
	case affiliates.EntryReverse:
		b.CommReversed -= amount
		b.CommPending += amount
	case affiliates.EntryApprove:
		b.CommPending -= amount
		if paidOut {
			b.CommPaid += amount
		} else {
			b.CommApproved += amount
		}
	case affiliates.EntryClawback:
		b.CommReversed -= amount
		if paidOut {
			b.CommPaid += amount
		} else {
			b.CommApproved += amount
		}
	}
}

// rollupState remembers how far the roll-ups go.
type rollupState struct {
	ID int64 `gorm:"primaryKey;autoIncrement:false"`
	// RolledUntil is the first hour not rolled up (hours before it are).
	RolledUntil int64 `gorm:"not null"`
	// Watermarks: the highest ids already looked at.
	OrderID  int64 `gorm:"not null"`
	LedgerID int64 `gorm:"not null"`
	RefundID int64 `gorm:"not null"`
	RunAt    time.Time
}

func (rollupState) TableName() string { return "stats_rollup_state" }

// Migrations creates the roll-up tables and the indexes the dashboards'
// live and range queries need. They run after the order and affiliate
// tables. Some of them index those packages' tables for the dashboards'
// queries; the IDs keep the 035x they had inside affiliates.
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0350_stats_rollups",
		Up: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&ShopHour{}, &LinkHour{}, &ProductHour{}, &rollupState{}); err != nil {
				return err
			}
			for _, stmt := range []string{
				"CREATE INDEX IF NOT EXISTS idx_clicks_at ON clicks (at)",
				"CREATE INDEX IF NOT EXISTS idx_clicks_influencer_at ON clicks (influencer_id, at)",
				"CREATE INDEX IF NOT EXISTS idx_orders_shop_placed ON orders (shop_id, placed_at)",
				"CREATE INDEX IF NOT EXISTS idx_orders_influencer_placed ON orders (attr_influencer_id, placed_at)",
				"CREATE INDEX IF NOT EXISTS idx_ledger_shop_kind_payout ON ledger_entries (shop_id, kind, payout_id)",
			} {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		// Refresh replaces the rows of a run of hours of every shop and link.
		ID: "0351_stats_hour_indexes",
		Up: func(tx *gorm.DB) error {
			for _, table := range []string{"stats_shop_hours", "stats_link_hours", "stats_product_hours"} {
				if err := tx.Exec("CREATE INDEX IF NOT EXISTS idx_" + table + "_hour ON " + table + " (hour)").Error; err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		// Covering indexes for the merchant's top lists: a busy shop has a
		// link row for nearly every click, so ranking influencers reads only
		// the rows with sales, and products read the index alone.
		ID: "0352_stats_top_list_indexes",
		Up: func(tx *gorm.DB) error {
			for _, stmt := range []string{
				"CREATE INDEX IF NOT EXISTS idx_stats_link_hours_sales ON stats_link_hours " +
					"(shop_id, hour, influencer_id, orders, sales_minor, comm_accrued, comm_reversed) WHERE orders > 0",
				"CREATE INDEX IF NOT EXISTS idx_stats_product_hours_top ON stats_product_hours " +
					"(shop_id, hour, product_id, units, sales_minor, refunded_minor, commission_minor)",
			} {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		// What a merchant owes (Payables) read from the index alone.
		ID: "0353_stats_payables_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_ledger_payable ON ledger_entries " +
				"(shop_id, kind, payout_id, influencer_id, currency, amount_minor)").Error
		},
	}, {
		// (influencer_id, at) above serves every lookup the single-column
		// index did; each click insert paid for both.
		ID: "0354_clicks_drop_influencer_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("DROP INDEX IF EXISTS idx_clicks_influencer_id").Error
		},
	}, {
		// An influencer's clicks are found through their links and the
		// (link_id, at) index, so (influencer_id, at) only cost every click
		// insert a fifth B-tree (about 1 µs of the pure-Go SQLite's ~12).
		ID: "0355_clicks_drop_influencer_at_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("DROP INDEX IF EXISTS idx_clicks_influencer_at").Error
		},
	}, {
		// The influencer dashboard's sums over all of an influencer's ledger
		// (earning currencies, balances, pending unlocks by order) read from
		// the index alone instead of looking up every entry's row: a busy
		// influencer has thousands.
		ID: "0356_ledger_influencer_sums_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_ledger_influencer_sums ON ledger_entries " +
				"(influencer_id, currency, kind, order_id, amount_minor)").Error
		},
	}, {
		// The clicks of a merchant's top influencers (topInfluencers'
		// clicksOf) summed from the index alone: the busiest influencers
		// have link hours in every shop, which (influencer_id, hour) made
		// the query look up row by row to check the shop.
		ID: "0357_stats_link_hours_clicks_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_stats_link_hours_clicks ON stats_link_hours " +
				"(influencer_id, hour, shop_id, clicks_raw, clicks_valid)").Error
		},
	}, {
		// Conversion counts only the orders credited to a click (an order
		// through a link code or the API has none): the roll-ups gain
		// those counts and are rebuilt from the facts at the next refresh.
		ID: "0358_stats_converted_clicks",
		Up: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&ShopHour{}, &LinkHour{}); err != nil {
				return err
			}
			return tx.Exec("UPDATE stats_rollup_state SET rolled_until = 0, order_id = 0, ledger_id = 0, refund_id = 0").Error
		},
	}}
}

// hourOf is the UTC hour number of t.
func hourOf(t time.Time) int64 {
	s := t.Unix()
	if s < 0 && s%3600 != 0 {
		return s/3600 - 1
	}
	return s / 3600
}

// hourStart is the instant an hour number begins.
func hourStart(h int64) time.Time { return time.Unix(h*3600, 0).UTC() }

// Service computes dashboard figures and keeps the roll-ups they read.
type Service struct {
	db     *gorm.DB
	now    func() time.Time
	logger *slog.Logger
	// lateHours is how many hours before the last run are recomputed every
	// run, to take in clicks that were stored late (buffered or replayed).
	lateHours int64
	mu        sync.Mutex // one Refresh at a time in this process
}

// NewService builds the statistics service over db; now is the clock (nil:
// time.Now).
func NewService(db *gorm.DB, now func() time.Time, logger *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, now: func() time.Time { return now().UTC() }, logger: logger, lateHours: 2}
}

// RefreshResult says what a Refresh did.
type RefreshResult struct {
	Hours       int   // hours recomputed
	RolledUntil int64 // first hour not rolled up
}

// Refresh brings the roll-ups up to the last complete hour and recomputes
// every earlier hour whose figures changed since the last run. Running it
// again without new data recomputes only the late-click margin and changes
// nothing.
func (st *Service) Refresh(ctx context.Context) (RefreshResult, error) {
	return st.refresh(ctx, nil)
}

// Progress is told how many of the hours to recompute are done.
type Progress func(done, total int)

func (st *Service) refresh(ctx context.Context, progress Progress) (RefreshResult, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	db := st.db.WithContext(ctx)
	until := hourOf(st.now())
	state, err := loadRollupState(db)
	if err != nil {
		return RefreshResult{}, err
	}
	var maxOrder, maxLedger, maxRefund int64
	for _, m := range []struct {
		model any
		dst   *int64
	}{{&orders.Order{}, &maxOrder}, {&affiliates.LedgerEntry{}, &maxLedger}, {&orders.Refund{}, &maxRefund}} {
		if err := db.Model(m.model).Select("COALESCE(MAX(id), 0)").Scan(m.dst).Error; err != nil {
			return RefreshResult{}, fmt.Errorf("read watermarks: %w", err)
		}
	}
	dirty := map[int64]bool{}
	start := state.RolledUntil - st.lateHours
	if state.RolledUntil == 0 {
		if start, err = firstDataHour(db, until); err != nil {
			return RefreshResult{}, err
		}
	}
	for h := start; h < until; h++ {
		dirty[h] = true
	}
	if err := changedHours(db, state, maxOrder, maxLedger, maxRefund, until, dirty); err != nil {
		return RefreshResult{}, err
	}
	hours := make([]int64, 0, len(dirty))
	for h := range dirty {
		hours = append(hours, h)
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i] < hours[j] })
	done := 0
	for _, run := range hourRuns(hours, 24) {
		if err := st.recompute(ctx, run[0], run[1]); err != nil {
			return RefreshResult{}, err
		}
		if progress != nil {
			done += int(run[1] - run[0])
			progress(done, len(hours))
		}
	}
	state.RolledUntil = max(state.RolledUntil, until)
	state.OrderID, state.LedgerID, state.RefundID, state.RunAt = maxOrder, maxLedger, maxRefund, st.now()
	if err := db.Save(&state).Error; err != nil {
		return RefreshResult{}, fmt.Errorf("save roll-up state: %w", err)
	}
	return RefreshResult{Hours: len(hours), RolledUntil: state.RolledUntil}, nil
}

// Rebuild recomputes every hour from the first fact on, from scratch,
// telling progress (which may be nil) as it goes. The state row is reset
// rather than deleted, so that it still serialises a refresh running in
// another process; if the rebuild is interrupted, the next refresh starts
// from the first fact again.
func (st *Service) Rebuild(ctx context.Context, progress Progress) (RefreshResult, error) {
	st.mu.Lock()
	err := st.db.WithContext(ctx).Exec("UPDATE stats_rollup_state SET rolled_until = 0, order_id = 0, ledger_id = 0, refund_id = 0").Error
	st.mu.Unlock()
	if err != nil {
		return RefreshResult{}, fmt.Errorf("reset roll-up state: %w", err)
	}
	return st.refresh(ctx, progress)
}

func loadRollupState(db *gorm.DB) (rollupState, error) {
	var state rollupState
	err := db.Where("id = 1").Take(&state).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rollupState{ID: 1}, nil
	}
	if err != nil {
		return state, fmt.Errorf("load roll-up state: %w", err)
	}
	return state, nil
}

// firstDataHour is the hour of the earliest order or click (or until when
// there is none).
func firstDataHour(db *gorm.DB, until int64) (int64, error) {
	first := until
	for _, q := range []struct {
		model any
		col   string
	}{{&orders.Order{}, "placed_at"}, {&affiliates.Click{}, "at"}} {
		var ts []time.Time
		if err := db.Model(q.model).Order(q.col).Limit(1).Pluck(q.col, &ts).Error; err != nil {
			return 0, fmt.Errorf("find first fact: %w", err)
		}
		if len(ts) == 1 && hourOf(ts[0]) < first {
			first = hourOf(ts[0])
		}
	}
	return first, nil
}

// changedHours adds the hours (before until) of orders placed, refunded or
// with ledger entries since the watermarks in state.
func changedHours(db *gorm.DB, state rollupState, maxOrder, maxLedger, maxRefund, until int64, dirty map[int64]bool) error {
	var placed []time.Time
	add := func(q *gorm.DB) error {
		placed = placed[:0]
		if err := q.Pluck("placed_at", &placed).Error; err != nil {
			return fmt.Errorf("find changed orders: %w", err)
		}
		for _, t := range placed {
			if h := hourOf(t); h < until {
				dirty[h] = true
			}
		}
		return nil
	}
	if maxOrder > state.OrderID {
		if err := add(db.Model(&orders.Order{}).Where("id > ? AND id <= ?", state.OrderID, maxOrder)); err != nil {
			return err
		}
	}
	if maxRefund > state.RefundID {
		sub := db.Model(&orders.Refund{}).Select("order_id").Where("id > ? AND id <= ?", state.RefundID, maxRefund)
		if err := add(db.Model(&orders.Order{}).Where("id IN (?)", sub)); err != nil {
			return err
		}
	}
	if maxLedger > state.LedgerID {
		newEntries := db.Model(&affiliates.LedgerEntry{}).Where("id > ? AND id <= ?", state.LedgerID, maxLedger)
		byOrder := newEntries.Session(&gorm.Session{}).Select("order_id").Where("kind <> ?", affiliates.EntryPay)
		if err := add(db.Model(&orders.Order{}).Where("id IN (?)", byOrder)); err != nil {
			return err
		}
		// A payout claims older approve and clawback entries; their orders'
		// paid and approved figures change.
		payouts := newEntries.Session(&gorm.Session{}).Select("payout_id").Where("kind = ?", affiliates.EntryPay)
		claimed := db.Model(&affiliates.LedgerEntry{}).Select("order_id").Where("payout_id IN (?) AND kind <> ?", payouts, affiliates.EntryPay)
		if err := add(db.Model(&orders.Order{}).Where("id IN (?)", claimed)); err != nil {
			return err
		}
	}
	return nil
}

// hourRuns groups sorted hours into [from, to) runs of consecutive hours, at
// most maxLen long.
func hourRuns(hours []int64, maxLen int64) [][2]int64 {
	var runs [][2]int64
	for _, h := range hours {
		if n := len(runs); n > 0 && runs[n-1][1] == h && h-runs[n-1][0] < maxLen {
			runs[n-1][1] = h + 1
			continue
		}
		runs = append(runs, [2]int64{h, h + 1})
	}
	return runs
}

// recompute replaces the roll-up rows of hours [from, to) with figures
// aggregated from the source tables. The aggregation reads outside the write
// transaction, so that on SQLite the write lock (which the click recorder
// waits for) is held only to swap the rows: a fact stored after the read has
// an id above this run's watermarks (or a time within the late-click
// margin), so the next run recomputes its hour.
func (st *Service) recompute(ctx context.Context, from, to int64) error {
	agg, err := aggregate(st.db.WithContext(ctx), hourStart(from), hourStart(to), statsScope{})
	if err != nil {
		return err
	}
	shops, links, products := agg.rows()
	return st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Touching the state row first serialises concurrent refreshes on
		// PostgreSQL (SQLite serialises writers anyway).
		if err := tx.Exec("UPDATE stats_rollup_state SET run_at = run_at WHERE id = 1").Error; err != nil {
			return fmt.Errorf("lock roll-up state: %w", err)
		}
		for _, m := range []any{&ShopHour{}, &LinkHour{}, &ProductHour{}} {
			if err := tx.Where("hour >= ? AND hour < ?", from, to).Delete(m).Error; err != nil {
				return fmt.Errorf("clear roll-up: %w", err)
			}
		}
		// Small batches: the SQLite driver binds parameters in quadratic time.
		if len(shops) > 0 {
			if err := tx.CreateInBatches(shops, 60).Error; err != nil {
				return fmt.Errorf("write shop roll-up: %w", err)
			}
		}
		if len(links) > 0 {
			if err := tx.CreateInBatches(links, 60).Error; err != nil {
				return fmt.Errorf("write link roll-up: %w", err)
			}
		}
		if len(products) > 0 {
			if err := tx.CreateInBatches(products, 60).Error; err != nil {
				return fmt.Errorf("write product roll-up: %w", err)
			}
		}
		return nil
	})
}

// statsScope narrows a live aggregation to one shop or one influencer (zero:
// everything, for the roll-up job).
type statsScope struct {
	ShopID       int64
	InfluencerID int64
}

type linkKey struct{ link, shop, hour int64 }
type productKey struct{ product, influencer, hour int64 }

// hourAgg holds aggregated rows by key.
type hourAgg struct {
	shops    map[[2]int64]*ShopHour
	links    map[linkKey]*LinkHour
	products map[productKey]*ProductHour
}

func newHourAgg() *hourAgg {
	return &hourAgg{shops: map[[2]int64]*ShopHour{}, links: map[linkKey]*LinkHour{}, products: map[productKey]*ProductHour{}}
}

func (a *hourAgg) shop(shopID, hour int64) *ShopHour {
	k := [2]int64{shopID, hour}
	r := a.shops[k]
	if r == nil {
		r = &ShopHour{ShopID: shopID, Hour: hour}
		a.shops[k] = r
	}
	return r
}

func (a *hourAgg) link(linkID, shopID, hour, influencerID int64, currency string) *LinkHour {
	k := linkKey{linkID, shopID, hour}
	r := a.links[k]
	if r == nil {
		r = &LinkHour{LinkID: linkID, ShopID: shopID, Hour: hour, InfluencerID: influencerID, Currency: currency}
		a.links[k] = r
	}
	return r
}

func (a *hourAgg) product(productID, influencerID, hour, shopID int64, currency string) *ProductHour {
	k := productKey{productID, influencerID, hour}
	r := a.products[k]
	if r == nil {
		r = &ProductHour{ProductID: productID, InfluencerID: influencerID, Hour: hour, ShopID: shopID, Currency: currency}
		a.products[k] = r
	}
	return r
}

// rows returns the aggregated rows in a stable order.
func (a *hourAgg) rows() ([]ShopHour, []LinkHour, []ProductHour) {
	shops := make([]ShopHour, 0, len(a.shops))
	for _, r := range a.shops {
		shops = append(shops, *r)
	}
	sort.Slice(shops, func(i, j int) bool {
		return shops[i].ShopID < shops[j].ShopID || shops[i].ShopID == shops[j].ShopID && shops[i].Hour < shops[j].Hour
	})
	links := make([]LinkHour, 0, len(a.links))
	for _, r := range a.links {
		links = append(links, *r)
	}
	sort.Slice(links, func(i, j int) bool {
		x, y := links[i], links[j]
		if x.LinkID != y.LinkID {
			return x.LinkID < y.LinkID
		}
		if x.ShopID != y.ShopID {
			return x.ShopID < y.ShopID
		}
		return x.Hour < y.Hour
	})
	products := make([]ProductHour, 0, len(a.products))
	for _, r := range a.products {
		products = append(products, *r)
	}
	sort.Slice(products, func(i, j int) bool {
		x, y := products[i], products[j]
		if x.ProductID != y.ProductID {
			return x.ProductID < y.ProductID
		}
		if x.InfluencerID != y.InfluencerID {
			return x.InfluencerID < y.InfluencerID
		}
		return x.Hour < y.Hour
	})
	return shops, links, products
}

// aggregate computes the roll-up rows of the facts in [from, to) from the
// source tables, narrowed to scope. The hours of rows are the UTC hours of
// the facts; callers pass whole hours except for live edges. Times are
// compared in UTC: SQLite compares stored times as text.
func aggregate(db *gorm.DB, from, to time.Time, scope statsScope) (*hourAgg, error) {
	cache, _ := db.Statement.Context.Value(liveCacheKey{}).(*liveCache)
	key := liveKey{from.UnixNano(), to.UnixNano(), scope}
	if cache != nil {
		if agg, ok := cache.aggs[key]; ok {
			return agg, nil
		}
	}
	agg := newHourAgg()
	if !from.Before(to) {
		return agg, nil
	}
	if cache != nil {
		defer func() { cache.aggs[key] = agg }()
	}
	if err := aggregateOrders(db, from, to, scope, agg); err != nil {
		return nil, err
	}
	if err := aggregateClicks(db, from, to, scope, agg); err != nil {
		return nil, err
	}
	return agg, nil
}

// liveCache keeps the live aggregations of one dashboard request: its totals,
// series and top lists all need the same live interval, computed once.
type liveCache struct{ aggs map[liveKey]*hourAgg }

type liveKey struct {
	from, to int64
	scope    statsScope
}

type liveCacheKey struct{}

// withLiveCache returns a context under which aggregate reuses its results;
// use it for one request only (the data changes).
func withLiveCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, liveCacheKey{}, &liveCache{aggs: map[liveKey]*hourAgg{}})
}

type factOrder struct {
	ID               int64
	ShopID           int64
	Currency         string
	TotalMinor       int64
	PlacedAt         time.Time
	AttrOutcome      string
	AttrLinkID       *int64
	AttrInfluencerID *int64
	AttrClickID      *string
	// firstOfClick: the order is the first credited to its click.
	firstOfClick bool
}

type factLine struct {
	ID            int64
	OrderID       int64
	ProductID     *int64
	Quantity      int64
	AmountMinor   int64
	RefundedMinor int64
}

type factEntry struct {
	OrderID     int64
	LineID      *int64
	Kind        affiliates.EntryKind
	AmountMinor int64
	PayoutID    *int64
}

// scopedOrders selects the orders placed in [from, to) within scope. An
// influencer's orders are those attributed to them (a self-referral is not).
func scopedOrders(db *gorm.DB, from, to time.Time, scope statsScope) *gorm.DB {
	q := db.Model(&orders.Order{}).Where("placed_at >= ? AND placed_at < ?", from.UTC(), to.UTC())
	if scope.ShopID != 0 {
		q = q.Where("shop_id = ?", scope.ShopID)
	}
	if scope.InfluencerID != 0 {
		q = q.Where("attr_influencer_id = ? AND attr_outcome = ?", scope.InfluencerID, orders.OutcomeAttributed)
	}
	return q
}

func aggregateOrders(db *gorm.DB, from, to time.Time, scope statsScope, agg *hourAgg) error {
	facts, err := loadOrderFacts(db, from, to, scope)
	if err != nil {
		return err
	}
	for _, o := range facts.orders {
		agg.addOrder(o, facts, scope)
	}
	return nil
}

// orderFacts are the orders placed in an interval with their lines and what
// their ledger entries add up to.
type orderFacts struct {
	orders    []factOrder
	linesOf   map[int64][]factLine        // by order id
	orderComm map[int64]CommissionBuckets // by order id
	lineComm  map[int64]int64             // commission net of reversals, by line id
}

func loadOrderFacts(db *gorm.DB, from, to time.Time, scope statsScope) (orderFacts, error) {
	var facts orderFacts
	if err := scopedOrders(db, from, to, scope).
		Select("id, shop_id, currency, total_minor, placed_at, attr_outcome, attr_link_id, attr_influencer_id, attr_click_id").
		Find(&facts.orders).Error; err != nil {
		return facts, fmt.Errorf("aggregate orders: %w", err)
	}
	if len(facts.orders) == 0 {
		return facts, nil
	}
	if err := markFirstOfClick(db, facts.orders); err != nil {
		return facts, err
	}
	ids := scopedOrders(db, from, to, scope).Select("id")
	var lines []factLine
	if err := db.Model(&orders.OrderLine{}).Select("id, order_id, product_id, quantity, amount_minor, refunded_minor").
		Where("order_id IN (?)", ids).Find(&lines).Error; err != nil {
		return facts, fmt.Errorf("aggregate order lines: %w", err)
	}
	var entries []factEntry
	if err := db.Model(&affiliates.LedgerEntry{}).Select("order_id, line_id, kind, amount_minor, payout_id").
		Where("order_id IN (?) AND kind <> ?", ids, affiliates.EntryPay).Find(&entries).Error; err != nil {
		return facts, fmt.Errorf("aggregate ledger: %w", err)
	}
	facts.linesOf = map[int64][]factLine{}
	for _, l := range lines {
		facts.linesOf[l.OrderID] = append(facts.linesOf[l.OrderID], l)
	}
	facts.orderComm, facts.lineComm = sumCommission(entries)
	return facts, nil
}

// markFirstOfClick marks the orders that are the first credited to their
// click (the lowest id: orders are never deleted, so a later refresh
// agrees), for conversion to count each click that led to orders once.
func markFirstOfClick(db *gorm.DB, placed []factOrder) error {
	var clicks []string
	for _, o := range placed {
		if o.AttrClickID != nil {
			clicks = append(clicks, *o.AttrClickID)
		}
	}
	first, err := firstOrdersOfClicks(db, clicks)
	if err != nil {
		return err
	}
	for i := range placed {
		if c := placed[i].AttrClickID; c != nil {
			placed[i].firstOfClick = first[*c] == placed[i].ID
		}
	}
	return nil
}

// firstOrdersOfClicks maps each click to the id of the first order
// credited to it.
func firstOrdersOfClicks(db *gorm.DB, clicks []string) (map[string]int64, error) {
	first := map[string]int64{}
	for part := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(clicks))), 500) {
		var rows []struct {
			AttrClickID string
			First       int64
		}
		if err := db.Model(&orders.Order{}).Select("attr_click_id, MIN(id) AS first").
			Where("attr_click_id IN ?", part).Group("attr_click_id").Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("first orders of clicks: %w", err)
		}
		for _, r := range rows {
			first[r.AttrClickID] = r.First
		}
	}
	return first, nil
}

// sumCommission adds ledger entries up into each order's commission buckets
// and each line's commission net of reversals and clawbacks.
func sumCommission(entries []factEntry) (byOrder map[int64]CommissionBuckets, byLine map[int64]int64) {
	byOrder, byLine = map[int64]CommissionBuckets{}, map[int64]int64{}
	for _, e := range entries {
		b := byOrder[e.OrderID]
		b.apply(e.Kind, e.AmountMinor, e.PayoutID != nil)
		byOrder[e.OrderID] = b
		if e.LineID != nil && (e.Kind == affiliates.EntryAccrue || e.Kind == affiliates.EntryReverse || e.Kind == affiliates.EntryClawback) {
			byLine[*e.LineID] += e.AmountMinor
		}
	}
	return byOrder, byLine
}

// addOrder counts one order, in the hour it was placed, for its shop (unless
// the aggregation is an influencer's), its link and its products.
func (a *hourAgg) addOrder(o factOrder, facts orderFacts, scope statsScope) {
	h := hourOf(o.PlacedAt)
	lines, comm := facts.linesOf[o.ID], facts.orderComm[o.ID]
	attributed := o.AttrOutcome == orders.OutcomeAttributed && o.AttrInfluencerID != nil
	clicked := attributed && o.AttrClickID != nil
	if scope.InfluencerID == 0 {
		a.addShopOrder(o, h, lines, comm, attributed, clicked)
	}
	var influencerID int64
	if attributed {
		influencerID = *o.AttrInfluencerID
		if o.AttrLinkID != nil {
			lh := a.link(*o.AttrLinkID, o.ShopID, h, influencerID, o.Currency)
			lh.Orders++
			lh.SalesMinor += o.TotalMinor
			lh.CommissionBuckets.add(comm)
			if clicked {
				lh.ClickEarnedMinor += comm.CommAccrued - comm.CommReversed
				if o.firstOfClick {
					lh.ConvertedClicks++
				}
			} else {
				lh.OffClickOrders++
			}
		}
	}
	for _, l := range lines {
		var productID int64
		if l.ProductID != nil {
			productID = *l.ProductID
		}
		ph := a.product(productID, influencerID, h, o.ShopID, o.Currency)
		ph.Units += l.Quantity
		ph.SalesMinor += l.AmountMinor
		ph.RefundedMinor += l.RefundedMinor
		ph.CommissionMinor += facts.lineComm[l.ID]
	}
}

// addShopOrder counts an order on its shop's row of hour h.
func (a *hourAgg) addShopOrder(o factOrder, h int64, lines []factLine, comm CommissionBuckets, attributed, clicked bool) {
	sh := a.shop(o.ShopID, h)
	sh.Orders++
	sh.GMVMinor += o.TotalMinor
	for _, l := range lines {
		sh.RefundedMinor += l.RefundedMinor
	}
	if attributed {
		sh.AttributedOrders++
		sh.AttributedMinor += o.TotalMinor
	}
	switch {
	case clicked && o.firstOfClick:
		sh.ConvertedClicks++
	case attributed && !clicked:
		sh.OffClickOrders++
	}
	sh.CommissionBuckets.add(comm)
}

// hourExpr is the SQL for the UTC hour number of a timestamp column.
func hourExpr(db *gorm.DB, col string) string {
	if database.DialectOf(db) == database.Postgres {
		return "CAST(FLOOR(EXTRACT(EPOCH FROM " + col + ") / 3600) AS BIGINT)"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER) / 3600"
}

func aggregateClicks(db *gorm.DB, from, to time.Time, scope statsScope, agg *hourAgg) error {
	type row struct {
		LinkID       int64
		InfluencerID int64
		ProductID    *int64
		H            int64
		Raw          int64
		Valid        int64
	}
	q := db.Table("clicks AS c").
		Select("c.link_id, c.influencer_id, CASE WHEN l.kind = ? THEN l.product_id END AS product_id, "+
			hourExpr(db, "c.at")+" AS h, COUNT(*) AS raw, SUM(CASE WHEN c.valid THEN 1 ELSE 0 END) AS valid", affiliates.TargetProduct).
		Joins("JOIN links AS l ON l.id = c.link_id").
		Where("c.at >= ? AND c.at < ?", from.UTC(), to.UTC()).
		Group("c.link_id, c.influencer_id, l.kind, l.product_id, h")
	if scope.InfluencerID != 0 {
		// Through the link: the planner starts at the influencer's links
		// and reads each one's clicks from the (link_id, at) index.
		q = q.Where("l.influencer_id = ?", scope.InfluencerID)
	}
	var rows []row
	if err := q.Scan(&rows).Error; err != nil {
		return fmt.Errorf("aggregate clicks: %w", err)
	}
	// A click on a product link counts for the product's shop; the shop
	// is looked up once per product, and a shop-wide aggregation (whose
	// interval is short: the live hours) keeps that shop's rows.
	shops, err := newShopsOfProducts(db, rows, func(r row) *int64 { return r.ProductID })
	if err != nil {
		return err
	}
	for _, r := range rows {
		shopID, currency := shops.of(r.ProductID)
		if scope.ShopID != 0 && shopID != scope.ShopID {
			continue
		}
		lh := agg.link(r.LinkID, shopID, r.H, r.InfluencerID, currency)
		lh.ClicksRaw += r.Raw
		lh.ClicksValid += r.Valid
		if shopID != 0 && scope.InfluencerID == 0 {
			sh := agg.shop(shopID, r.H)
			sh.ClicksRaw += r.Raw
			sh.ClicksValid += r.Valid
		}
	}
	return nil
}

// shopsOfProducts knows, for a set of products, the shop each belongs to
// and that shop's currency.
type shopsOfProducts struct {
	shopOf   map[int64]int64
	currency map[int64]string
}

func newShopsOfProducts[T any](db *gorm.DB, rows []T, productOf func(T) *int64) (shopsOfProducts, error) {
	ctx := db.Statement.Context
	seen := map[int64]bool{}
	var ids []int64
	for _, r := range rows {
		if id := productOf(r); id != nil && !seen[*id] {
			seen[*id] = true
			ids = append(ids, *id)
		}
	}
	out := shopsOfProducts{currency: map[int64]string{}}
	var err error
	if out.shopOf, err = catalog.ProductShopsTx(ctx, db, ids); err != nil {
		return out, err
	}
	shopIDs := make([]int64, 0, len(out.shopOf))
	for _, id := range out.shopOf {
		shopIDs = append(shopIDs, id)
	}
	shops, err := catalog.ShopsByIDTx(ctx, db, shopIDs)
	for id, s := range shops {
		out.currency[id] = s.Currency
	}
	return out, err
}

// of is the shop and currency of a product (0 and "" for none or unknown).
func (s shopsOfProducts) of(productID *int64) (int64, string) {
	if productID == nil {
		return 0, ""
	}
	shopID := s.shopOf[*productID]
	return shopID, s.currency[shopID]
}

// RefreshArgs is the job that brings the dashboard roll-ups up to date.
// Rebuild recomputes everything from scratch instead.
type RefreshArgs struct {
	Rebuild bool `json:"rebuild,omitempty"`
}

// Kind names the job.
func (RefreshArgs) Kind() string { return "stats_refresh" }

// InsertOpts runs refreshes on the low-priority queue.
func (RefreshArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: jobs.QueueLow} }

// RefreshWorker runs RefreshArgs.
type RefreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	Stats *Service
}

// Work refreshes (or rebuilds) the roll-ups; both are idempotent.
func (w *RefreshWorker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	var res RefreshResult
	var err error
	if job.Args.Rebuild {
		res, err = w.Stats.Rebuild(ctx, nil)
	} else {
		res, err = w.Stats.Refresh(ctx)
	}
	if err == nil && res.Hours > 24 {
		w.Stats.logger.Info("dashboard roll-ups refreshed", "hours", res.Hours)
	}
	return err
}

// PeriodicJobs refreshes the roll-ups every minute (and at start).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return RefreshArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
