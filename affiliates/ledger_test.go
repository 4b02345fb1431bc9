package affiliates

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

func TestCommissionRounding(t *testing.T) {
	tests := []struct {
		amount int64
		bps    int
		want   int64
	}{
		{10_000, 1000, 1000},
		{2_999, 1000, 300}, // 299.9 → 300
		{4_550, 1000, 455},
		{5, 1000, 1},  // 0.5 → 1 (half up)
		{4, 1000, 0},  // 0.4 → 0
		{15, 3333, 5}, // 4.9995 → 5
		{0, 1000, 0},
		{999_999_999_999, 10_000, 999_999_999_999},
	}
	for _, tt := range tests {
		if got := Commission(tt.amount, tt.bps); got != tt.want {
			t.Errorf("Commission(%d, %d) = %d, want %d", tt.amount, tt.bps, got, tt.want)
		}
	}
}

func TestAttributionWindowEdge(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	window := 7 * 24 * time.Hour
	clickAt := f.clock.Now()
	f.click(link, clickAt, true, "edge1")

	f.clock.Advance(window) // exactly at the window: inclusive, attributed
	o := f.checkout(f.ref("edge1"), "buyer@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome != orders.OutcomeAttributed {
		t.Fatalf("order exactly %v after the click: outcome %q (%s), want attributed", window, o.AttrOutcome, o.AttrReason)
	}
	if o.AttrAgeSeconds == nil || *o.AttrAgeSeconds != int64(window/time.Second) || o.AttrWindowDays != 7 || o.AttrRule != RuleVersion {
		t.Errorf("receipt = age %v window %d rule %q, want age %d window 7 rule %q", o.AttrAgeSeconds, o.AttrWindowDays, o.AttrRule, int64(window/time.Second), RuleVersion)
	}
	if o.AttrClickID == nil || *o.AttrClickID != "edge1" || *o.AttrInfluencerID != influencerID {
		t.Errorf("receipt click/influencer = %v/%v", o.AttrClickID, o.AttrInfluencerID)
	}

	f.clock.Advance(time.Second) // one second past: not attributed
	o = f.checkout(f.ref("edge1"), "buyer@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome != orders.OutcomeNone {
		t.Fatalf("order one second past the window: outcome %q, want none", o.AttrOutcome)
	}
	if got := len(f.entries(EntryAccrue)); got != 1 {
		t.Errorf("accrue entries = %d, want 1 (only the order inside the window)", got)
	}
}

