// Package dashboard serves the merchant's and the influencer's dashboards:
// the figures of a range of days in the viewer's time zone beside the period
// before, daily charts drawn as SVG on the server, the approval queue and
// payouts, and CSV exports whose columns add up to the figures.
package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
)

// Pages is what the dashboards need from the web server to answer with a
// page: one of its templates in the site's layout, and a one-time message
// for the next page.
type Pages interface {
	Render(c echo.Context, status int, template, title string, data any) error
	Flash(c echo.Context, msg string)
}

// Deps are the services the dashboards read and act through.
type Deps struct {
	Stats  *stats.Service
	Ledger *affiliates.Ledger
	Orders *orders.Service
}

// Dashboards serves the merchant's and the influencer's dashboards.
type Dashboards struct {
	pages  Pages
	deps   Deps
	logger *slog.Logger
}

// New builds the dashboards over the site's pages and the services.
func New(pages Pages, deps Deps, logger *slog.Logger) *Dashboards {
	return &Dashboards{pages: pages, deps: deps, logger: logger}
}

// Routes registers both dashboards, their actions and their exports.
func (d *Dashboards) Routes(merchant, influencer *echo.Group) {
	merchant.GET("/dashboard", d.merchantDashboard)
	merchant.POST("/dashboard/orders/:id/approve", d.dashboardApprove)
	merchant.POST("/dashboard/orders/:id/hold", d.dashboardHold(true))
	merchant.POST("/dashboard/orders/:id/release", d.dashboardHold(false))
	merchant.POST("/dashboard/payouts", d.dashboardPayout)
	merchant.GET("/dashboard/export/orders.csv", d.merchantExport(exportOrders))
	merchant.GET("/dashboard/export/commission.csv", d.merchantExport(exportEntries))
	merchant.GET("/dashboard/export/clicks.csv", d.merchantExport(exportClicks))
	influencer.GET("/dashboard", d.influencerDashboard)
	influencer.GET("/dashboard/export/orders.csv", d.influencerExport(exportOrders))
	influencer.GET("/dashboard/export/commission.csv", d.influencerExport(exportEntries))
	influencer.GET("/dashboard/export/clicks.csv", d.influencerExport(exportClicks))
}

// rangeInput reads the range controls of a dashboard request.
func rangeInput(c echo.Context) stats.RangeInput {
	return stats.RangeInput{Preset: c.QueryParam("range"), From: c.QueryParam("from"), To: c.QueryParam("to")}
}

// presetOption is one button of the range control.
type presetOption struct {
	Label   string
	Href    string
	Current bool
}

// hiddenField is a parameter the custom-range form carries along.
type hiddenField struct{ Name, Value string }

// rangeView is the range control's state and the query string that keeps it
// on links (exports) and redirects (actions).
type rangeView struct {
	Action    string // the dashboard's path
	Preset    string
	From, To  string // the first and last day, YYYY-MM-DD
	Label     string
	PrevLabel string
	Zone      string
	Presets   []presetOption
	Hidden    []hiddenField
	Query     template.URL // already encoded
}

// newRangeView describes range r of the dashboard at action; extra are
// parameters every link keeps (an influencer's currency).
func newRangeView(action string, r, prev stats.Range, extra url.Values) rangeView {
	v := rangeView{Action: action, Preset: r.Preset, From: r.FirstDay.Format("2006-01-02"), To: r.LastDay.Format("2006-01-02"),
		Label: r.Label(), PrevLabel: prev.Label(), Zone: r.Zone.String()}
	for k := range extra {
		v.Hidden = append(v.Hidden, hiddenField{Name: k, Value: extra.Get(k)})
	}
	for _, p := range []struct{ value, label string }{
		{stats.PresetToday, "Today"}, {stats.Preset7Days, "Last 7 days"}, {stats.Preset30Days, "Last 30 days"},
		{stats.PresetThisMonth, "This month"}, {stats.PresetLastMonth, "Last month"},
	} {
		q := url.Values{"range": {p.value}}
		for k := range extra {
			q.Set(k, extra.Get(k))
		}
		v.Presets = append(v.Presets, presetOption{Label: p.label, Href: action + "?" + q.Encode(), Current: p.value == r.Preset})
	}
	q := url.Values{}
	for k := range extra {
		q.Set(k, extra.Get(k))
	}
	q.Set("range", r.Preset)
	if r.Preset == stats.PresetCustom {
		q.Set("from", v.From)
		q.Set("to", v.To)
	}
	v.Query = template.URL(q.Encode())
	return v
}

