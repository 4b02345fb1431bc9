package affiliates

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// Attribution credits sales to influencers and earns their commission. It
// is what package orders calls, inside the transaction of each new order and
// each refund, through orders.Commissions.
type Attribution struct {
	now  func() time.Time
	refs *Service // reads the signed attribution cookie
}

var _ orders.Commissions = (*Attribution)(nil)

// NewAttribution builds the attribution rule over the link service, which
// made the attribution cookies; now is the clock (nil: time.Now).
func NewAttribution(links *Service, now func() time.Time) *Attribution {
	return &Attribution{now: utcClock(now), refs: links}
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

func (a attribution) apply(o *orders.Order) {
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

// Prepare runs before the order's transaction: a click answered moments ago
// may still be in the click log, and Attribute reads clicks from the
// database, so the clicks ref names are stored first if they may be
// waiting. It only fails when ctx ends.
func (a *Attribution) Prepare(ctx context.Context, ref orders.Referral) error {
	ids := a.refs.RefClickIDs(ref.Cookie)
	if ref.ClickID != "" {
		ids = append(ids, ref.ClickID)
	}
	return a.refs.clicks.Settle(ctx, ids)
}

// Attribute writes the receipt of a new order: on-site, the last valid
// click of the attribution cookie; off-site, the click id or else the link
// code the merchant sent. A buyer who is the influencer earns nothing.
func (a *Attribution) Attribute(ctx context.Context, tx *gorm.DB, shop catalog.Shop, order *orders.Order, ref orders.Referral) error {
	var att attribution
	var err error
	switch {
	case order.Source == orders.SourceCheckout:
		att, err = attributeClicks(ctx, tx, shop, order.PlacedAt, a.refs.refClicks(ref.Cookie))
	case ref.ClickID != "":
		att, err = attributeClicks(ctx, tx, shop, order.PlacedAt, []refClick{{ID: ref.ClickID}})
	default:
		att, err = attributeLinkCode(ctx, tx, shop, ref.LinkCode)
	}
	if err != nil {
		return err
	}
	att, err = checkSelfReferral(tx, att, order.Email, order.BuyerUserID)
	if err != nil {
		return err
	}
	att.apply(order)
	return nil
}

// attributeClicks applies the rule: the last valid click, among the given
// ones, made no later than the order and no earlier than the shop's window
// before it (the window is inclusive: a click exactly windowDays×24h old
// counts). Ties on time break on the higher click id. A product link counts
// only for its own shop; collection and storefront links count for any shop.
func attributeClicks(ctx context.Context, tx *gorm.DB, shop catalog.Shop, placedAt time.Time, named []refClick) (attribution, error) {
	att := attribution{outcome: orders.OutcomeNone, windowDays: windowOf(shop)}
	if len(named) == 0 {
		att.reason = "no tracked link was followed"
		return att, nil
	}
	clickIDs := make([]string, len(named))
	for i, c := range named {
		clickIDs[i] = c.ID
	}
	var clicks []Click
	if err := tx.Where("id IN ?", clickIDs).Find(&clicks).Error; err != nil {
		return att, fmt.Errorf("load clicks: %w", err)
	}
	clicks = withUnstored(clicks, named)
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
		if ok, err := sellsFor(ctx, tx, link, shop); err != nil {
			return att, err
		} else if !ok {
			continue
		}
		att.outcome, att.reason, att.click, att.link, att.influencerID, att.age = orders.OutcomeAttributed, "", &c, &link, link.InfluencerID, age
		return att, nil
	}
	return att, nil
}

// withUnstored adds to the stored clicks those the cookie carries that are
// not stored yet (still in another instance's click log), as valid clicks.
func withUnstored(stored []Click, named []refClick) []Click {
	have := make(map[string]bool, len(stored))
	for _, c := range stored {
		have[c.ID] = true
	}
	for _, n := range named {
		if n.LinkID > 0 && !have[n.ID] {
			stored = append(stored, Click{ID: n.ID, LinkID: n.LinkID, At: n.At, Valid: true})
			have[n.ID] = true
		}
	}
	return stored
}

// sellsFor reports whether a sale in shop may be credited to link: a product
// link only for its own product's shop (a product gone since counts for
// none), a collection or storefront link for any.
func sellsFor(ctx context.Context, tx *gorm.DB, link Link, shop catalog.Shop) (bool, error) {
	if link.Kind != TargetProduct || link.ProductID == nil {
		return true, nil
	}
	p, err := catalog.ProductTx(ctx, tx, *link.ProductID)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	return err == nil && p.ShopID == shop.ID, err
}

// attributeLinkCode attributes an off-site sale directly by link code, when
// the merchant knows the code but not the click.
func attributeLinkCode(ctx context.Context, tx *gorm.DB, shop catalog.Shop, code string) (attribution, error) {
	att := attribution{outcome: orders.OutcomeNone, windowDays: windowOf(shop), reason: "no click id or link code was sent"}
	if code == "" {
		return att, nil
	}
	var link Link
	if err := tx.Where("code = ? AND disabled = ?", code, false).Take(&link).Error; err != nil {
		att.reason = "unknown or disabled link code"
		return att, nil
	}
	if ok, err := sellsFor(ctx, tx, link, shop); err != nil {
		return att, err
	} else if !ok {
		att.reason = "the link code is for another shop's product"
		return att, nil
	}
	att.outcome, att.reason, att.link, att.influencerID = orders.OutcomeAttributed, "attributed by link code (no click)", &link, link.InfluencerID
	return att, nil
}

// checkSelfReferral turns an attributed sale into a self-referral when the
// buyer is the influencer (same account, or the account's email).
func checkSelfReferral(tx *gorm.DB, att attribution, email string, buyerUserID *int64) (attribution, error) {
	if att.outcome != orders.OutcomeAttributed {
		return att, nil
	}
	if buyerUserID != nil && *buyerUserID == att.influencerID {
		att.outcome, att.reason = orders.OutcomeSelfReferral, "the buyer is the influencer who made the link"
		return att, nil
	}
	if email == "" {
		return att, nil
	}
	var inf Influencer
	err := tx.Where("user_id = ?", att.influencerID).Take(&inf).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return att, nil
	} else if err != nil {
		return att, fmt.Errorf("check self-referral: %w", err)
	}
	if strings.EqualFold(inf.Email, email) {
		att.outcome, att.reason = orders.OutcomeSelfReferral, "the buyer's email is the influencer's"
	}
	return att, nil
}

