package affiliates

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// What a merchant's dashboard shows of the ledger: orders awaiting approval,
// what is owed to whom, and past payouts.

// HandlesTx returns the handles of the given influencers by user id.
func HandlesTx(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]string, error) {
	db := tx.WithContext(ctx)
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var infs []Influencer
	if err := db.Select("user_id, handle").Where("user_id IN ?", ids).Find(&infs).Error; err != nil {
		return nil, fmt.Errorf("load handles: %w", err)
	}
	for _, inf := range infs {
		out[inf.UserID] = inf.Handle
	}
	return out, nil
}

// AwaitingApproval is an attributed order whose commission is not approved yet.
type AwaitingApproval struct {
	OrderID      int64
	PlacedAt     time.Time
	TotalMinor   int64
	Currency     string
	Handle       string
	PendingMinor int64
	Held         bool
	// DueAt is when the return window after delivery ends and approval
	// becomes automatic; zero while the order is not delivered.
	DueAt time.Time
}

// ApprovalQueue lists the newest orders of the merchant's shop whose
// commission awaits approval.
func (s *Ledger) ApprovalQueue(ctx context.Context, merchantID int64, limit int) ([]AwaitingApproval, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return nil, err
	}
	awaiting, pending, err := awaitingApproval(ctx, db, shop.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("load approval queue: %w", err)
	}
	infIDs := make([]int64, 0, len(awaiting))
	for _, o := range awaiting {
		if o.AttrInfluencerID != nil {
			infIDs = append(infIDs, *o.AttrInfluencerID)
		}
	}
	handles, err := HandlesTx(ctx, db, infIDs)
	if err != nil {
		return nil, err
	}
	window := time.Duration(shop.ReturnWindowDays) * 24 * time.Hour
	out := make([]AwaitingApproval, 0, len(awaiting))
	for _, o := range awaiting {
		a := AwaitingApproval{OrderID: o.ID, PlacedAt: o.PlacedAt, TotalMinor: o.TotalMinor, Currency: o.Currency,
			PendingMinor: pending[o.ID], Held: o.Held}
		if o.DeliveredAt != nil {
			a.DueAt = o.DeliveredAt.Add(window)
		}
		if o.AttrInfluencerID != nil {
			a.Handle = handles[*o.AttrInfluencerID]
		}
		out = append(out, a)
	}
	return out, nil
}

// Payable is an influencer's approved, unpaid commission with a shop.
type Payable struct {
	InfluencerID int64
	Handle       string
	AmountMinor  int64
	Currency     string
}

// Payables lists what the merchant owes each influencer now, largest first:
// approved commission net of clawbacks that no payout has taken
// (CreatePayout pays exactly this). It returns at most limit rows (0: all)
// and how many more influencers are owed something.
func (s *Ledger) Payables(ctx context.Context, merchantID int64, limit int) (rows []Payable, more int, err error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return nil, 0, err
	}
	err = db.Model(&LedgerEntry{}).Select("influencer_id, currency, SUM(amount_minor) AS amount_minor").
		Where("shop_id = ? AND kind IN ? AND payout_id IS NULL", shop.ID, []EntryKind{EntryApprove, EntryClawback}).
		Group("influencer_id, currency").Having("SUM(amount_minor) <> 0").Order("amount_minor DESC, influencer_id").Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("sum payable commission: %w", err)
	}
	if limit > 0 && len(rows) > limit {
		rows, more = rows[:limit], len(rows)-limit
	}
	// Handles only for the rows shown: a busy shop owes a thousand people.
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.InfluencerID)
	}
	handles, err := HandlesTx(ctx, db, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range rows {
		rows[i].Handle = handles[rows[i].InfluencerID]
	}
	return rows, more, nil
}

// PayoutView is a payout with the names of both sides.
type PayoutView struct {
	Payout
	Handle   string
	ShopName string
}

// Payouts lists the latest payouts of the merchant's shop (merchantID) or
// to an influencer (influencerID); pass one of them.
func (s *Ledger) Payouts(ctx context.Context, merchantID, influencerID int64, limit int) ([]PayoutView, error) {
	db := s.db.WithContext(ctx)
	q := db.Order("id DESC").Limit(limit)
	switch {
	case merchantID != 0:
		shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
		if err != nil {
			return nil, err
		}
		q = q.Where("shop_id = ?", shop.ID)
	case influencerID != 0:
		q = q.Where("influencer_id = ?", influencerID)
	default:
		return nil, fault.Invalidf("say whose payouts to list")
	}
	var payouts []Payout
	if err := q.Find(&payouts).Error; err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	infIDs := make([]int64, 0, len(payouts))
	shopIDs := make([]int64, 0, len(payouts))
	for _, p := range payouts {
		infIDs = append(infIDs, p.InfluencerID)
		shopIDs = append(shopIDs, p.ShopID)
	}
	handles, err := HandlesTx(ctx, db, infIDs)
	if err != nil {
		return nil, err
	}
	shops, err := catalog.ShopsByIDTx(ctx, db, shopIDs)
	if err != nil {
		return nil, err
	}
	out := make([]PayoutView, 0, len(payouts))
	for _, p := range payouts {
		out = append(out, PayoutView{Payout: p, Handle: handles[p.InfluencerID], ShopName: shops[p.ShopID].Name})
	}
	return out, nil
}

// approvalPage is how many orders awaitingApproval reads at a time.
const approvalPage = 100

// awaitingApproval finds the shop's newest attributed orders whose
// commission was accrued and not yet approved, and their pending commission.
// Orders are read newest first a page at a time, each page's commission
// from the ledger, until limit are found: orders awaiting approval are the
// recent ones (inside the return window) and those on hold.
func awaitingApproval(ctx context.Context, db *gorm.DB, shopID int64, limit int) ([]orders.Order, map[int64]int64, error) {
	var out []orders.Order
	pending := map[int64]int64{}
	var after *orders.Order
	for len(out) < limit {
		page, err := orders.AttributedBeforeTx(ctx, db, shopID, after, approvalPage)
		if err != nil || len(page) == 0 {
			return out, pending, err
		}
		ids := make([]int64, len(page))
		for i, o := range page {
			ids[i] = o.ID
		}
		var rows []struct {
			OrderID  int64
			Accrued  int64
			Approved int64
			Pending  int64
		}
		err = db.Model(&LedgerEntry{}).
			Select("order_id, SUM(CASE WHEN kind = ? THEN 1 ELSE 0 END) AS accrued, SUM(CASE WHEN kind = ? THEN 1 ELSE 0 END) AS approved, "+
				"SUM(CASE WHEN kind IN ? THEN amount_minor ELSE 0 END) AS pending", EntryAccrue, EntryApprove, []EntryKind{EntryAccrue, EntryReverse}).
			Where("order_id IN ? AND kind IN ?", ids, []EntryKind{EntryAccrue, EntryReverse, EntryApprove}).Group("order_id").Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("sum pending commission: %w", err)
		}
		waiting := map[int64]bool{}
		for _, r := range rows {
			if r.Accrued > 0 && r.Approved == 0 {
				waiting[r.OrderID], pending[r.OrderID] = true, r.Pending
			}
		}
		for _, o := range page {
			if waiting[o.ID] && len(out) < limit {
				out = append(out, o)
			}
		}
		if len(page) < approvalPage {
			break
		}
		after = &page[len(page)-1]
	}
	return out, pending, nil
}