// influencerRow is a top-influencer table row.
type influencerRow struct {
	stats.InfluencerTotals
	Conversion string
}

// kpi is one headline figure with its change against the previous period.
type kpi struct {
	Label  string
	Value  string
	Sub    string // a second line (e.g. valid clicks under raw)
	Change string // "+12.5%", "−3.0%", "new", "no change"
	Dir    string // up, down or flat
	// Tone says whether the change is good news: "good", "bad" or "" (neutral).
	Tone string
	Hint string // what the figure means, for the title attribute
}

// newKPI compares cur with prev. upIsGood is false for figures that should
// fall (reversed commission).
func newKPI(label, value string, cur, prev float64, upIsGood bool, hint string) kpi {
	k := kpi{Label: label, Value: value, Hint: hint, Dir: "flat", Change: "no change"}
	switch {
	case cur == prev:
	case prev == 0:
		k.Dir, k.Change = "up", "new"
	default:
		pct := (cur - prev) / math.Abs(prev) * 100
		k.Dir = "up"
		if pct < 0 {
			k.Dir = "down"
		}
		k.Change = signedPercent(pct)
	}
	if k.Dir != "flat" {
		if (k.Dir == "up") == upIsGood {
			k.Tone = "good"
		} else {
			k.Tone = "bad"
		}
	}
	return k
}

func signedPercent(pct float64) string {
	if pct >= 0 {
		return fmt.Sprintf("+%.1f%%", pct)
	}
	return fmt.Sprintf("−%.1f%%", -pct)
}

func percent(f float64) string { return fmt.Sprintf("%.2f%%", f*100) }

// moneyAxis prints axis ticks of minor-unit amounts in major units, compactly.
func moneyAxis(currency string) func(float64) string {
	scale := math.Pow(10, float64(money.MinorDigits(currency)))
	return func(v float64) string { return compactNumber(v / scale) }
}

func moneyExact(currency string) func(float64) string {
	return func(v float64) string { return money.Format(int64(math.Round(v)), currency) }
}

// dayLabels are the chart labels of a range's days.
func dayLabels(days []time.Time) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Format("2 Jan")
	}
	return out
}

// maxPayablesShown is how many influencers the payouts table lists, largest
// amounts first.
const maxPayablesShown = 12

type merchantDashboardPage struct {
	Report         stats.MerchantReport
	Range          rangeView
	TopInfluencers []influencerRow
	Currency       string
	KPIs           []kpi
	Commission     []kpi
	SalesChart     template.HTML
	ClicksChart    template.HTML
	Queue          []affiliates.AwaitingApproval
	Payables       []affiliates.Payable
	// MorePayables counts the influencers owed less than those listed.
	MorePayables int
	Payouts      []affiliates.PayoutView
}

func (d *Dashboards) merchantDashboard(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	st := d.deps.Stats
	rep, err := st.Merchant(ctx, user.ID, rangeInput(c), 10)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if fault.Is(err, fault.Invalid) {
		d.pages.Flash(c, fault.MessageOf(err))
		return c.Redirect(http.StatusSeeOther, "/merchant/dashboard")
	}
	if err != nil {
		return err
	}
	page := merchantDashboardPage{Report: rep, Range: newRangeView("/merchant/dashboard", rep.Range, rep.Prev, nil), Currency: rep.Shop.Currency}
	for _, t := range rep.TopInfluencers {
		page.TopInfluencers = append(page.TopInfluencers, influencerRow{InfluencerTotals: t, Conversion: percent(t.ConversionRate())})
	}
	page.KPIs, page.Commission = merchantKPIs(rep)
	page.SalesChart, page.ClicksChart = merchantCharts(rep)
	if page.Queue, err = d.deps.Ledger.ApprovalQueue(ctx, user.ID, 15); err != nil {
		return err
	}
	if page.Payables, page.MorePayables, err = d.deps.Ledger.Payables(ctx, user.ID, maxPayablesShown); err != nil {
		return err
	}
	if page.Payouts, err = d.deps.Ledger.Payouts(ctx, user.ID, 0, 10); err != nil {
		return err
	}
	return d.pages.Render(c, http.StatusOK, "dashboard_merchant", "Dashboard · "+rep.Shop.Name, page)
}

