package stats

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
)

// InfluencerReport is everything the influencer dashboard shows for a range.
// Money is in Currency (an influencer paid by shops in several currencies
// picks one; clicks and orders count in every currency).
type InfluencerReport struct {
	Range, Prev    Range
	Currency       string
	Currencies     []string
	Totals, Before Totals
	Days           []DayTotals
	Links          []LinkTotals
	Products       []ProductTotals
	// Unlocks is all pending commission (whatever the range) by the day its
	// return window after delivery ends, when it is approved; a zero Day
	// (last) holds that of orders not delivered yet.
	Unlocks []Unlock
	AsOf    time.Time
}

// LinkTotals are one link's results in a range.
type LinkTotals struct {
	LinkID int64
	Code   string
	Kind   affiliates.TargetKind
	Title  string
	Totals
}

// Unlock is pending commission that is approved on one day.
type Unlock struct {
	Day         time.Time
	AmountMinor int64
	Orders      int
}

// Influencer builds the influencer's dashboard for a range in zone; currency
// "" picks the one they earned most in.
func (st *Service) Influencer(ctx context.Context, influencerID int64, in RangeInput, zone *time.Location, currency string) (InfluencerReport, error) {
	db := st.db.WithContext(withLiveCache(ctx))
	r, err := ResolveRange(in, zone, st.now())
	if err != nil {
		return InfluencerReport{}, err
	}
	state, err := loadRollupState(db)
	if err != nil {
		return InfluencerReport{}, err
	}
	rep := InfluencerReport{Range: r, Prev: r.Previous(), AsOf: state.RunAt}
	if rep.Currencies, err = earningCurrencies(db, influencerID); err != nil {
		return rep, err
	}
	rep.Currency = currency
	if !contains(rep.Currencies, currency) {
		rep.Currency = ""
		if len(rep.Currencies) > 0 {
			rep.Currency = rep.Currencies[0]
		}
	}
	scope := statsScope{InfluencerID: influencerID}
	days := make([]DayTotals, len(r.Days()))
	for i, d := range r.Days() {
		days[i].Day = d
	}
	byLink := map[int64]*LinkTotals{}
	err = st.eachLinkHour(db, scope, r, state.RolledUntil, func(t time.Time, row LinkHour) {
		rep.Totals.addLink(row, rep.Currency)
		if i := dayIndex(r, t); i >= 0 {
			days[i].addLink(row, rep.Currency)
		}
		l := byLink[row.LinkID]
		if l == nil {
			l = &LinkTotals{LinkID: row.LinkID}
			byLink[row.LinkID] = l
		}
		l.addLink(row, rep.Currency)
	})
	if err != nil {
		return rep, err
	}
	rep.Days = days
	if err := st.eachLinkHour(db, scope, rep.Prev, state.RolledUntil, func(_ time.Time, row LinkHour) { rep.Before.addLink(row, rep.Currency) }); err != nil {
		return rep, err
	}
	if rep.Links, err = linkTotals(ctx, db, influencerID, byLink); err != nil {
		return rep, err
	}
	if rep.Products, err = st.topProducts(ctx, db, scope, r, state.RolledUntil, rep.Currency, 0); err != nil {
		return rep, err
	}
	if rep.Unlocks, err = pendingUnlocks(ctx, db, influencerID, rep.Currency, r.Zone); err != nil {
		return rep, err
	}
	return rep, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// earningCurrencies lists the currencies an influencer has earned in, the
// largest total first.
func earningCurrencies(db *gorm.DB, influencerID int64) ([]string, error) {
	type row struct {
		Currency string
		Total    int64
	}
	var rows []row
	if err := db.Model(&affiliates.LedgerEntry{}).Select("currency, SUM(amount_minor) AS total").
		Where("influencer_id = ? AND kind = ?", influencerID, affiliates.EntryAccrue).Group("currency").
		Order("total DESC, currency").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list earning currencies: %w", err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Currency)
	}
	return out, nil
}

