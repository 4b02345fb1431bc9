package scaleout

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warna/warna/affiliates"
)

// TestLoadAcrossInstances is bench/scaleout.sh: a bounded load of
// redirects, searches, one upload a second and checkouts, first on one
// instance and then spread over two, for WARNA_SCALEOUT_LOAD each (say
// 60s). It prints the p95 of each route, the errors, the clicks answered
// and stored, and whether the ledger reconciles with the orders. It runs
// only when WARNA_SCALEOUT_LOAD is set.
func TestLoadAcrossInstances(t *testing.T) {
	d := os.Getenv("WARNA_SCALEOUT_LOAD")
	if d == "" {
		t.Skip("set WARNA_SCALEOUT_LOAD (bench/scaleout.sh) to run the load")
	}
	duration, err := time.ParseDuration(d)
	if err != nil || duration <= 0 || duration > 3*time.Minute {
		t.Fatalf("WARNA_SCALEOUT_LOAD=%q: want a duration up to 3m", d)
	}
	w := setUp(t)
	w.uploadTargets = w.seedProducts(t, int(2*duration/time.Second)/10+2)
	one := w.load(t, []*instance{w.a}, duration, "one")
	both := w.load(t, []*instance{w.a, w.b}, duration, "two")
	fmt.Printf("\n%-10s %14s %14s\n", "route p95", "one instance", "two instances")
	for _, route := range []string{"redirect", "search", "upload", "checkout"} {
		fmt.Printf("%-10s %14v %14v\n", route, one.p95(route), both.p95(route))
	}
	for _, r := range []*loadResult{one, both} {
		fmt.Printf("%s instance(s): %d requests (%d redirects, %d searches, %d uploads, %d checkouts), %d errors, %.0f requests/s\n",
			r.name, r.total(), len(r.lat["redirect"]), len(r.lat["search"]), len(r.lat["upload"]), len(r.lat["checkout"]), r.errors.Load(),
			float64(r.total())/duration.Seconds())
	}
	w.settle(t, one, both)
}

// shopperSeq numbers the load's shoppers across phases.
var shopperSeq atomic.Int64

// loadResult is what one phase of the load measured.
type loadResult struct {
	name   string
	mu     sync.Mutex
	lat    map[string][]time.Duration
	clicks map[string]bool
	orders int
	errors atomic.Int64
}

func (r *loadResult) add(route string, d time.Duration) {
	r.mu.Lock()
	r.lat[route] = append(r.lat[route], d)
	r.mu.Unlock()
}

func (r *loadResult) p95(route string) time.Duration {
	l := slices.Clone(r.lat[route])
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[len(l)*95/100].Round(100 * time.Microsecond)
}

func (r *loadResult) total() int {
	n := 0
	for _, l := range r.lat {
		n += len(l)
	}
	return n
}

func (w *world) load(t *testing.T, on []*instance, duration time.Duration, name string) *loadResult {
	r := &loadResult{name: name, lat: map[string][]time.Duration{}, clicks: map[string]bool{}}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	var seq atomic.Int64
	pick := func(i int64) *instance { return on[int(i)%len(on)] }
	fail := func(format string, args ...any) {
		if r.errors.Add(1) <= 10 {
			t.Logf(format, args...)
		}
	}
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Redirects: every request a new visitor, alternating instances, 250 a
	// second in all (4 clients, one every 16 ms each).
	for range 4 {
		wg.Go(func() {
			client := &http.Client{CheckRedirect: noFollow, Timeout: 10 * time.Second}
			tick := time.NewTicker(16 * time.Millisecond)
			defer tick.Stop()
			for ; time.Now().Before(stop); <-tick.C {
				n := seq.Add(1)
				req, err := http.NewRequest(http.MethodGet, pick(n).base+"/r/"+w.clicksLink.Code, nil)
				if err != nil {
					fail("%v", err)
					return
				}
				req.Header.Set("User-Agent", browserUA)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					fail("redirect: %v", err)
					continue
				}
				res.Body.Close()
				r.add("redirect", time.Since(start))
				id := clickIDOf(res)
				if res.StatusCode != http.StatusFound || id == "" {
					fail("redirect: %d, click %q", res.StatusCode, id)
					continue
				}
				r.mu.Lock()
				r.clicks[id] = true
				r.mu.Unlock()
			}
		})
	}
	// Searches by text and colour, 50 a second in all.
	for range 2 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			tick := time.NewTicker(40 * time.Millisecond)
			defer tick.Stop()
			for i := int64(0); time.Now().Before(stop); i++ {
				<-tick.C
				start := time.Now()
				res, err := client.Get(pick(i).base + "/api/v1/search?q=linen+shirt&colors=red")
				if err != nil {
					fail("search: %v", err)
					continue
				}
				res.Body.Close()
				r.add("search", time.Since(start))
				if res.StatusCode != http.StatusOK {
					fail("search: %d", res.StatusCode)
				}
			}
		})
	}
	// One upload a second.
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := int64(0); time.Now().Before(stop); i++ {
			jpg := photo(t, 640, 480, uint64(time.Now().UnixNano()))
			start := time.Now()
			if _, err := w.tryUploadTo(pick(i), w.nextUploadTarget(), jpg); err != nil {
				fail("upload: %v", err)
			} else {
				r.add("upload", time.Since(start))
			}
			<-tick.C
		}
	})
	// Checkouts, five a second: follow the link on one instance, buy on the
	// next. Every shopper is a new visitor (the same address and browser
	// again within an hour would be a repeat click, which earns nothing).
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for i := int64(0); time.Now().Before(stop); i++ {
			<-tick.C
			n := shopperSeq.Add(1)
			s := newShopper(t, fmt.Sprintf("172.%d.%d.%d", 16+n>>16&15, n>>8&255, n&255))
			if err := w.followAndBuy(s, pick(i), pick(i+1), r, fmt.Sprintf("load-%s-%d@example.com", name, i)); err != nil {
				fail("checkout: %v", err)
				continue
			}
			r.mu.Lock()
			r.orders++
			r.mu.Unlock()
		}
	})
	wg.Wait()
	return r
}

