package dashboard

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

// influencerZones are the time zones an influencer can read their dashboard
// in. The default is stats.DefaultInfluencerZone; a choice is kept in a
// cookie.
var influencerZones = []string{
	"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Bangkok",
	"Asia/Manila", "Asia/Tokyo", "Australia/Sydney", "Europe/London", "UTC", "America/New_York", "America/Los_Angeles",
}

const zoneCookie = "warna_tz"

// influencerZone is the zone asked for (and then remembered), else the one
// remembered, else the default.
func influencerZone(c echo.Context) *time.Location {
	name := c.QueryParam("tz")
	if name != "" && contains(influencerZones, name) {
		c.SetCookie(&http.Cookie{Name: zoneCookie, Value: name, Path: "/influencer", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	} else if ck, err := c.Cookie(zoneCookie); err == nil && contains(influencerZones, ck.Value) {
		name = ck.Value
	} else {
		name = stats.DefaultInfluencerZone
	}
	return stats.LoadZone(name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// linkRow is a row of the per-link table.
type linkRow struct {
	stats.LinkTotals
	Conversion string
	EPC        string
}

type influencerDashboardPage struct {
	Report     stats.InfluencerReport
	Links      []linkRow
	Range      rangeView
	Zones      []string
	KPIs       []kpi
	Earnings   []kpi
	Balances   []affiliates.Balance
	Chart      template.HTML
	Payouts    []affiliates.PayoutView
	PendingSum int64
	// ClicksBehind: see merchantDashboardPage.
	ClicksBehind int
}

func (d *Dashboards) influencerDashboard(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	zone := influencerZone(c)
	rep, err := d.deps.Stats.Influencer(ctx, user.ID, rangeInput(c), zone, c.QueryParam("currency"))
	if fault.Is(err, fault.Invalid) {
		d.pages.Flash(c, site.Message(c, err))
		return c.Redirect(http.StatusSeeOther, "/influencer/dashboard")
	}
	if err != nil {
		return err
	}
	extra := url.Values{}
	if rep.Currency != "" && len(rep.Currencies) > 1 {
		extra.Set("currency", rep.Currency)
	}
	page := influencerDashboardPage{Report: rep, Range: newRangeView(c, "/influencer/dashboard", rep.Range, rep.Prev, extra), Zones: influencerZones,
		ClicksBehind: d.clicksBehind()}
	page.KPIs, page.Earnings = influencerKPIs(c, rep)
	for _, l := range rep.Links {
		page.Links = append(page.Links, linkRow{LinkTotals: l, Conversion: percent(c, l.ConversionRate()),
			EPC: moneyIn(c, int64(math.Round(l.EPCMinor())), rep.Currency)})
	}
	page.Chart = influencerChart(c, rep)
	for _, u := range rep.Unlocks {
		page.PendingSum += u.AmountMinor
	}
	if page.Balances, err = d.deps.Ledger.Balances(ctx, user.ID, 0); err != nil {
		return err
	}
	if page.Payouts, err = d.deps.Ledger.Payouts(ctx, 0, user.ID, 20); err != nil {
		return err
	}
	return d.pages.Render(c, http.StatusOK, "dashboard_influencer", site.T(c, "Your dashboard"), page)
}

func influencerKPIs(c echo.Context, rep stats.InfluencerReport) (main, earnings []kpi) {
	cur, prev, ccy := rep.Totals, rep.Before, rep.Currency
	f := func(v int64) float64 { return float64(v) }
	m := func(v int64) string { return moneyIn(c, v, ccy) }
	n := func(v int64) string { return locale.Number(site.Language(c), v) }
	clicks := newKPI(c, site.T(c, "Clicks"), n(cur.ClicksRaw), f(cur.ClicksRaw), f(prev.ClicksRaw), true,
		site.T(c, "Every follow of your links, bots and repeats included"))
	clicks.Sub = site.T(c, "%s valid", n(cur.ClicksValid))
	conversion := newKPI(c, site.T(c, "Conversion"), percent(c, cur.ConversionRate()), cur.ConversionRate(), prev.ConversionRate(), true,
		site.T(c, "Valid clicks on your links that led to an order ÷ valid clicks"))
	conversion.Sub = offClick(c, cur.OffClickOrders)
	main = []kpi{
		clicks,
		newKPI(c, site.T(c, "Valid clicks"), n(cur.ClicksValid), f(cur.ClicksValid), f(prev.ClicksValid), true,
			site.T(c, "Clicks that count: no bots, no repeats by the same visitor within an hour")),
		newKPI(c, site.T(c, "Orders"), n(cur.Orders), f(cur.Orders), f(prev.Orders), true, site.T(c, "Orders credited to you")),
		conversion,
		newKPI(c, site.T(c, "Earnings per click"), moneyIn(c, int64(math.Round(cur.EPCMinor())), ccy), cur.EPCMinor(), prev.EPCMinor(), true,
			site.T(c, "Commission earned on orders that followed your clicks (net of refunds) ÷ valid clicks")),
		newKPI(c, site.T(c, "Sales you drove"), m(cur.GMVMinor), f(cur.GMVMinor), f(prev.GMVMinor), true, site.T(c, "Totals of the orders credited to you")),
	}
	earnings = []kpi{
		newKPI(c, site.T(c, "Earned"), m(cur.EarnedMinor()), f(cur.EarnedMinor()), f(prev.EarnedMinor()), true, site.T(c, "Commission on these orders, net of refunds")),
		newKPI(c, site.T(c, "Pending"), m(cur.CommPending), f(cur.CommPending), f(prev.CommPending), true, site.T(c, "Waiting for the shop's return window to pass")),
		newKPI(c, site.T(c, "Approved"), m(cur.CommApproved), f(cur.CommApproved), f(prev.CommApproved), true, site.T(c, "Approved, to be paid")),
		newKPI(c, site.T(c, "Paid"), m(cur.CommPaid), f(cur.CommPaid), f(prev.CommPaid), true, site.T(c, "Paid out to you")),
		newKPI(c, site.T(c, "Reversed"), m(cur.CommReversed), f(cur.CommReversed), f(prev.CommReversed), false, site.T(c, "Taken back because of refunds")),
	}
	return main, earnings
}

func influencerChart(c echo.Context, rep stats.InfluencerReport) template.HTML {
	days := make([]time.Time, len(rep.Days))
	valid := make([]float64, len(rep.Days))
	earned := make([]float64, len(rep.Days))
	for i, d := range rep.Days {
		days[i] = d.Day
		valid[i] = float64(d.ClicksValid)
		earned[i] = float64(d.EarnedMinor())
	}
	ccy := rep.Currency
	if ccy == "" {
		ccy = "USD"
	}
	return renderChart(chartSpec{
		ID: "chart-earnings", Title: site.T(c, "Clicks and earnings by day"),
		Desc: site.T(c, "Bars: valid clicks on your links per day, %s in total. Line (right axis): commission earned on the orders of each day, net of refunds, %s in total.",
			locale.Number(site.Language(c), rep.Totals.ClicksValid), moneyIn(c, rep.Totals.EarnedMinor(), ccy)),
		Labels: dayLabels(c, days), Format: compactIn(c), RightFormat: moneyAxis(c, ccy), RightExact: moneyExact(c, ccy),
		Series: []chartSeries{
			{Name: site.T(c, "Valid clicks"), Class: "s1", Values: valid},
			{Name: site.T(c, "Earnings, %s (right axis)", ccy), Class: "s2", Line: true, Right: true, Values: earned},
		},
	})
}
