package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
)

// english switches the browser to English, so that the tests read the
// pages' English texts.
func (b *browser) english() {
	b.t.Helper()
	if res := b.get("/language?to=en&next=/"); res.Status != http.StatusSeeOther {
		b.t.Fatalf("switch to English: %d", res.Status)
	}
}

func (b *browser) addToCart(productID int64, qty int) {
	b.t.Helper()
	res := b.submit("/login", "/cart/add", url.Values{"product_id": {strconv.FormatInt(productID, 10)}, "quantity": {strconv.Itoa(qty)}})
	if res.Status != http.StatusSeeOther {
		b.t.Fatalf("add %d to cart: %d", productID, res.Status)
	}
}

var checkoutForm = url.Values{"email": {"buyer@example.com"}, "ship_name": {"Ana"}, "ship_address": {"Jl. Merdeka 1"}, "card": {"4242 4242 4242 4242"}}

// checkOut places the cart's orders and returns the address of their page.
func (b *browser) checkOut() string {
	b.t.Helper()
	res := b.submit("/checkout", "/checkout", url.Values(cloneValues(checkoutForm)))
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/orders/") {
		b.t.Fatalf("checkout: %d to %q, want a 303 to the orders' page; %.300s", res.Status, res.Location, res.Body)
	}
	return res.Location
}

