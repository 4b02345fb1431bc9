package affiliates

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// CartItem is one product and quantity in a shopper's cart.
type CartItem struct {
	ProductID int64
	Quantity  int
}

// maxLineQuantity bounds the quantity of one line.
const maxLineQuantity = 99

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

// Checkout places an order for the cart: the simulated payment first (a
// declined card writes nothing), then, in one transaction, the order and its
// lines, the stock decrements, the attribution receipt and the commission.
func (s *Service) Checkout(ctx context.Context, in CheckoutInput) (Order, error) {
	if err := in.Validate(); err != nil {
		return Order{}, err
	}
	if in.Card == DeclineCard {
		return Order{}, fault.FieldInvalidf("card", "the payment was declined; nothing was charged and no order was placed")
	}
	var order Order
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		view, err := cartView(tx, in.Items)
		if err != nil {
			return err
		}
		order = Order{
			ShopID: view.Shop.ID, Source: SourceCheckout, Email: in.Email, BuyerUserID: in.BuyerUserID,
			ShipName: in.ShipName, ShipAddress: in.ShipAddress, Currency: view.Shop.Currency, PlacedAt: s.now(), CreatedAt: s.now(),
		}
		for _, l := range view.Lines {
			if err := catalog.DecrementStockTx(ctx, tx, l.Product.ID, l.Quantity); err != nil {
				return err
			}
			order.Lines = append(order.Lines, OrderLine{
				ProductID: &l.Product.ID, Title: l.Product.Title, UnitMinor: l.Product.PriceMinor,
				Quantity: l.Quantity, AmountMinor: l.AmountMinor,
			})
		}
		att, err := s.attributeClicks(tx, view.Shop, order.PlacedAt, s.RefClickIDs(in.Ref))
		if err != nil {
			return err
		}
		if err := s.placeTx(tx, view.Shop, &order, att); err != nil {
			return err
		}
		return s.notifyTx(ctx, tx, view.Shop.ID, EventOrderCreated, order.ID)
	})
	return order, err
}

// placeTx stores the order with its receipt and accrues commission.
func (s *Service) placeTx(tx *gorm.DB, shop catalog.Shop, order *Order, att attribution) error {
	att = s.checkSelfReferral(tx, att, order.Email, order.BuyerUserID)
	att.apply(order)
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
	return s.accrueTx(tx, shop, order, att)
}

// CartLine is a cart item with its product.
type CartLine struct {
	Product     catalog.Product
	Quantity    int
	AmountMinor int64
}

// CartView is a priced cart. A cart holds products of one shop, so that an
// order has one currency and one set of terms.
type CartView struct {
	Shop       catalog.Shop
	Lines      []CartLine
	TotalMinor int64
}

// Cart prices a cart.
func (s *Service) Cart(ctx context.Context, items []CartItem) (CartView, error) {
	if len(items) == 0 {
		return CartView{}, nil
	}
	return cartView(s.db.WithContext(ctx), items)
}

// AddToCart returns the cart with qty more of a product. A product from
// another shop than the cart's is refused with a message saying so.
func (s *Service) AddToCart(ctx context.Context, items []CartItem, productID int64, qty int) ([]CartItem, error) {
	if qty < 1 || qty > maxLineQuantity {
		return items, fault.FieldInvalidf("quantity", "choose a quantity between 1 and %d", maxLineQuantity)
	}
	db := s.db.WithContext(ctx)
	var p catalog.Product
	if err := db.Where("id = ? AND status = ?", productID, catalog.StatusActive).Take(&p).Error; err != nil {
		return items, fault.NotFoundf("that product is not for sale")
	}
	if len(items) > 0 {
		var first catalog.Product
		if err := db.Select("id, shop_id").Take(&first, items[0].ProductID).Error; err == nil && first.ShopID != p.ShopID {
			var shop catalog.Shop
			db.Select("name").Take(&shop, first.ShopID)
			return items, fault.Conflictf("your cart holds items from %s; check out or empty the cart before buying from another shop", shop.Name)
		}
	}
	out := make([]CartItem, 0, len(items)+1)
	added := false
	for _, it := range items {
		if it.ProductID == productID {
			it.Quantity = min(it.Quantity+qty, maxLineQuantity)
			added = true
		}
		out = append(out, it)
	}
	if !added {
		out = append(out, CartItem{ProductID: productID, Quantity: qty})
	}
	return out, nil
}