func TestAttributionLastValidClickDeterministic(t *testing.T) {
	f := newFixture(t)
	other, err := f.influencers.EnsureInfluencer(f.ctx, Account{ID: 300, Name: "Dimas", Email: "dimas@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	a := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	b, err := f.svc.CreateLink(f.ctx, other.UserID, LinkInput{Kind: TargetStorefront})
	if err != nil {
		t.Fatal(err)
	}
	t0 := f.clock.Now()
	f.click(a, t0, true, "c1")
	f.click(b, t0.Add(time.Hour), true, "c2")    // same instant as c3: the higher id wins
	f.click(a, t0.Add(time.Hour), true, "c3")    // winner
	f.click(b, t0.Add(2*time.Hour), false, "c4") // later but invalid
	f.clock.Advance(3 * time.Hour)
	o := f.checkout(f.ref("c4", "c3", "c2", "c1"), "buyer@example.com", orders.CartItem{ProductID: f.products[1].ID, Quantity: 1})
	if o.AttrClickID == nil || *o.AttrClickID != "c3" {
		t.Fatalf("attributed click = %v, want c3 (last valid, tie broken by id)", o.AttrClickID)
	}
}

func TestSelfReferralEarnsNothing(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "self1")
	o := f.checkout(f.ref("self1"), "RINA@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 2})
	if o.AttrOutcome != orders.OutcomeSelfReferral || o.AttrReason == "" {
		t.Fatalf("outcome = %q (%q), want self_referral with a reason", o.AttrOutcome, o.AttrReason)
	}
	if n := len(f.entries(EntryAccrue)); n != 0 {
		t.Errorf("accrue entries = %d, want 0", n)
	}
	uid := int64(influencerID)
	placed, err := f.orders.Checkout(f.ctx, orders.CheckoutInput{Items: []orders.CartItem{{ProductID: f.products[0].ID, Quantity: 1}}, Email: "other@example.com",
		ShipName: "R", ShipAddress: "Somewhere", Card: "4242424242424242", Ref: f.ref("self1"), BuyerUserID: &uid})
	if err != nil {
		t.Fatal(err)
	}
	if o2 := placed[0]; o2.AttrOutcome != orders.OutcomeSelfReferral {
		t.Errorf("logged-in influencer buying: outcome %q, want self_referral", o2.AttrOutcome)
	}
}

func TestConversionAPIIdempotent(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now().Add(-time.Hour), true, "api1")
	in := orders.ConversionInput{OrderID: "SHOPEE-42", Email: "x@example.com", ClickID: "api1",
		Lines: []orders.ConversionLine{{ProductID: f.products[0].ID, UnitPriceMinor: 10_000, Quantity: 1}, {Title: "Gift wrap", UnitPriceMinor: 500, Quantity: 1}}}
	first, created, err := f.orders.RecordConversion(f.ctx, merchantID, in)
	if err != nil || !created {
		t.Fatalf("first: created=%v err=%v", created, err)
	}
	var wg sync.WaitGroup
	results := make([]orders.Order, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c bool
			results[i], c, errs[i] = f.orders.RecordConversion(f.ctx, merchantID, in)
			if c {
				errs[i] = fault.Conflictf("created a second time")
			}
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || results[i].ID != first.ID {
			t.Errorf("repeat %d: order %d err %v; want order %d", i, results[i].ID, errs[i], first.ID)
		}
	}
	if n, accr := f.count(&orders.Order{}), f.entries(EntryAccrue); n != 1 || len(accr) != 2 {
		t.Fatalf("orders = %d, accrue entries = %d; want 1 and 2", n, len(accr))
	}
	if b := f.balance(f.shop.ID); b.Pending != 1000+50 {
		t.Errorf("pending = %d, want 1050", b.Pending)
	}
}

func TestRefundOneLineOfThree(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetStorefront})
	f.click(link, f.clock.Now(), true, "r1")
	o := f.checkout(f.ref("r1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1}, orders.CartItem{ProductID: f.products[1].ID, Quantity: 3}, orders.CartItem{ProductID: f.products[2].ID, Quantity: 1})
	// commission: 10000→1000; 8997→900 (899.7); 4550→455
	if b := f.balance(0); b.Pending != 1000+900+455 {
		t.Fatalf("pending after sale = %d, want 2355", b.Pending)
	}
	// orders.Refund one of the three units of line 2: 2999 of 8997 → target round(900×2999/8997)=300.
	if _, err := f.orders.Refund(f.ctx, merchantID, o.ID, orders.RefundInput{LineID: o.Lines[1].ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	if b := f.balance(0); b.Pending != 2355-300 || b.Reversed != 300 {
		t.Fatalf("after partial refund pending=%d reversed=%d, want 2055 and 300", b.Pending, b.Reversed)
	}
	// The rest of the line: the total reversed is exactly what was accrued.
	if _, err := f.orders.Refund(f.ctx, merchantID, o.ID, orders.RefundInput{LineID: o.Lines[1].ID, Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	if b := f.balance(0); b.Pending != 1000+455 || b.Reversed != 900 {
		t.Fatalf("after full line refund pending=%d reversed=%d, want 1455 and 900", b.Pending, b.Reversed)
	}
	if _, err := f.orders.Refund(f.ctx, merchantID, o.ID, orders.RefundInput{LineID: o.Lines[1].ID, AmountMinor: 1}); !fault.Is(err, fault.Conflict) {
		t.Errorf("refunding past the line: err = %v, want conflict", err)
	}
	var stock int
	if err := f.db.Table("products").Select("stock").Where("id = ?", f.products[1].ID).Scan(&stock).Error; err != nil {
		t.Fatal(err)
	}
	if stock != 100 {
		t.Errorf("stock after refunding all 3 = %d, want 100", stock)
	}
	// Another merchant cannot refund it.
	f.addShop(999, "other", 500)
	if _, err := f.orders.Refund(f.ctx, 999, o.ID, orders.RefundInput{LineID: o.Lines[0].ID, Quantity: 1}); !fault.Is(err, fault.NotFound) {
		t.Errorf("other merchant refund: err = %v, want not found", err)
	}
}

func TestRefundAfterPayoutClawsBack(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "p1")
	o := f.checkout(f.ref("p1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	f.clock.Advance(13 * 24 * time.Hour)
	if n, err := f.ledger.ApproveDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("approve inside the return window: %d, %v; want 0", n, err)
	}
	f.clock.Advance(24 * time.Hour)
	if n, err := f.ledger.ApproveDue(f.ctx); err != nil || n != 1 {
		t.Fatalf("approve after the return window: %d, %v; want 1", n, err)
	}
	if n, err := f.ledger.ApproveDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("second approval run approved %d, %v; want 0", n, err)
	}
	p, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID)
	if err != nil || p.AmountMinor != 1000 {
		t.Fatalf("payout = %+v, %v; want 1000", p, err)
	}
	if _, err := f.orders.RefundOrder(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	if cb := f.entries(EntryClawback); len(cb) != 1 || cb[0].AmountMinor != -1000 {
		t.Fatalf("clawback entries = %+v, want one of -1000", cb)
	}
	if b := f.balance(0); b.Approved != -1000 || b.Paid != 1000 || b.Pending != 0 {
		t.Fatalf("balance = %+v, want approved -1000 paid 1000", b)
	}
	if _, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID); !fault.Is(err, fault.Conflict) {
		t.Fatalf("payout with negative balance: err = %v, want conflict", err)
	}
	// Future earnings are netted against the clawback.
	f.click(link, f.clock.Now(), true, "p2")
	o2 := f.checkout(f.ref("p2"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 3})
	if err := f.ledger.ApproveOrder(f.ctx, merchantID, o2.ID); err != nil {
		t.Fatal(err)
	}
	p2, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID)
	if err != nil || p2.AmountMinor != 3000-1000 {
		t.Fatalf("second payout = %+v, %v; want 2000 (3000 earned − 1000 clawed back)", p2, err)
	}
	if b := f.balance(0); b.Approved != 0 || b.Paid != 3000 {
		t.Fatalf("final balance = %+v, want approved 0 paid 3000", b)
	}
}

func TestPayoutRaceExactlyOneWins(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	for i := range 5 {
		id := "race" + string(rune('a'+i))
		f.click(link, f.clock.Now(), true, id)
		o := f.checkout(f.ref(id), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
		if err := f.ledger.ApproveOrder(f.ctx, merchantID, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	const racers = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.ledger.CreatePayout(f.ctx, merchantID, influencerID)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !fault.Is(err, fault.Conflict):
			t.Errorf("losing payout: err = %v, want conflict", err)
		}
	}
	var payouts int64
	if err := f.db.Model(&Payout{}).Count(&payouts).Error; err != nil {
		t.Fatal(err)
	}
	if wins != 1 || payouts != 1 || len(f.entries(EntryPay)) != 1 {
		t.Fatalf("wins = %d, payouts = %d, pay entries = %d; want exactly one", wins, payouts, len(f.entries(EntryPay)))
	}
	if b := f.balance(0); b.Paid != 5000 || b.Approved != 0 {
		t.Errorf("balance = %+v, want paid 5000", b)
	}
}

func TestRatePromiseKept(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID}) // promised 10%
	f.click(link, f.clock.Now(), true, "rp1")
	if err := f.db.Model(&f.shop).Update("default_commission_bps", 500).Error; err != nil { // merchant lowers to 5%
		t.Fatal(err)
	}
	f.checkout(f.ref("rp1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1}, orders.CartItem{ProductID: f.products[1].ID, Quantity: 1})
	acc := f.entries(EntryAccrue)
	if len(acc) != 2 {
		t.Fatalf("accrue entries = %d, want 2", len(acc))
	}
	if acc[0].RateBps != 1000 || acc[0].RateSource != string(RateLinkPromise) || acc[0].AmountMinor != 1000 {
		t.Errorf("promised line: %d bps from %s = %d, want 1000 bps link_promise = 1000", acc[0].RateBps, acc[0].RateSource, acc[0].AmountMinor)
	}
	// A product the link did not promise gets today's rate.
	if acc[1].RateBps != 500 || acc[1].RateSource != string(RateShopDefault) {
		t.Errorf("unpromised line: %d bps from %s, want 500 shop_default", acc[1].RateBps, acc[1].RateSource)
	}
	// Raising the rate applies: max(promise, current).
	bps := 1500
	if err := f.db.Model(&f.products[0]).Update("commission_bps", &bps).Error; err != nil {
		t.Fatal(err)
	}
	f.click(link, f.clock.Now(), true, "rp2")
	f.checkout(f.ref("rp2"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	acc = f.entries(EntryAccrue)
	if last := acc[len(acc)-1]; last.RateBps != 1500 || last.RateSource != string(RateProductOverride) {
		t.Errorf("after raise: %d bps from %s, want 1500 product_override", last.RateBps, last.RateSource)
	}
}

func TestApproveDueWorkerIdempotentOnServiceClock(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "w1")
	o := f.checkout(f.ref("w1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1}, orders.CartItem{ProductID: f.products[1].ID, Quantity: 1})
	if err := f.orders.SetHold(f.ctx, merchantID, o.ID, true); err != nil {
		t.Fatal(err)
	}
	w := &ApproveDueWorker{Ledger: f.ledger}
	f.clock.Advance(15 * 24 * time.Hour)
	if err := w.Work(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.entries(EntryApprove)); n != 0 {
		t.Fatalf("held order approved: %d entries", n)
	}
	if err := f.orders.SetHold(f.ctx, merchantID, o.ID, false); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Work(f.ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.entries(EntryApprove)); n != 2 {
		t.Fatalf("approve entries after two runs = %d, want 2 (one per line)", n)
	}
	if len(PeriodicJobs()) != 1 {
		t.Error("the approval job is not scheduled")
	}
}

// TestPayablesLargestFirstWithCount checks the merchant's payables: approved
// commission net of clawbacks per influencer, largest first, cut to a limit
// with the number left out, nobody owed nothing listed, handles filled in.
func TestPayablesLargestFirstWithCount(t *testing.T) {
	f := newFixture(t)
	owed := map[int64]int64{201: 500, 202: 9_000, 203: 1_200, 204: 0, 205: 3_000}
	for id, amount := range owed {
		if _, err := f.influencers.EnsureInfluencer(f.ctx, Account{ID: id, Name: fmt.Sprintf("Creator %d", id), Email: fmt.Sprintf("c%d@example.com", id)}); err != nil {
			t.Fatal(err)
		}
		entries := []LedgerEntry{{Kind: EntryApprove, InfluencerID: id, ShopID: f.shop.ID, OrderID: id, AmountMinor: amount + 700, Currency: "USD"},
			{Kind: EntryClawback, InfluencerID: id, ShopID: f.shop.ID, OrderID: id, AmountMinor: -700, Currency: "USD"}}
		if err := f.db.Create(&entries).Error; err != nil {
			t.Fatal(err)
		}
	}
	rows, more, err := f.ledger.Payables(f.ctx, merchantID, 3)
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
	all, more, err := f.ledger.Payables(f.ctx, merchantID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || more != 0 || all[3].InfluencerID != 201 {
		t.Errorf("all payables: %+v, %d more; want the four owed something, 201 last", all, more)
	}
}

// TestApprovalQueueLooksPastApprovedOrders: the queue lists the newest
// orders awaiting approval even when more than a page of approved orders
// lies between them (old orders on hold, recent ones not yet due).
func TestApprovalQueueLooksPastApprovedOrders(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[1].ID})
	const n = 2*approvalPage + 30
	ids := make([]int64, n)
	for i := range n {
		placed := f.clock.Now().Add(time.Duration(i-n) * time.Hour)
		o, _, err := f.orders.RecordConversion(f.ctx, merchantID, orders.ConversionInput{OrderID: fmt.Sprintf("Q-%d", i), PlacedAt: &placed,
			LinkCode: link.Code, Lines: []orders.ConversionLine{{ProductID: f.products[1].ID, UnitPriceMinor: 2_000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = o.ID
	}
	awaiting := map[int64]bool{ids[0]: true, ids[1]: true, ids[2]: true, ids[n-2]: true, ids[n-1]: true}
	for _, id := range ids {
		if !awaiting[id] {
			if err := f.ledger.ApproveOrder(f.ctx, merchantID, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	queue, err := f.ledger.ApprovalQueue(f.ctx, merchantID, 15)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, a := range queue {
		got = append(got, a.OrderID)
		if a.PendingMinor != 200 || a.Handle != f.influencer.Handle {
			t.Errorf("order %d: pending %d, handle %q; want 200 and %q", a.OrderID, a.PendingMinor, a.Handle, f.influencer.Handle)
		}
	}
	if want := []int64{ids[n-1], ids[n-2], ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("approval queue = %v, want the awaiting orders newest first %v", got, want)
	}
	if queue, err := f.ledger.ApprovalQueue(f.ctx, merchantID, 3); err != nil || len(queue) != 3 || queue[2].OrderID != ids[2] {
		t.Errorf("queue cut at 3: %+v, %v; want the three newest", queue, err)
	}
}

// TestReturnWindowRunsFromDelivery: commission is due for approval only
// once its order was delivered at least the shop's return window (14 days)
// ago; the queue shows no due date before delivery.
func TestReturnWindowRunsFromDelivery(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "d1")
	o := f.checkoutUndelivered(f.ref("d1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	approve := func(when string, want int) {
		t.Helper()
		if n, err := f.ledger.ApproveDue(f.ctx); err != nil || n != want {
			t.Fatalf("approve %s: %d, %v; want %d", when, n, err, want)
		}
	}
	f.clock.Advance(20 * 24 * time.Hour)
	approve("20 days after the sale, not delivered", 0)
	queue, err := f.ledger.ApprovalQueue(f.ctx, merchantID, 10)
	if err != nil || len(queue) != 1 || !queue[0].DueAt.IsZero() {
		t.Fatalf("queue before delivery = %+v, %v; want the order with no due date", queue, err)
	}
	if _, err := f.orders.Ship(f.ctx, merchantID, o.ID, orders.ShipInput{TrackingNumber: "JNE1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.Deliver(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	delivered := f.clock.Now()
	if queue, err = f.ledger.ApprovalQueue(f.ctx, merchantID, 10); err != nil || !queue[0].DueAt.Equal(delivered.Add(14*24*time.Hour)) {
		t.Fatalf("queue after delivery = %+v, %v; want due 14 days after delivery", queue, err)
	}
	f.clock.Advance(14*24*time.Hour - time.Minute)
	approve("a minute before the window after delivery ends", 0)
	f.clock.Advance(time.Minute)
	approve("when the window after delivery ends", 1)
}