func (s *affSite) orderCount(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := s.db.Model(&orders.Order{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// addShop adds a second shop, in rupiah, with one product.
func (s *affSite) addShop(t *testing.T) (catalog.Shop, catalog.Product) {
	t.Helper()
	shop := catalog.Shop{OwnerID: s.merchant.ID + 1000, Slug: "tenun", Name: "Tenun Ikat", Currency: "IDR", TimeZone: "Asia/Makassar",
		DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7}
	if err := s.db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	p := catalog.Product{ShopID: shop.ID, SKU: "T1", Title: "Tenun 1", Category: "tops", PriceMinor: 200_000, Currency: "IDR", Stock: 5, Status: catalog.StatusActive}
	if err := s.db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	return shop, p
}

// TestCheckoutPostRedirectGet: a placed checkout answers 303 to its
// orders' page, which a reload shows again without placing anything; the
// page promises no email and is not cached.
func TestCheckoutPostRedirectGet(t *testing.T) {
	s := newAffSite(t)
	b := s.browser()
	b.english()
	b.addToCart(s.products[0].ID, 1)
	page := b.checkOut()
	for range 2 { // the redirect, then a reload
		res := b.get(page)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Batik Sari") || !strings.Contains(res.Body, "Placed, waiting to ship") {
			t.Fatalf("orders' page: %d %.500s", res.Status, res.Body)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("orders' page Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
		}
		if strings.Contains(strings.ToLower(res.Body), "confirmation goes to") {
			t.Errorf("the page promises an email")
		}
		if !strings.Contains(res.Body, `href="/signup/checkout?email=`) {
			t.Errorf("a guest is not offered an account for the email just used")
		}
	}
	if n := s.orderCount(t); n != 1 {
		t.Fatalf("%d orders after a reload, want 1", n)
	}
	// Posting again (the browser's "resend") finds an empty cart.
	if res := b.submit("/login", "/checkout", cloneValues(checkoutForm)); res.Location != "/cart" || s.orderCount(t) != 1 {
		t.Errorf("second post: %d to %q, %d orders; want back to the cart and 1 order", res.Status, res.Location, s.orderCount(t))
	}
	if res := b.get("/orders/" + strings.Repeat("a", 32)); res.Status != http.StatusNotFound {
		t.Errorf("unknown token: %d, want 404", res.Status)
	}
}

// TestCartOfTwoShops: the cart shows photos and quantity forms, holds two
// shops' products and labels its total; checkout places one order per shop,
// attributed each on its own (a product link counts for its shop only).
func TestCartOfTwoShops(t *testing.T) {
	s := newAffSite(t)
	_, tenun := s.addShop(t)
	cover := catalog.Image{ProductID: s.products[0].ID, SHA256: strings.Repeat("ab", 32), Format: "jpeg", Width: 800, Height: 600,
		Status: catalog.ImageReady, Thumbs: `[{"size":160,"width":160,"height":120,"key":"thumb-160.jpg"}]`}
	if err := s.db.Create(&cover).Error; err != nil {
		t.Fatal(err)
	}
	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[0].ID})
	b := s.browser()
	b.english()
	if res := b.getUA("/r/" + link.Code); res.Status != http.StatusFound {
		t.Fatalf("follow: %d", res.Status)
	}
	s.waitClicks(t, link.ID, 1)
	b.addToCart(s.products[0].ID, 1)
	b.addToCart(tenun.ID, 1)
	if res := b.submit("/cart", "/cart/update", url.Values{"product_id": {strconv.FormatInt(tenun.ID, 10)}, "quantity": {"3"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("update quantity: %d", res.Status)
	}
	cart := b.get("/cart")
	for _, want := range []string{"Batik Sari", "Tenun Ikat", `src="/media/thumb-160.jpg"`, `name="quantity" type="number" min="0" max="99" value="3"`,
		`action="/cart/update"`, "Total: <strong>Rp 750,000</strong>"} {
		if !strings.Contains(cart.Body, want) {
			t.Errorf("cart lacks %q", want)
		}
	}
	if res := b.submit("/cart", "/cart/update", url.Values{"product_id": {strconv.FormatInt(tenun.ID, 10)}, "quantity": {"100"}}); res.Status != http.StatusSeeOther ||
		!strings.Contains(b.get("/cart").Body, "Choose a quantity between 1 and 99") {
		t.Errorf("quantity 100: %d, want the cart again with the reason", res.Status)
	}

	page := b.get(b.checkOut())
	placed, err := s.orders.OrdersOfShop(context.Background(), s.merchant.ID, 10)
	if err != nil || len(placed) != 1 {
		t.Fatalf("Batik Sari's orders: %d, %v", len(placed), err)
	}
	var other orders.Order
	if err := s.db.Where("shop_id = ?", tenun.ShopID).Take(&other).Error; err != nil {
		t.Fatal(err)
	}
	if placed[0].Token == "" || placed[0].Token != other.Token {
		t.Errorf("tokens %q and %q, want the checkout's one token", placed[0].Token, other.Token)
	}
	if placed[0].AttrOutcome != orders.OutcomeAttributed || other.AttrOutcome != orders.OutcomeNone || other.TotalMinor != 600_000 {
		t.Errorf("outcomes %q and %q (total %d); want the linked product's shop attributed only, 600000", placed[0].AttrOutcome, other.AttrOutcome, other.TotalMinor)
	}
	for _, want := range []string{"Batik Sari", "Tenun Ikat", "Order #" + strconv.FormatInt(other.ID, 10)} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("orders' page lacks %q", want)
		}
	}
}

// TestMerchantShipsAndDelivers: the merchant ships (tracking number
// required) and then delivers from the order page; the wrong order of
// steps is refused with the reason; the shopper's page follows.
func TestMerchantShipsAndDelivers(t *testing.T) {
	s := newAffSite(t)
	shopper := s.browser()
	shopper.english()
	shopper.addToCart(s.products[0].ID, 1)
	mine := shopper.checkOut()
	placed, err := s.orders.OrdersOfShop(context.Background(), s.merchant.ID, 1)
	if err != nil || len(placed) != 1 {
		t.Fatalf("orders: %d, %v", len(placed), err)
	}
	id := strconv.FormatInt(placed[0].ID, 10)
	base := "/merchant/orders/" + id
	m := s.browser()
	m.english()
	m.logIn("shop@example.com", "correct horse battery")

	page := m.get(base)
	if !strings.Contains(page.Body, `action="`+base+`/ship"`) || strings.Contains(page.Body, `action="`+base+`/deliver"`) ||
		!strings.Contains(page.Body, "return window runs from delivery") {
		t.Fatalf("new order's page: want a ship form, no deliver button and the rule; %.800s", page.Body)
	}
	if res := m.submit(base, base+"/deliver", url.Values{}); res.Status != http.StatusConflict || !strings.Contains(res.Body, "has not been shipped") {
		t.Errorf("deliver before shipping: %d, want 409 with the reason", res.Status)
	}
	if res := m.submit(base, base+"/ship", url.Values{"tracking_number": {" "}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Enter the tracking number") {
		t.Errorf("ship without a tracking number: %d, want 422 with the reason", res.Status)
	}
	if res := m.submit(base, base+"/ship", url.Values{"tracking_number": {"JNE0001"}, "carrier": {"JNE"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("ship: %d", res.Status)
	}
	page = m.get(base)
	if !strings.Contains(page.Body, "JNE0001") || strings.Contains(page.Body, `action="`+base+`/ship"`) || !strings.Contains(page.Body, `action="`+base+`/deliver"`) {
		t.Errorf("shipped order's page: want the tracking number and a deliver button, no ship form")
	}
	if got := shopper.get(mine); !strings.Contains(got.Body, "JNE0001") || !strings.Contains(got.Body, "Shipped") {
		t.Errorf("the shopper does not see the shipment")
	}
	if res := m.submit(base, base+"/deliver", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("deliver: %d", res.Status)
	}
	page = m.get(base)
	if strings.Contains(page.Body, `action="`+base+`/ship"`) || strings.Contains(page.Body, `action="`+base+`/deliver"`) ||
		!strings.Contains(page.Body, "approved automatically on") {
		t.Errorf("delivered order's page: want no ship or deliver button and the approval date")
	}
	if res := m.submit(base, base+"/ship", url.Values{"tracking_number": {"X"}}); res.Status != http.StatusConflict {
		t.Errorf("ship a delivered order: %d, want 409", res.Status)
	}
	if got := shopper.get(mine); !strings.Contains(got.Body, "Delivered") {
		t.Errorf("the shopper does not see the delivery")
	}
	if list := m.get("/merchant/orders"); !strings.Contains(list.Body, "Delivered") || !strings.Contains(list.Body, "Asia/Jakarta") {
		t.Errorf("orders list: want the status and the shop's zone named")
	}
}

// TestRefundedOrderOffersNoActions: after a full refund the order page has
// no approve, hold, refund or ship buttons, and shipping is refused.
func TestRefundedOrderOffersNoActions(t *testing.T) {
	s := newAffSite(t)
	shopper := s.browser()
	shopper.addToCart(s.products[0].ID, 1)
	shopper.checkOut()
	placed, err := s.orders.OrdersOfShop(context.Background(), s.merchant.ID, 1)
	if err != nil || len(placed) != 1 {
		t.Fatalf("orders: %d, %v", len(placed), err)
	}
	base := "/merchant/orders/" + strconv.FormatInt(placed[0].ID, 10)
	m := s.browser()
	m.logIn("shop@example.com", "correct horse battery")
	if !strings.Contains(m.get(base).Body, `action="`+base+`/approve"`) {
		t.Fatal("the order page has no approve button before the refund")
	}
	if res := m.submit(base, base+"/refund", url.Values{"scope": {"order"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("refund: %d", res.Status)
	}
	page := m.get(base)
	for _, action := range []string{"approve", "hold", "refund", "ship", "deliver"} {
		if strings.Contains(page.Body, `action="`+base+"/"+action+`"`) {
			t.Errorf("a fully refunded order still offers %s", action)
		}
	}
	if res := m.submit(base, base+"/ship", url.Values{"tracking_number": {"JNE1"}}); res.Status != http.StatusConflict {
		t.Errorf("ship a refunded order: %d, want 409", res.Status)
	}
}
