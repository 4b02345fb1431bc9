package orders

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// RefundInput refunds part or all of one order line: an amount in minor
// units, or a quantity (refunded at the unit price), or both.
type RefundInput struct {
	LineID      int64 `json:"line_id"`
	AmountMinor int64 `json:"amount_minor,omitempty"`
	Quantity    int   `json:"quantity,omitempty"`
}

// Refund returns money on one line of the merchant's order and takes back
// the matching share of its commission: reversed while it is pending, clawed
// back once approved or paid (a paid clawback leaves a negative balance that
// the next payout nets). Returned units go back into stock for on-site orders.
func (s *Service) Refund(ctx context.Context, merchantID, orderID int64, in RefundInput) (Order, error) {
	return s.refund(ctx, merchantID, orderID, func(tx *gorm.DB, order Order) ([]Refund, error) {
		r, err := s.refundTx(ctx, tx, order, in)
		return []Refund{r}, err
	})
}

// RefundOrder refunds everything not yet refunded on every line.
func (s *Service) RefundOrder(ctx context.Context, merchantID, orderID int64) (Order, error) {
	return s.refund(ctx, merchantID, orderID, func(tx *gorm.DB, order Order) ([]Refund, error) {
		var refunds []Refund
		for _, l := range order.Lines {
			if left := l.AmountMinor - l.RefundedMinor; left > 0 || l.RefundedQty < l.Quantity {
				r, err := s.refundTx(ctx, tx, order, RefundInput{LineID: l.ID, AmountMinor: left, Quantity: l.Quantity - l.RefundedQty})
				if err != nil {
					return nil, err
				}
				refunds = append(refunds, r)
			}
		}
		if len(refunds) == 0 {
			return nil, fault.Conflictf("this order is already fully refunded")
		}
		return refunds, nil
	})
}

// refund runs one refund of the merchant's order in a transaction, tells
// the shop's webhook and returns the order as it now is.
func (s *Service) refund(ctx context.Context, merchantID, orderID int64, refundTx func(*gorm.DB, Order) ([]Refund, error)) (Order, error) {
	var order Order
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := catalog.ShopOfOwnerTx(ctx, tx, merchantID)
		if err != nil {
			return err
		}
		if order, err = OfShopTx(ctx, tx, shop.ID, orderID); err != nil {
			return err
		}
		refunds, err := refundTx(tx, order)
		if err != nil {
			return err
		}
		if order, err = OfShopTx(ctx, tx, shop.ID, orderID); err != nil {
			return err
		}
		ev := OrderEvent{Order: NewOrderData(order)}
		for _, r := range refunds {
			ev.Refunds = append(ev.Refunds, newRefundData(r))
		}
		return s.webhooks.PublishTx(ctx, tx, shop.ID, EventOrderRefunded, ev)
	})
	return order, err
}

func (s *Service) refundTx(ctx context.Context, tx *gorm.DB, order Order, in RefundInput) (Refund, error) {
	var line *OrderLine
	for i := range order.Lines {
		if order.Lines[i].ID == in.LineID {
			line = &order.Lines[i]
		}
	}
	if line == nil {
		return Refund{}, fault.FieldInvalidf("line_id", "that line is not part of order %d", order.ID)
	}
	if in.Quantity < 0 || in.AmountMinor < 0 {
		return Refund{}, fault.Invalidf("refund amounts and quantities cannot be negative")
	}
	if in.AmountMinor == 0 {
		in.AmountMinor = line.UnitMinor * int64(in.Quantity)
	}
	if in.AmountMinor == 0 && in.Quantity == 0 {
		return Refund{}, fault.FieldInvalidf("amount_minor", "say how much to refund: an amount or a quantity")
	}
	// The conditional update both locks the line and refuses refunding more
	// than was sold, even when two refunds race.
	res := tx.Model(&OrderLine{}).
		Where("id = ? AND refunded_minor + ? <= amount_minor AND refunded_qty + ? <= quantity", line.ID, in.AmountMinor, in.Quantity).
		Updates(map[string]any{"refunded_minor": gorm.Expr("refunded_minor + ?", in.AmountMinor), "refunded_qty": gorm.Expr("refunded_qty + ?", in.Quantity)})
	if res.Error != nil {
		return Refund{}, fmt.Errorf("refund line: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Refund{}, fault.Conflictf("that is more than is left to refund on %q", line.Title)
	}
	refund := Refund{OrderID: order.ID, LineID: line.ID, AmountMinor: in.AmountMinor, Quantity: in.Quantity, CreatedAt: s.now()}
	if err := tx.Create(&refund).Error; err != nil {
		return Refund{}, fmt.Errorf("record refund: %w", err)
	}
	if err := tx.Model(&Order{}).Where("id = ?", order.ID).UpdateColumn("updated_at", s.now()).Error; err != nil {
		return Refund{}, fmt.Errorf("record refund: %w", err)
	}
	if order.Source == SourceCheckout && line.ProductID != nil && in.Quantity > 0 {
		if err := catalog.IncrementStockTx(ctx, tx, *line.ProductID, in.Quantity); err != nil {
			return Refund{}, err
		}
	}
	return refund, s.commissions.Reverse(ctx, tx, *line, line.RefundedMinor+in.AmountMinor)
}

// SetHold puts an order's commission on hold (no automatic approval) or
// releases it.
func (s *Service) SetHold(ctx context.Context, merchantID, orderID int64, held bool) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := catalog.ShopOfOwnerTx(ctx, tx, merchantID)
		if err != nil {
			return err
		}
		res := tx.Model(&Order{}).Where("id = ? AND shop_id = ?", orderID, shop.ID).
			UpdateColumns(map[string]any{"held": held, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fault.NotFoundf("no such order")
		}
		return nil
	})
}
