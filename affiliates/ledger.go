package affiliates

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// Ledger is the commission ledger: what influencers earned, its approval
// once the return window after delivery has passed, payouts, and the balances derived from
// the entries.
type Ledger struct {
	db     *gorm.DB
	events eventPublisher
	now    func() time.Time
	logger *slog.Logger
}

// eventPublisher tells a shop's webhook about an approval or a payout, in
// the transaction that makes it (orders.Webhooks).
type eventPublisher interface {
	PublishTx(ctx context.Context, tx *gorm.DB, shopID int64, eventType string, data any) error
}

// NewLedger builds the ledger service; events publishes its webhook events
// (nil: none), now is the clock (nil: time.Now).
func NewLedger(db *gorm.DB, events eventPublisher, now func() time.Time, logger *slog.Logger) *Ledger {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Ledger{db: db, events: events, now: utcClock(now), logger: logger}
}

// publishTx sends an event if the ledger has a publisher.
func (s *Ledger) publishTx(ctx context.Context, tx *gorm.DB, shopID int64, eventType string, data any) error {
	if s.events == nil {
		return nil
	}
	return s.events.PublishTx(ctx, tx, shopID, eventType, data)
}

// lineLedger sums a line's entries by kind.
type lineLedger struct {
	accrue    *LedgerEntry
	reversed  int64 // reverse + clawback, as a positive amount
	approved  bool
	approvedN int64
}

func loadLineLedger(tx *gorm.DB, lineID int64) (lineLedger, error) {
	var entries []LedgerEntry
	if err := tx.Where("line_id = ?", lineID).Order("id").Find(&entries).Error; err != nil {
		return lineLedger{}, fmt.Errorf("load line ledger: %w", err)
	}
	var ll lineLedger
	for i, e := range entries {
		switch e.Kind {
		case EntryAccrue:
			ll.accrue = &entries[i]
		case EntryReverse, EntryClawback:
			ll.reversed -= e.AmountMinor
		case EntryApprove:
			ll.approved, ll.approvedN = true, e.AmountMinor
		}
	}
	return ll, nil
}

// Reverse writes the reversal (or, once approved, the clawback) that brings
// a refunded line's reversed commission to its proportional target now that
// refundedMinor of it has been refunded.
func (a *Attribution) Reverse(ctx context.Context, tx *gorm.DB, line orders.OrderLine, refundedMinor int64) error {
	ll, err := loadLineLedger(tx.WithContext(ctx), line.ID)
	if err != nil || ll.accrue == nil {
		return err // no commission on this line (unattributed or self-referral)
	}
	delta := reversalTarget(ll.accrue.AmountMinor, refundedMinor, line.AmountMinor) - ll.reversed
	if delta <= 0 {
		return nil
	}
	kind := EntryReverse
	if ll.approved {
		kind = EntryClawback
	}
	acc := ll.accrue
	e := LedgerEntry{Kind: kind, InfluencerID: acc.InfluencerID, ShopID: acc.ShopID, OrderID: acc.OrderID, LineID: acc.LineID,
		AmountMinor: -delta, Currency: acc.Currency, RateBps: acc.RateBps, RateSource: acc.RateSource, Note: "refund", CreatedAt: a.now()}
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("reverse commission: %w", err)
	}
	return nil
}

// approveLineTx moves a line's net pending commission to approved, once.
func (s *Ledger) approveLineTx(ctx context.Context, tx *gorm.DB, lineID int64, note string) (bool, error) {
	if err := orders.LockLineTx(ctx, tx, lineID); err != nil {
		return false, err
	}
	ll, err := loadLineLedger(tx, lineID)
	if err != nil || ll.accrue == nil || ll.approved {
		return false, err
	}
	a := ll.accrue
	e := LedgerEntry{Kind: EntryApprove, InfluencerID: a.InfluencerID, ShopID: a.ShopID, OrderID: a.OrderID, LineID: a.LineID,
		AmountMinor: a.AmountMinor - ll.reversed, Currency: a.Currency, RateBps: a.RateBps, RateSource: a.RateSource,
		OnceKey: ptr(fmt.Sprintf("approve:%d", lineID)), Note: note, CreatedAt: s.now()}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&e)
	if res.Error != nil {
		return false, fmt.Errorf("approve commission: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	return true, s.publishTx(ctx, tx, e.ShopID, EventCommissionApproved, CommissionApprovedEvent{Commission: ApprovedCommission{
		OrderID: e.OrderID, LineID: lineID, InfluencerID: e.InfluencerID, AmountMinor: e.AmountMinor, Currency: e.Currency,
		RateBps: e.RateBps, Reason: note, ApprovedAt: orders.Timestamp(e.CreatedAt)}})
}