// Accrue writes one accrue entry per line of an attributed order. The rate
// is today's (product override, else shop default) unless the link promised
// more when it was made.
func (a *Attribution) Accrue(ctx context.Context, tx *gorm.DB, shop catalog.Shop, order *orders.Order) error {
	if order.AttrInfluencerID == nil || order.AttrLinkID == nil {
		return fmt.Errorf("accrue commission: order %d has no attributed link", order.ID)
	}
	var productIDs []int64
	for _, l := range order.Lines {
		if l.ProductID != nil {
			productIDs = append(productIDs, *l.ProductID)
		}
	}
	products, err := catalog.ProductsByIDTx(ctx, tx, productIDs)
	if err != nil {
		return err
	}
	for _, l := range order.Lines {
		bps, source := shop.DefaultCommissionBps, RateShopDefault
		if l.ProductID != nil {
			if p, ok := products[*l.ProductID]; ok {
				bps, source = currentRate(shop, p)
			}
			var promise LinkRate
			if err := tx.Where("link_id = ? AND product_id = ?", *order.AttrLinkID, *l.ProductID).Take(&promise).Error; err == nil && promise.Bps > bps {
				bps, source = promise.Bps, RateLinkPromise
			} else if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("read rate promise: %w", err)
			}
		}
		entry := LedgerEntry{
			Kind: EntryAccrue, InfluencerID: *order.AttrInfluencerID, ShopID: shop.ID, OrderID: order.ID, LineID: ptr(l.ID),
			AmountMinor: Commission(l.AmountMinor, bps), Currency: order.Currency, RateBps: bps, RateSource: string(source),
			OnceKey: ptr(fmt.Sprintf("accrue:%d", l.ID)), CreatedAt: a.now(),
		}
		if err := tx.Create(&entry).Error; err != nil {
			return fmt.Errorf("accrue commission: %w", err)
		}
	}
	return nil
}