// seedProducts adds n products to the shop, for uploads (a product takes
// at most catalog.MaxImagesPerProduct photos).
func (w *world) seedProducts(t *testing.T, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		p := w.product
		p.ID, p.SKU, p.Title = 0, fmt.Sprintf("LOAD-%d", i), fmt.Sprintf("Load shirt %d", i)
		if err := w.db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
	}
	return ids
}

// nextUploadTarget spreads uploads over the products seeded for them.
func (w *world) nextUploadTarget() int64 {
	n := w.uploads.Add(1)
	return w.uploadTargets[int(n)%len(w.uploadTargets)]
}

// followAndBuy is one shopper's visit: the link on from, one shirt bought on to.
func (w *world) followAndBuy(s *shopper, from, to *instance, r *loadResult, email string) error {
	status, _, _, err := s.try(http.MethodGet, from.base+"/r/"+w.link.Code, nil)
	if err != nil || status != http.StatusFound {
		return fmt.Errorf("follow: %d %v", status, err)
	}
	token, err := s.tryCSRF(to.base + affiliates.ProductPath(w.product.ID))
	if err != nil {
		return err
	}
	status, _, _, err = s.try(http.MethodPost, to.base+"/cart/add", url.Values{"_csrf": {token}, "product_id": {strconv.FormatInt(w.product.ID, 10)}, "quantity": {"1"}})
	if err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("add to cart: %d %v", status, err)
	}
	if token, err = s.tryCSRF(to.base + "/checkout"); err != nil {
		return err
	}
	start := time.Now()
	status, _, _, err = s.try(http.MethodPost, to.base+"/checkout", url.Values{"_csrf": {token}, "email": {email},
		"ship_name": {"Ana"}, "ship_address": {"Jl. Merdeka 1, Jakarta"}, "card": {"4242 4242 4242 4242"}})
	if err != nil || status != http.StatusSeeOther { // to the order's page
		return fmt.Errorf("checkout: %d %v", status, err)
	}
	r.add("checkout", time.Since(start))
	return nil
}

// settle waits for every answered click to be stored and checks them, the
// orders and the ledger.
func (w *world) settle(t *testing.T, phases ...*loadResult) {
	answered := map[string]bool{}
	orders := 0
	for _, p := range phases {
		for id := range p.clicks {
			answered[id] = true
		}
		orders += p.orders
	}
	var stored int64
	took := waitFor(t, "every answered click stored", 120*time.Second, 200*time.Millisecond, func() (bool, error) {
		err := w.db.Model(&affiliates.Click{}).Where("link_id = ?", w.clicksLink.ID).Count(&stored).Error
		return stored >= int64(len(answered)), err
	})
	ids := make([]string, 0, len(answered))
	for id := range answered {
		ids = append(ids, id)
	}
	var storedAnswered int64
	for start := 0; start < len(ids); start += 1000 {
		var n int64
		if err := w.db.Model(&affiliates.Click{}).Where("id IN ?", ids[start:min(start+1000, len(ids))]).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		storedAnswered += n
	}
	var ord struct {
		Orders     int64
		Attributed int64
	}
	if err := w.db.Raw(`SELECT count(*) AS orders, sum(CASE WHEN attr_outcome = 'attributed' THEN 1 ELSE 0 END) AS attributed
FROM orders WHERE email LIKE 'load-%'`).Scan(&ord).Error; err != nil {
		t.Fatal(err)
	}
	var ledger struct {
		Entries int64
		Amount  int64
	}
	if err := w.db.Raw(`SELECT count(*) AS entries, COALESCE(sum(amount_minor), 0) AS amount FROM ledger_entries
WHERE kind = 'accrue' AND order_id IN (SELECT id FROM orders WHERE email LIKE 'load-%')`).Scan(&ledger).Error; err != nil {
		t.Fatal(err)
	}
	var expected int64
	if err := w.db.Raw(`SELECT COALESCE(sum(l.amount_minor * 1000 / 10000), 0) FROM order_lines l
JOIN orders o ON o.id = l.order_id WHERE o.email LIKE 'load-%'`).Scan(&expected).Error; err != nil {
		t.Logf("expected commission: %v", err)
	}
	fmt.Printf("clicks: %d answered, %d rows stored for the link, %d of the answered stored (all %v after the load)\n",
		len(answered), stored, storedAnswered, took.Round(time.Millisecond))
	fmt.Printf("orders: %d placed, %d in the database, %d attributed; ledger: %d accruals, %d minor units (10%% of the lines: %d)\n",
		orders, ord.Orders, ord.Attributed, ledger.Entries, ledger.Amount, expected)
	if stored != int64(len(answered)) || storedAnswered != int64(len(answered)) {
		t.Errorf("clicks: %d answered, %d stored, %d of the answered stored: not exactly once", len(answered), stored, storedAnswered)
	}
	if ord.Orders != int64(orders) || ord.Attributed != ord.Orders || ledger.Entries != ord.Orders || ledger.Amount != expected {
		t.Errorf("the ledger does not reconcile with the orders")
	}
	for _, p := range phases {
		if n := p.errors.Load(); n != 0 {
			t.Errorf("%s instance(s): %d errors", p.name, n)
		}
	}
}
