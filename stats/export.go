package stats

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
)

// Viewer is whose data an export holds: a merchant's shop, or an influencer's
// own clicks, attributed orders and commission. Exactly one id is set.
type Viewer struct {
	MerchantID   int64
	InfluencerID int64
}

// scopeOf resolves a viewer to the shop or influencer the queries filter by.
func (st *Service) scopeOf(ctx context.Context, db *gorm.DB, v Viewer) (statsScope, error) {
	if v.MerchantID != 0 {
		shop, err := catalog.ShopOfOwnerTx(ctx, db, v.MerchantID)
		if err != nil {
			return statsScope{}, err
		}
		return statsScope{ShopID: shop.ID}, nil
	}
	return statsScope{InfluencerID: v.InfluencerID}, nil
}

// OrderExportRow is one order placed in the range.
type OrderExportRow struct {
	OrderID       int64
	ExternalID    string
	PlacedAt      time.Time
	Source        string
	Currency      string
	TotalMinor    int64
	RefundedMinor int64
	Outcome       string
	Handle        string
	LinkCode      string
	// ClickID is the click the order was credited to (none: a link code or
	// the API); FirstForClick says it is that click's first order, as
	// conversion counts them.
	ClickID       string
	FirstForClick bool
	// CommissionMinor is the order's commission net of reversals.
	CommissionMinor int64
}

// EntryExportRow is one ledger entry of an order placed in the range, with
// its effect on each commission bucket: the columns sum to the dashboard's
// pending, approved, paid and reversed figures.
type EntryExportRow struct {
	EntryID       int64
	CreatedAt     time.Time
	Kind          affiliates.EntryKind
	OrderID       int64
	OrderPlacedAt time.Time
	LineID        int64
	Handle        string
	Currency      string
	AmountMinor   int64
	RateBps       int
	PayoutID      int64
	CommissionBuckets
}

// ClickExportRow is one click in the range.
type ClickExportRow struct {
	ClickID  string
	At       time.Time
	LinkCode string
	Handle   string
	ShopID   int64
	Valid    bool
	Reason   string
}

const exportBatch = 2000

