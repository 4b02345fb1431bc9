package orders

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// CheckoutInput is what a shopper submits at checkout.
type CheckoutInput struct {
	Items       []CartItem
	Email       string
	ShipName    string
	ShipAddress string
	// Card is the simulated card number: DeclineCard declines, any other
	// 12–19 digits succeed.
	Card string
	// Ref is the attribution cookie value, if any.
	Ref string
	// BuyerUserID is the logged-in shopper, if any.
	BuyerUserID *int64
}

// DeclineCard is the simulated card number that is always declined.
const DeclineCard = "4000000000000002"

// Validate checks the input and names the first wrong field.
func (in *CheckoutInput) Validate() error {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.ShipName = strings.TrimSpace(in.ShipName)
	in.ShipAddress = strings.TrimSpace(in.ShipAddress)
	in.Card = strings.NewReplacer(" ", "", "-", "").Replace(in.Card)
	if len(in.Items) == 0 {
		return fault.Invalidf("your cart is empty")
	}
	if _, err := mail.ParseAddress(in.Email); err != nil || !strings.Contains(in.Email, "@") {
		return fault.FieldInvalidf("email", "enter a valid email address, like name@example.com")
	}
	if in.ShipName == "" || len(in.ShipName) > 100 {
		return fault.FieldInvalidf("ship_name", "enter the name to ship to")
	}
	if in.ShipAddress == "" || len(in.ShipAddress) > 500 {
		return fault.FieldInvalidf("ship_address", "enter the shipping address")
	}
	if len(in.Card) < 12 || len(in.Card) > 19 || strings.Trim(in.Card, "0123456789") != "" {
		return fault.FieldInvalidf("card", "enter a card number of 12–19 digits (this shop is a demo: try 4242 4242 4242 4242)")
	}
	for _, it := range in.Items {
		if it.Quantity < 1 || it.Quantity > maxLineQuantity {
			return fault.Invalidf("quantities must be between 1 and %d", maxLineQuantity)
		}
	}
	return nil
}

