package orders

import (
	"slices"
	"testing"
	"time"
)

// Best sellers count the units of the last days less those refunded; an
// older sale and a fully refunded one do not count.
func TestBestSellers(t *testing.T) {
	f := newFixture(t)
	a, b, c := f.products[0].ID, f.products[1].ID, f.products[2].ID
	if _, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{c, 9})); err != nil { // 40 days ago
		t.Fatal(err)
	}
	f.clock = f.clock.Add(40 * 24 * time.Hour)
	if _, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{a, 2}, CartItem{b, 1})); err != nil {
		t.Fatal(err)
	}
	placed, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{b, 2}, CartItem{a, 3}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.BestSellers(f.ctx, 30, 10)
	if err != nil || !slices.Equal(got, []int64{a, b}) {
		t.Fatalf("best sellers = %v, %v; want [%d %d] (5 and 3 sold; %d too long ago)", got, err, a, b, c)
	}
	// Refund every unit of a on the second order: b (3) now leads a (2).
	var line OrderLine
	for _, l := range placed[0].Lines {
		if *l.ProductID == a {
			line = l
		}
	}
	if _, err := f.svc.Refund(f.ctx, merchantID, placed[0].ID, RefundInput{LineID: line.ID, Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	if got, err = f.svc.BestSellers(f.ctx, 30, 1); err != nil || !slices.Equal(got, []int64{b}) {
		t.Errorf("after the refund, best seller = %v, %v; want [%d]", got, err, b)
	}
}
