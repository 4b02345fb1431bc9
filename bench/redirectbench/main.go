// Command redirectbench checks the redirect budget of DESIGN.md §11: the
// tracked redirect /r/{code}, served by the real web server with click
// recording into a real SQLite database, must keep at least 0.8 × the
// throughput of a bare echo handler answering 302, with a p99 latency no more
// than 2 × the bare one.
//
// A third server answers the same redirect (through a second link to the same
// product, so that its clicks can be counted apart) but stores its clicks
// only after the measured rounds (its recorder starts once they are
// over, so clicks wait in its queue): it separates what the request path
// costs from what storing the clicks costs. It is reported, not budgeted.
//
// All servers listen on loopback in this process; one load generator (Go
// net/http keep-alive clients at a fixed concurrency) drives them in
// interleaved rounds of equal length, rotating which goes first. At the end
// the recorders are closed and each tracked server's stored clicks are
// counted against the requests it answered. It exits non-zero when the
// budget is missed or a click is missing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/web"
	"github.com/warna/warna/web/auth"
)

const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

type config struct {
	databaseURL string
	duration    time.Duration
	rounds      int
	concurrency int
	minRatio    float64
	maxP99Ratio float64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.databaseURL, "database-url", "", "postgres://… to store clicks in PostgreSQL (a scratch schema is not made: use an empty database); empty for SQLite in a temporary directory")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each round per server")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds")
	flag.IntVar(&cfg.concurrency, "c", 16, "concurrent keep-alive clients")
	flag.Float64Var(&cfg.minRatio, "min-ratio", 0.8, "budget: tracked/bare throughput at least")
	flag.Float64Var(&cfg.maxP99Ratio, "max-p99-ratio", 2.0, "budget: tracked/bare p99 at most")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured rounds to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redirectbench:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(cfg); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "redirectbench:", err)
		os.Exit(1)
	}
}

// arm is one server under load.
type arm struct {
	name      string
	url       string
	requests  int64
	errors    int64
	elapsed   time.Duration
	cpu       time.Duration
	latencies []time.Duration
	warm      int64 // requests answered during the warm-up
}

