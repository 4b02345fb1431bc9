// Package stats computes the merchant and influencer dashboards: hourly
// roll-ups of orders, clicks and commission kept up to date by a periodic
// job, ranges of whole days in the viewer's time zone, the figures and
// charts' series read from the roll-ups (and, for the latest hours, live
// from the facts), and the CSV exports whose totals agree with them.
package stats

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// Range presets.
const (
	PresetToday     = "today"
	Preset7Days     = "7d"
	Preset30Days    = "30d"
	PresetThisMonth = "month"
	PresetLastMonth = "lastmonth"
	PresetCustom    = "custom"
)

// maxRangeDays bounds a custom range.
const maxRangeDays = 400

// DefaultInfluencerZone is the time zone of an influencer's dashboard until
// they choose another: Warna's marketplace is Indonesian. Merchants always
// see their shop's zone.
const DefaultInfluencerZone = "Asia/Jakarta"

// RangeInput is a dashboard's date range as the request gives it: a preset,
// or custom first and last days (YYYY-MM-DD, both included).
type RangeInput struct {
	Preset string
	From   string
	To     string
}

// Range is whole days in one time zone: the instants [From, To), the first
// and last day (both included) and the preset that chose them.
type Range struct {
	Preset   string
	Zone     *time.Location
	From, To time.Time
	FirstDay time.Time // local midnight of the first day
	LastDay  time.Time // local midnight of the last day
}

// ResolveRange turns the input into days in zone, judged at now. An empty
// preset without dates means the last 30 days.
func ResolveRange(in RangeInput, zone *time.Location, now time.Time) (Range, error) {
	if zone == nil {
		zone = time.UTC
	}
	today := midnight(now.In(zone))
	preset := in.Preset
	if preset == "" {
		preset = Preset30Days
		if in.From != "" || in.To != "" {
			preset = PresetCustom
		}
	}
	var first, last time.Time
	switch preset {
	case PresetToday:
		first, last = today, today
	case Preset7Days:
		first, last = addDays(today, -6), today
	case Preset30Days:
		first, last = addDays(today, -29), today
	case PresetThisMonth:
		first, last = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, zone), today
	case PresetLastMonth:
		first = time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, zone)
		last = addDays(time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, zone), -1)
	case PresetCustom:
		var err error
		if first, err = parseDay(in.From, "from", zone); err != nil {
			return Range{}, err
		}
		if last, err = parseDay(in.To, "to", zone); err != nil {
			return Range{}, err
		}
		if last.Before(first) {
			return Range{}, fault.FieldInvalidf("to", "the last day is before the first day")
		}
		if dayCount(first, last) > maxRangeDays {
			return Range{}, fault.FieldInvalidf("from", "choose at most %d days", maxRangeDays)
		}
	default:
		return Range{}, fault.FieldInvalidf("range", "unknown range %q: choose today, 7d, 30d, month, lastmonth or custom dates", preset)
	}
	return daysRange(preset, first, last), nil
}

func daysRange(preset string, first, last time.Time) Range {
	return Range{Preset: preset, Zone: first.Location(), FirstDay: first, LastDay: last, From: first, To: addDays(last, 1)}
}

// Previous is the range of as many days just before r.
func (r Range) Previous() Range {
	n := dayCount(r.FirstDay, r.LastDay)
	return daysRange(r.Preset, addDays(r.FirstDay, -n), addDays(r.FirstDay, -1))
}

// Days lists the local midnights of r's days.
func (r Range) Days() []time.Time {
	var out []time.Time
	for d := r.FirstDay; !d.After(r.LastDay); d = addDays(d, 1) {
		out = append(out, d)
	}
	return out
}

// Label is a short human description of r, e.g. "1 Mar – 30 Mar 2026".
func (r Range) Label() string {
	if r.FirstDay.Equal(r.LastDay) {
		return r.FirstDay.Format("Mon 2 Jan 2006")
	}
	if r.FirstDay.Year() == r.LastDay.Year() {
		return r.FirstDay.Format("2 Jan") + " – " + r.LastDay.Format("2 Jan 2006")
	}
	return r.FirstDay.Format("2 Jan 2006") + " – " + r.LastDay.Format("2 Jan 2006")
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// addDays moves by calendar days (not 24 h: a day with a DST change is 23 or 25 h).
func addDays(t time.Time, n int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()+n, 0, 0, 0, 0, t.Location())
}