// Checkout places the cart's orders, one per shop: the simulated payment
// first (a declined card writes nothing), then, in one transaction, every
// order with its lines, the stock decrements, its attribution receipt and
// its commission. The attribution cookie is weighed for each order on its
// own (a product link counts for its own shop's order only). The orders
// share a new token, the key of the shopper's page (CheckoutOrders).
func (s *Service) Checkout(ctx context.Context, in CheckoutInput) ([]Order, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Card == DeclineCard {
		return nil, fault.FieldInvalidf("card", "the payment was declined; nothing was charged and no order was placed")
	}
	ref := Referral{Cookie: in.Ref}
	if err := s.commissions.Prepare(ctx, ref); err != nil {
		return nil, err
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	var placed []Order
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		placed = placed[:0]
		view, err := cartView(ctx, tx, in.Items)
		if err != nil {
			return err
		}
		now := s.now()
		for _, sc := range view.Shops {
			order := Order{
				ShopID: sc.Shop.ID, Source: SourceCheckout, Email: in.Email, BuyerUserID: in.BuyerUserID, Token: token,
				ShipName: in.ShipName, ShipAddress: in.ShipAddress, Currency: sc.Shop.Currency, PlacedAt: now, CreatedAt: now, UpdatedAt: now,
			}
			for _, l := range sc.Lines {
				if err := catalog.DecrementStockTx(ctx, tx, l.Product.ID, l.Quantity); err != nil {
					return err
				}
				order.Lines = append(order.Lines, OrderLine{
					ProductID: &l.Product.ID, Title: l.Product.Title, UnitMinor: l.Product.PriceMinor,
					Quantity: l.Quantity, AmountMinor: l.AmountMinor,
				})
			}
			if err := s.placeTx(ctx, tx, sc.Shop, &order, ref); err != nil {
				return err
			}
			if err := s.webhooks.PublishTx(ctx, tx, sc.Shop.ID, EventOrderCreated, OrderEvent{Order: NewOrderData(order)}); err != nil {
				return err
			}
			placed = append(placed, order)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return placed, nil
}

// placeTx stores the order with its attribution receipt and accrues its
// commission.
func (s *Service) placeTx(ctx context.Context, tx *gorm.DB, shop catalog.Shop, order *Order, ref Referral) error {
	if err := s.commissions.Attribute(ctx, tx, shop, order, ref); err != nil {
		return err
	}
	order.TotalMinor = 0
	for _, l := range order.Lines {
		order.TotalMinor += l.AmountMinor
	}
	if err := tx.Create(order).Error; err != nil {
		return err
	}
	if order.AttrOutcome != OutcomeAttributed {
		return nil
	}
	return s.commissions.Accrue(ctx, tx, shop, order)
}

// ConversionLine is one item of an off-site sale.
type ConversionLine struct {
	ProductID      int64  `json:"product_id,omitempty"`
	SKU            string `json:"sku,omitempty"`
	Title          string `json:"title,omitempty"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
	Quantity       int    `json:"quantity"`
}

// ConversionInput reports a sale made off-site.
type ConversionInput struct {
	OrderID  string           `json:"order_id"`
	Email    string           `json:"email,omitempty"`
	Currency string           `json:"currency,omitempty"`
	PlacedAt *time.Time       `json:"placed_at,omitempty"`
	ClickID  string           `json:"click_id,omitempty"`
	LinkCode string           `json:"link_code,omitempty"`
	Lines    []ConversionLine `json:"lines"`
}

// Validate checks the input and names the first wrong field.
func (in *ConversionInput) Validate() error {
	in.OrderID = strings.TrimSpace(in.OrderID)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if in.OrderID == "" || len(in.OrderID) > 100 {
		return fault.FieldInvalidf("order_id", "order_id is required (your own order number, up to 100 characters)")
	}
	if len(in.Lines) == 0 || len(in.Lines) > 200 {
		return fault.FieldInvalidf("lines", "send between 1 and 200 lines")
	}
	for i, l := range in.Lines {
		if l.Quantity < 1 || l.Quantity > 10_000 {
			return fault.FieldInvalidf(fmt.Sprintf("lines[%d].quantity", i), "quantity must be between 1 and 10000")
		}
		if l.UnitPriceMinor < 0 || l.UnitPriceMinor > 1_000_000_000_000 {
			return fault.FieldInvalidf(fmt.Sprintf("lines[%d].unit_price_minor", i), "unit_price_minor must be between 0 and 10^12 minor units")
		}
		if l.ProductID == 0 && l.SKU == "" && strings.TrimSpace(l.Title) == "" {
			return fault.FieldInvalidf(fmt.Sprintf("lines[%d]", i), "each line needs a product_id, a sku or a title")
		}
	}
	return nil
}

// RecordConversion stores an off-site sale for the merchant's shop. It is
// idempotent on (shop, order_id): sending the same order again returns the
// stored order and created=false, and earns no second commission.
func (s *Service) RecordConversion(ctx context.Context, merchantID int64, in ConversionInput) (Order, bool, error) {
	if err := in.Validate(); err != nil {
		return Order{}, false, err
	}
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return Order{}, false, err
	}
	if existing, err := orderByExternal(db, shop.ID, in.OrderID); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Order{}, false, err
	}
	if in.Currency != "" && in.Currency != shop.Currency {
		return Order{}, false, fault.FieldInvalidf("currency", "your shop sells in %s; send amounts in %s", shop.Currency, shop.Currency)
	}
	placedAt := s.now()
	if in.PlacedAt != nil {
		if in.PlacedAt.After(placedAt.Add(5 * time.Minute)) {
			return Order{}, false, fault.FieldInvalidf("placed_at", "placed_at is in the future")
		}
		placedAt = in.PlacedAt.UTC()
	}
	ref := Referral{ClickID: in.ClickID, LinkCode: in.LinkCode}
	if err := s.commissions.Prepare(ctx, ref); err != nil {
		return Order{}, false, err
	}
	var order Order
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Warna does not see an off-site sale's shipping: it counts as
		// shipped and delivered when placed, so its return window starts
		// then (see DueForApproval).
		order = Order{ShopID: shop.ID, ExternalID: ptr(in.OrderID), Source: SourceAPI, Email: in.Email,
			Currency: shop.Currency, PlacedAt: placedAt, ShippedAt: &placedAt, DeliveredAt: &placedAt, CreatedAt: s.now(), UpdatedAt: s.now()}
		for i, l := range in.Lines {
			line, err := conversionLine(ctx, tx, shop, i, l)
			if err != nil {
				return err
			}
			order.Lines = append(order.Lines, line)
		}
		if err := s.placeTx(ctx, tx, shop, &order, ref); err != nil {
			return err
		}
		return s.webhooks.PublishTx(ctx, tx, shop.ID, EventOrderCreated, OrderEvent{Order: NewOrderData(order)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// The same order raced in from another request: answer with it.
		existing, ferr := orderByExternal(db, shop.ID, in.OrderID)
		if ferr == nil {
			return existing, false, nil
		}
	}
	if err != nil {
		return Order{}, false, err
	}
	return order, true, nil
}

func orderByExternal(db *gorm.DB, shopID int64, externalID string) (Order, error) {
	var o Order
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("shop_id = ? AND external_id = ?", shopID, externalID).Take(&o).Error
	return o, err
}

func conversionLine(ctx context.Context, tx *gorm.DB, shop catalog.Shop, i int, l ConversionLine) (OrderLine, error) {
	line := OrderLine{Title: strings.TrimSpace(l.Title), UnitMinor: l.UnitPriceMinor, Quantity: l.Quantity, AmountMinor: l.UnitPriceMinor * int64(l.Quantity)}
	if l.ProductID != 0 || l.SKU != "" {
		p, err := catalog.ShopProductTx(ctx, tx, shop.ID, l.ProductID, l.SKU)
		if fault.Is(err, fault.NotFound) {
			return line, fault.FieldInvalidf(fmt.Sprintf("lines[%d]", i), "no product %v in your shop", firstNonZero(l.ProductID, l.SKU))
		} else if err != nil {
			return line, err
		}
		line.ProductID = &p.ID
		if line.Title == "" {
			line.Title = p.Title
		}
	}
	if len(line.Title) > 200 {
		line.Title = line.Title[:200]
	}
	return line, nil
}

func firstNonZero(id int64, sku string) any {
	if id != 0 {
		return id
	}
	return sku
}

// OrderForMerchant loads one of the merchant's orders with its lines.
func (s *Service) OrderForMerchant(ctx context.Context, merchantID, orderID int64) (Order, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return Order{}, err
	}
	return OfShopTx(ctx, db, shop.ID, orderID)
}

// OfShopTx loads one order of a shop with its lines, in the caller's
// transaction; another shop's order is fault.NotFound.
func OfShopTx(ctx context.Context, tx *gorm.DB, shopID, orderID int64) (Order, error) {
	var o Order
	err := tx.WithContext(ctx).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("id = ? AND shop_id = ?", orderID, shopID).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fault.NotFoundf("no such order")
	}
	return o, err
}

// OrdersOfShop lists the merchant's latest orders.
func (s *Service) OrdersOfShop(ctx context.Context, merchantID int64, limit int) ([]Order, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return nil, err
	}
	var orders []Order
	err = db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("shop_id = ?", shop.ID).Order("placed_at DESC, id DESC").Limit(limit).Find(&orders).Error
	return orders, err
}

// OrdersOfInfluencer lists orders attributed (or self-referred) to an influencer.
func (s *Service) OrdersOfInfluencer(ctx context.Context, influencerID int64, limit int) ([]Order, error) {
	var orders []Order
	err := s.db.WithContext(ctx).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("attr_influencer_id = ?", influencerID).Order("placed_at DESC, id DESC").Limit(limit).Find(&orders).Error
	return orders, err
}

// LockLineTx takes the row lock of an order line for the rest of the
// caller's transaction (a no-op update), so that refunds and approvals of one
// line happen one after the other on PostgreSQL; SQLite serialises writers
// anyway.
func LockLineTx(ctx context.Context, tx *gorm.DB, lineID int64) error {
	return tx.WithContext(ctx).Model(&OrderLine{}).Where("id = ?", lineID).Update("refunded_qty", gorm.Expr("refunded_qty")).Error
}

// DueForApproval selects, as a subquery of order ids, the shop's orders
// delivered no later than cutoff whose commission is not on hold: those
// whose return window has passed when cutoff is now less the window. The
// return window starts at delivery, so an order not delivered yet is never
// due, however old it is.
func DueForApproval(tx *gorm.DB, shopID int64, cutoff time.Time) *gorm.DB {
	return tx.Model(&Order{}).Select("id").
		Where("shop_id = ? AND held = ? AND delivered_at IS NOT NULL AND delivered_at <= ?", shopID, false, cutoff)
}

// CountByLinkTx counts the orders attributed (or self-referred) to each of
// an influencer's links, by link id.
func CountByLinkTx(ctx context.Context, tx *gorm.DB, influencerID int64) (map[int64]int64, error) {
	var rows []struct {
		AttrLinkID int64
		N          int64
	}
	if err := tx.WithContext(ctx).Model(&Order{}).Select("attr_link_id, COUNT(*) AS n").Where("attr_influencer_id = ?", influencerID).
		Group("attr_link_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.AttrLinkID] = r.N
	}
	return out, nil
}

// AttributedBeforeTx lists, newest first, up to limit of the shop's
// attributed orders placed before after (all when after is nil), without
// their lines (and so without their refunds and status): a page of the list, the next one starting after its last.
func AttributedBeforeTx(ctx context.Context, tx *gorm.DB, shopID int64, after *Order, limit int) ([]Order, error) {
	q := tx.WithContext(ctx).Select("id, placed_at, delivered_at, total_minor, currency, held, attr_influencer_id").
		Where("shop_id = ? AND attr_outcome = ?", shopID, OutcomeAttributed)
	if after != nil {
		q = q.Where("placed_at < ? OR (placed_at = ? AND id < ?)", after.PlacedAt, after.PlacedAt, after.ID)
	}
	var out []Order
	err := q.Order("placed_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// PlacedTx returns the given orders' shop, time placed and time delivered
// (the other fields and the lines are left empty).
func PlacedTx(ctx context.Context, tx *gorm.DB, ids []int64) ([]Order, error) {
	var out []Order
	for start := 0; start < len(ids); start += 500 {
		var chunk []Order
		if err := tx.WithContext(ctx).Select("id", "shop_id", "placed_at", "delivered_at").Where("id IN ?", ids[start:min(start+500, len(ids))]).
			Find(&chunk).Error; err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
	return out, nil
}