func merchantKPIs(rep stats.MerchantReport) (main, commission []kpi) {
	cur, prev, ccy := rep.Totals, rep.Before, rep.Shop.Currency
	f := func(v int64) float64 { return float64(v) }
	m := func(v int64) string { return money.Format(v, ccy) }
	clicks := newKPI("Clicks", strconv.FormatInt(cur.ClicksRaw, 10), f(cur.ClicksRaw), f(prev.ClicksRaw), true,
		"Every follow of an influencer's link to your products, bots and repeats included")
	clicks.Sub = fmt.Sprintf("%d valid", cur.ClicksValid)
	main = []kpi{
		newKPI("Gross sales (GMV)", m(cur.GMVMinor), f(cur.GMVMinor), f(prev.GMVMinor), true, "Order totals before refunds"),
		newKPI("Orders", strconv.FormatInt(cur.Orders, 10), f(cur.Orders), f(prev.Orders), true, "Orders placed"),
		newKPI("Average order", m(cur.AOVMinor()), f(cur.AOVMinor()), f(prev.AOVMinor()), true, "Gross sales ÷ orders"),
		clicks,
		newKPI("Valid clicks", strconv.FormatInt(cur.ClicksValid, 10), f(cur.ClicksValid), f(prev.ClicksValid), true,
			"Clicks that count: no bots, no repeats by the same visitor within an hour"),
		newKPI("Conversion", percent(cur.ConversionRate()), cur.ConversionRate(), prev.ConversionRate(), true,
			"Orders credited to an influencer ÷ valid clicks"),
		newKPI("Affiliate sales", m(cur.AttributedMinor), f(cur.AttributedMinor), f(prev.AttributedMinor), true,
			fmt.Sprintf("Sales credited to an influencer (%d orders)", cur.AttributedOrders)),
		newKPI("Refunded", m(cur.RefundedMinor), f(cur.RefundedMinor), f(prev.RefundedMinor), false, "Refunds on the orders of the range"),
	}
	commission = []kpi{
		newKPI("Commission pending", m(cur.CommPending), f(cur.CommPending), f(prev.CommPending), true,
			"Earned, waiting for the return window to pass"),
		newKPI("Commission approved", m(cur.CommApproved), f(cur.CommApproved), f(prev.CommApproved), true,
			"Approved, not paid yet"),
		newKPI("Commission paid", m(cur.CommPaid), f(cur.CommPaid), f(prev.CommPaid), true, "Paid out"),
		newKPI("Commission reversed", m(cur.CommReversed), f(cur.CommReversed), f(prev.CommReversed), false,
			"Taken back on refunds (reversed while pending, clawed back once approved or paid)"),
	}
	return main, commission
}