// dayCount is the number of days from first to last, both included.
func dayCount(first, last time.Time) int {
	a := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

func parseDay(s, field string, zone *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), zone)
	if err != nil {
		return time.Time{}, fault.FieldInvalidf(field, "enter the date as YYYY-MM-DD")
	}
	return t, nil
}

// LoadZone returns the named time zone, or UTC if the name is unknown.
func LoadZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

// Totals are the headline figures of a range. Money is in one currency.
type Totals struct {
	Orders           int64 // for an influencer: orders attributed to them
	GMVMinor         int64 // gross sales: order totals before refunds
	AttributedOrders int64
	// ConvertedClicks count the clicks that led to an order (by the time
	// of their first order), and ClickEarnedMinor is the commission on the
	// orders credited to clicks, net of reversals (for an influencer):
	// conversion and earnings per click divide them by valid clicks.
	// OffClickOrders are the attributed orders without a click (a link
	// code, the API).
	ConvertedClicks  int64
	OffClickOrders   int64
	ClickEarnedMinor int64
	AttributedMinor  int64 // sales credited to an influencer
	RefundedMinor    int64
	ClicksRaw        int64
	ClicksValid      int64
	CommissionBuckets
}

// AOVMinor is the average order value, rounded half up.
func (t Totals) AOVMinor() int64 {
	if t.Orders == 0 {
		return 0
	}
	q, r := t.GMVMinor/t.Orders, t.GMVMinor%t.Orders
	if 2*r >= t.Orders {
		q++
	}
	return q
}

// ConversionRate is the share of valid clicks that led to an order (0
// without clicks). Over a range holding both the clicks and their orders
// it is at most 1; a range that starts between a click and its first
// order counts the order without the click.
func (t Totals) ConversionRate() float64 {
	if t.ClicksValid == 0 {
		return 0
	}
	return float64(t.ConvertedClicks) / float64(t.ClicksValid)
}

// EarnedMinor is commission earned net of reversals.
func (t Totals) EarnedMinor() int64 { return t.CommAccrued - t.CommReversed }

// EPCMinor is the commission earned on orders credited to a click per
// valid click, in minor units (fractional).
func (t Totals) EPCMinor() float64 {
	if t.ClicksValid == 0 {
		return 0
	}
	return float64(t.ClickEarnedMinor) / float64(t.ClicksValid)
}

func (t *Totals) addShop(r ShopHour) {
	t.Orders += r.Orders
	t.GMVMinor += r.GMVMinor
	t.AttributedOrders += r.AttributedOrders
	t.ConvertedClicks += r.ConvertedClicks
	t.OffClickOrders += r.OffClickOrders
	t.AttributedMinor += r.AttributedMinor
	t.RefundedMinor += r.RefundedMinor
	t.ClicksRaw += r.ClicksRaw
	t.ClicksValid += r.ClicksValid
	t.CommissionBuckets.add(r.CommissionBuckets)
}

// addLink adds an influencer's link row; money only when in currency.
func (t *Totals) addLink(r LinkHour, currency string) {
	t.ClicksRaw += r.ClicksRaw
	t.ClicksValid += r.ClicksValid
	t.Orders += r.Orders
	t.AttributedOrders += r.Orders
	t.ConvertedClicks += r.ConvertedClicks
	t.OffClickOrders += r.OffClickOrders
	if r.Currency == currency {
		t.GMVMinor += r.SalesMinor
		t.AttributedMinor += r.SalesMinor
		t.ClickEarnedMinor += r.ClickEarnedMinor
		t.CommissionBuckets.add(r.CommissionBuckets)
	}
}

// DayTotals are one day's figures.
type DayTotals struct {
	Day time.Time
	Totals
}

// span is the part of a range read from roll-ups (whole hours [HourFrom,
// HourTo)) and the parts computed live.
type span struct {
	HourFrom, HourTo int64
	Live             [][2]time.Time
}

// splitSpan splits [from, to) at the whole hours rolled up before rolledUntil.
func splitSpan(from, to time.Time, rolledUntil int64) span {
	a := hourOf(from)
	if !hourStart(a).Equal(from) {
		a++
	}
	b := min(hourOf(to), rolledUntil)
	if a >= b {
		return span{Live: [][2]time.Time{{from, to}}}
	}
	sp := span{HourFrom: a, HourTo: b}
	if from.Before(hourStart(a)) {
		sp.Live = append(sp.Live, [2]time.Time{from, hourStart(a)})
	}
	if hourStart(b).Before(to) {
		sp.Live = append(sp.Live, [2]time.Time{hourStart(b), to})
	}
	return sp
}

