package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
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
}

func (d *Dashboards) influencerDashboard(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	zone := influencerZone(c)
	rep, err := d.deps.Stats.Influencer(ctx, user.ID, rangeInput(c), zone, c.QueryParam("currency"))
	if fault.Is(err, fault.Invalid) {
		d.pages.Flash(c, fault.MessageOf(err))
		return c.Redirect(http.StatusSeeOther, "/influencer/dashboard")
	}
	if err != nil {
		return err
	}
	extra := url.Values{}
	if rep.Currency != "" && len(rep.Currencies) > 1 {
		extra.Set("currency", rep.Currency)
	}
	page := influencerDashboardPage{Report: rep, Range: newRangeView("/influencer/dashboard", rep.Range, rep.Prev, extra), Zones: influencerZones}
	page.KPIs, page.Earnings = influencerKPIs(rep)
	for _, l := range rep.Links {
		page.Links = append(page.Links, linkRow{LinkTotals: l, Conversion: percent(l.ConversionRate()),
			EPC: money.Format(int64(math.Round(l.EPCMinor())), rep.Currency)})
	}
	page.Chart = influencerChart(rep)
	for _, u := range rep.Unlocks {
		page.PendingSum += u.AmountMinor
	}
	if page.Balances, err = d.deps.Ledger.Balances(ctx, user.ID, 0); err != nil {
		return err
	}
	if page.Payouts, err = d.deps.Ledger.Payouts(ctx, 0, user.ID, 20); err != nil {
		return err
	}
	return d.pages.Render(c, http.StatusOK, "dashboard_influencer", "Your dashboard", page)
}

func influencerKPIs(rep stats.InfluencerReport) (main, earnings []kpi) {
	cur, prev, ccy := rep.Totals, rep.Before, rep.Currency
	f := func(v int64) float64 { return float64(v) }
	m := func(v int64) string { return money.Format(v, ccy) }
	clicks := newKPI("Clicks", strconv.FormatInt(cur.ClicksRaw, 10), f(cur.ClicksRaw), f(prev.ClicksRaw), true,
		"Every follow of your links, bots and repeats included")
	clicks.Sub = fmt.Sprintf("%d valid", cur.ClicksValid)
	main = []kpi{
		clicks,
		newKPI("Valid clicks", strconv.FormatInt(cur.ClicksValid, 10), f(cur.ClicksValid), f(prev.ClicksValid), true,
			"Clicks that count: no bots, no repeats by the same visitor within an hour"),
		newKPI("Orders", strconv.FormatInt(cur.Orders, 10), f(cur.Orders), f(prev.Orders), true, "Orders credited to you"),
		newKPI("Conversion", percent(cur.ConversionRate()), cur.ConversionRate(), prev.ConversionRate(), true, "Orders ÷ valid clicks"),
		newKPI("Earnings per click", money.Format(int64(math.Round(cur.EPCMinor())), ccy), cur.EPCMinor(), prev.EPCMinor(), true,
			"Commission earned (net of refunds) ÷ valid clicks"),
		newKPI("Sales you drove", m(cur.GMVMinor), f(cur.GMVMinor), f(prev.GMVMinor), true, "Totals of the orders credited to you"),
	}
	earnings = []kpi{
		newKPI("Earned", m(cur.EarnedMinor()), f(cur.EarnedMinor()), f(prev.EarnedMinor()), true, "Commission on these orders, net of refunds"),
		newKPI("Pending", m(cur.CommPending), f(cur.CommPending), f(prev.CommPending), true, "Waiting for the shop's return window to pass"),
		newKPI("Approved", m(cur.CommApproved), f(cur.CommApproved), f(prev.CommApproved), true, "Approved, to be paid"),
		newKPI("Paid", m(cur.CommPaid), f(cur.CommPaid), f(prev.CommPaid), true, "Paid out to you"),
		newKPI("Reversed", m(cur.CommReversed), f(cur.CommReversed), f(prev.CommReversed), false, "Taken back because of refunds"),
	}
	return main, earnings
}

func influencerChart(rep stats.InfluencerReport) template.HTML {
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
		ID: "chart-earnings", Title: "Clicks and earnings by day",
		Desc: fmt.Sprintf("Bars: valid clicks on your links per day, %d in total. Line (right axis): commission earned on the orders of each day, net of refunds, %s in total.",
			rep.Totals.ClicksValid, money.Format(rep.Totals.EarnedMinor(), ccy)),
		Labels: dayLabels(days), RightFormat: moneyAxis(ccy), RightExact: moneyExact(ccy),
		Series: []chartSeries{
			{Name: "Valid clicks", Class: "s1", Values: valid},
			{Name: "Earnings, " + ccy + " (right axis)", Class: "s2", Line: true, Right: true, Values: earned},
		},
	})
}