func merchantCharts(rep stats.MerchantReport) (template.HTML, template.HTML) {
	days := make([]time.Time, len(rep.Days))
	sales := make([]float64, len(rep.Days))
	comm := make([]float64, len(rep.Days))
	raw := make([]float64, len(rep.Days))
	valid := make([]float64, len(rep.Days))
	for i, d := range rep.Days {
		days[i] = d.Day
		sales[i] = float64(d.GMVMinor)
		comm[i] = float64(d.EarnedMinor())
		raw[i] = float64(d.ClicksRaw)
		valid[i] = float64(d.ClicksValid)
	}
	ccy := rep.Shop.Currency
	salesChart := renderChart(chartSpec{
		ID: "chart-sales", Title: "Sales and commission by day (" + ccy + ")", Width: 1000, Height: 300,
		Desc: fmt.Sprintf("Bars: gross sales per day, %s to %s, total %s. Line: commission earned net of reversals, total %s.",
			rep.Range.FirstDay.Format("2 Jan"), rep.Range.LastDay.Format("2 Jan 2006"),
			money.Format(rep.Totals.GMVMinor, ccy), money.Format(rep.Totals.EarnedMinor(), ccy)),
		Labels: dayLabels(days), Format: moneyAxis(ccy), Exact: moneyExact(ccy),
		Series: []chartSeries{{Name: "Sales", Class: "s1", Values: sales}, {Name: "Commission (right axis)", Class: "s2", Line: true, Right: true, Values: comm}},
	})
	clicksChart := renderChart(chartSpec{
		ID: "chart-clicks", Title: "Clicks by day", Width: 1000, Height: 260,
		Desc:   fmt.Sprintf("Bars per day: all clicks (%d in total) and valid clicks (%d).", rep.Totals.ClicksRaw, rep.Totals.ClicksValid),
		Labels: dayLabels(days),
		Series: []chartSeries{{Name: "All clicks", Class: "s3", Values: raw}, {Name: "Valid", Class: "s1", Values: valid}},
	})
	return salesChart, clicksChart
}

// dashboardBack is where an action returns to: the dashboard with its range.
func dashboardBack(c echo.Context) string {
	q := url.Values{}
	for _, k := range []string{"range", "from", "to"} {
		if v := c.FormValue(k); v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/merchant/dashboard"
	}
	return "/merchant/dashboard?" + q.Encode()
}

// refreshStats brings the roll-ups up to date after an action changed past
// figures, so the merchant sees its effect at once (the job would within a
// minute anyway).
func (d *Dashboards) refreshStats(ctx context.Context) {
	if _, err := d.deps.Stats.Refresh(context.WithoutCancel(ctx)); err != nil {
		d.logger.Warn("refresh dashboard roll-ups", "err", err)
	}
}

func (d *Dashboards) dashboardApprove(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return fault.NotFoundf("no such order")
	}
	if err := d.deps.Ledger.ApproveOrder(ctx, user.ID, id); err != nil {
		return err
	}
	d.refreshStats(ctx)
	d.pages.Flash(c, fmt.Sprintf("Commission on order #%d is approved.", id))
	return c.Redirect(http.StatusSeeOther, dashboardBack(c))
}

func (d *Dashboards) dashboardHold(held bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil {
			return fault.NotFoundf("no such order")
		}
		if err := d.deps.Orders.SetHold(c.Request().Context(), user.ID, id, held); err != nil {
			return err
		}
		msg := "Order #%d is on hold: its commission will not be approved automatically."
		if !held {
			msg = "Order #%d is released: its commission is approved once the return window has passed."
		}
		d.pages.Flash(c, fmt.Sprintf(msg, id))
		return c.Redirect(http.StatusSeeOther, dashboardBack(c))
	}
}

func (d *Dashboards) dashboardPayout(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	influencerID, err := strconv.ParseInt(c.FormValue("influencer_id"), 10, 64)
	if err != nil {
		return fault.FieldInvalidf("influencer_id", "choose whom to pay")
	}
	p, err := d.deps.Ledger.CreatePayout(ctx, user.ID, influencerID)
	if err != nil {
		if fault.Is(err, fault.Conflict) {
			d.pages.Flash(c, fault.MessageOf(err))
			return c.Redirect(http.StatusSeeOther, dashboardBack(c))
		}
		return err
	}
	d.refreshStats(ctx)
	d.pages.Flash(c, fmt.Sprintf("Payout #%d of %s recorded.", p.ID, money.Format(p.AmountMinor, p.Currency)))
	return c.Redirect(http.StatusSeeOther, dashboardBack(c))
}