func run(cfg config) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "redirectbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	db, err := database.Open(ctx, database.Options{DataDir: dir, URL: cfg.databaseURL})
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := database.Migrate(ctx, db, app.Migrations()); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: "redirect-bench-secret-0123456789abcdef", SpillDir: dir, Logger: logger})
	if err != nil {
		return err
	}
	codes, err := seed(ctx, db, aff)
	if err != nil {
		return err
	}
	if err := aff.Start(ctx); err != nil {
		return err
	}
	// The deferred server's queue is sized for every click of its rounds at
	// up to 60,000 redirects a second; any beyond that would go to its spill
	// file, which is replayed when its recorder starts, so they are still
	// stored and counted.
	queue := int(float64(cfg.rounds)*cfg.duration.Seconds()*60_000) + 50_000
	deferred, err := affiliates.NewService(db, affiliates.Options{Secret: "redirect-bench-secret-0123456789abcdef",
		SpillDir: filepath.Join(dir, "deferred"), Logger: logger, Clicks: affiliates.RecorderOptions{Buffer: queue}})
	if err != nil {
		return err
	}
	trackedURL, stopTracked, err := serveTracked(db, aff, logger)
	if err != nil {
		return err
	}
	defer stopTracked()
	deferredURL, stopDeferred, err := serveTracked(db, deferred, logger)
	if err != nil {
		return err
	}
	defer stopDeferred()

	bare := echo.New()
	bare.HideBanner = true
	bare.GET("/r/:code", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.Redirect(http.StatusFound, "/products/1")
	})
	bareURL, stopBare, err := serve(bare)
	if err != nil {
		return err
	}
	defer stopBare()

	bareArm := &arm{name: "bare echo 302", url: bareURL + "/r/" + codes[0]}
	trackedArm := &arm{name: "tracked /r/{code}", url: trackedURL + "/r/" + codes[0]}
	deferredArm := &arm{name: "tracked, stored later", url: deferredURL + "/r/" + codes[1]}
	arms := []*arm{bareArm, trackedArm, deferredArm}
	client := newClient(cfg.concurrency)
	for _, a := range arms { // warm-up: connections open, link cached
		res, err := load(client, a.url, cfg.concurrency, 300*time.Millisecond)
		if err != nil {
			return err
		}
		a.warm = res.requests
	}
	fmt.Printf("redirect benchmark: %d rounds × %v per server, %d keep-alive clients, loopback, GOMAXPROCS=%d, clicks in %s\n",
		cfg.rounds, cfg.duration, cfg.concurrency, runtimeProcs(), database.DialectOf(db))
	for r := range cfg.rounds {
		order := append(slices.Clone(arms[r%len(arms):]), arms[:r%len(arms)]...)
		for _, a := range order {
			res, err := load(client, a.url, cfg.concurrency, cfg.duration)
			if err != nil {
				return err
			}
			a.requests += res.requests
			a.errors += res.errors
			a.elapsed += res.elapsed
			a.cpu += res.cpu
			a.latencies = append(a.latencies, res.latencies...)
			fmt.Printf("  round %d %-18s %8.0f req/s  p99 %-10v CPU %5.1f µs/req (load generator included)\n", r+1, a.name,
				float64(res.requests)/res.elapsed.Seconds(), percentile(res.latencies, 0.99), float64(res.cpu.Microseconds())/float64(res.requests))
		}
	}
	stopTracked()
	stopDeferred()
	if err := aff.Close(); err != nil {
		return err
	}
	t0 := time.Now()
	if err := deferred.Start(ctx); err != nil {
		return err
	}
	if err := deferred.Close(); err != nil {
		return err
	}
	storeLater := time.Since(t0)

	fmt.Printf("\n%-22s %10s %10s %10s %12s %8s\n", "server", "req/s", "p50", "p99", "CPU µs/req", "errors")
	for _, a := range arms {
		fmt.Printf("%-22s %10.0f %10v %10v %12.1f %8d\n", a.name, a.rps(), percentile(a.latencies, 0.5), percentile(a.latencies, 0.99),
			float64(a.cpu.Microseconds())/float64(a.requests), a.errors)
	}
	tput := trackedArm.rps() / bareArm.rps()
	p99 := float64(percentile(trackedArm.latencies, 0.99)) / float64(percentile(bareArm.latencies, 0.99))
	fmt.Printf("\nthroughput ratio tracked/bare %.2f (budget ≥ %.2f)\n", tput, cfg.minRatio)
	fmt.Printf("p99 ratio      tracked/bare %.2f (budget ≤ %.2f)\n", p99, cfg.maxP99Ratio)
	fmt.Printf("request path alone: tracked-stored-later/bare throughput %.2f, p99 %.2f; its %d clicks stored after the rounds in %v\n",
		deferredArm.rps()/bareArm.rps(), float64(percentile(deferredArm.latencies, 0.99))/float64(percentile(bareArm.latencies, 0.99)),
		deferredArm.requests+deferredArm.warm, storeLater.Round(time.Millisecond))
	var problems []error
	for _, t := range []struct {
		arm  *arm
		svc  *affiliates.Service
		code string
	}{{trackedArm, aff, codes[0]}, {deferredArm, deferred, codes[1]}} {
		a, stats := t.arm, t.svc.Clicks().Stats()
		var stored int64
		if err := db.Model(&affiliates.Click{}).Joins("JOIN links ON links.id = clicks.link_id").
			Where("links.code = ?", t.code).Count(&stored).Error; err != nil {
			return err
		}
		want := a.requests + a.warm
		fmt.Printf("%s: clicks stored %d of %d requests (incl. warm-up), spilled %d, storage failures %d\n",
			a.name, stored, want, stats.Spilled, stats.Failures)
		if stored != want {
			problems = append(problems, fmt.Errorf("%s: %d clicks stored for %d redirects", a.name, stored, want))
		}
	}
	if tput < cfg.minRatio {
		problems = append(problems, fmt.Errorf("throughput ratio %.2f below %.2f", tput, cfg.minRatio))
	}
	if p99 > cfg.maxP99Ratio {
		problems = append(problems, fmt.Errorf("p99 ratio %.2f above %.2f", p99, cfg.maxP99Ratio))
	}
	for _, a := range arms {
		if a.errors > 0 {
			problems = append(problems, fmt.Errorf("%s: %d requests failed", a.name, a.errors))
		}
	}
	return errors.Join(problems...)
}

