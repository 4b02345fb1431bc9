package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// Status is where an order is on its way to the shopper.
type Status string

// Order statuses, in the order they happen; StatusRefunded ends any of them.
const (
	StatusPlaced    Status = "placed"
	StatusShipped   Status = "shipped"
	StatusDelivered Status = "delivered"
	StatusRefunded  Status = "refunded"
)

// Status is the order's status: refunded once every line is refunded in
// full, else delivered, shipped or placed.
func (o Order) Status() Status {
	switch {
	case o.FullyRefunded():
		return StatusRefunded
	case o.DeliveredAt != nil:
		return StatusDelivered
	case o.ShippedAt != nil:
		return StatusShipped
	}
	return StatusPlaced
}

// FullyRefunded reports whether every line's amount has been refunded (an
// order without lines is not).
func (o Order) FullyRefunded() bool {
	for _, l := range o.Lines {
		if l.RefundedMinor < l.AmountMinor {
			return false
		}
	}
	return len(o.Lines) > 0
}

// CanShip reports whether the merchant may mark the order shipped: not yet
// shipped, and not refunded in full.
func (o Order) CanShip() bool { return o.ShippedAt == nil && !o.FullyRefunded() }

// CanDeliver reports whether the merchant may mark the order delivered:
// shipped, not yet delivered, and not refunded in full.
func (o Order) CanDeliver() bool {
	return o.ShippedAt != nil && o.DeliveredAt == nil && !o.FullyRefunded()
}

// Webhook events of an order's fulfilment.
const (
	EventOrderShipped   = "order.shipped"
	EventOrderDelivered = "order.delivered"
)

// ShipInput is what the merchant says about a shipment.
type ShipInput struct {
	TrackingNumber string
	Carrier        string
}

// Validate checks the input and names the first wrong field.
func (in *ShipInput) Validate() error {
	in.TrackingNumber = strings.TrimSpace(in.TrackingNumber)
	in.Carrier = strings.TrimSpace(in.Carrier)
	if in.TrackingNumber == "" {
		return fault.FieldInvalidf("tracking_number", "enter the tracking number the carrier gave you")
	}
	if len(in.TrackingNumber) > 100 {
		return fault.FieldInvalidf("tracking_number", "a tracking number has at most 100 characters")
	}
	if len(in.Carrier) > 60 {
		return fault.FieldInvalidf("carrier", "a carrier's name has at most 60 characters")
	}
	return nil
}

// Ship marks the merchant's order shipped with its tracking number. An
// order already shipped, or refunded in full, is refused with the reason.
func (s *Service) Ship(ctx context.Context, merchantID, orderID int64, in ShipInput) (Order, error) {
	if err := in.Validate(); err != nil {
		return Order{}, err
	}
	return s.fulfil(ctx, merchantID, orderID, EventOrderShipped, func(tx *gorm.DB, o Order, now time.Time) error {
		switch {
		case o.FullyRefunded():
			return fault.Conflictf("order %d is refunded in full: there is nothing to ship", o.ID)
		case o.ShippedAt != nil:
			return fault.Conflictf("order %d was already shipped", o.ID)
		}
		return tx.Model(&Order{}).Where("id = ? AND shipped_at IS NULL", o.ID).
			UpdateColumns(map[string]any{"shipped_at": now, "tracking_number": in.TrackingNumber, "carrier": in.Carrier, "updated_at": now}).Error
	})
}

// Deliver marks the merchant's shipped order delivered; from then on its
// shop's return window runs, and its commission comes due for approval when
// the window has passed. An order not shipped yet, already delivered or
// refunded in full is refused with the reason.
func (s *Service) Deliver(ctx context.Context, merchantID, orderID int64) (Order, error) {
	return s.fulfil(ctx, merchantID, orderID, EventOrderDelivered, func(tx *gorm.DB, o Order, now time.Time) error {
		switch {
		case o.FullyRefunded():
			return fault.Conflictf("order %d is refunded in full: there is nothing to deliver", o.ID)
		case o.ShippedAt == nil:
			return fault.Conflictf("order %d has not been shipped: mark it shipped, with its tracking number, first", o.ID)
		case o.DeliveredAt != nil:
			return fault.Conflictf("order %d was already delivered", o.ID)
		}
		return tx.Model(&Order{}).Where("id = ? AND delivered_at IS NULL", o.ID).
			UpdateColumns(map[string]any{"delivered_at": now, "updated_at": now}).Error
	})
}

// fulfil runs one step of the merchant's order in a transaction: it locks
// the order, lets step check and write it, and tells the shop's webhook.
func (s *Service) fulfil(ctx context.Context, merchantID, orderID int64, event string, step func(*gorm.DB, Order, time.Time) error) (Order, error) {
	var order Order
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := catalog.ShopOfOwnerTx(ctx, tx, merchantID)
		if err != nil {
			return err
		}
		// Touching updated_at first takes the order's row lock, so that two
		// steps of one order (or a step and a refund's lines) run in turn.
		if err := tx.Model(&Order{}).Where("id = ? AND shop_id = ?", orderID, shop.ID).
			UpdateColumn("updated_at", gorm.Expr("updated_at")).Error; err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		if order, err = OfShopTx(ctx, tx, shop.ID, orderID); err != nil {
			return err
		}
		if err := step(tx, order, s.now()); err != nil {
			return err
		}
		if order, err = OfShopTx(ctx, tx, shop.ID, orderID); err != nil {
			return err
		}
		return s.webhooks.PublishTx(ctx, tx, shop.ID, event, OrderEvent{Order: NewOrderData(order)})
	})
	return order, err
}
