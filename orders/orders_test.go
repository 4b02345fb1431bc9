package orders

import (
	"strings"
	"sync"
	"testing"

	"github.com/warna/warna/catalog"
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
	placed, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{f.products[0].ID, 3}))
	if err != nil {
		t.Fatal(err)
	}
	o := placed[0]
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

func TestCartCookieSigned(t *testing.T) {
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
	if _, err := f.carts.AddToCart(f.ctx, got, 9999, 1); !fault.Is(err, fault.NotFound) {
		t.Errorf("adding an unknown product: %v, want not found", err)
	}
}

// addShop adds a second shop (owner merchantID+1) with one product.
func (f *fixture) addShop(slug string) (catalog.Shop, catalog.Product) {
	f.t.Helper()
	first := f.shop
	other := first
	other.ID, other.OwnerID, other.Slug, other.Name = 0, merchantID+1, slug, "Other Shop"
	if err := f.db.Create(&other).Error; err != nil {
		f.t.Fatal(err)
	}
	f.shop = other
	p := f.addProduct("ELSEWHERE", 500, 10)
	f.shop = first
	return other, p
}

func TestCartOfSeveralShops(t *testing.T) {
	f := newFixture(t)
	other, elsewhere := f.addShop("other")
	var items []CartItem
	var err error
	for _, add := range []CartItem{{f.products[0].ID, 2}, {elsewhere.ID, 1}, {f.products[1].ID, 1}} {
		if items, err = f.carts.AddToCart(f.ctx, items, add.ProductID, add.Quantity); err != nil {
			t.Fatalf("add %v: %v", add, err)
		}
	}
	view, err := f.carts.Cart(f.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Shops) != 2 || view.Shops[0].Shop.ID != f.shop.ID || view.Shops[1].Shop.ID != other.ID {
		t.Fatalf("cart shops = %+v, want Batik then Other Shop", view.Shops)
	}
	if got := []int64{view.Shops[0].TotalMinor, view.Shops[1].TotalMinor}; got[0] != 22_999 || got[1] != 500 {
		t.Errorf("shop totals = %v, want [22999 500]", got)
	}
	if len(view.Totals) != 1 || view.Totals[0] != (Total{"USD", 23_499}) || view.Items != 4 {
		t.Errorf("totals = %v, items %d; want USD 23499 in 4 items", view.Totals, view.Items)
	}

	// Quantities change per line; 0 removes; out of range is refused.
	if items, err = SetQuantity(items, f.products[0].ID, 5); err != nil || items[0].Quantity != 5 {
		t.Errorf("set quantity 5: %v, %v", items, err)
	}
	if items, err = SetQuantity(items, elsewhere.ID, 0); err != nil || len(items) != 2 {
		t.Errorf("set quantity 0: %v, %v; want the line removed", items, err)
	}
	if _, err := SetQuantity(items, f.products[0].ID, 100); fault.FieldOf(err) != "quantity" {
		t.Errorf("set quantity 100: %v, want an error on quantity", err)
	}
}

func TestCheckoutPlacesOneOrderPerShop(t *testing.T) {
	f := newFixture(t)
	other, elsewhere := f.addShop("other")
	in := validCheckout(CartItem{f.products[0].ID, 1}, CartItem{elsewhere.ID, 2}, CartItem{f.products[1].ID, 1})
	in.Ref = "cookie"
	placed, err := f.svc.Checkout(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != 2 || placed[0].ShopID != f.shop.ID || placed[1].ShopID != other.ID {
		t.Fatalf("placed %d orders, want one in Batik and one in Other Shop", len(placed))
	}
	if placed[0].TotalMinor != 12_999 || len(placed[0].Lines) != 2 || placed[1].TotalMinor != 1_000 {
		t.Errorf("totals %d (%d lines) and %d; want 12999 (2 lines) and 1000", placed[0].TotalMinor, len(placed[0].Lines), placed[1].TotalMinor)
	}
	if placed[0].Token == "" || placed[0].Token != placed[1].Token {
		t.Errorf("tokens %q and %q, want one shared token", placed[0].Token, placed[1].Token)
	}
	got, err := f.svc.CheckoutOrders(f.ctx, placed[0].Token)
	if err != nil || len(got) != 2 || got[1].Lines[0].Quantity != 2 {
		t.Errorf("CheckoutOrders = %d orders, %v; want both with their lines", len(got), err)
	}
	for _, bad := range []string{"", "nope", strings.Repeat("0", 32)} {
		if _, err := f.svc.CheckoutOrders(f.ctx, bad); !fault.Is(err, fault.NotFound) {
			t.Errorf("CheckoutOrders(%q): %v, want not found", bad, err)
		}
	}
	if f.stock(elsewhere.ID) != 8 || f.stock(f.products[0].ID) != 99 {
		t.Errorf("stock %d and %d, want 8 and 99", f.stock(elsewhere.ID), f.stock(f.products[0].ID))
	}

	// One transaction: the second shop's product sold out leaves the first
	// shop's order unplaced too.
	scarce := f.addProduct("SCARCE", 100, 0)
	before := f.count(&Order{})
	if _, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{elsewhere.ID, 1}, CartItem{scarce.ID, 1})); !fault.Is(err, fault.Conflict) {
		t.Fatalf("checkout with a sold-out product: %v, want a conflict", err)
	}
	if n := f.count(&Order{}); n != before || f.stock(elsewhere.ID) != 8 {
		t.Errorf("after a failed checkout: %d orders (want %d), stock %d (want 8)", n, before, f.stock(elsewhere.ID))
	}
}
