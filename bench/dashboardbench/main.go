// Command dashboardbench checks the dashboard budget of DESIGN.md §11: with
// 1,000,000 clicks and 100,000 orders (with their lines, refunds, ledger
// entries and payouts) a dashboard page answers with p95 ≤ 200 ms.
//
// It generates that data into a fresh SQLite database (multi-row INSERTs in
// large transactions), runs the roll-up once, then starts the real server
// (app.New over that DATA_DIR, on 127.0.0.1:0), logs in as the merchant of
// the busiest shop and as the busiest influencer, and requests their
// dashboards over several ranges, reporting p50/p95 per page. It exits
// non-zero when a page misses the budget.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
)

type config struct {
	dir         string
	keep        bool
	reuse       bool
	clicks      int
	orders      int
	shops       int
	influencers int
	days        int
	n           int
	budget      time.Duration
	cpuprofile  string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dir, "dir", "", "data directory (default: a new temporary one)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the data directory")
	flag.BoolVar(&cfg.reuse, "reuse", false, "reuse the data a -keep run left in -dir instead of generating it")
	flag.IntVar(&cfg.clicks, "clicks", 1_000_000, "clicks to generate")
	flag.IntVar(&cfg.orders, "orders", 100_000, "orders to generate")
	flag.IntVar(&cfg.shops, "shops", 20, "shops")
	flag.IntVar(&cfg.influencers, "influencers", 2_000, "influencers")
	flag.IntVar(&cfg.days, "days", 90, "days of history")
	flag.IntVar(&cfg.n, "n", 20, "requests per page and range")
	flag.DurationVar(&cfg.budget, "budget", 200*time.Millisecond, "p95 budget per page")
	flag.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured requests to this file")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "dashboardbench:", err)
		os.Exit(1)
	}
}

const password = "correct horse battery"