func cartView(tx *gorm.DB, items []CartItem) (CartView, error) {
	var view CartView
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ProductID)
	}
	var products []catalog.Product
	if err := tx.Where("id IN ?", ids).Find(&products).Error; err != nil {
		return view, fmt.Errorf("load cart products: %w", err)
	}
	byID := map[int64]catalog.Product{}
	for _, p := range products {
		byID[p.ID] = p
	}
	for _, it := range items {
		p, ok := byID[it.ProductID]
		if !ok || p.Status != catalog.StatusActive {
			return view, fault.Conflictf("a product in your cart is no longer for sale; remove it and try again")
		}
		if view.Shop.ID == 0 {
			if err := tx.Take(&view.Shop, p.ShopID).Error; err != nil {
				return view, fmt.Errorf("load shop: %w", err)
			}
		} else if p.ShopID != view.Shop.ID {
			return view, fault.Invalidf("a cart can hold products of one shop only")
		}
		if p.Currency != view.Shop.Currency {
			return view, fault.Conflictf("%q is priced in %s but the shop sells in %s", p.Title, p.Currency, view.Shop.Currency)
		}
		amount := p.PriceMinor * int64(it.Quantity)
		view.Lines = append(view.Lines, CartLine{Product: p, Quantity: it.Quantity, AmountMinor: amount})
		view.TotalMinor += amount
	}
	return view, nil
}

// attribution is the outcome of the attribution rule for one order.
type attribution struct {
	outcome      string
	reason       string
	click        *Click
	link         *Link
	influencerID int64
	windowDays   int
	age          time.Duration
}

func (a attribution) apply(o *Order) {
	o.AttrOutcome, o.AttrReason, o.AttrRule, o.AttrWindowDays = a.outcome, a.reason, RuleVersion, a.windowDays
	if a.link != nil {
		o.AttrLinkID = ptr(a.link.ID)
		o.AttrInfluencerID = ptr(a.link.InfluencerID)
	}
	if a.click != nil {
		o.AttrClickID = ptr(a.click.ID)
		o.AttrClickAt = ptr(a.click.At)
		o.AttrAgeSeconds = ptr(int64(a.age / time.Second))
	}
}

func windowOf(shop catalog.Shop) int {
	if shop.AttributionWindowDays > 0 {
		return shop.AttributionWindowDays
	}
	return DefaultAttributionDays
}

// attributeClicks applies the rule: the last valid click, among the given
// ones, made no later than the order and no earlier than the shop's window
// before it (the window is inclusive: a click exactly windowDays×24h old
// counts). Ties on time break on the higher click id. A product link counts
// only for its own shop; collection and storefront links count for any shop.
func (s *Service) attributeClicks(tx *gorm.DB, shop catalog.Shop, placedAt time.Time, clickIDs []string) (attribution, error) {
	att := attribution{outcome: OutcomeNone, windowDays: windowOf(shop)}
	if len(clickIDs) == 0 {
		att.reason = "no tracked link was followed"
		return att, nil
	}
	var clicks []Click
	if err := tx.Where("id IN ?", clickIDs).Find(&clicks).Error; err != nil {
		return att, fmt.Errorf("load clicks: %w", err)
	}
	sort.Slice(clicks, func(i, j int) bool {
		if !clicks[i].At.Equal(clicks[j].At) {
			return clicks[i].At.After(clicks[j].At)
		}
		return clicks[i].ID > clicks[j].ID
	})
	window := time.Duration(att.windowDays) * 24 * time.Hour
	att.reason = "no valid click within the attribution window"
	for _, c := range clicks {
		age := placedAt.Sub(c.At)
		if !c.Valid || age < 0 || age > window {
			continue
		}
		var link Link
		if err := tx.Take(&link, c.LinkID).Error; err != nil {
			continue
		}
		if link.Kind == TargetProduct && link.ProductID != nil {
			var p catalog.Product
			if err := tx.Select("id, shop_id").Take(&p, *link.ProductID).Error; err != nil || p.ShopID != shop.ID {
				continue
			}
		}
		c := c
		att.outcome, att.reason, att.click, att.link, att.influencerID, att.age = OutcomeAttributed, "", &c, &link, link.InfluencerID, age
		return att, nil
	}
	return att, nil
}

// checkSelfReferral turns an attributed sale into a self-referral when the
// buyer is the influencer (same account, or the account's email).
func (s *Service) checkSelfReferral(tx *gorm.DB, att attribution, email string, buyerUserID *int64) attribution {
	if att.outcome != OutcomeAttributed {
		return att
	}
	if buyerUserID != nil && *buyerUserID == att.influencerID {
		att.outcome, att.reason = OutcomeSelfReferral, "the buyer is the influencer who made the link"
		return att
	}
	var inf Influencer
	if email != "" && tx.Where("user_id = ?", att.influencerID).Take(&inf).Error == nil && strings.EqualFold(inf.Email, email) {
		att.outcome, att.reason = OutcomeSelfReferral, "the buyer's email is the influencer's"
	}
	return att
}

