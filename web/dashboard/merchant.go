// Package dashboard serves the merchant's and the influencer's dashboards:
// the figures of a range of days in the viewer's time zone beside the period
// before, daily charts drawn as SVG on the server, the approval queue and
// payouts, and CSV exports whose columns add up to the figures.
package dashboard

import (
	"context"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
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
	// ClickLag says how long ago the oldest click not yet stored was made
	// (affiliates.Service.ClickLag); nil: never behind.
	ClickLag func() time.Duration
}

// lagNoticeAfter is how far behind the stored clicks must be for the
// dashboards to say so: less is the loader's ordinary rhythm.
const lagNoticeAfter = 5 * time.Second

// clicksBehind is how many seconds of clicks the figures do not count yet,
// 0 when they are not behind enough to say.
func (d *Dashboards) clicksBehind() int {
	if d.deps.ClickLag == nil {
		return 0
	}
	lag := d.deps.ClickLag()
	if lag < lagNoticeAfter {
		return 0
	}
	return int(math.Ceil(lag.Seconds()))
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
func newRangeView(c echo.Context, action string, r, prev stats.Range, extra url.Values) rangeView {
	v := rangeView{Action: action, Preset: r.Preset, From: r.FirstDay.Format("2006-01-02"), To: r.LastDay.Format("2006-01-02"),
		Label: rangeLabel(c, r), PrevLabel: rangeLabel(c, prev), Zone: r.Zone.String()}
	for k := range extra {
		v.Hidden = append(v.Hidden, hiddenField{Name: k, Value: extra.Get(k)})
	}
	for _, p := range []struct{ value, label string }{
		{stats.PresetToday, site.T(c, "Today")}, {stats.Preset7Days, site.T(c, "Last 7 days")}, {stats.Preset30Days, site.T(c, "Last 30 days")},
		{stats.PresetThisMonth, site.T(c, "This month")}, {stats.PresetLastMonth, site.T(c, "Last month")},
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

// rangeLabel names a range's days in c's language: "4 Des 2026", or
// "1 Des – 4 Des 2026".
func rangeLabel(c echo.Context, r stats.Range) string {
	l := site.Language(c)
	if r.FirstDay.Equal(r.LastDay) {
		return locale.Date(l, r.FirstDay)
	}
	return locale.Date(l, r.FirstDay) + " – " + locale.Date(l, r.LastDay)
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
// offClick says how many credited orders came without a click (a link
// code, the API), which conversion leaves out.
func offClick(c echo.Context, n int64) string {
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return site.T(c, "+1 order without a click")
	}
	return site.T(c, "+%s orders without a click", locale.Number(site.Language(c), n))
}

func newKPI(c echo.Context, label, value string, cur, prev float64, upIsGood bool, hint string) kpi {
	k := kpi{Label: label, Value: value, Hint: hint, Dir: "flat", Change: site.T(c, "no change")}
	switch {
	case cur == prev:
	case prev == 0:
		k.Dir, k.Change = "up", site.T(c, "new")
	default:
		pct := (cur - prev) / math.Abs(prev) * 100
		k.Dir = "up"
		if pct < 0 {
			k.Dir = "down"
		}
		k.Change = signedPercent(c, pct)
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

func signedPercent(c echo.Context, pct float64) string {
	if pct >= 0 {
		return "+" + decimal(c, pct, 1) + "%"
	}
	return "−" + decimal(c, -pct, 1) + "%"
}

func percent(c echo.Context, f float64) string { return decimal(c, f*100, 2) + "%" }

// decimal writes f with digits decimals and c's language's decimal mark
// (12,50 in Indonesian, 12.50 in English).
func decimal(c echo.Context, f float64, digits int) string {
	s := strconv.FormatFloat(f, 'f', digits, 64)
	if site.Language(c) == locale.Indonesian {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// moneyIn writes an amount in c's language.
func moneyIn(c echo.Context, minor int64, currency string) string {
	return locale.Money(site.Language(c), minor, currency)
}

// moneyAxis prints axis ticks of minor-unit amounts in major units, compactly.
func moneyAxis(c echo.Context, currency string) func(float64) string {
	scale := math.Pow(10, float64(money.MinorDigits(currency)))
	return func(v float64) string { return compactIn(c)(v / scale) }
}

// compactIn is compactNumber as c's language writes it: "1,2 rb" and
// "2,5 jt" in Indonesian.
func compactIn(c echo.Context) func(float64) string {
	return func(v float64) string {
		s := compactNumber(v)
		if site.Language(c) != locale.Indonesian {
			return s
		}
		s = strings.Replace(s, ".", ",", 1)
		for _, u := range [...]struct{ en, id string }{{"B", " M"}, {"M", " jt"}, {"k", " rb"}} {
			if strings.HasSuffix(s, u.en) {
				return strings.TrimSuffix(s, u.en) + u.id
			}
		}
		return s
	}
}

func moneyExact(c echo.Context, currency string) func(float64) string {
	return func(v float64) string { return moneyIn(c, int64(math.Round(v)), currency) }
}

// dayLabels are the chart labels of a range's days ("4 Des").
func dayLabels(c echo.Context, days []time.Time) []string {
	out := make([]string, len(days))
	for i, d := range days {
		date := locale.Date(site.Language(c), d)
		out[i] = date[:strings.LastIndexByte(date, ' ')]
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
	// ClicksBehind is how many seconds of the latest clicks are not counted
	// yet (0: none worth saying).
	ClicksBehind int
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
		d.pages.Flash(c, site.Message(c, err))
		return c.Redirect(http.StatusSeeOther, "/merchant/dashboard")
	}
	if err != nil {
		return err
	}
	page := merchantDashboardPage{Report: rep, Range: newRangeView(c, "/merchant/dashboard", rep.Range, rep.Prev, nil), Currency: rep.Shop.Currency,
		ClicksBehind: d.clicksBehind()}
	for _, t := range rep.TopInfluencers {
		page.TopInfluencers = append(page.TopInfluencers, influencerRow{InfluencerTotals: t, Conversion: percent(c, t.ConversionRate())})
	}
	page.KPIs, page.Commission = merchantKPIs(c, rep)
	page.SalesChart, page.ClicksChart = merchantCharts(c, rep)
	if page.Queue, err = d.deps.Ledger.ApprovalQueue(ctx, user.ID, 15); err != nil {
		return err
	}
	if page.Payables, page.MorePayables, err = d.deps.Ledger.Payables(ctx, user.ID, maxPayablesShown); err != nil {
		return err
	}
	if page.Payouts, err = d.deps.Ledger.Payouts(ctx, user.ID, 0, 10); err != nil {
		return err
	}
	return d.pages.Render(c, http.StatusOK, "dashboard_merchant", site.T(c, "Dashboard · %s", rep.Shop.Name), page)
}

func merchantKPIs(c echo.Context, rep stats.MerchantReport) (main, commission []kpi) {
	cur, prev, ccy := rep.Totals, rep.Before, rep.Shop.Currency
	f := func(v int64) float64 { return float64(v) }
	m := func(v int64) string { return moneyIn(c, v, ccy) }
	n := func(v int64) string { return locale.Number(site.Language(c), v) }
	clicks := newKPI(c, site.T(c, "Clicks"), n(cur.ClicksRaw), f(cur.ClicksRaw), f(prev.ClicksRaw), true,
		site.T(c, "Every follow of an influencer's link to your products, bots and repeats included"))
	clicks.Sub = site.T(c, "%s valid", n(cur.ClicksValid))
	conversion := newKPI(c, site.T(c, "Conversion"), percent(c, cur.ConversionRate()), cur.ConversionRate(), prev.ConversionRate(), true,
		site.T(c, "Valid clicks on influencers' links that led to an order ÷ valid clicks"))
	conversion.Sub = offClick(c, cur.OffClickOrders)
	main = []kpi{
		newKPI(c, site.T(c, "Gross sales (GMV)"), m(cur.GMVMinor), f(cur.GMVMinor), f(prev.GMVMinor), true, site.T(c, "Order totals before refunds")),
		newKPI(c, site.T(c, "Orders"), n(cur.Orders), f(cur.Orders), f(prev.Orders), true, site.T(c, "Orders placed")),
		newKPI(c, site.T(c, "Average order"), m(cur.AOVMinor()), f(cur.AOVMinor()), f(prev.AOVMinor()), true, site.T(c, "Gross sales ÷ orders")),
		clicks,
		newKPI(c, site.T(c, "Valid clicks"), n(cur.ClicksValid), f(cur.ClicksValid), f(prev.ClicksValid), true,
			site.T(c, "Clicks that count: no bots, no repeats by the same visitor within an hour")),
		conversion,
		newKPI(c, site.T(c, "Affiliate sales"), m(cur.AttributedMinor), f(cur.AttributedMinor), f(prev.AttributedMinor), true,
			site.T(c, "Sales credited to an influencer (%d orders)", cur.AttributedOrders)),
		newKPI(c, site.T(c, "Refunded"), m(cur.RefundedMinor), f(cur.RefundedMinor), f(prev.RefundedMinor), false, site.T(c, "Refunds on the orders of the range")),
	}
	commission = []kpi{
		newKPI(c, site.T(c, "Commission pending"), m(cur.CommPending), f(cur.CommPending), f(prev.CommPending), true,
			site.T(c, "Earned, waiting for the return window to pass")),
		newKPI(c, site.T(c, "Commission approved"), m(cur.CommApproved), f(cur.CommApproved), f(prev.CommApproved), true,
			site.T(c, "Approved, not paid yet")),
		newKPI(c, site.T(c, "Commission paid"), m(cur.CommPaid), f(cur.CommPaid), f(prev.CommPaid), true, site.T(c, "Paid out")),
		newKPI(c, site.T(c, "Commission reversed"), m(cur.CommReversed), f(cur.CommReversed), f(prev.CommReversed), false,
			site.T(c, "Taken back on refunds (reversed while pending, clawed back once approved or paid)")),
	}
	return main, commission
}

func merchantCharts(c echo.Context, rep stats.MerchantReport) (template.HTML, template.HTML) {
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
		ID: "chart-sales", Title: site.T(c, "Sales and commission by day (%s)", ccy), Width: 1000, Height: 300,
		Desc: site.T(c, "Bars: gross sales per day, %s to %s, total %s. Line: commission earned net of reversals, total %s.",
			locale.Date(site.Language(c), rep.Range.FirstDay), locale.Date(site.Language(c), rep.Range.LastDay),
			moneyIn(c, rep.Totals.GMVMinor, ccy), moneyIn(c, rep.Totals.EarnedMinor(), ccy)),
		Labels: dayLabels(c, days), Format: moneyAxis(c, ccy), Exact: moneyExact(c, ccy),
		Series: []chartSeries{{Name: site.T(c, "Sales"), Class: "s1", Values: sales}, {Name: site.T(c, "Commission (right axis)"), Class: "s2", Line: true, Right: true, Values: comm}},
	})
	clicksChart := renderChart(chartSpec{
		ID: "chart-clicks", Title: site.T(c, "Clicks by day"), Width: 1000, Height: 260,
		Desc: site.T(c, "Bars per day: all clicks (%s in total) and valid clicks (%s).",
			locale.Number(site.Language(c), rep.Totals.ClicksRaw), locale.Number(site.Language(c), rep.Totals.ClicksValid)),
		Labels: dayLabels(c, days), Format: compactIn(c),
		Series: []chartSeries{{Name: site.T(c, "All clicks"), Class: "s3", Values: raw}, {Name: site.T(c, "Valid"), Class: "s1", Values: valid}},
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
	d.pages.Flash(c, site.T(c, "Commission on order #%d is approved.", id))
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
		msg := site.T(c, "Order #%d is on hold: its commission will not be approved automatically.", id)
		if !held {
			msg = site.T(c, "Order #%d is released: its commission is approved once the return window has passed.", id)
		}
		d.pages.Flash(c, msg)
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
			d.pages.Flash(c, site.Message(c, err))
			return c.Redirect(http.StatusSeeOther, dashboardBack(c))
		}
		return err
	}
	d.refreshStats(ctx)
	d.pages.Flash(c, site.T(c, "Payout #%d of %s recorded.", p.ID, moneyIn(c, p.AmountMinor, p.Currency)))
	return c.Redirect(http.StatusSeeOther, dashboardBack(c))
}