func run(cfg config) error {
	ctx := context.Background()
	if cfg.dir == "" {
		dir, err := os.MkdirTemp("", "warna-dashbench-*")
		if err != nil {
			return err
		}
		cfg.dir = dir
	}
	if !cfg.keep {
		defer os.RemoveAll(cfg.dir)
	}
	env := map[string]string{"DATA_DIR": cfg.dir, "ADDR": "127.0.0.1:0", "LOG_LEVEL": "error"}
	appCfg, err := app.LoadConfig(flag.NewFlagSet("warna", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	fmt.Printf("GOMAXPROCS=%d, data in %s\n", runtime.GOMAXPROCS(0), cfg.dir)

	db, err := app.OpenDatabase(ctx, appCfg)
	if err != nil {
		return err
	}
	start := time.Now()
	logins := logins{merchantEmail: "merchant@bench.test", influencerEmail: "creator@bench.test"}
	if !cfg.reuse {
		if logins, err = generate(ctx, db, cfg); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fmt.Printf("generated %d clicks and %d orders in %s\n", cfg.clicks, cfg.orders, time.Since(start).Round(time.Millisecond))
	}
	start = time.Now()
	res, err := stats.NewService(db, nil, nil).Refresh(ctx)
	if err != nil {
		return fmt.Errorf("roll-up: %w", err)
	}
	fmt.Printf("rolled up %d hours in %s\n", res.Hours, time.Since(start).Round(time.Millisecond))
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, appCfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(serveCtx, l) }()
	defer func() { stop(); <-done }()
	base := "http://" + l.Addr().String()
	// The server's start-up jobs (approving due commission over the whole
	// history, refreshing roll-ups, indexing the catalogue) are not what
	// this measures: wait for the queue to drain first.
	if err := waitForIdleQueue(ctx, db, 3*time.Minute); err != nil {
		return err
	}

	merchant, err := login(base, logins.merchantEmail)
	if err != nil {
		return err
	}
	influencer, err := login(base, logins.influencerEmail)
	if err != nil {
		return err
	}
	ranges := []string{"range=today", "range=7d", "range=30d", "range=month", "range=lastmonth",
		"range=custom&from=" + time.Now().AddDate(0, 0, -cfg.days).Format("2006-01-02") + "&to=" + time.Now().Format("2006-01-02")}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var failed []string
	for _, page := range []struct {
		name   string
		client *http.Client
		path   string
	}{
		{"merchant dashboard", merchant, "/merchant/dashboard"},
		{"influencer dashboard", influencer, "/influencer/dashboard"},
	} {
		// One warm-up pass per range (template, connection and page caches).
		for _, r := range ranges {
			if _, err := fetch(page.client, base+page.path+"?"+r); err != nil {
				return err
			}
		}
		var all []time.Duration
		for _, r := range ranges {
			var lat []time.Duration
			for range cfg.n {
				d, err := fetch(page.client, base+page.path+"?"+r)
				if err != nil {
					return err
				}
				lat = append(lat, d)
			}
			all = append(all, lat...)
			fmt.Printf("  %-21s %-38s p50 %6.1f ms  p95 %6.1f ms\n", page.name, r, ms(pct(lat, 50)), ms(pct(lat, 95)))
		}
		p95 := pct(all, 95)
		fmt.Printf("%-23s all ranges (%d requests): p50 %.1f ms, p95 %.1f ms (budget %.0f ms)\n", page.name, len(all), ms(pct(all, 50)), ms(p95), ms(cfg.budget))
		if p95 > cfg.budget {
			failed = append(failed, page.name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("over budget: %s", strings.Join(failed, ", "))
	}
	fmt.Println("PASS: every dashboard page within budget")
	return nil
}

func waitForIdleQueue(ctx context.Context, db *gorm.DB, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	time.Sleep(2 * time.Second) // let periodic jobs that run on start be inserted
	for {
		var busy int64
		if err := db.WithContext(ctx).Table("river_job").Where("state IN ?", []string{"available", "running"}).Count(&busy).Error; err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the job queue is still busy after %s", limit)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func login(base, email string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on /login")
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("log in %s: status %d", email, res.StatusCode)
	}
	return c, nil
}

func fetch(c *http.Client, u string) (time.Duration, error) {
	start := time.Now()
	res, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `class="kpis`) {
		return 0, fmt.Errorf("GET %s: status %d: %.300s", u, res.StatusCode, body)
	}
	return d, nil
}

// logins are the accounts the benchmark reads dashboards as.
type logins struct {
	merchantEmail, influencerEmail string
}

// world is the generated catalogue the facts refer to.
type world struct {
	shops       []catalog.Shop
	products    [][]catalog.Product // by shop index
	links       []affiliates.Link
	linkShop    []int // shop index of each link's product
	linksOf     [][]int
	influencers []int64
}

func generate(ctx context.Context, db *gorm.DB, cfg config) (logins, error) {
	rng := rand.New(rand.NewSource(1))
	authSvc := auth.NewService(db, nil)
	m, err := authSvc.SignUp(ctx, auth.SignUpInput{Email: "merchant@bench.test", Name: "Busy Merchant", Password: password, Role: auth.RoleMerchant})
	if err != nil {
		return logins{}, err
	}
	inf, err := authSvc.SignUp(ctx, auth.SignUpInput{Email: "creator@bench.test", Name: "Busy Creator", Password: password, Role: auth.RoleInfluencer})
	if err != nil {
		return logins{}, err
	}
	w, err := generateCatalogue(db, cfg, rng, m.ID, inf.ID)
	if err != nil {
		return logins{}, err
	}
	// Loading into tables without their secondary indexes and building the
	// indexes afterwards is several times faster than keeping them up to date.
	indexes, err := dropIndexes(db, "clicks", "orders", "order_lines", "ledger_entries", "refunds")
	if err != nil {
		return logins{}, err
	}
	if err := generateClicks(ctx, db, cfg, rng, w); err != nil {
		return logins{}, err
	}
	if err := generateOrders(ctx, db, cfg, rng, w); err != nil {
		return logins{}, err
	}
	for _, stmt := range indexes {
		if err := db.Exec(stmt).Error; err != nil {
			return logins{}, fmt.Errorf("rebuild index: %w", err)
		}
	}
	if err := db.Exec("ANALYZE").Error; err != nil {
		return logins{}, err
	}
	return logins{merchantEmail: m.Email, influencerEmail: inf.Email}, nil
}

// dropIndexes drops the secondary indexes of tables and returns the
// statements that create them again.
func dropIndexes(db *gorm.DB, tables ...string) ([]string, error) {
	type index struct{ Name, SQL string }
	var found []index
	if err := db.Raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ?", tables).
		Scan(&found).Error; err != nil {
		return nil, err
	}
	var create []string
	for _, ix := range found {
		if err := db.Exec(`DROP INDEX "` + ix.Name + `"`).Error; err != nil {
			return nil, err
		}
		create = append(create, ix.SQL)
	}
	return create, nil
}

// zipf picks an index in [0, n) with a skew: index 0 is the busiest.
func zipf(rng *rand.Rand, n int) int {
	return min(int(float64(n)*math.Pow(rng.Float64(), 2.2)), n-1)
}

func generateCatalogue(db *gorm.DB, cfg config, rng *rand.Rand, merchantID, influencerID int64) (*world, error) {
	w := &world{}
	now := time.Now().UTC()
	for i := range cfg.shops {
		owner := merchantID
		if i > 0 {
			owner = 1_000_000 + int64(i)
		}
		shop := catalog.Shop{OwnerID: owner, Slug: fmt.Sprintf("shop-%02d", i), Name: fmt.Sprintf("Shop %02d", i), Currency: "IDR", TimeZone: "Asia/Jakarta",
			DefaultCommissionBps: 500 + 100*(i%6), ReturnWindowDays: 14, AttributionWindowDays: 7}
		if i%2 == 1 {
			shop.Currency, shop.TimeZone = "USD", "America/Los_Angeles"
		}
		if err := db.Create(&shop).Error; err != nil {
			return nil, err
		}
		w.shops = append(w.shops, shop)
		var ps []catalog.Product
		for j := range 200 {
			price := int64(50_000 + rng.Intn(950)*1_000)
			if shop.Currency == "USD" {
				price = int64(999 + rng.Intn(200)*100)
			}
			ps = append(ps, catalog.Product{ShopID: shop.ID, SKU: fmt.Sprintf("S%02d-%03d", i, j), Title: fmt.Sprintf("Product %d of shop %02d", j, i),
				Category: "tops", PriceMinor: price, Currency: shop.Currency, Stock: 1000, Status: catalog.StatusActive, CreatedAt: now, UpdatedAt: now})
		}
		if err := db.CreateInBatches(&ps, 200).Error; err != nil {
			return nil, err
		}
		w.products = append(w.products, ps)
	}
	var infs []affiliates.Influencer
	for i := range cfg.influencers {
		id := influencerID
		if i > 0 {
			id = 2_000_000 + int64(i)
		}
		infs = append(infs, affiliates.Influencer{UserID: id, Handle: fmt.Sprintf("creator_%04d", i), Name: fmt.Sprintf("Creator %d", i),
			Email: fmt.Sprintf("creator%d@bench.test", i), CreatedAt: now, UpdatedAt: now})
		w.influencers = append(w.influencers, id)
	}
	if err := db.CreateInBatches(&infs, 500).Error; err != nil {
		return nil, err
	}
	w.linksOf = make([][]int, cfg.influencers)
	for i, id := range w.influencers {
		for range 5 {
			si := zipf(rng, len(w.shops))
			p := w.products[si][rng.Intn(len(w.products[si]))]
			w.linksOf[i] = append(w.linksOf[i], len(w.links))
			w.links = append(w.links, affiliates.Link{Code: fmt.Sprintf("b%07d", len(w.links)), InfluencerID: id, Kind: affiliates.TargetProduct,
				ProductID: &p.ID, CreatedAt: now, UpdatedAt: now})
			w.linkShop = append(w.linkShop, si)
		}
	}
	if err := db.CreateInBatches(&w.links, 500).Error; err != nil {
		return nil, err
	}
	return w, nil
}

// inserter writes rows with multi-row INSERT statements inside one transaction.
type inserter struct {
	// parent, if set, is flushed first, so that a row never waits for the
	// row its foreign key names (SQLite would scan the child table for
	// every parent row inserted while a deferred violation is pending).
	parent  *inserter
	tx      *sql.Tx
	prefix  string
	cols    int
	perStmt int
	args    []any
	rows    int
}

func newInserter(tx *sql.Tx, table string, cols []string) *inserter {
	return &inserter{tx: tx, prefix: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ", cols: len(cols), perStmt: 900 / len(cols)}
}

func (in *inserter) add(ctx context.Context, vals ...any) error {
	in.args = append(in.args, vals...)
	if in.rows++; in.rows == in.perStmt {
		return in.flush(ctx)
	}
	return nil
}

func (in *inserter) flush(ctx context.Context) error {
	if in.rows == 0 {
		return nil
	}
	if in.parent != nil {
		if err := in.parent.flush(ctx); err != nil {
			return err
		}
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", in.cols), ",") + ")"
	stmt := in.prefix + strings.TrimSuffix(strings.Repeat(row+",", in.rows), ",")
	_, err := in.tx.ExecContext(ctx, stmt, in.args...)
	in.args, in.rows = in.args[:0], 0
	return err
}

func withTx(ctx context.Context, db *gorm.DB, fn func(tx *sql.Tx) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, pragma := range []string{"PRAGMA cache_size = -262144"} {
		if _, err := tx.ExecContext(ctx, pragma); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// clickTime spreads facts over the history with more recent days busier
// and a daily rhythm.
func factTime(rng *rand.Rand, days int, now time.Time) time.Time {
	ago := time.Duration(math.Pow(rng.Float64(), 1.3) * float64(days) * float64(24*time.Hour))
	return now.Add(-ago).Truncate(time.Second)
}

func generateClicks(ctx context.Context, db *gorm.DB, cfg config, rng *rand.Rand, w *world) error {
	now := time.Now().UTC()
	return withTx(ctx, db, func(tx *sql.Tx) error {
		in := newInserter(tx, "clicks", []string{"id", "link_id", "influencer_id", "visitor", "at", "valid", "reason"})
		for i := range cfg.clicks {
			inf := zipf(rng, len(w.influencers))
			li := w.linksOf[inf][rng.Intn(len(w.linksOf[inf]))]
			valid, reason := true, ""
			switch r := rng.Intn(10); {
			case r == 0:
				valid, reason = false, "bot"
			case r == 1:
				valid, reason = false, "repeat"
			}
			if err := in.add(ctx, fmt.Sprintf("%016x%016x", i, rng.Int63()), w.links[li].ID, w.links[li].InfluencerID,
				fmt.Sprintf("%032x", rng.Int63()), factTime(rng, cfg.days, now), valid, reason); err != nil {
				return err
			}
		}
		return in.flush(ctx)
	})
}

func generateOrders(ctx context.Context, db *gorm.DB, cfg config, rng *rand.Rand, w *world) error {
	now := time.Now().UTC()
	type payKey struct{ shop, inf int64 }
	type pay struct {
		amount  int64
		entries []int64
	}
	payouts := map[payKey]*pay{}
	payoutID := map[payKey]int64{} // payout ids follow payOrder
	var payOrder []payKey
	var lineID, entryID, refundID int64
	err := withTx(ctx, db, func(tx *sql.Tx) error {
		orderRows := newInserter(tx, "orders", []string{"id", "shop_id", "external_id", "source", "email", "currency", "total_minor", "placed_at", "held",
			"attr_outcome", "attr_reason", "attr_rule", "attr_link_id", "attr_influencer_id", "attr_window_days", "created_at"})
		lines := newInserter(tx, "order_lines", []string{"id", "order_id", "product_id", "title", "unit_minor", "quantity", "amount_minor", "refunded_minor", "refunded_qty"})
		entries := newInserter(tx, "ledger_entries", []string{"id", "kind", "influencer_id", "shop_id", "order_id", "line_id", "amount_minor", "currency",
			"rate_bps", "rate_source", "once_key", "payout_id", "note", "created_at"})
		refunds := newInserter(tx, "refunds", []string{"id", "order_id", "line_id", "amount_minor", "quantity", "created_at"})
		lines.parent, entries.parent, refunds.parent = orderRows, orderRows, lines
		for o := 1; o <= cfg.orders; o++ {
			placed := factTime(rng, cfg.days, now)
			var si int
			var linkIdx = -1
			if rng.Intn(10) < 6 { // attributed through an influencer's link
				inf := zipf(rng, len(w.influencers))
				linkIdx = w.linksOf[inf][rng.Intn(len(w.linksOf[inf]))]
				si = w.linkShop[linkIdx]
			} else {
				si = zipf(rng, len(w.shops))
			}
			shop := w.shops[si]
			type line struct {
				id, product, unit, qty, amount, refunded int64
			}
			var ls []line
			var total int64
			for range 1 + rng.Intn(3) {
				p := w.products[si][rng.Intn(len(w.products[si]))]
				qty := int64(1 + rng.Intn(2))
				lineID++
				l := line{id: lineID, product: p.ID, unit: p.PriceMinor, qty: qty, amount: p.PriceMinor * qty}
				if rng.Intn(20) == 0 {
					l.refunded = l.amount
					if rng.Intn(2) == 0 {
						l.refunded = l.amount / 2
					}
				}
				ls = append(ls, l)
				total += l.amount
			}
			outcome, reason := orders.OutcomeNone, "no tracked link was followed"
			var linkID, infID any
			if linkIdx >= 0 {
				outcome, reason = orders.OutcomeAttributed, ""
				linkID, infID = w.links[linkIdx].ID, w.links[linkIdx].InfluencerID
			}
			if err := orderRows.add(ctx, o, shop.ID, fmt.Sprintf("bench-%d", o), orders.SourceAPI, "buyer@bench.test", shop.Currency, total, placed, false,
				outcome, reason, affiliates.RuleVersion, linkID, infID, 7, placed); err != nil {
				return err
			}
			age := now.Sub(placed)
			approved := age > time.Duration(shop.ReturnWindowDays)*24*time.Hour
			paid := age > 30*24*time.Hour
			for _, l := range ls {
				if err := lines.add(ctx, l.id, o, l.product, "Product", l.unit, l.qty, l.amount, l.refunded, 0); err != nil {
					return err
				}
				if l.refunded > 0 {
					refundID++
					if err := refunds.add(ctx, refundID, o, l.id, l.refunded, 0, placed.Add(48*time.Hour)); err != nil {
						return err
					}
				}
				if linkIdx < 0 {
					continue
				}
				inf := w.links[linkIdx].InfluencerID
				bps := int64(shop.DefaultCommissionBps)
				comm := (l.amount*bps + 5_000) / 10_000
				back := int64(0)
				if l.refunded > 0 {
					back = (comm*l.refunded*2 + l.amount) / (2 * l.amount)
				}
				entryID++
				if err := entries.add(ctx, entryID, affiliates.EntryAccrue, inf, shop.ID, o, l.id, comm, shop.Currency, bps, "shop_default",
					fmt.Sprintf("accrue:%d", l.id), nil, "", placed); err != nil {
					return err
				}
				if back > 0 {
					entryID++
					if err := entries.add(ctx, entryID, affiliates.EntryReverse, inf, shop.ID, o, l.id, -back, shop.Currency, bps, "shop_default",
						nil, nil, "refund", placed.Add(48*time.Hour)); err != nil {
						return err
					}
				}
				if !approved {
					continue
				}
				entryID++
				var payoutRef any
				k := payKey{shop.ID, inf}
				if paid {
					if payouts[k] == nil {
						payouts[k] = &pay{}
						payOrder = append(payOrder, k)
						payoutID[k] = int64(len(payOrder))
					}
					payouts[k].amount += comm - back
					payouts[k].entries = append(payouts[k].entries, entryID)
					payoutRef = payoutID[k]
				}
				if err := entries.add(ctx, entryID, affiliates.EntryApprove, inf, shop.ID, o, l.id, comm-back, shop.Currency, bps, "shop_default",
					fmt.Sprintf("approve:%d", l.id), payoutRef, "return window passed", placed.Add(time.Duration(shop.ReturnWindowDays)*24*time.Hour)); err != nil {
					return err
				}
			}
		}
		for _, in := range []*inserter{orderRows, lines, refunds} {
			if err := in.flush(ctx); err != nil {
				return err
			}
		}
		payIns := newInserter(tx, "payouts", []string{"id", "influencer_id", "shop_id", "amount_minor", "currency", "entries", "created_at"})
		for i, k := range payOrder {
			p := payouts[k]
			var ccy string
			for _, s := range w.shops {
				if s.ID == k.shop {
					ccy = s.Currency
				}
			}
			at := now.Add(-30 * 24 * time.Hour)
			if err := payIns.add(ctx, i+1, k.inf, k.shop, p.amount, ccy, len(p.entries), at); err != nil {
				return err
			}
			entryID++
			if err := entries.add(ctx, entryID, affiliates.EntryPay, k.inf, k.shop, 0, nil, p.amount, ccy, 0, "",
				fmt.Sprintf("pay:%d", i+1), i+1, "payout", at); err != nil {
				return err
			}
		}
		if err := payIns.flush(ctx); err != nil {
			return err
		}
		return entries.flush(ctx)
	})
	if err != nil {
		return err
	}
	fmt.Printf("  %d order lines, %d ledger entries, %d refunds, %d payouts\n", lineID, entryID, refundID, len(payOrder))
	return nil
}