// ApproveDue approves the commission of every line whose order was
// delivered at least its shop's return window ago and is not on hold: the
// window starts at delivery (orders.DueForApproval), so an order not yet
// delivered is never approved here, however old. Running it again approves
// nothing twice. It returns how many lines it approved.
func (s *Ledger) ApproveDue(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	shops, err := catalog.AllShopsTx(ctx, db)
	if err != nil {
		return 0, err
	}
	now := s.now()
	approved := 0
	for _, shop := range shops {
		cutoff := now.Add(-time.Duration(shop.ReturnWindowDays) * 24 * time.Hour)
		var lineIDs []int64
		err := db.Model(&LedgerEntry{}).Where("kind = ? AND shop_id = ?", EntryAccrue, shop.ID).
			Where("order_id IN (?)", orders.DueForApproval(db, shop.ID, cutoff)).
			Where("line_id NOT IN (?)", db.Model(&LedgerEntry{}).Select("line_id").Where("kind = ? AND shop_id = ?", EntryApprove, shop.ID)).
			Order("line_id").Pluck("line_id", &lineIDs).Error
		if err != nil {
			return approved, fmt.Errorf("find due commission: %w", err)
		}
		for _, id := range lineIDs {
			var ok bool
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var err error
				ok, err = s.approveLineTx(ctx, tx, id, "return window passed")
				return err
			})
			if err != nil {
				return approved, err
			}
			if ok {
				approved++
			}
		}
	}
	return approved, nil
}

// ApproveOrder approves an order's commission now, before its return window
// ends (the merchant vouches that it will not be returned).
func (s *Ledger) ApproveOrder(ctx context.Context, merchantID, orderID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := catalog.ShopOfOwnerTx(ctx, tx, merchantID)
		if err != nil {
			return err
		}
		order, err := orders.OfShopTx(ctx, tx, shop.ID, orderID)
		if err != nil {
			return err
		}
		for _, l := range order.Lines {
			if _, err := s.approveLineTx(ctx, tx, l.ID, "approved by merchant"); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreatePayout pays an influencer everything approved (net of clawbacks) in
// the merchant's shop that no payout has taken yet. The payout claims its
// entries with one conditional update (payout_id IS NULL → this payout), so
// two payouts racing for the same entries cannot both take them: the loser
// claims nothing and is refused. The transaction writes before it reads, so
// on SQLite it holds the write lock from its first statement.
func (s *Ledger) CreatePayout(ctx context.Context, merchantID, influencerID int64) (Payout, error) {
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, merchantID)
	if err != nil {
		return Payout{}, err
	}
	var payout Payout
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		payout = Payout{InfluencerID: influencerID, ShopID: shop.ID, Currency: shop.Currency, CreatedAt: s.now()}
		if acct, ok, err := payoutAccountTx(tx, influencerID); err != nil {
			return err
		} else if ok {
			payout.PaidTo = acct.Masked()
		}
		if err := tx.Create(&payout).Error; err != nil {
			return fmt.Errorf("create payout: %w", err)
		}
		claim := tx.Model(&LedgerEntry{}).
			Where("shop_id = ? AND influencer_id = ? AND kind IN ? AND payout_id IS NULL", shop.ID, influencerID, []EntryKind{EntryApprove, EntryClawback}).
			Update("payout_id", payout.ID)
		if claim.Error != nil {
			return fmt.Errorf("claim entries: %w", claim.Error)
		}
		var total struct{ Sum int64 }
		if err := tx.Model(&LedgerEntry{}).Select("COALESCE(SUM(amount_minor), 0) AS sum").Where("payout_id = ?", payout.ID).Scan(&total).Error; err != nil {
			return fmt.Errorf("sum payout: %w", err)
		}
		if claim.RowsAffected == 0 || total.Sum <= 0 {
			// Rolling back releases the claim: a negative balance stays to be
			// netted against future earnings.
			return fault.Conflictf("nothing to pay: the approved balance is %d minor units", total.Sum)
		}
		payout.AmountMinor, payout.Entries = total.Sum, int(claim.RowsAffected)
		if err := tx.Model(&payout).Updates(map[string]any{"amount_minor": payout.AmountMinor, "entries": payout.Entries}).Error; err != nil {
			return fmt.Errorf("record payout: %w", err)
		}
		pay := LedgerEntry{Kind: EntryPay, InfluencerID: influencerID, ShopID: shop.ID, AmountMinor: total.Sum, Currency: shop.Currency,
			OnceKey: ptr(fmt.Sprintf("pay:%d", payout.ID)), PayoutID: &payout.ID, Note: "payout", CreatedAt: s.now()}
		if err := tx.Create(&pay).Error; err != nil {
			return fmt.Errorf("record payment: %w", err)
		}
		return s.publishTx(ctx, tx, shop.ID, EventPayoutPaid, PayoutPaidEvent{Payout: PaidPayout{ID: payout.ID,
			InfluencerID: influencerID, AmountMinor: payout.AmountMinor, Currency: payout.Currency, Entries: payout.Entries,
			PaidAt: orders.Timestamp(payout.CreatedAt)}})
	})
	return payout, err
}