func (a *arm) rps() float64 { return float64(a.requests) / a.elapsed.Seconds() }

// serveTracked serves the whole web application over aff on a loopback port.
// All the load comes from one loopback address: the per-IP click limit is
// lifted (it still runs) so that every redirect records its click.
func serveTracked(db *gorm.DB, aff *affiliates.Service, logger *slog.Logger) (string, func(), error) {
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1", ClickRate: 1e9, ClickBurst: 1e9},
		web.Deps{Auth: auth.NewService(db, nil), Affiliates: aff, Logger: logger})
	if err != nil {
		return "", nil, err
	}
	return serve(srv.Handler())
}

// seed makes a shop, a product, an influencer and two links to the product,
// one for each tracked server, so that each one's stored clicks can be
// counted.
func seed(ctx context.Context, db *gorm.DB, aff *affiliates.Service) ([]string, error) {
	shop := catalog.Shop{OwnerID: 1, Slug: "bench", Name: "Bench", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 30}
	if err := db.Create(&shop).Error; err != nil {
		return nil, err
	}
	p := catalog.Product{ShopID: shop.ID, SKU: "B1", Title: "Bench tee", Category: "tops", PriceMinor: 1999,
		Currency: "USD", Stock: 10, Status: catalog.StatusActive}
	if err := db.Create(&p).Error; err != nil {
		return nil, err
	}
	if _, err := affiliates.NewInfluencers(db, aff, nil, nil, nil).EnsureInfluencer(ctx, affiliates.Account{ID: 2, Name: "Bench Creator", Email: "b@example.com"}); err != nil {
		return nil, err
	}
	var codes []string
	for _, campaign := range []string{"bench", "bench-later"} {
		link, err := aff.CreateLink(ctx, 2, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID, Campaign: campaign})
		if err != nil {
			return nil, err
		}
		codes = append(codes, link.Code)
	}
	return codes, nil
}

// serve answers h on a loopback port until the returned stop is called.
func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	var once sync.Once
	return "http://" + l.Addr().String(), func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	}, nil
}

func newClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: concurrency * 2, MaxIdleConnsPerHost: concurrency * 2, IdleConnTimeout: time.Minute},
		// Measure the redirect itself, do not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

type result struct {
	requests, errors int64
	elapsed          time.Duration
	cpu              time.Duration // process CPU time (user+system) during the round
	latencies        []time.Duration
}

// processCPU is the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load sends GET url from concurrency clients for d and returns what happened.
func load(client *http.Client, url string, concurrency int, d time.Duration) (result, error) {
	var ok, failed atomic.Int64
	lats := make([][]time.Duration, concurrency)
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("User-Agent", userAgent)
			local := make([]time.Duration, 0, 1<<15)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusFound {
					failed.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
				ok.Add(1)
			}
			lats[w] = local
		}()
	}
	wg.Wait()
	res := result{requests: ok.Load(), errors: failed.Load(), elapsed: time.Since(start), cpu: processCPU() - cpu0}
	for _, l := range lats {
		res.latencies = append(res.latencies, l...)
	}
	if res.requests == 0 {
		return res, fmt.Errorf("%s: no successful requests", url)
	}
	return res, nil
}

func percentile(lats []time.Duration, p float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	s := slices.Clone(lats)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))].Round(time.Microsecond)
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