// dayIndex maps an instant to the index of its day in r (-1 outside).
func dayIndex(r Range, t time.Time) int {
	if t.Before(r.From) || !t.Before(r.To) {
		return -1
	}
	return dayCount(r.FirstDay, midnight(t.In(r.Zone))) - 1
}

// foldTime is when a row of hour h found in interval [from, …) happened, for
// putting it on a day: the hour's start, or the interval's start when that is
// later (a partial live hour).
func foldTime(h int64, from time.Time) time.Time {
	if t := hourStart(h); t.After(from) {
		return t
	}
	return from
}

// MerchantReport is everything the merchant dashboard shows for a range.
type MerchantReport struct {
	Shop           catalog.Shop
	Range, Prev    Range
	Totals, Before Totals
	Days           []DayTotals
	TopProducts    []ProductTotals
	TopInfluencers []InfluencerTotals
	// AsOf is when the roll-ups were last brought up to date; figures after
	// it are computed live.
	AsOf time.Time
}

// ProductTotals are one product's sales in a range.
type ProductTotals struct {
	ProductID       int64
	Title           string
	Units           int64
	SalesMinor      int64
	RefundedMinor   int64
	CommissionMinor int64
}

// InfluencerTotals are one influencer's results for a shop in a range.
type InfluencerTotals struct {
	InfluencerID int64
	Handle       string
	ClicksRaw    int64
	ClicksValid  int64
	Orders       int64
	// ConvertedClicks count the clicks that led to an order.
	ConvertedClicks int64
	SalesMinor      int64
	EarnedMinor     int64
}

// ConversionRate is the share of valid clicks that led to an order.
func (t InfluencerTotals) ConversionRate() float64 {
	if t.ClicksValid == 0 {
		return 0
	}
	return float64(t.ConvertedClicks) / float64(t.ClicksValid)
}

// MerchantShop returns the merchant's shop and its time zone.
func (st *Service) MerchantShop(ctx context.Context, merchantID int64) (catalog.Shop, *time.Location, error) {
	shop, err := catalog.ShopOfOwnerTx(ctx, st.db, merchantID)
	if err != nil {
		return shop, nil, err
	}
	return shop, LoadZone(shop.TimeZone), nil
}

// Merchant builds the merchant's dashboard for a range in the shop's zone.
func (st *Service) Merchant(ctx context.Context, merchantID int64, in RangeInput, topN int) (MerchantReport, error) {
	db := st.db.WithContext(withLiveCache(ctx))
	shop, zone, err := st.MerchantShop(ctx, merchantID)
	if err != nil {
		return MerchantReport{}, err
	}
	r, err := ResolveRange(in, zone, st.now())
	if err != nil {
		return MerchantReport{}, err
	}
	state, err := loadRollupState(db)
	if err != nil {
		return MerchantReport{}, err
	}
	rep := MerchantReport{Shop: shop, Range: r, Prev: r.Previous(), AsOf: state.RunAt}
	scope := statsScope{ShopID: shop.ID}
	days := make([]DayTotals, len(r.Days()))
	for i, d := range r.Days() {
		days[i].Day = d
	}
	err = st.eachShopHour(db, scope, r, state.RolledUntil, func(t time.Time, row ShopHour) {
		rep.Totals.addShop(row)
		if i := dayIndex(r, t); i >= 0 {
			days[i].addShop(row)
		}
	})
	if err != nil {
		return rep, err
	}
	rep.Days = days
	if err := st.eachShopHour(db, scope, rep.Prev, state.RolledUntil, func(_ time.Time, row ShopHour) { rep.Before.addShop(row) }); err != nil {
		return rep, err
	}
	if rep.TopProducts, err = st.topProducts(ctx, db, scope, r, state.RolledUntil, "", topN); err != nil {
		return rep, err
	}
	if rep.TopInfluencers, err = st.topInfluencers(ctx, db, shop.ID, r, state.RolledUntil, topN); err != nil {
		return rep, err
	}
	return rep, nil
}

