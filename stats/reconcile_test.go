package stats

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// statsWorld is a marketplace with two shops in different time zones and
// currencies, three influencers with links to both, and a test clock.
type statsWorld struct {
	t           *testing.T
	ctx         context.Context
	db          *gorm.DB
	clock       *clock
	svc         *affiliates.Service
	orders      *orders.Service
	ledger      *affiliates.Ledger
	stats       *Service
	shops       []catalog.Shop
	products    map[int64][]catalog.Product // by shop id
	influencers []int64
	links       []affiliates.Link
	clickN      int
	raw         *rawTables // cached source rows for bruteForce; nil after changes
}

const (
	merchantJakarta = 501
	merchantLA      = 502
)

func newStatsWorld(t *testing.T, start time.Time) *statsWorld {
	t.Helper()
	db := dbtest.Open(t, migrations()...)
	w := &statsWorld{t: t, ctx: context.Background(), db: db, clock: &clock{t: start}, products: map[int64][]catalog.Product{}}
	svc, err := affiliates.NewService(db, affiliates.Options{Secret: testSecret, DataDir: t.TempDir(), Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	w.orders = orders.NewService(db, affiliates.NewAttribution(svc, w.clock.Now), orders.NewWebhooks(db, nil, orders.WebhookOptions{Now: w.clock.Now}), w.clock.Now)
	w.ledger = affiliates.NewLedger(db, nil, w.clock.Now, nil)
	w.stats = NewService(db, w.clock.Now, nil)
	profiles := affiliates.NewInfluencers(db, svc, nil, w.clock.Now, nil)
	for _, s := range []catalog.Shop{
		{OwnerID: merchantJakarta, Slug: "batik-jkt", Name: "Batik Jakarta", Currency: "IDR", TimeZone: "Asia/Jakarta",
			DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7},
		{OwnerID: merchantLA, Slug: "linen-la", Name: "Linen LA", Currency: "USD", TimeZone: "America/Los_Angeles",
			DefaultCommissionBps: 750, ReturnWindowDays: 10, AttributionWindowDays: 7},
	} {
		if err := db.Create(&s).Error; err != nil {
			t.Fatal(err)
		}
		w.shops = append(w.shops, s)
		for i, price := range []int64{150_000, 89_999, 12_345} {
			if s.Currency == "USD" {
				price /= 100
			}
			p := catalog.Product{ShopID: s.ID, SKU: fmt.Sprintf("%s-%d", s.Slug, i), Title: fmt.Sprintf("%s item %d", s.Name, i),
				Category: "tops", PriceMinor: price, Currency: s.Currency, Stock: 1_000_000, Status: catalog.StatusActive}
			if i == 2 {
				p.CommissionBps = ptr(1234)
			}
			if err := db.Create(&p).Error; err != nil {
				t.Fatal(err)
			}
			w.products[s.ID] = append(w.products[s.ID], p)
		}
	}
	for i := range 3 {
		id := int64(601 + i)
		if _, err := profiles.EnsureInfluencer(w.ctx, affiliates.Account{ID: id, Name: fmt.Sprintf("Creator %d", i), Email: fmt.Sprintf("c%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
		w.influencers = append(w.influencers, id)
		for _, s := range w.shops {
			for _, p := range w.products[s.ID][:2] {
				l, err := svc.CreateLink(w.ctx, id, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID})
				if err != nil {
					t.Fatal(err)
				}
				w.links = append(w.links, l)
			}
		}
		l, err := svc.CreateLink(w.ctx, id, affiliates.LinkInput{Kind: affiliates.TargetStorefront})
		if err != nil {
			t.Fatal(err)
		}
		w.links = append(w.links, l)
	}
	return w
}

func (w *statsWorld) click(link affiliates.Link, valid bool) affiliates.Click {
	w.t.Helper()
	w.clickN++
	c := affiliates.Click{ID: fmt.Sprintf("c%06d", w.clickN), LinkID: link.ID, InfluencerID: link.InfluencerID,
		Visitor: fmt.Sprintf("v%d", w.clickN%17), At: w.clock.Now(), Valid: valid}
	if !valid {
		c.Reason = "repeat"
	}
	if err := w.db.Create(&c).Error; err != nil {
		w.t.Fatal(err)
	}
	return c
}

// shopOfLink is the shop a product link sells for (nil for storefronts).
func (w *statsWorld) shopOfLink(l affiliates.Link) *catalog.Shop {
	if l.ProductID == nil {
		return nil
	}
	for i, s := range w.shops {
		for _, p := range w.products[s.ID] {
			if p.ID == *l.ProductID {
				return &w.shops[i]
			}
		}
	}
	return nil
}

// buy checks out 1–2 products of shop, through a click when ref is set.
func (w *statsWorld) buy(rng *rand.Rand, shop catalog.Shop, ref string) orders.Order {
	w.t.Helper()
	ps := w.products[shop.ID]
	items := []orders.CartItem{{ProductID: ps[rng.Intn(len(ps))].ID, Quantity: 1 + rng.Intn(3)}}
	if rng.Intn(3) == 0 {
		other := ps[rng.Intn(len(ps))].ID
		if other != items[0].ProductID {
			items = append(items, orders.CartItem{ProductID: other, Quantity: 1})
		}
	}
	placed, err := w.orders.Checkout(w.ctx, orders.CheckoutInput{Items: items, Email: fmt.Sprintf("buyer%d@example.com", rng.Intn(1000)),
		ShipName: "Ana", ShipAddress: "Jl. Merdeka 1", Card: "4242424242424242", Ref: ref})
	if err != nil {
		w.t.Fatalf("checkout: %v", err)
	}
	// Delivered at once, so that the return window runs from the sale.
	if _, err := w.orders.Ship(w.ctx, shop.OwnerID, placed[0].ID, orders.ShipInput{TrackingNumber: "T1"}); err != nil {
		w.t.Fatalf("ship: %v", err)
	}
	o, err := w.orders.Deliver(w.ctx, shop.OwnerID, placed[0].ID)
	if err != nil {
		w.t.Fatalf("deliver: %v", err)
	}
	return o
}

func merchantOf(shop catalog.Shop) int64 { return shop.OwnerID }

// simulate runs a deterministic stream of clicks, sales, refunds (full and
// partial, before and after approval and payout), approvals, payouts and
// roll-up refreshes over days.
func (w *statsWorld) simulate(seed int64, steps int) {
	w.t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var placed []orders.Order
	for step := range steps {
		w.clock.Advance(time.Duration(10+rng.Intn(170)) * time.Minute)
		switch k := rng.Intn(20); {
		case k < 9:
			l := w.links[rng.Intn(len(w.links))]
			c := w.click(l, rng.Intn(5) != 0)
			if c.Valid && rng.Intn(2) == 0 {
				shop := w.shopOfLink(l)
				if shop == nil {
					shop = &w.shops[rng.Intn(len(w.shops))]
				}
				w.clock.Advance(time.Duration(rng.Intn(50)) * time.Minute)
				placed = append(placed, w.buy(rng, *shop, w.svc.Ref(c.ID)))
				if rng.Intn(4) == 0 { // the shopper comes back for more: one click, two orders
					w.clock.Advance(time.Duration(rng.Intn(50)) * time.Minute)
					placed = append(placed, w.buy(rng, *shop, w.svc.Ref(c.ID)))
				}
			}
		case k < 11:
			placed = append(placed, w.buy(rng, w.shops[rng.Intn(len(w.shops))], ""))
		case k < 14 && len(placed) > 0:
			o := placed[rng.Intn(len(placed))]
			shop := w.shopByID(o.ShopID)
			if rng.Intn(2) == 0 {
				if _, err := w.orders.RefundOrder(w.ctx, merchantOf(shop), o.ID); err != nil && !fault.Is(err, fault.Conflict) {
					w.t.Fatal(err) // a conflict: it was refunded already
				}
			} else {
				line := o.Lines[rng.Intn(len(o.Lines))]
				_, err := w.orders.Refund(w.ctx, merchantOf(shop), o.ID, orders.RefundInput{LineID: line.ID, AmountMinor: 1 + line.AmountMinor/3})
				if err != nil && !fault.Is(err, fault.Conflict) {
					w.t.Fatal(err) // a conflict: less than that is left to refund
				}
			}
		case k < 15:
			if _, err := w.ledger.ApproveDue(w.ctx); err != nil {
				w.t.Fatal(err)
			}
		case k < 16 && len(placed) > 0:
			o := placed[rng.Intn(len(placed))]
			if err := w.ledger.ApproveOrder(w.ctx, merchantOf(w.shopByID(o.ShopID)), o.ID); err != nil {
				w.t.Fatal(err)
			}
		case k < 17:
			shop := w.shops[rng.Intn(len(w.shops))]
			_, err := w.ledger.CreatePayout(w.ctx, merchantOf(shop), w.influencers[rng.Intn(len(w.influencers))])
			if err != nil && !fault.Is(err, fault.Conflict) {
				w.t.Fatal(err) // a conflict: nothing to pay
			}
		case k < 18:
			// A conversion reported late, placed hours ago: it lands in an
			// hour that is already rolled up.
			shop := w.shops[rng.Intn(len(w.shops))]
			at := w.clock.Now().Add(-time.Duration(1+rng.Intn(40)) * time.Hour)
			l := w.links[rng.Intn(len(w.links))]
			o, _, err := w.orders.RecordConversion(w.ctx, merchantOf(shop), orders.ConversionInput{
				OrderID: fmt.Sprintf("ext-%d", step), PlacedAt: &at, LinkCode: l.Code,
				Lines: []orders.ConversionLine{{Title: "Off-site scarf", UnitPriceMinor: 5_000, Quantity: 2}, {ProductID: w.products[shop.ID][0].ID, UnitPriceMinor: 7_000, Quantity: 1}},
			})
			if err != nil {
				w.t.Fatal(err)
			}
			placed = append(placed, o)
		default:
			if _, err := w.stats.Refresh(w.ctx); err != nil {
				w.t.Fatal(err)
			}
		}
		if step%40 == 0 {
			// Refresh on the clock as the periodic job would.
			if _, err := w.stats.Refresh(w.ctx); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

func (w *statsWorld) shopByID(id int64) catalog.Shop {
	for _, s := range w.shops {
		if s.ID == id {
			return s
		}
	}
	w.t.Fatalf("no shop %d", id)
	return catalog.Shop{}
}

// rollupSnapshot reads every roll-up row.
func (w *statsWorld) rollupSnapshot() ([]ShopHour, []LinkHour, []ProductHour) {
	w.t.Helper()
	var s []ShopHour
	var l []LinkHour
	var p []ProductHour
	if err := w.db.Order("shop_id, hour").Find(&s).Error; err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.Order("link_id, shop_id, hour").Find(&l).Error; err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.Order("product_id, influencer_id, hour").Find(&p).Error; err != nil {
		w.t.Fatal(err)
	}
	return s, l, p
}

func (w *statsWorld) ranges() []RangeInput {
	return []RangeInput{
		{Preset: PresetToday}, {Preset: Preset7Days}, {Preset: Preset30Days}, {Preset: PresetThisMonth}, {Preset: PresetLastMonth},
		{Preset: PresetCustom, From: "2026-03-03", To: "2026-03-09"},
		{Preset: PresetCustom, From: "2025-12-01", To: "2026-06-30"}, // everything
	}
}

// checkMerchant asserts that the merchant dashboard for in equals the sums of
// its exports and an independent in-memory computation from the raw tables.
func (w *statsWorld) checkMerchant(shop catalog.Shop, in RangeInput) Totals {
	w.t.Helper()
	rep, err := w.stats.Merchant(w.ctx, merchantOf(shop), in, 0)
	if err != nil {
		w.t.Fatalf("%s %+v: %v", shop.Slug, in, err)
	}
	name := fmt.Sprintf("%s %s %s", shop.Slug, in.Preset, rep.Range.Label())
	v := Viewer{MerchantID: merchantOf(shop)}

	var fromCSV Totals
	if err := w.stats.ExportOrders(w.ctx, v, rep.Range, func(r OrderExportRow) error {
		fromCSV.Orders++
		fromCSV.GMVMinor += r.TotalMinor
		fromCSV.RefundedMinor += r.RefundedMinor
		if r.Outcome == orders.OutcomeAttributed {
			fromCSV.AttributedOrders++
			fromCSV.AttributedMinor += r.TotalMinor
		}
		switch {
		case r.FirstForClick:
			fromCSV.ConvertedClicks++
		case r.Outcome == orders.OutcomeAttributed && r.ClickID == "":
			fromCSV.OffClickOrders++
		}
		if r.Currency != shop.Currency {
			w.t.Errorf("%s: order %d in %s, want %s", name, r.OrderID, r.Currency, shop.Currency)
		}
		return nil
	}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.stats.ExportEntries(w.ctx, v, rep.Range, func(r EntryExportRow) error {
		fromCSV.CommissionBuckets.add(r.CommissionBuckets)
		return nil
	}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.stats.ExportClicks(w.ctx, v, rep.Range, func(r ClickExportRow) error {
		fromCSV.ClicksRaw++
		if r.Valid {
			fromCSV.ClicksValid++
		}
		return nil
	}); err != nil {
		w.t.Fatal(err)
	}
	if rep.Totals != fromCSV {
		w.t.Errorf("%s: dashboard totals\n %+v\nexport sums\n %+v", name, rep.Totals, fromCSV)
	}
	if want := w.bruteForce(shop.ID, 0, "", rep.Range); rep.Totals != want {
		w.t.Errorf("%s: dashboard totals\n %+v\nfrom raw tables\n %+v", name, rep.Totals, want)
	}
	w.checkRates(name, in, rep.Totals)
	if want := w.bruteForce(shop.ID, 0, "", rep.Prev); rep.Before != want {
		w.t.Errorf("%s: previous period\n %+v\nfrom raw tables\n %+v", name, rep.Before, want)
	}
	var daySum Totals
	for _, d := range rep.Days {
		daySum.addTotals(d.Totals)
		if len(rep.Days) > 31 {
			continue // the long range's days are each checked in the shorter ranges
		}
		dr := daysRange(PresetCustom, d.Day, d.Day)
		if want := w.bruteForce(shop.ID, 0, "", dr); d.Totals != want {
			w.t.Errorf("%s: day %s\n %+v\nfrom raw tables\n %+v", name, d.Day.Format("2006-01-02"), d.Totals, want)
		}
	}
	if daySum != rep.Totals {
		w.t.Errorf("%s: daily series sums to %+v, totals %+v", name, daySum, rep.Totals)
	}
	// The short top list (ranked from the rows with sales) agrees with the
	// full one.
	short, err := w.stats.Merchant(w.ctx, merchantOf(shop), in, 2)
	if err != nil {
		w.t.Fatal(err)
	}
	var attributed int64
	for _, inf := range rep.TopInfluencers {
		attributed += inf.SalesMinor
	}
	if attributed != rep.Totals.AttributedMinor {
		w.t.Errorf("%s: influencers' sales sum to %d, affiliate sales %d", name, attributed, rep.Totals.AttributedMinor)
	}
	for i, inf := range short.TopInfluencers {
		if i >= len(rep.TopInfluencers) || inf != rep.TopInfluencers[i] {
			w.t.Errorf("%s: short top list row %d %+v, full list %+v", name, i, inf, rep.TopInfluencers)
		}
	}
	var prodSales int64
	for _, p := range rep.TopProducts {
		prodSales += p.SalesMinor
	}
	if prodSales != rep.Totals.GMVMinor {
		w.t.Errorf("%s: product sales sum to %d, GMV %d", name, prodSales, rep.Totals.GMVMinor)
	}
	return rep.Totals
}

// rawTables is every source row, read once per check.
type rawTables struct {
	orders        []orders.Order
	clicks        []affiliates.Click
	entries       []affiliates.LedgerEntry
	shopOfProduct map[int64]int64
	linkByID      map[int64]affiliates.Link
}

func (w *statsWorld) loadRaw() *rawTables {
	w.t.Helper()
	raw := &rawTables{shopOfProduct: map[int64]int64{}, linkByID: map[int64]affiliates.Link{}}
	var links []affiliates.Link
	var products []catalog.Product
	if err := w.db.Preload("Lines").Find(&raw.orders).Error; err != nil {
		w.t.Fatal(err)
	}
	for _, q := range []any{&raw.clicks, &links, &products, &raw.entries} {
		if err := w.db.Find(q).Error; err != nil {
			w.t.Fatal(err)
		}
	}
	for _, p := range products {
		raw.shopOfProduct[p.ID] = p.ShopID
	}
	for _, l := range links {
		raw.linkByID[l.ID] = l
	}
	return raw
}

func (t *Totals) addTotals(o Totals) {
	t.Orders += o.Orders
	t.GMVMinor += o.GMVMinor
	t.AttributedOrders += o.AttributedOrders
	t.ConvertedClicks += o.ConvertedClicks
	t.OffClickOrders += o.OffClickOrders
	t.ClickEarnedMinor += o.ClickEarnedMinor
	t.AttributedMinor += o.AttributedMinor
	t.RefundedMinor += o.RefundedMinor
	t.ClicksRaw += o.ClicksRaw
	t.ClicksValid += o.ClicksValid
	t.CommissionBuckets.add(o.CommissionBuckets)
}

// bruteForce computes a range's totals by reading every raw row into memory:
// for a shop (shopID) or an influencer (influencerID, money in currency).
func (w *statsWorld) bruteForce(shopID, influencerID int64, currency string, r Range) Totals {
	w.t.Helper()
	if w.raw == nil {
		w.raw = w.loadRaw()
	}
	placed, clicks, entries := w.raw.orders, w.raw.clicks, w.raw.entries
	shopOfProduct, linkByID := w.raw.shopOfProduct, w.raw.linkByID
	in := func(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }
	var tot Totals
	for _, c := range clicks {
		l := linkByID[c.LinkID]
		if !in(c.At) {
			continue
		}
		if shopID != 0 && (l.Kind != affiliates.TargetProduct || shopOfProduct[*l.ProductID] != shopID) {
			continue
		}
		if influencerID != 0 && c.InfluencerID != influencerID {
			continue
		}
		tot.ClicksRaw++
		if c.Valid {
			tot.ClicksValid++
		}
	}
	counted, clicked := map[int64]bool{}, map[int64]bool{}
	firstOfClick := map[string]int64{} // over all orders, in or out of range
	for _, o := range placed {
		if o.AttrClickID != nil {
			if f, ok := firstOfClick[*o.AttrClickID]; !ok || o.ID < f {
				firstOfClick[*o.AttrClickID] = o.ID
			}
		}
	}
	for _, o := range placed {
		if !in(o.PlacedAt) || (shopID != 0 && o.ShopID != shopID) {
			continue
		}
		attributed := o.AttrOutcome == orders.OutcomeAttributed
		if influencerID != 0 && (!attributed || *o.AttrInfluencerID != influencerID) {
			continue
		}
		counted[o.ID] = true
		tot.Orders++
		if attributed {
			tot.AttributedOrders++
		}
		switch {
		case attributed && o.AttrClickID != nil:
			clicked[o.ID] = true
			if firstOfClick[*o.AttrClickID] == o.ID {
				tot.ConvertedClicks++
			}
		case attributed:
			tot.OffClickOrders++
		}
		if influencerID != 0 && o.Currency != currency {
			continue
		}
		tot.GMVMinor += o.TotalMinor
		if attributed {
			tot.AttributedMinor += o.TotalMinor
		}
		if shopID != 0 {
			for _, l := range o.Lines {
				tot.RefundedMinor += l.RefundedMinor
			}
		}
	}
	var onClicks CommissionBuckets
	for _, e := range entries {
		if counted[e.OrderID] && (influencerID == 0 || e.Currency == currency) {
			tot.CommissionBuckets.apply(e.Kind, e.AmountMinor, e.PayoutID != nil)
			if clicked[e.OrderID] {
				onClicks.apply(e.Kind, e.AmountMinor, e.PayoutID != nil)
			}
		}
	}
	if influencerID != 0 { // earnings per click is an influencer's figure
		tot.ClickEarnedMinor = onClicks.CommAccrued - onClicks.CommReversed
	}
	return tot
}

func TestDashboardNumbersReconcile(t *testing.T) {
	w := newStatsWorld(t, time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	w.simulate(7, 450)
	w.requireRepeatsAndOffClick()
	refunds := int64(0)
	if err := w.db.Model(&orders.Refund{}).Count(&refunds).Error; err != nil {
		t.Fatal(err)
	}
	var clawbacks, payouts int64
	if err := w.db.Model(&affiliates.LedgerEntry{}).Where("kind = ?", affiliates.EntryClawback).Count(&clawbacks).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.db.Model(&affiliates.Payout{}).Count(&payouts).Error; err != nil {
		t.Fatal(err)
	}
	if refunds < 10 || clawbacks < 2 || payouts < 2 {
		t.Fatalf("the simulation is too tame: %d refunds, %d clawbacks, %d payouts", refunds, clawbacks, payouts)
	}
	t.Logf("simulated until %s: %d refunds, %d clawbacks, %d payouts", w.clock.Now().Format(time.RFC3339), refunds, clawbacks, payouts)

	check := func(stage string) {
		t.Helper()
		w.raw = nil
		for _, shop := range w.shops {
			for _, in := range w.ranges() {
				w.checkMerchant(shop, in)
			}
			// All time: the dashboard's commission equals the ledger's
			// balances with that shop.
			all := w.checkMerchant(shop, w.ranges()[len(w.ranges())-1])
			var ledger CommissionBuckets
			for _, inf := range w.influencers {
				bs, err := w.ledger.Balances(w.ctx, inf, shop.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range bs {
					ledger.add(CommissionBuckets{CommPending: b.Pending, CommApproved: b.Approved, CommPaid: b.Paid, CommReversed: b.Reversed})
				}
			}
			ledger.CommAccrued = all.CommAccrued
			if all.CommissionBuckets != ledger {
				t.Errorf("%s %s: all-time commission %+v, ledger balances %+v", stage, shop.Slug, all.CommissionBuckets, ledger)
			}
		}
		for _, inf := range w.influencers {
			w.checkInfluencer(inf)
		}
	}
	if _, err := w.stats.Refresh(w.ctx); err != nil {
		t.Fatal(err)
	}
	check("refreshed")

	// Idempotent: refreshing again, and rebuilding from scratch, leave the
	// same rows.
	s1, l1, p1 := w.rollupSnapshot()
	if len(s1) == 0 || len(l1) == 0 || len(p1) == 0 {
		t.Fatalf("empty roll-ups: %d shop, %d link, %d product rows", len(s1), len(l1), len(p1))
	}
	if _, err := w.stats.Refresh(w.ctx); err != nil {
		t.Fatal(err)
	}
	s2, l2, p2 := w.rollupSnapshot()
	if !reflect.DeepEqual(s1, s2) || !reflect.DeepEqual(l1, l2) || !reflect.DeepEqual(p1, p2) {
		t.Error("a second refresh changed the roll-ups")
	}
	var done, total int
	rebuilt, err := w.stats.Rebuild(w.ctx, func(d, n int) { done, total = d, n })
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.Hours == 0 || done != rebuilt.Hours || total != rebuilt.Hours {
		t.Errorf("rebuild recomputed %d hours but last reported %d of %d", rebuilt.Hours, done, total)
	}
	s3, l3, p3 := w.rollupSnapshot()
	if !reflect.DeepEqual(s1, s3) || !reflect.DeepEqual(l1, l3) || !reflect.DeepEqual(p1, p3) {
		t.Errorf("incremental roll-ups differ from a rebuild from scratch: %d/%d shop, %d/%d link, %d/%d product rows",
			len(s1), len(s3), len(l1), len(l3), len(p1), len(p3))
	}

	// New sales and clicks after the last refresh are counted live.
	rng := rand.New(rand.NewSource(99))
	for range 12 {
		w.clock.Advance(17 * time.Minute)
		l := w.links[rng.Intn(len(w.links))]
		c := w.click(l, true)
		if shop := w.shopOfLink(l); shop != nil {
			w.buy(rng, *shop, w.svc.Ref(c.ID))
		}
	}
	check("live")
}

// checkRates: over the range that holds every click and order, conversion
// is at most 100 % (each click that led to orders counts once, orders
// without a click not at all), and so are the top influencers'.
func (w *statsWorld) checkRates(name string, in RangeInput, t Totals) {
	w.t.Helper()
	if in.Preset != PresetCustom || in.From != "2025-12-01" {
		return
	}
	if r := t.ConversionRate(); r > 1 || t.ConvertedClicks > t.ClicksValid {
		w.t.Errorf("%s: conversion %.0f %% (%d converted of %d valid clicks)", name, 100*r, t.ConvertedClicks, t.ClicksValid)
	}
}

// requireRepeatsAndOffClick fails when the world has no click with two
// orders or no order without a click: the conversion checks would prove
// nothing (the old definition, orders ÷ clicks, passed then).
func (w *statsWorld) requireRepeatsAndOffClick() {
	w.t.Helper()
	if w.raw == nil {
		w.raw = w.loadRaw()
	}
	perClick, offClick := map[string]int{}, 0
	for _, o := range w.raw.orders {
		switch {
		case o.AttrClickID != nil:
			perClick[*o.AttrClickID]++
		case o.AttrOutcome == orders.OutcomeAttributed:
			offClick++
		}
	}
	repeats := 0
	for _, n := range perClick {
		if n > 1 {
			repeats++
		}
	}
	if repeats == 0 || offClick == 0 {
		w.t.Fatalf("the simulation made %d clicks with several orders and %d orders without a click; want some of each", repeats, offClick)
	}
}

func (w *statsWorld) checkInfluencer(inf int64) {
	w.t.Helper()
	for _, in := range w.ranges() {
		for _, zone := range []string{"Asia/Jakarta", "America/Los_Angeles"} {
			rep, err := w.stats.Influencer(w.ctx, inf, in, LoadZone(zone), "")
			if err != nil {
				w.t.Fatal(err)
			}
			name := fmt.Sprintf("influencer %d %s %s %s", inf, in.Preset, zone, rep.Range.Label())
			want := w.bruteForce(0, inf, rep.Currency, rep.Range)
			want.RefundedMinor = 0 // not shown to influencers
			if rep.Totals != want {
				w.t.Errorf("%s: dashboard %+v\nfrom raw tables %+v", name, rep.Totals, want)
			}
			w.checkRates(name, in, rep.Totals)
			var fromCSV Totals
			v := Viewer{InfluencerID: inf}
			err = w.stats.ExportEntries(w.ctx, v, rep.Range, func(r EntryExportRow) error {
				if r.Currency == rep.Currency {
					fromCSV.CommissionBuckets.add(r.CommissionBuckets)
				}
				return nil
			})
			if err != nil {
				w.t.Fatal(err)
			}
			err = w.stats.ExportClicks(w.ctx, v, rep.Range, func(r ClickExportRow) error {
				fromCSV.ClicksRaw++
				if r.Valid {
					fromCSV.ClicksValid++
				}
				return nil
			})
			if err != nil {
				w.t.Fatal(err)
			}
			err = w.stats.ExportOrders(w.ctx, v, rep.Range, func(r OrderExportRow) error {
				fromCSV.Orders++
				fromCSV.AttributedOrders++
				if r.FirstForClick {
					fromCSV.ConvertedClicks++
				}
				if r.ClickID == "" {
					fromCSV.OffClickOrders++
				}
				if r.Currency == rep.Currency {
					fromCSV.GMVMinor += r.TotalMinor
					fromCSV.AttributedMinor += r.TotalMinor
					if r.ClickID != "" {
						fromCSV.ClickEarnedMinor += r.CommissionMinor
					}
				}
				return nil
			})
			if err != nil {
				w.t.Fatal(err)
			}
			if rep.Totals != fromCSV {
				w.t.Errorf("%s: dashboard %+v\nexport sums %+v", name, rep.Totals, fromCSV)
			}
			var linkSum Totals
			for _, l := range rep.Links {
				linkSum.addTotals(l.Totals)
			}
			if linkSum != rep.Totals {
				w.t.Errorf("%s: links sum to %+v, totals %+v", name, linkSum, rep.Totals)
			}
			if in.Preset == PresetCustom && in.From == "2025-12-01" {
				w.checkInfluencerLedger(inf, rep)
			}
		}
	}
}

// checkInfluencerLedger compares all-time figures with the ledger balances.
func (w *statsWorld) checkInfluencerLedger(inf int64, rep InfluencerReport) {
	w.t.Helper()
	bs, err := w.ledger.Balances(w.ctx, inf, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, b := range bs {
		if b.Currency != rep.Currency {
			continue
		}
		got := rep.Totals.CommissionBuckets
		if got.CommPending != b.Pending || got.CommApproved != b.Approved || got.CommPaid != b.Paid || got.CommReversed != b.Reversed {
			w.t.Errorf("influencer %d: all-time %+v, ledger balance %+v", inf, got, b)
		}
		var unlocking int64
		for _, u := range rep.Unlocks {
			unlocking += u.AmountMinor
		}
		if unlocking != b.Pending {
			w.t.Errorf("influencer %d: unlock schedule sums to %d, pending balance %d", inf, unlocking, b.Pending)
		}
	}
}

// An order at 23:30 local time on the last day of a range is in it; one at
// 00:30 the next day is not — in both zones, read live and from roll-ups.
func TestRangeTimeZoneEdges(t *testing.T) {
	w := newStatsWorld(t, time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC))
	for _, shop := range w.shops {
		zone := LoadZone(shop.TimeZone)
		for i, at := range []time.Time{
			time.Date(2026, 3, 10, 23, 30, 0, 0, zone),
			time.Date(2026, 3, 11, 0, 30, 0, 0, zone),
			time.Date(2026, 3, 9, 23, 59, 0, 0, zone),
			time.Date(2026, 3, 10, 0, 0, 0, 0, zone),
		} {
			_, _, err := w.orders.RecordConversion(w.ctx, shop.OwnerID, orders.ConversionInput{OrderID: fmt.Sprintf("edge-%d", i), PlacedAt: &at,
				Lines: []orders.ConversionLine{{Title: "x", UnitPriceMinor: int64(100 * (i + 1)), Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	in := RangeInput{Preset: PresetCustom, From: "2026-03-10", To: "2026-03-10"}
	for _, stage := range []string{"live", "rolled up"} {
		if stage == "rolled up" {
			if _, err := w.stats.Refresh(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, shop := range w.shops {
			rep, err := w.stats.Merchant(w.ctx, shop.OwnerID, in, 5)
			if err != nil {
				t.Fatal(err)
			}
			// In: 23:30 (100) and 00:00 (400); out: 00:30 next day (200), 23:59 the day before (300).
			if rep.Totals.Orders != 2 || rep.Totals.GMVMinor != 500 {
				t.Errorf("%s %s: %d orders worth %d, want 2 worth 500", stage, shop.Slug, rep.Totals.Orders, rep.Totals.GMVMinor)
			}
			if len(rep.Days) != 1 || rep.Days[0].GMVMinor != 500 {
				t.Errorf("%s %s: days %+v", stage, shop.Slug, rep.Days)
			}
			if rep.Before.GMVMinor != 300 {
				t.Errorf("%s %s: previous day GMV %d, want 300", stage, shop.Slug, rep.Before.GMVMinor)
			}
		}
	}
}

func TestResolveRange(t *testing.T) {
	jkt := LoadZone("Asia/Jakarta")
	la := LoadZone("America/Los_Angeles")
	now := time.Date(2026, 3, 8, 20, 0, 0, 0, time.UTC) // 9 Mar 03:00 in Jakarta, 8 Mar 13:00 in LA (PDT from 8 Mar)
	tests := []struct {
		in          RangeInput
		zone        *time.Location
		first, last string
		hours       float64
	}{
		{RangeInput{Preset: PresetToday}, jkt, "2026-03-09", "2026-03-09", 24},
		{RangeInput{Preset: PresetToday}, la, "2026-03-08", "2026-03-08", 23}, // the DST change day
		{RangeInput{Preset: Preset7Days}, jkt, "2026-03-03", "2026-03-09", 168},
		{RangeInput{Preset: Preset30Days}, jkt, "2026-02-08", "2026-03-09", 720},
		{RangeInput{Preset: PresetThisMonth}, la, "2026-03-01", "2026-03-08", 191},
		{RangeInput{Preset: PresetLastMonth}, jkt, "2026-02-01", "2026-02-28", 672},
		{RangeInput{From: "2026-01-30", To: "2026-02-02"}, jkt, "2026-01-30", "2026-02-02", 96},
	}
	for _, tt := range tests {
		r, err := ResolveRange(tt.in, tt.zone, now)
		if err != nil {
			t.Fatalf("%+v: %v", tt.in, err)
		}
		if got := r.FirstDay.Format("2006-01-02"); got != tt.first {
			t.Errorf("%+v: first day %s, want %s", tt.in, got, tt.first)
		}
		if got := r.LastDay.Format("2006-01-02"); got != tt.last {
			t.Errorf("%+v: last day %s, want %s", tt.in, got, tt.last)
		}
		if got := r.To.Sub(r.From).Hours(); got != tt.hours {
			t.Errorf("%+v: %v hours, want %v", tt.in, got, tt.hours)
		}
		prev := r.Previous()
		if !prev.To.Equal(r.From) || dayCount(prev.FirstDay, prev.LastDay) != dayCount(r.FirstDay, r.LastDay) {
			t.Errorf("%+v: previous %s is not the same number of days just before", tt.in, prev.Label())
		}
	}
	for _, bad := range []RangeInput{{Preset: "week"}, {From: "2026-03-10", To: "2026-03-01"}, {From: "10/03/2026", To: "2026-03-11"}, {From: "2024-01-01", To: "2026-01-01"}} {
		if _, err := ResolveRange(bad, jkt, now); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