// eachLinkHour calls fn with every link roll-up row of the influencer in r,
// stored and live, and the time to put it on a day by.
func (st *Service) eachLinkHour(db *gorm.DB, scope statsScope, r Range, rolledUntil int64, fn func(time.Time, LinkHour)) error {
	sp := splitSpan(r.From, r.To, rolledUntil)
	if sp.HourFrom < sp.HourTo {
		var rows []LinkHour
		if err := db.Where("influencer_id = ? AND hour >= ? AND hour < ?", scope.InfluencerID, sp.HourFrom, sp.HourTo).
			Find(&rows).Error; err != nil {
			return fmt.Errorf("read link roll-up: %w", err)
		}
		for _, row := range rows {
			fn(hourStart(row.Hour), row)
		}
	}
	for _, iv := range sp.Live {
		agg, err := aggregate(db, iv[0], iv[1], scope)
		if err != nil {
			return err
		}
		_, links, _ := agg.rows()
		for _, row := range links {
			fn(foldTime(row.Hour, iv[0]), row)
		}
	}
	return nil
}

// linkTotals lists every link of the influencer (those without activity in
// the range too), busiest first.
func linkTotals(ctx context.Context, db *gorm.DB, influencerID int64, byLink map[int64]*LinkTotals) ([]LinkTotals, error) {
	var links []affiliates.Link
	if err := db.Where("influencer_id = ?", influencerID).Order("id DESC").Limit(500).Find(&links).Error; err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var productIDs []int64
	for _, l := range links {
		if l.ProductID != nil {
			productIDs = append(productIDs, *l.ProductID)
		}
	}
	titles, err := catalog.ProductTitlesTx(ctx, db, productIDs)
	if err != nil {
		return nil, err
	}
	out := make([]LinkTotals, 0, len(links))
	for _, l := range links {
		t := LinkTotals{LinkID: l.ID}
		if x := byLink[l.ID]; x != nil {
			t = *x
		}
		t.Code, t.Kind = l.Code, l.Kind
		switch {
		case l.Kind == affiliates.TargetProduct && l.ProductID != nil:
			t.Title = titles[*l.ProductID]
		case l.Kind == affiliates.TargetCollection:
			t.Title = "Collection"
		default:
			t.Title = "Storefront"
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].GMVMinor != out[j].GMVMinor {
			return out[i].GMVMinor > out[j].GMVMinor
		}
		return out[i].ClicksValid > out[j].ClicksValid
	})
	return out, nil
}

// pendingUnlocks groups the influencer's pending commission by the local day
// its order's return window ends (delivery + the shop's return window); the
// commission of orders not delivered yet has no such day (a zero Day, listed
// last). Commission on hold stays pending past that day until the merchant
// releases it.
func pendingUnlocks(ctx context.Context, db *gorm.DB, influencerID int64, currency string, zone *time.Location) ([]Unlock, error) {
	type row struct {
		OrderID int64
		Pending int64
	}
	var rows []row
	err := db.Model(&affiliates.LedgerEntry{}).
		Select("order_id, SUM(CASE WHEN kind = ? THEN -amount_minor ELSE amount_minor END) AS pending", affiliates.EntryApprove).
		Where("influencer_id = ? AND currency = ? AND kind IN ?", influencerID, currency, []affiliates.EntryKind{affiliates.EntryAccrue, affiliates.EntryReverse, affiliates.EntryApprove}).
		Group("order_id").Having("SUM(CASE WHEN kind = ? THEN -amount_minor ELSE amount_minor END) <> 0", affiliates.EntryApprove).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sum pending commission: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.OrderID)
	}
	placed, err := orders.PlacedTx(ctx, db, ids)
	if err != nil {
		return nil, fmt.Errorf("load pending orders: %w", err)
	}
	shopIDs := make([]int64, 0, len(placed))
	for _, o := range placed {
		shopIDs = append(shopIDs, o.ShopID)
	}
	shops, err := catalog.ShopsByIDTx(ctx, db, shopIDs)
	if err != nil {
		return nil, err
	}
	dueDay := map[int64]time.Time{}
	for _, o := range placed {
		if o.DeliveredAt == nil {
			continue // no day yet: the window starts at delivery
		}
		window := time.Duration(shops[o.ShopID].ReturnWindowDays) * 24 * time.Hour
		dueDay[o.ID] = midnight(o.DeliveredAt.Add(window).In(zone))
	}
	byDay := map[time.Time]*Unlock{}
	for _, r := range rows {
		d := dueDay[r.OrderID]
		u := byDay[d]
		if u == nil {
			u = &Unlock{Day: d}
			byDay[d] = u
		}
		u.AmountMinor += r.Pending
		u.Orders++
	}
	out := make([]Unlock, 0, len(byDay))
	for _, u := range byDay {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Day.IsZero() || out[j].Day.IsZero() {
			return out[j].Day.IsZero() && !out[i].Day.IsZero()
		}
		return out[i].Day.Before(out[j].Day)
	})
	return out, nil
}
