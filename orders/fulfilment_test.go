package orders

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
)

func TestShipThenDeliver(t *testing.T) {
	f := newFixture(t)
	if _, err := f.webhooks.SetWebhook(f.ctx, merchantID, "https://shop.example/hooks"); err != nil {
		t.Fatal(err)
	}
	placed, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{f.products[0].ID, 1}))
	if err != nil {
		t.Fatal(err)
	}
	o := placed[0]
	if o.Status() != StatusPlaced || !o.CanShip() || o.CanDeliver() {
		t.Fatalf("new order: status %q, can ship %v, can deliver %v", o.Status(), o.CanShip(), o.CanDeliver())
	}
	wantConflict := func(what string, err error, words string) {
		t.Helper()
		if !fault.Is(err, fault.Conflict) || !strings.Contains(fault.MessageOf(err), words) {
			t.Errorf("%s: %v, want a conflict saying %q", what, err, words)
		}
	}
	_, err = f.svc.Deliver(f.ctx, merchantID, o.ID)
	wantConflict("deliver before shipping", err, "has not been shipped")
	if _, err := f.svc.Ship(f.ctx, merchantID, o.ID, ShipInput{TrackingNumber: "  "}); fault.FieldOf(err) != "tracking_number" {
		t.Errorf("ship without a tracking number: %v, want an error on tracking_number", err)
	}
	if _, err := f.svc.Ship(f.ctx, merchantID+9, o.ID, ShipInput{TrackingNumber: "JNE123"}); !fault.Is(err, fault.NotFound) {
		t.Errorf("ship by another merchant: %v, want not found", err)
	}

	shippedAt := f.clock
	o, err = f.svc.Ship(f.ctx, merchantID, o.ID, ShipInput{TrackingNumber: " JNE123 ", Carrier: "JNE"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != StatusShipped || o.TrackingNumber != "JNE123" || o.Carrier != "JNE" || !o.ShippedAt.Equal(shippedAt) {
		t.Errorf("shipped order: status %q, tracking %q, carrier %q, shipped %v", o.Status(), o.TrackingNumber, o.Carrier, o.ShippedAt)
	}
	_, err = f.svc.Ship(f.ctx, merchantID, o.ID, ShipInput{TrackingNumber: "X"})
	wantConflict("ship twice", err, "already shipped")

	f.clock = f.clock.Add(48 * time.Hour)
	if o, err = f.svc.Deliver(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	if o.Status() != StatusDelivered || !o.DeliveredAt.Equal(f.clock) || o.CanShip() || o.CanDeliver() {
		t.Errorf("delivered order: status %q, delivered %v, can ship %v, can deliver %v", o.Status(), o.DeliveredAt, o.CanShip(), o.CanDeliver())
	}
	_, err = f.svc.Deliver(f.ctx, merchantID, o.ID)
	wantConflict("deliver twice", err, "already delivered")

	var events []string
	if err := f.db.Model(&Delivery{}).Order("id").Pluck("event_type", &events).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Join(events, ",") != "order.created,order.shipped,order.delivered" {
		t.Errorf("webhook events %v, want created, shipped, delivered", events)
	}
}

func TestRefundedOrderCannotShip(t *testing.T) {
	f := newFixture(t)
	placed, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{f.products[0].ID, 1}))
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.svc.RefundOrder(f.ctx, merchantID, placed[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != StatusRefunded || o.CanShip() {
		t.Fatalf("refunded order: status %q, can ship %v", o.Status(), o.CanShip())
	}
	if _, err := f.svc.Ship(f.ctx, merchantID, o.ID, ShipInput{TrackingNumber: "JNE1"}); !fault.Is(err, fault.Conflict) || !strings.Contains(fault.MessageOf(err), "refunded in full") {
		t.Errorf("ship a refunded order: %v, want a conflict saying it is refunded", err)
	}
}

// TestReturnWindowStartsAtDelivery: an order is due for approval only once
// it was delivered at least the return window ago, however long ago it was
// placed.
func TestReturnWindowStartsAtDelivery(t *testing.T) {
	f := newFixture(t)
	placed, err := f.svc.Checkout(f.ctx, validCheckout(CartItem{f.products[0].ID, 1}))
	if err != nil {
		t.Fatal(err)
	}
	id := placed[0].ID
	window := time.Duration(f.shop.ReturnWindowDays) * 24 * time.Hour
	due := func() bool {
		t.Helper()
		var ids []int64
		if err := f.db.Model(&Order{}).Where("id IN (?)", DueForApproval(f.db, f.shop.ID, f.clock.Add(-window))).Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		return len(ids) == 1 && ids[0] == id
	}
	f.clock = f.clock.Add(30 * 24 * time.Hour) // far past the window since placing
	if due() {
		t.Fatal("an order never delivered is due for approval")
	}
	if _, err := f.svc.Ship(f.ctx, merchantID, id, ShipInput{TrackingNumber: "JNE1"}); err != nil {
		t.Fatal(err)
	}
	if due() {
		t.Fatal("a shipped, undelivered order is due for approval")
	}
	if _, err := f.svc.Deliver(f.ctx, merchantID, id); err != nil {
		t.Fatal(err)
	}
	delivered := f.clock
	f.clock = delivered.Add(window - time.Second)
	if due() {
		t.Errorf("due a second before the window after delivery has passed")
	}
	f.clock = delivered.Add(window)
	if !due() {
		t.Errorf("not due once the window after delivery has passed")
	}
	if err := f.svc.SetHold(f.ctx, merchantID, id, true); err != nil {
		t.Fatal(err)
	}
	if due() {
		t.Errorf("a held order is due")
	}
}

// TestConversionCountsAsDelivered: an off-site sale's window starts when it
// was placed, since Warna does not see it shipped.
func TestConversionCountsAsDelivered(t *testing.T) {
	f := newFixture(t)
	placedAt := f.clock.Add(-time.Hour)
	o, _, err := f.svc.RecordConversion(f.ctx, merchantID, ConversionInput{OrderID: "X1", PlacedAt: &placedAt,
		Lines: []ConversionLine{{Title: "x", UnitPriceMinor: 100, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != StatusDelivered || !o.DeliveredAt.Equal(placedAt) {
		t.Errorf("conversion: status %q delivered %v, want delivered at %v", o.Status(), o.DeliveredAt, placedAt)
	}
}

// TestFulfilmentMigrationKeepsOldApprovals: orders placed before the
// migration count as delivered when placed, so their commissions come due
// as they did.
func TestFulfilmentMigrationKeepsOldApprovals(t *testing.T) {
	all := append(catalog.Migrations(), Migrations()...)
	var before []database.Migration
	for _, m := range all {
		if m.ID != "0681_orders_fulfilment" {
			before = append(before, m)
		}
	}
	if len(before) != len(all)-1 {
		t.Fatal("no migration 0681_orders_fulfilment")
	}
	db := dbtest.Open(t, before...)
	placed := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	shop := catalog.Shop{OwnerID: 1, Slug: "s", Name: "S", Currency: "IDR", TimeZone: "UTC", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO orders (shop_id, source, currency, total_minor, placed_at, held, attr_outcome, attr_rule, attr_window_days, created_at, updated_at)
		VALUES (?, 'checkout', 'IDR', 100, ?, false, 'none', 'r', 7, ?, ?)`, shop.ID, placed, placed.Add(time.Minute), placed.Add(time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(context.Background(), db, all); err != nil {
		t.Fatal(err)
	}
	var o Order
	if err := db.Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if o.DeliveredAt == nil || !o.DeliveredAt.Equal(placed) || o.ShippedAt == nil || o.Token != "" {
		t.Errorf("migrated order: shipped %v, delivered %v, token %q; want both at %v and no token", o.ShippedAt, o.DeliveredAt, o.Token, placed)
	}
}
