package orders

import (
	"strings"
	"sync"
	"testing"

	"github.com/warna/warna/fault"
)

func validCheckout(items ...CartItem) CheckoutInput {
	return CheckoutInput{Items: items, Email: "b@example.com", ShipName: "Ana", ShipAddress: "Jl. Merdeka 1, Jakarta", Card: "4242 4242 4242 4242"}
}

func TestDeclinedPaymentWritesNothing(t *testing.T) {
	f := newFixture(t)
	in := validCheckout(CartItem{f.products[0].ID, 1})
	in.Card = DeclineCard
	_, err := f.svc.Checkout(f.ctx, in)
	if fault.FieldOf(err) != "card" {
		t.Fatalf("declined card: err = %v, want an error on field card", err)
	}
	if n, stock := f.count(&Order{}), f.stock(f.products[0].ID); n != 0 || stock != 100 {
		t.Errorf("after decline: %d orders, stock %d; want 0 and 100", n, stock)
	}
	if len(f.commissions.accrued) != 0 {
		t.Errorf("commission accrued for orders %v of a declined payment", f.commissions.accrued)
	}
}

func TestConcurrentCheckoutsNeverOversell(t *testing.T) {
	f := newFixture(t)
	scarce := f.addProduct("SCARCE", 1_000, 5)
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.Checkout(f.ctx, validCheckout(CartItem{scarce.ID, 1}, CartItem{f.products[i%3].ID, 1}))
		}()
	}
	wg.Wait()
	sold := 0
	for _, err := range errs {
		switch {
		case err == nil:
			sold++
		case !fault.Is(err, fault.Conflict):
			t.Errorf("checkout failed with %v, want success or an out-of-stock conflict", err)
		}
	}
	if stock, n := f.stock(scarce.ID), f.count(&Order{}); sold != 5 || stock != 0 || n != 5 {
		t.Fatalf("sold %d, stock left %d, orders %d; want 5, 0, 5", sold, stock, n)
	}
}

func TestRefundRestocksAndReversesCommission(t *testing.T) {
	f := newFixture(t)
	o, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{f.products[0].ID, 3}))
	if err != nil {
		t.Fatal(err)
	}
	if f.stock(f.products[0].ID) != 97 {
		t.Fatalf("stock after selling 3 = %d, want 97", f.stock(f.products[0].ID))
	}
	line := o.Lines[0]
	got, err := f.svc.Refund(f.ctx, merchantID, o.ID, RefundInput{LineID: line.ID, Quantity: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.Lines[0].RefundedMinor != 20_000 || got.Lines[0].RefundedQty != 2 {
		t.Errorf("refunded line = %+v, want 20000 minor units and 2 units refunded", got.Lines[0])
	}
	if stock := f.stock(f.products[0].ID); stock != 99 {
		t.Errorf("stock after 2 returned = %d, want 99", stock)
	}
	if f.commissions.reversed[line.ID] != 20_000 {
		t.Errorf("commission reversal asked for %d refunded, want 20000", f.commissions.reversed[line.ID])
	}
	// More than is left, another merchant, a line of another order.
	if _, err := f.svc.Refund(f.ctx, merchantID, o.ID, RefundInput{LineID: line.ID, Quantity: 2}); !fault.Is(err, fault.Conflict) {
		t.Errorf("refunding 2 more of 1 left: %v, want a conflict", err)
	}
	if _, err := f.svc.Refund(f.ctx, 999, o.ID, RefundInput{LineID: line.ID, Quantity: 1}); !fault.Is(err, fault.NotFound) {
		t.Errorf("refund by a merchant without the order: %v, want not found", err)
	}
	if _, err := f.svc.Refund(f.ctx, merchantID, o.ID, RefundInput{LineID: line.ID + 99, Quantity: 1}); fault.FieldOf(err) != "line_id" {
		t.Errorf("refund of a line not in the order: %v, want an error on line_id", err)
	}
	if _, err := f.svc.RefundOrder(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RefundOrder(f.ctx, merchantID, o.ID); !fault.Is(err, fault.Conflict) || !strings.Contains(fault.MessageOf(err), "already fully refunded") {
		t.Errorf("refunding a refunded order: %v, want a conflict saying so", err)
	}
	if n := f.count(&Refund{}); n != 2 {
		t.Errorf("refund rows = %d, want 2", n)
	}
}

func TestCartCookieSignedAndOneShop(t *testing.T) {
	f := newFixture(t)
	items, err := f.carts.AddToCart(f.ctx, nil, f.products[0].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if items, err = f.carts.AddToCart(f.ctx, items, f.products[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	cookie := f.carts.EncodeCart(items)
	got := f.carts.DecodeCart(cookie)
	if len(got) != 1 || got[0] != (CartItem{f.products[0].ID, 3}) {
		t.Fatalf("decoded cart %v, want 3 of product %d", got, f.products[0].ID)
	}
	for _, forged := range []string{strings.Replace(cookie, ":3", ":9", 1), "", ".", cookie + "0"} {
		if got := f.carts.DecodeCart(forged); got != nil {
			t.Errorf("DecodeCart(%q) = %v, want an empty cart", forged, got)
		}
	}
	if got := NewCarts(f.db, "another-secret-0123456789abcdef").DecodeCart(cookie); got != nil {
		t.Errorf("a cookie signed under another secret decoded to %v", got)
	}
	view, err := f.carts.Cart(f.ctx, got)
	if err != nil || view.TotalMinor != 30_000 || view.Shop.ID != f.shop.ID {
		t.Fatalf("cart = %+v, %v; want 30000 in shop %d", view, err, f.shop.ID)
	}

	other := f.shop
	other.ID, other.OwnerID, other.Slug, other.Name = 0, merchantID+1, "other", "Other Shop"
	if err := f.db.Create(&other).Error; err != nil {
		t.Fatal(err)
	}
	f.shop = other
	elsewhere := f.addProduct("ELSEWHERE", 500, 10)
	if _, err := f.carts.AddToCart(f.ctx, got, elsewhere.ID, 1); !fault.Is(err, fault.Conflict) || !strings.Contains(fault.MessageOf(err), "Batik") {
		t.Errorf("adding another shop's product: %v, want a conflict naming the cart's shop", err)
	}
	if _, err := f.carts.AddToCart(f.ctx, got, 9999, 1); !fault.Is(err, fault.NotFound) {
		t.Errorf("adding an unknown product: %v, want not found", err)
	}
}
