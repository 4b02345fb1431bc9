package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/money"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

// dashSite is a site with two shops (Jakarta, in rupiah; Los Angeles, in
// dollars), each with one influencer selling for it.
type dashSite struct {
	*testSite
	*sales
	stats *stats.Service
	// clickClock is the click recorder's clock: moving it makes a click
	// waiting in the log older.
	clickClock *settableClock
	shops      [2]catalog.Shop
	infl       [2]auth.User
	links      [2]affiliates.Link
	order      [2]orders.Order
}

func newDashSite(t *testing.T) *dashSite {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, salesMigrations()...)
	clickClock := &settableClock{}
	clickClock.set(time.Now())
	// The loader stores clicks only when an order needs them (FlushEvery of
	// an hour): the dashboards' clicks are made in the database below.
	sales := newSales(t, db, clicklog.Options{FlushEvery: time.Hour, Now: clickClock.Now}, nil)
	authSvc := auth.NewService(db, nil)
	stats := stats.NewService(db, nil, nil)
	s := &dashSite{testSite: newTestSite(t, Config{BaseURL: "http://warna.test"}, sales.deps(Deps{Auth: authSvc, Stats: stats})), sales: sales, stats: stats,
		clickClock: clickClock}
	for i, spec := range []struct{ email, slug, currency, zone, product string }{
		{"jkt@example.com", "batik-jkt", "IDR", "Asia/Jakarta", "Kebaya Merah"},
		{"la@example.com", "linen-la", "USD", "America/Los_Angeles", "Linen Shirt Blue"},
	} {
		m, err := authSvc.SignUp(ctx, auth.SignUpInput{Email: spec.email, Name: spec.slug, Password: "correct horse battery", Role: auth.RoleMerchant})
		if err != nil {
			t.Fatal(err)
		}
		s.shops[i] = catalog.Shop{OwnerID: m.ID, Slug: spec.slug, Name: spec.slug, Currency: spec.currency, TimeZone: spec.zone,
			DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 7}
		if err := db.Create(&s.shops[i]).Error; err != nil {
			t.Fatal(err)
		}
		p := catalog.Product{ShopID: s.shops[i].ID, SKU: "P1", Title: spec.product, Category: "tops", PriceMinor: 100, Currency: spec.currency,
			Stock: 10, Status: catalog.StatusActive}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		handle := []string{"rina_jkt", "lucy_la"}[i]
		s.infl[i], err = authSvc.SignUp(ctx, auth.SignUpInput{Email: handle + "@example.com", Name: handle, Password: "correct horse battery", Role: auth.RoleInfluencer})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sales.influencers.EnsureInfluencer(ctx, affiliates.Account{ID: s.infl[i].ID, Name: handle, Email: s.infl[i].Email}); err != nil {
			t.Fatal(err)
		}
		if err := sales.influencers.UpdateProfile(ctx, s.infl[i].ID, affiliates.ProfileInput{Handle: handle}); err != nil {
			t.Fatal(err)
		}
		if s.links[i], err = sales.aff.CreateLink(ctx, s.infl[i].ID, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID}); err != nil {
			t.Fatal(err)
		}
		for n := range 3 + 2*i {
			c := affiliates.Click{ID: fmt.Sprintf("click-%d-%d", i, n), LinkID: s.links[i].ID, InfluencerID: s.infl[i].ID,
				Visitor: fmt.Sprintf("v%d", n), At: time.Now().Add(-time.Duration(n) * time.Hour), Valid: n != 0}
			if err := db.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Distinctive amounts, to look for on the other merchant's page.
		unit := []int64{777_777, 3_333}[i]
		placed := time.Now().Add(-26 * time.Hour)
		s.order[i], _, err = sales.orders.RecordConversion(ctx, m.ID, orders.ConversionInput{OrderID: "ext-1", PlacedAt: &placed, LinkCode: s.links[i].Code,
			Lines: []orders.ConversionLine{{ProductID: p.ID, UnitPriceMinor: unit, Quantity: 1}, {Title: "Gift wrap", UnitPriceMinor: 1_000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stats.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *dashSite) login(t *testing.T, email string) *browser {
	t.Helper()
	b := s.browser()
	if res := b.submit("/login", "/login", url.Values{"email": {email}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("log in %s: %d", email, res.Status)
	}
	return b
}

func TestMerchantDashboardShowsOnlyTheirShop(t *testing.T) {
	s := newDashSite(t)
	for i, email := range []string{"jkt@example.com", "la@example.com"} {
		other := 1 - i
		page := s.login(t, email).get("/merchant/dashboard?range=7d")
		if page.Status != http.StatusOK {
			t.Fatalf("%s: dashboard %d: %.300s", email, page.Status, page.Body)
		}
		own := s.order[i].TotalMinor
		for _, want := range []string{locale.Money(locale.English, own, s.shops[i].Currency), "@" + []string{"rina_jkt", "lucy_la"}[i],
			[]string{"Kebaya Merah", "Linen Shirt Blue"}[i], `<svg class="chart" id="chart-sales"`, `<svg class="chart" id="chart-clicks"`,
			"Top products", "Top influencers", "Approval queue", "/merchant/dashboard/export/orders.csv?range=7d", "kpi-change"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("%s: dashboard lacks %q", email, want)
			}
		}
		for _, leak := range []string{locale.Money(locale.English, s.order[other].TotalMinor, s.shops[other].Currency), []string{"Kebaya Merah", "Linen Shirt Blue"}[other],
			[]string{"rina_jkt", "lucy_la"}[other], s.links[other].Code} {
			if strings.Contains(page.Body, leak) {
				t.Errorf("%s: the other shop's %q shows on the dashboard", email, leak)
			}
		}
		// The exports hold only this shop's rows.
		b := s.login(t, email)
		orders := readCSV(t, b.get("/merchant/dashboard/export/orders.csv?range=30d"))
		if len(orders) != 1 || orders[0]["order_id"] != strconv.FormatInt(s.order[i].ID, 10) {
			t.Errorf("%s: orders.csv = %v", email, orders)
		}
		clicks := readCSV(t, b.get("/merchant/dashboard/export/clicks.csv?range=30d"))
		if len(clicks) != 3+2*i {
			t.Errorf("%s: clicks.csv has %d rows, want %d", email, len(clicks), 3+2*i)
		}
		for _, c := range clicks {
			if c["link_code"] != s.links[i].Code {
				t.Errorf("%s: clicks.csv holds a click on %s", email, c["link_code"])
			}
		}
	}
	// Another merchant's order cannot be approved from the dashboard.
	b := s.login(t, "la@example.com")
	res := b.submit("/merchant/dashboard", fmt.Sprintf("/merchant/dashboard/orders/%d/approve", s.order[0].ID), url.Values{})
	if res.Status != http.StatusNotFound {
		t.Errorf("approving another shop's order: %d, want 404", res.Status)
	}
	if res := s.login(t, "rina_jkt@example.com").get("/merchant/dashboard"); res.Status == http.StatusOK {
		t.Error("an influencer can open the merchant dashboard")
	}
}

func TestInfluencerDashboardShowsOnlyTheirs(t *testing.T) {
	s := newDashSite(t)
	for i, handle := range []string{"rina_jkt", "lucy_la"} {
		other := 1 - i
		b := s.login(t, handle+"@example.com")
		page := b.get("/influencer/dashboard?range=30d")
		if page.Status != http.StatusOK {
			t.Fatalf("%s: dashboard %d: %.300s", handle, page.Status, page.Body)
		}
		for _, want := range []string{"/r/" + s.links[i].Code, locale.Money(locale.English, s.order[i].TotalMinor, s.shops[i].Currency),
			`id="chart-earnings"`, "Pending earnings unlock", "Payout history", "/influencer#links", "Asia/Jakarta"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("%s: dashboard lacks %q", handle, want)
			}
		}
		for _, leak := range []string{s.links[other].Code, locale.Money(locale.English, s.order[other].TotalMinor, s.shops[other].Currency)} {
			if strings.Contains(page.Body, leak) {
				t.Errorf("%s: another influencer's %q shows", handle, leak)
			}
		}
		clicks := readCSV(t, b.get("/influencer/dashboard/export/clicks.csv?range=30d"))
		if len(clicks) != 3+2*i {
			t.Errorf("%s: clicks.csv has %d rows, want %d", handle, len(clicks), 3+2*i)
		}
		// The zone choice is remembered.
		if page := b.get("/influencer/dashboard?tz=America/Los_Angeles"); !strings.Contains(page.Body, `<option value="America/Los_Angeles" selected>`) {
			t.Errorf("%s: zone choice not shown", handle)
		}
		if page := b.get("/influencer/dashboard"); !strings.Contains(page.Body, "Times in America/Los_Angeles") {
			t.Errorf("%s: zone choice not remembered", handle)
		}
	}
}

// The figures on the page are the column sums of the CSV exports and the
// ledger balances, through approval and payout from the dashboard itself.
func TestDashboardFiguresMatchExportsAndLedger(t *testing.T) {
	s := newDashSite(t)
	ctx := context.Background()
	shop := s.shops[0]
	b := s.login(t, "jkt@example.com")
	if res := b.submit("/merchant/dashboard", fmt.Sprintf("/merchant/dashboard/orders/%d/approve", s.order[0].ID), url.Values{"range": {"30d"}}); res.Status != http.StatusSeeOther || res.Location != "/merchant/dashboard?range=30d" {
		t.Fatalf("approve: %d → %s", res.Status, res.Location)
	}
	for step, want := range []struct{ approved, paid int64 }{{77_878, 0}, {0, 77_878}} {
		if step == 1 {
			res := b.submit("/merchant/dashboard", "/merchant/dashboard/payouts", url.Values{"influencer_id": {strconv.FormatInt(s.infl[0].ID, 10)}, "range": {"30d"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("payout: %d", res.Status)
			}
		}
		page := b.get("/merchant/dashboard?range=30d")
		rep, err := s.stats.Merchant(ctx, shop.OwnerID, stats.RangeInput{Preset: "30d"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		bs, err := s.ledger.Balances(ctx, s.infl[0].ID, shop.ID)
		if err != nil || len(bs) != 1 {
			t.Fatalf("balances %v %v", bs, err)
		}
		// 10% of 778,777 = 77,878 (rounded half up).
		if rep.Totals.CommApproved != want.approved || rep.Totals.CommPaid != want.paid || bs[0].Approved != want.approved || bs[0].Paid != want.paid {
			t.Fatalf("step %d: dashboard approved/paid %d/%d, ledger %d/%d, want %d/%d", step, rep.Totals.CommApproved, rep.Totals.CommPaid,
				bs[0].Approved, bs[0].Paid, want.approved, want.paid)
		}
		orders := readCSV(t, b.get("/merchant/dashboard/export/orders.csv?range=30d"))
		entries := readCSV(t, b.get("/merchant/dashboard/export/commission.csv?range=30d"))
		clicks := readCSV(t, b.get("/merchant/dashboard/export/clicks.csv?range=30d"))
		checks := []struct {
			label string
			csv   int64
			shown int64
		}{
			{"Gross sales (GMV)", sumColumn(t, orders, "total", shop.Currency), rep.Totals.GMVMinor},
			{"Commission pending", sumColumn(t, entries, "pending", shop.Currency), rep.Totals.CommPending},
			{"Commission approved", sumColumn(t, entries, "approved", shop.Currency), rep.Totals.CommApproved},
			{"Commission paid", sumColumn(t, entries, "paid", shop.Currency), rep.Totals.CommPaid},
			{"Commission reversed", sumColumn(t, entries, "reversed", shop.Currency), rep.Totals.CommReversed},
		}
		for _, c := range checks {
			if c.csv != c.shown {
				t.Errorf("step %d: %s: CSV sums to %d, dashboard %d", step, c.label, c.csv, c.shown)
			}
			if !strings.Contains(page.Body, kpiHTML(c.label, locale.Money(locale.English, c.shown, shop.Currency))) {
				t.Errorf("step %d: the page does not show %s = %s", step, c.label, locale.Money(locale.English, c.shown, shop.Currency))
			}
		}
		if int64(len(clicks)) != rep.Totals.ClicksRaw || !strings.Contains(page.Body, kpiHTML("Clicks", strconv.FormatInt(rep.Totals.ClicksRaw, 10))) {
			t.Errorf("step %d: %d click rows, dashboard %d", step, len(clicks), rep.Totals.ClicksRaw)
		}
	}
}

// settableClock is a clock a test sets.
type settableClock struct{ ns atomic.Int64 }

func (c *settableClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *settableClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }

func TestDashboardsSayWhenClicksAreStillBeingCounted(t *testing.T) {
	s := newDashSite(t)
	merchant, influencer := s.login(t, "jkt@example.com"), s.login(t, "rina_jkt@example.com")
	const notice = "still being counted"
	for _, page := range []response{merchant.get("/merchant/dashboard"), influencer.get("/influencer/dashboard")} {
		if page.Status != http.StatusOK || strings.Contains(page.Body, notice) {
			t.Fatalf("dashboard %d, notice shown %v with every click stored", page.Status, strings.Contains(page.Body, notice))
		}
	}
	// A click answered now waits in the click log.
	if res := s.browser().getUA("/r/" + s.links[0].Code); res.Status != http.StatusFound {
		t.Fatalf("follow: %d", res.Status)
	}
	start := s.clickClock.Now()
	for _, tc := range []struct {
		after time.Duration
		want  string // "" for no notice
	}{
		{2 * time.Second, ""}, // the loader's ordinary rhythm: not worth saying
		{41500 * time.Millisecond, "Clicks from the last 42 s are still being counted"},
	} {
		s.clickClock.set(start.Add(tc.after))
		for _, page := range []response{merchant.get("/merchant/dashboard"), influencer.get("/influencer/dashboard")} {
			if tc.want == "" && strings.Contains(page.Body, notice) {
				t.Errorf("%v behind: the dashboard says clicks are still being counted", tc.after)
			}
			if tc.want != "" && !strings.Contains(page.Body, tc.want) {
				t.Errorf("%v behind: the dashboard lacks %q", tc.after, tc.want)
			}
		}
	}
}

func kpiHTML(label, value string) string {
	return `<div class="kpi-label">` + label + `</div>
  <div class="kpi-value">` + value + `</div>`
}

func readCSV(t *testing.T, res response) []map[string]string {
	t.Helper()
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %.200s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("csv: %v (%d records)", err, len(records))
	}
	var rows []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func sumColumn(t *testing.T, rows []map[string]string, col, currency string) int64 {
	t.Helper()
	var sum int64
	for _, r := range rows {
		if r["currency"] != currency {
			t.Fatalf("row in %s, want %s", r["currency"], currency)
		}
		sum += parsePlain(t, r[col], currency)
	}
	return sum
}

// parsePlain reads a money.Plain decimal ("-1234.50") back into minor units.
func parsePlain(t *testing.T, s, currency string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) != money.MinorDigits(currency) {
		t.Fatalf("%q has %d decimals, want %d for %s", s, len(frac), money.MinorDigits(currency), currency)
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	if neg {
		n = -n
	}
	return n
}