// ExportOrders calls fn with every order of the viewer placed in r, oldest first.
func (st *Service) ExportOrders(ctx context.Context, v Viewer, r Range, fn func(OrderExportRow) error) error {
	db := st.db.WithContext(ctx)
	scope, err := st.scopeOf(ctx, db, v)
	if err != nil {
		return err
	}
	rows, err := scopedOrders(db, r.From, r.To, scope).Order("placed_at, id").Rows()
	if err != nil {
		return fmt.Errorf("export orders: %w", err)
	}
	defer rows.Close()
	batch := make([]orders.Order, 0, exportBatch)
	for rows.Next() {
		var o orders.Order
		if err := db.ScanRows(rows, &o); err != nil {
			return fmt.Errorf("export orders: %w", err)
		}
		if batch = append(batch, o); len(batch) == exportBatch {
			if err := st.exportOrderBatch(ctx, db, batch, fn); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export orders: %w", err)
	}
	return st.exportOrderBatch(ctx, db, batch, fn)
}

func (st *Service) exportOrderBatch(ctx context.Context, db *gorm.DB, batch []orders.Order, fn func(OrderExportRow) error) error {
	if len(batch) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(batch))
	var infIDs, linkIDs []int64
	for _, o := range batch {
		ids = append(ids, o.ID)
		if o.AttrInfluencerID != nil {
			infIDs = append(infIDs, *o.AttrInfluencerID)
		}
		if o.AttrLinkID != nil {
			linkIDs = append(linkIDs, *o.AttrLinkID)
		}
	}
	type sums struct{ OrderID, Refunded, Comm int64 }
	var refunds, comms []sums
	if err := db.Model(&orders.OrderLine{}).Select("order_id, SUM(refunded_minor) AS refunded").
		Where("order_id IN ?", ids).Group("order_id").Scan(&refunds).Error; err != nil {
		return fmt.Errorf("export refunds: %w", err)
	}
	if err := db.Model(&affiliates.LedgerEntry{}).Select("order_id, SUM(amount_minor) AS comm").
		Where("order_id IN ? AND kind IN ?", ids, []affiliates.EntryKind{affiliates.EntryAccrue, affiliates.EntryReverse, affiliates.EntryClawback}).
		Group("order_id").Scan(&comms).Error; err != nil {
		return fmt.Errorf("export commission: %w", err)
	}
	refunded, comm := map[int64]int64{}, map[int64]int64{}
	for _, s := range refunds {
		refunded[s.OrderID] = s.Refunded
	}
	for _, s := range comms {
		comm[s.OrderID] = s.Comm
	}
	handles, err := affiliates.HandlesTx(ctx, db, infIDs)
	if err != nil {
		return err
	}
	codes, err := linkCodes(db, linkIDs)
	if err != nil {
		return err
	}
	var clicks []string
	for _, o := range batch {
		if o.AttrClickID != nil {
			clicks = append(clicks, *o.AttrClickID)
		}
	}
	firsts, err := firstOrdersOfClicks(db, clicks)
	if err != nil {
		return err
	}
	for _, o := range batch {
		row := OrderExportRow{OrderID: o.ID, PlacedAt: o.PlacedAt, Source: string(o.Source), Currency: o.Currency,
			TotalMinor: o.TotalMinor, RefundedMinor: refunded[o.ID], Outcome: o.AttrOutcome, CommissionMinor: comm[o.ID]}
		if o.ExternalID != nil {
			row.ExternalID = *o.ExternalID
		}
		if o.AttrInfluencerID != nil {
			row.Handle = handles[*o.AttrInfluencerID]
		}
		if o.AttrLinkID != nil {
			row.LinkCode = codes[*o.AttrLinkID]
		}
		if o.AttrOutcome == orders.OutcomeAttributed && o.AttrInfluencerID != nil && o.AttrClickID != nil {
			row.ClickID = *o.AttrClickID
			row.FirstForClick = firsts[row.ClickID] == o.ID
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

func linkCodes(db *gorm.DB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var links []affiliates.Link
	if err := db.Select("id, code").Where("id IN ?", ids).Find(&links).Error; err != nil {
		return nil, fmt.Errorf("load link codes: %w", err)
	}
	for _, l := range links {
		out[l.ID] = l.Code
	}
	return out, nil
}

// ExportEntries calls fn with every ledger entry (payments aside: a payout's
// pay entry belongs to no order, its effect shows on the entries it took) of
// the viewer's orders placed in r.
func (st *Service) ExportEntries(ctx context.Context, v Viewer, r Range, fn func(EntryExportRow) error) error {
	db := st.db.WithContext(ctx)
	scope, err := st.scopeOf(ctx, db, v)
	if err != nil {
		return err
	}
	type row struct {
		affiliates.LedgerEntry
		PlacedAt time.Time
	}
	q := db.Table("ledger_entries AS e").Select("e.*, o.placed_at").
		Joins("JOIN orders AS o ON o.id = e.order_id").
		Where("o.placed_at >= ? AND o.placed_at < ? AND e.kind <> ?", r.From.UTC(), r.To.UTC(), affiliates.EntryPay).Order("e.id")
	if scope.ShopID != 0 {
		q = q.Where("o.shop_id = ?", scope.ShopID)
	} else {
		q = q.Where("e.influencer_id = ?", scope.InfluencerID)
	}
	rows, err := q.Rows()
	if err != nil {
		return fmt.Errorf("export ledger: %w", err)
	}
	defer rows.Close()
	handles := handleCache{ctx: ctx, db: db, m: map[int64]string{}}
	for rows.Next() {
		var r row
		if err := db.ScanRows(rows, &r); err != nil {
			return fmt.Errorf("export ledger: %w", err)
		}
		handle, err := handles.get(r.InfluencerID)
		if err != nil {
			return err
		}
		out := EntryExportRow{EntryID: r.ID, CreatedAt: r.CreatedAt, Kind: r.Kind, OrderID: r.OrderID, OrderPlacedAt: r.PlacedAt,
			Handle: handle, Currency: r.Currency, AmountMinor: r.AmountMinor, RateBps: r.RateBps}
		if r.LineID != nil {
			out.LineID = *r.LineID
		}
		if r.PayoutID != nil {
			out.PayoutID = *r.PayoutID
		}
		out.apply(r.Kind, r.AmountMinor, r.PayoutID != nil)
		if err := fn(out); err != nil {
			return err
		}
	}
	return rows.Err()
}

// handleCache looks influencers' handles up once each.
type handleCache struct {
	ctx context.Context
	db  *gorm.DB
	m   map[int64]string
}

func (c *handleCache) get(id int64) (string, error) {
	if h, ok := c.m[id]; ok {
		return h, nil
	}
	m, err := affiliates.HandlesTx(c.ctx, c.db, []int64{id})
	if err != nil {
		return "", err
	}
	c.m[id] = m[id]
	return m[id], nil
}

// ExportClicks calls fn with every click of the viewer in r: an influencer's
// own clicks, or the clicks on links to the shop's products.
func (st *Service) ExportClicks(ctx context.Context, v Viewer, r Range, fn func(ClickExportRow) error) error {
	db := st.db.WithContext(ctx)
	scope, err := st.scopeOf(ctx, db, v)
	if err != nil {
		return err
	}
	type row struct {
		ID           string
		At           time.Time
		Code         string
		InfluencerID int64
		ProductID    *int64
		Valid        bool
		Reason       string
	}
	q := db.Table("clicks AS c").
		Select("c.id, c.at, l.code, c.influencer_id, CASE WHEN l.kind = ? THEN l.product_id END AS product_id, c.valid, c.reason", affiliates.TargetProduct).
		Joins("JOIN links AS l ON l.id = c.link_id").
		Where("c.at >= ? AND c.at < ?", r.From.UTC(), r.To.UTC()).Order("c.at, c.id")
	if scope.ShopID != 0 {
		q = q.Where("l.kind = ? AND l.product_id IN (?)", affiliates.TargetProduct, catalog.ProductIDsOfShop(db, scope.ShopID))
	} else {
		q = q.Where("l.influencer_id = ?", scope.InfluencerID)
	}
	rows, err := q.Rows()
	if err != nil {
		return fmt.Errorf("export clicks: %w", err)
	}
	defer rows.Close()
	handles := handleCache{ctx: ctx, db: db, m: map[int64]string{}}
	shops := shopCache{ctx: ctx, db: db, m: map[int64]int64{}}
	for rows.Next() {
		var x row
		if err := db.ScanRows(rows, &x); err != nil {
			return fmt.Errorf("export clicks: %w", err)
		}
		h, err := handles.get(x.InfluencerID)
		if err != nil {
			return err
		}
		shopID, err := shops.get(x.ProductID)
		if err != nil {
			return err
		}
		if err := fn(ClickExportRow{ClickID: x.ID, At: x.At, LinkCode: x.Code, Handle: h, ShopID: shopID, Valid: x.Valid, Reason: x.Reason}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// shopCache looks the shop of each product up once.
type shopCache struct {
	ctx context.Context
	db  *gorm.DB
	m   map[int64]int64
}

func (c *shopCache) get(productID *int64) (int64, error) {
	if productID == nil {
		return 0, nil
	}
	if id, ok := c.m[*productID]; ok {
		return id, nil
	}
	m, err := catalog.ProductShopsTx(c.ctx, c.db, []int64{*productID})
	if err != nil {
		return 0, err
	}
	c.m[*productID] = m[*productID]
	return m[*productID], nil
}