// accrueTx writes one accrue entry per line. The rate is today's (product
// override, else shop default) unless the link promised more when it was made.
func (s *Service) accrueTx(tx *gorm.DB, shop catalog.Shop, order *Order, att attribution) error {
	for _, l := range order.Lines {
		bps, source := shop.DefaultCommissionBps, RateShopDefault
		if l.ProductID != nil {
			var p catalog.Product
			if err := tx.Take(&p, *l.ProductID).Error; err == nil {
				bps, source = currentRate(shop, p)
			}
			var promise LinkRate
			if err := tx.Where("link_id = ? AND product_id = ?", att.link.ID, *l.ProductID).Take(&promise).Error; err == nil && promise.Bps > bps {
				bps, source = promise.Bps, RateLinkPromise
			}
		}
		entry := LedgerEntry{
			Kind: EntryAccrue, InfluencerID: att.influencerID, ShopID: shop.ID, OrderID: order.ID, LineID: ptr(l.ID),
			AmountMinor: Commission(l.AmountMinor, bps), Currency: order.Currency, RateBps: bps, RateSource: string(source),
			OnceKey: ptr(fmt.Sprintf("accrue:%d", l.ID)), CreatedAt: s.now(),
		}
		if err := tx.Create(&entry).Error; err != nil {
			return fmt.Errorf("accrue commission: %w", err)
		}
	}
	return nil
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
	shop, err := shopOwnedBy(db, merchantID)
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
	var order Order
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		order = Order{ShopID: shop.ID, ExternalID: ptr(in.OrderID), Source: SourceAPI, Email: in.Email,
			Currency: shop.Currency, PlacedAt: placedAt, CreatedAt: s.now()}
		for i, l := range in.Lines {
			line, err := conversionLine(tx, shop, i, l)
			if err != nil {
				return err
			}
			order.Lines = append(order.Lines, line)
		}
		att, err := s.attributeConversion(tx, shop, placedAt, in)
		if err != nil {
			return err
		}
		if err := s.placeTx(tx, shop, &order, att); err != nil {
			return err
		}
		return s.notifyTx(ctx, tx, shop.ID, EventOrderCreated, order.ID)
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

func conversionLine(tx *gorm.DB, shop catalog.Shop, i int, l ConversionLine) (OrderLine, error) {
	line := OrderLine{Title: strings.TrimSpace(l.Title), UnitMinor: l.UnitPriceMinor, Quantity: l.Quantity, AmountMinor: l.UnitPriceMinor * int64(l.Quantity)}
	if l.ProductID != 0 || l.SKU != "" {
		var p catalog.Product
		q := tx.Where("shop_id = ?", shop.ID)
		if l.ProductID != 0 {
			q = q.Where("id = ?", l.ProductID)
		} else {
			q = q.Where("sku = ?", l.SKU)
		}
		if err := q.Take(&p).Error; err != nil {
			return line, fault.FieldInvalidf(fmt.Sprintf("lines[%d]", i), "no product %v in your shop", firstNonZero(l.ProductID, l.SKU))
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

// attributeConversion attributes an API sale by click id (the same rule as
// on-site), or directly by link code when the merchant only knows the code.
func (s *Service) attributeConversion(tx *gorm.DB, shop catalog.Shop, placedAt time.Time, in ConversionInput) (attribution, error) {
	if in.ClickID != "" {
		return s.attributeClicks(tx, shop, placedAt, []string{in.ClickID})
	}
	att := attribution{outcome: OutcomeNone, windowDays: windowOf(shop), reason: "no click id or link code was sent"}
	if in.LinkCode == "" {
		return att, nil
	}
	var link Link
	if err := tx.Where("code = ? AND disabled = ?", in.LinkCode, false).Take(&link).Error; err != nil {
		att.reason = "unknown or disabled link code"
		return att, nil
	}
	if link.Kind == TargetProduct && link.ProductID != nil {
		var p catalog.Product
		if err := tx.Select("id, shop_id").Take(&p, *link.ProductID).Error; err != nil || p.ShopID != shop.ID {
			att.reason = "the link code is for another shop's product"
			return att, nil
		}
	}
	att.outcome, att.reason, att.link, att.influencerID = OutcomeAttributed, "attributed by link code (no click)", &link, link.InfluencerID
	return att, nil
}

// OrderForMerchant loads one of the merchant's orders with its lines.
func (s *Service) OrderForMerchant(ctx context.Context, merchantID, orderID int64) (Order, error) {
	db := s.db.WithContext(ctx)
	shop, err := shopOwnedBy(db, merchantID)
	if err != nil {
		return Order{}, err
	}
	return orderOfShop(db, shop.ID, orderID)
}

func orderOfShop(db *gorm.DB, shopID, orderID int64) (Order, error) {
	var o Order
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("id = ? AND shop_id = ?", orderID, shopID).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fault.NotFoundf("no such order")
	}
	return o, err
}

// OrdersOfShop lists the merchant's latest orders.
func (s *Service) OrdersOfShop(ctx context.Context, merchantID int64, limit int) ([]Order, error) {
	db := s.db.WithContext(ctx)
	shop, err := shopOwnedBy(db, merchantID)
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

// lockLine takes the row lock of an order line for the rest of the
// transaction (a no-op update), so that refunds and approvals of one line
// happen one after the other on PostgreSQL; SQLite serialises writers anyway.
func lockLine(tx *gorm.DB, lineID int64) error {
	return tx.Model(&OrderLine{}).Where("id = ?", lineID).Update("refunded_qty", gorm.Expr("refunded_qty")).Error
}
