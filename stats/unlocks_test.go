package stats

import (
	"testing"
	"time"

	"github.com/warna/warna/orders"
)

// TestUnlocksWaitForDelivery: pending commission unlocks the shop's return
// window after its order's delivery; that of an order not delivered yet has
// no day (a zero Day, listed last).
func TestUnlocksWaitForDelivery(t *testing.T) {
	w := newStatsWorld(t, time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC))
	shop := w.shops[0] // Jakarta, 7-day window
	link := w.links[0] // influencer 601, a product of shop
	ref := w.svc.Ref(w.click(link, true).ID)
	buy := func() orders.Order {
		t.Helper()
		placed, err := w.orders.Checkout(w.ctx, orders.CheckoutInput{Items: []orders.CartItem{{ProductID: *link.ProductID, Quantity: 1}},
			Email: "b@example.com", ShipName: "Ana", ShipAddress: "Jl. Merdeka 1", Card: "4242424242424242", Ref: ref})
		if err != nil {
			t.Fatal(err)
		}
		return placed[0]
	}
	delivered, waiting := buy(), buy()
	w.clock.Advance(3 * 24 * time.Hour)
	if _, err := w.orders.Ship(w.ctx, shop.OwnerID, delivered.ID, orders.ShipInput{TrackingNumber: "JNE1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.orders.Deliver(w.ctx, shop.OwnerID, delivered.ID); err != nil {
		t.Fatal(err)
	}
	zone := LoadZone(shop.TimeZone)
	rep, err := w.stats.Influencer(w.ctx, link.InfluencerID, RangeInput{Preset: "30d"}, zone, shop.Currency)
	if err != nil {
		t.Fatal(err)
	}
	wantDay := time.Date(2026, 3, 20, 0, 0, 0, 0, zone) // delivered 13 Mar 10:00 WIB + 7 days
	if len(rep.Unlocks) != 2 || !rep.Unlocks[0].Day.Equal(wantDay) || rep.Unlocks[0].Orders != 1 ||
		!rep.Unlocks[1].Day.IsZero() || rep.Unlocks[1].Orders != 1 || rep.Unlocks[1].AmountMinor != rep.Unlocks[0].AmountMinor {
		t.Fatalf("unlocks = %+v, want one order on %v and one awaiting delivery (order %d)", rep.Unlocks, wantDay, waiting.ID)
	}
}