// eachShopHour calls fn with every roll-up row of the shop in r, stored and
// live, and the time to put it on a day by.
func (st *Service) eachShopHour(db *gorm.DB, scope statsScope, r Range, rolledUntil int64, fn func(time.Time, ShopHour)) error {
	sp := splitSpan(r.From, r.To, rolledUntil)
	if sp.HourFrom < sp.HourTo {
		var rows []ShopHour
		if err := db.Where("shop_id = ? AND hour >= ? AND hour < ?", scope.ShopID, sp.HourFrom, sp.HourTo).Find(&rows).Error; err != nil {
			return fmt.Errorf("read shop roll-up: %w", err)
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
		shops, _, _ := agg.rows()
		for _, row := range shops {
			fn(foldTime(row.Hour, iv[0]), row)
		}
	}
	return nil
}

// liveRows aggregates the live parts of a span.
func liveRows(db *gorm.DB, sp span, scope statsScope) ([]LinkHour, []ProductHour, error) {
	var links []LinkHour
	var products []ProductHour
	for _, iv := range sp.Live {
		agg, err := aggregate(db, iv[0], iv[1], scope)
		if err != nil {
			return nil, nil, err
		}
		_, l, p := agg.rows()
		for i := range l {
			l[i].Hour = hourOf(foldTime(l[i].Hour, iv[0]))
		}
		links = append(links, l...)
		products = append(products, p...)
	}
	return links, products, nil
}

// topProducts ranks products by sales in r, for a shop or an influencer (in
// currency).
func (st *Service) topProducts(ctx context.Context, db *gorm.DB, scope statsScope, r Range, rolledUntil int64, currency string, n int) ([]ProductTotals, error) {
	sp := splitSpan(r.From, r.To, rolledUntil)
	byID := map[int64]*ProductTotals{}
	add := func(id, units, sales, refunded, comm int64) {
		p := byID[id]
		if p == nil {
			p = &ProductTotals{ProductID: id}
			byID[id] = p
		}
		p.Units += units
		p.SalesMinor += sales
		p.RefundedMinor += refunded
		p.CommissionMinor += comm
	}
	if sp.HourFrom < sp.HourTo {
		type row struct{ ProductID, Units, Sales, Refunded, Comm int64 }
		var rows []row
		q := db.Model(&ProductHour{}).
			Select("product_id, SUM(units) AS units, SUM(sales_minor) AS sales, SUM(refunded_minor) AS refunded, SUM(commission_minor) AS comm").
			Where("hour >= ? AND hour < ?", sp.HourFrom, sp.HourTo).Group("product_id")
		if scope.ShopID != 0 {
			q = q.Where("shop_id = ?", scope.ShopID)
		} else {
			q = q.Where("influencer_id = ? AND currency = ?", scope.InfluencerID, currency)
		}
		if err := q.Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("read product roll-up: %w", err)
		}
		for _, x := range rows {
			add(x.ProductID, x.Units, x.Sales, x.Refunded, x.Comm)
		}
	}
	_, live, err := liveRows(db, sp, scope)
	if err != nil {
		return nil, err
	}
	for _, x := range live {
		if scope.InfluencerID != 0 && (x.InfluencerID != scope.InfluencerID || x.Currency != currency) {
			continue
		}
		add(x.ProductID, x.Units, x.SalesMinor, x.RefundedMinor, x.CommissionMinor)
	}
	out := make([]ProductTotals, 0, len(byID))
	for _, p := range byID {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SalesMinor != out[j].SalesMinor {
			return out[i].SalesMinor > out[j].SalesMinor
		}
		return out[i].ProductID < out[j].ProductID
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, productTitles(ctx, db, out)
}

func productTitles(ctx context.Context, db *gorm.DB, ps []ProductTotals) error {
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ProductID)
	}
	if len(ids) == 0 {
		return nil
	}
	titles, err := catalog.ProductTitlesTx(ctx, db, ids)
	if err != nil {
		return err
	}
	for i := range ps {
		ps[i].Title = titles[ps[i].ProductID]
		if ps[i].ProductID == 0 {
			ps[i].Title = "Items sold off-site"
		}
	}
	return nil
}