// Balance is what an influencer has earned in one currency, by status. It is
// always summed from ledger entries, never stored.
type Balance struct {
	Currency string
	// Pending is accrued, not yet approved (net of reversals).
	Pending int64
	// Approved is approved and not yet paid, net of clawbacks; negative when
	// more was clawed back after a payout than has been earned since.
	Approved int64
	Paid     int64
	// Reversed is everything reversed or clawed back (a positive amount).
	Reversed int64
}

// Balances sums the ledger of an influencer, optionally for one shop (0 = all).
func (s *Ledger) Balances(ctx context.Context, influencerID, shopID int64) ([]Balance, error) {
	q := s.db.WithContext(ctx).Model(&LedgerEntry{}).Select("currency, kind, SUM(amount_minor) AS total").
		Where("influencer_id = ?", influencerID)
	if shopID != 0 {
		q = q.Where("shop_id = ?", shopID)
	}
	return sumBalances(q)
}

func sumBalances(q *gorm.DB) ([]Balance, error) {
	type row struct {
		Currency string
		Kind     EntryKind
		Total    int64
	}
	var rows []row
	if err := q.Group("currency, kind").Order("currency").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("sum ledger: %w", err)
	}
	var out []Balance
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Currency != r.Currency {
			out = append(out, Balance{Currency: r.Currency})
		}
		b := &out[len(out)-1]
		switch r.Kind {
		case EntryAccrue:
			b.Pending += r.Total
		case EntryReverse:
			b.Pending += r.Total
			b.Reversed -= r.Total
		case EntryApprove:
			b.Pending -= r.Total
			b.Approved += r.Total
		case EntryClawback:
			b.Approved += r.Total
			b.Reversed -= r.Total
		case EntryPay:
			b.Approved -= r.Total
			b.Paid += r.Total
		}
	}
	return out, nil
}

// InfluencerBalance is one influencer's balance with the merchant's shop.
type InfluencerBalance struct {
	InfluencerID int64
	Handle       string
	Balance
}

// ShopBalances lists, for the merchant's shop, each influencer's balance.
func (s *Ledger) ShopBalances(ctx context.Context, merchantID int64) ([]InfluencerBalance, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if err := db.Model(&LedgerEntry{}).Distinct("influencer_id").Where("shop_id = ?", shop.ID).Order("influencer_id").Pluck("influencer_id", &ids).Error; err != nil {
		return nil, err
	}
	handles, err := HandlesTx(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	var out []InfluencerBalance
	for _, id := range ids {
		bs, err := s.Balances(ctx, id, shop.ID)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, InfluencerBalance{InfluencerID: id, Handle: handles[id], Balance: b})
		}
	}
	return out, nil
}

// EntriesOfShop lists the merchant's latest ledger entries.
func (s *Ledger) EntriesOfShop(ctx context.Context, merchantID int64, limit int) ([]LedgerEntry, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return nil, err
	}
	var entries []LedgerEntry
	err = db.Where("shop_id = ?", shop.ID).Order("id DESC").Limit(limit).Find(&entries).Error
	return entries, err
}

// EntriesOfInfluencer lists an influencer's latest ledger entries.
func (s *Ledger) EntriesOfInfluencer(ctx context.Context, influencerID int64, limit int) ([]LedgerEntry, error) {
	var entries []LedgerEntry
	err := s.db.WithContext(ctx).Where("influencer_id = ?", influencerID).Order("id DESC").Limit(limit).Find(&entries).Error
	return entries, err
}