// topInfluencers ranks the influencers of a shop by the sales they drove,
// then by valid clicks.
func (st *Service) topInfluencers(ctx context.Context, db *gorm.DB, shopID int64, r Range, rolledUntil int64, n int) ([]InfluencerTotals, error) {
	sp := splitSpan(r.From, r.To, rolledUntil)
	rank := influencerRanking{}
	clicksOfTopOnly := false
	if sp.HourFrom < sp.HourTo {
		sellers, err := rolledInfluencerSales(db, shopID, sp)
		if err != nil {
			return nil, err
		}
		rank.add(sellers...)
		// Clicks are summed for the influencers shown only (a busy shop has
		// a link row for nearly every click), unless fewer than n sold and
		// the rest are ranked by their clicks.
		if n > 0 && len(sellers) >= n {
			clicksOfTopOnly = true
		} else {
			clicks, err := rolledInfluencerClicks(db, shopID, sp, nil)
			if err != nil {
				return nil, err
			}
			rank.add(clicks...)
		}
	}
	live, _, err := liveRows(db, sp, statsScope{ShopID: shopID})
	if err != nil {
		return nil, err
	}
	rank.add(live...)
	top := rank.top(n)
	if clicksOfTopOnly && len(top) > 0 {
		clicks, err := rolledInfluencerClicks(db, shopID, sp, top)
		if err != nil {
			return nil, err
		}
		rank.add(clicks...)
	}
	handles, err := affiliates.HandlesTx(ctx, db, top)
	if err != nil {
		return nil, err
	}
	out := make([]InfluencerTotals, len(top))
	for i, id := range top {
		out[i] = *rank[id]
		out[i].Handle = handles[id]
	}
	return out, nil
}

// influencerRanking sums link rows by influencer.
type influencerRanking map[int64]*InfluencerTotals

func (rank influencerRanking) add(rows ...LinkHour) {
	for _, row := range rows {
		t := rank[row.InfluencerID]
		if t == nil {
			t = &InfluencerTotals{InfluencerID: row.InfluencerID}
			rank[row.InfluencerID] = t
		}
		t.ClicksRaw += row.ClicksRaw
		t.ClicksValid += row.ClicksValid
		t.Orders += row.Orders
		t.ConvertedClicks += row.ConvertedClicks
		t.SalesMinor += row.SalesMinor
		t.EarnedMinor += row.CommAccrued - row.CommReversed
	}
}

// top is the ids of the n best influencers (all for n ≤ 0): most sales,
// then most valid clicks, then the lower id.
func (rank influencerRanking) top(n int) []int64 {
	all := make([]*InfluencerTotals, 0, len(rank))
	for _, t := range rank {
		all = append(all, t)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].SalesMinor != all[j].SalesMinor {
			return all[i].SalesMinor > all[j].SalesMinor
		}
		if all[i].ClicksValid != all[j].ClicksValid {
			return all[i].ClicksValid > all[j].ClicksValid
		}
		return all[i].InfluencerID < all[j].InfluencerID
	})
	if n > 0 && len(all) > n {
		all = all[:n]
	}
	ids := make([]int64, len(all))
	for i, t := range all {
		ids[i] = t.InfluencerID
	}
	return ids
}

// rolledInfluencerSales sums the rolled-up sales of each influencer who
// sold for the shop in the span's whole hours (a partial index holds the
// rows with sales).
func rolledInfluencerSales(db *gorm.DB, shopID int64, sp span) ([]LinkHour, error) {
	var rows []LinkHour
	err := db.Model(&LinkHour{}).
		Select("influencer_id, SUM(orders) AS orders, SUM(converted_clicks) AS converted_clicks, SUM(sales_minor) AS sales_minor, "+
			"SUM(comm_accrued) AS comm_accrued, SUM(comm_reversed) AS comm_reversed").
		Where("shop_id = ? AND hour >= ? AND hour < ? AND orders > 0", shopID, sp.HourFrom, sp.HourTo).
		Group("influencer_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read link roll-up: %w", err)
	}
	return rows, nil
}

// rolledInfluencerClicks sums the rolled-up clicks on the shop's products
// in the span's whole hours, of the given influencers (nil: all of them).
func rolledInfluencerClicks(db *gorm.DB, shopID int64, sp span, influencerIDs []int64) ([]LinkHour, error) {
	q := db.Model(&LinkHour{}).Select("influencer_id, SUM(clicks_raw) AS clicks_raw, SUM(clicks_valid) AS clicks_valid")
	if influencerIDs == nil {
		q = q.Where("shop_id = ? AND hour >= ? AND hour < ?", shopID, sp.HourFrom, sp.HourTo)
	} else {
		// COALESCE keeps the planner on the influencer index.
		q = q.Where("influencer_id IN ? AND COALESCE(shop_id, 0) = ? AND hour >= ? AND hour < ?", influencerIDs, shopID, sp.HourFrom, sp.HourTo)
	}
	var rows []LinkHour
	if err := q.Group("influencer_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read link roll-up: %w", err)
	}
	return rows, nil
}

// Range resolves a range input in zone on the service's clock.
func (st *Service) Range(in RangeInput, zone *time.Location) (Range, error) {
	return ResolveRange(in, zone, st.now())
}
