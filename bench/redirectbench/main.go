// Command redirectbench checks the redirect budget of DESIGN.md §11: the
// tracked redirect /r/{code}, served by the real web server, must keep at
// least 0.8 × the throughput of a bare echo handler answering 302, with a
// p99 latency no more than 2 × the bare one, over a burst; and the database
// must hold every click of the burst within 30 s after it ends.
//
// Each tracked redirect appends its click to the click log before it is
// answered (the handler does that before writing the 302; every answer is
// checked for its attribution cookie, which names the logged click). The
// loader stores the log in the database (SQLite in a temporary directory, or
// -database-url) while the site is quiet, so during a burst it waits and
// afterwards it catches up: after every tracked round the benchmark waits
// until the database holds every click before the next round starts, and
// prints that time, so that the loading never runs during another server's
// round.
//
// Both servers listen on loopback in this process; one load generator (Go
// net/http keep-alive clients at a fixed concurrency) drives them in
// interleaved rounds of equal length, rotating which goes first. At the end
// the stored clicks are counted against the requests answered. It exits
// non-zero when the budget is missed or a click is missing.
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
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
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
	maxCatchUp  time.Duration
	maxLag      time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.databaseURL, "database-url", "", "postgres://… to store clicks in PostgreSQL (a scratch schema is not made: use an empty database); empty for SQLite in a temporary directory")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each round per server")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds")
	flag.IntVar(&cfg.concurrency, "c", 16, "concurrent keep-alive clients")
	flag.Float64Var(&cfg.minRatio, "min-ratio", 0.8, "budget: tracked/bare throughput at least")
	flag.Float64Var(&cfg.maxP99Ratio, "max-p99-ratio", 2.0, "budget: tracked/bare p99 at most")
	flag.DurationVar(&cfg.maxCatchUp, "max-catch-up", 30*time.Second, "budget: time after a burst until the database holds every click")
	flag.DurationVar(&cfg.maxLag, "max-lag", 0, "the click loader's MaxLag (0: its default); a burst longer than it is loaded while it lasts")
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
	tracked   bool
	requests  int64
	errors    int64
	elapsed   time.Duration
	cpu       time.Duration
	latencies []time.Duration
	warm      int64           // requests answered during the warm-up
	catchUps  []time.Duration // tracked: after each round, until the database held every click
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
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: "redirect-bench-secret-0123456789abcdef", DataDir: dir,
		InstanceID: "bench", Logger: logger, Clicks: clicklog.Options{MaxLag: cfg.maxLag}})
	if err != nil {
		return err
	}
	code, err := seed(ctx, db, aff)
	if err != nil {
		return err
	}
	if err := aff.Start(ctx); err != nil {
		return err
	}
	trackedURL, stopTracked, err := serveTracked(db, aff, logger)
	if err != nil {
		return err
	}
	defer stopTracked()

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

	bareArm := &arm{name: "bare echo 302", url: bareURL + "/r/" + code}
	trackedArm := &arm{name: "tracked /r/{code}", url: trackedURL + "/r/" + code, tracked: true}
	arms := []*arm{bareArm, trackedArm}
	client := newClient(cfg.concurrency)
	clicks := aff.Clicks()
	for _, a := range arms { // warm-up: connections open, link cached
		res, err := load(client, a.url, a.tracked, cfg.concurrency, 300*time.Millisecond)
		if err != nil {
			return err
		}
		a.warm = res.requests
		if a.tracked {
			if _, err := catchUp(clicks, a.requests+a.warm, time.Minute); err != nil {
				return err
			}
		}
	}
	fmt.Printf("redirect benchmark: %d rounds × %v per server, %d keep-alive clients, loopback, GOMAXPROCS=%d, clicks in %s\n",
		cfg.rounds, cfg.duration, cfg.concurrency, runtimeProcs(), database.DialectOf(db))
	for r := range cfg.rounds {
		order := append(slices.Clone(arms[r%len(arms):]), arms[:r%len(arms)]...)
		for _, a := range order {
			res, err := load(client, a.url, a.tracked, cfg.concurrency, cfg.duration)
			if err != nil {
				return err
			}
			a.requests += res.requests
			a.errors += res.errors
			a.elapsed += res.elapsed
			a.cpu += res.cpu
			a.latencies = append(a.latencies, res.latencies...)
			line := fmt.Sprintf("  round %d %-18s %8.0f req/s  p99 %-10v CPU %5.1f µs/req (load generator included)", r+1, a.name,
				float64(res.requests)/res.elapsed.Seconds(), percentile(res.latencies, 0.99), float64(res.cpu.Microseconds())/float64(res.requests))
			if a.tracked {
				// Every answered redirect appended its click before the answer.
				if st := clicks.Stats(); st.Appended < a.requests+a.warm {
					return fmt.Errorf("%d clicks in the log after %d answered redirects", st.Appended, a.requests+a.warm)
				}
				took, err := catchUp(clicks, a.requests+a.warm, cfg.maxCatchUp+time.Minute)
				if err != nil {
					return err
				}
				a.catchUps = append(a.catchUps, took)
				line += fmt.Sprintf("  | all %d clicks in the database %v after the burst", res.requests, took.Round(time.Millisecond))
			}
			fmt.Println(line)
		}
	}
	stopTracked()
	if err := aff.Close(); err != nil {
		return err
	}

	fmt.Printf("\n%-22s %10s %10s %10s %12s %8s\n", "server", "req/s", "p50", "p99", "CPU µs/req", "errors")
	for _, a := range arms {
		fmt.Printf("%-22s %10.0f %10v %10v %12.1f %8d\n", a.name, a.rps(), percentile(a.latencies, 0.5), percentile(a.latencies, 0.99),
			float64(a.cpu.Microseconds())/float64(a.requests), a.errors)
	}
	tput := trackedArm.rps() / bareArm.rps()
	p99 := float64(percentile(trackedArm.latencies, 0.99)) / float64(percentile(bareArm.latencies, 0.99))
	worst := slices.Max(trackedArm.catchUps)
	var catchUpTotal time.Duration
	for _, d := range trackedArm.catchUps {
		catchUpTotal += d
	}
	fmt.Printf("\nthroughput ratio tracked/bare %.2f (budget ≥ %.2f)\n", tput, cfg.minRatio)
	fmt.Printf("CPU per request ratio bare/tracked %.2f (load generator included; less sensitive to other processes on the machine)\n",
		(float64(bareArm.cpu)/float64(bareArm.requests))/(float64(trackedArm.cpu)/float64(trackedArm.requests)))
	fmt.Printf("p99 ratio      tracked/bare %.2f (budget ≤ %.2f)\n", p99, cfg.maxP99Ratio)
	fmt.Printf("database holds every click %v after a burst at worst (budget ≤ %v); %v in all\n",
		worst.Round(time.Millisecond), cfg.maxCatchUp, catchUpTotal.Round(time.Millisecond))
	fmt.Printf("tracked throughput counting the catch-up time as well: %.0f req/s, %.2f × bare\n",
		float64(trackedArm.requests)/(trackedArm.elapsed+catchUpTotal).Seconds(),
		float64(trackedArm.requests)/(trackedArm.elapsed+catchUpTotal).Seconds()/bareArm.rps())
	var problems []error
	var stored int64
	if err := db.Model(&affiliates.Click{}).Count(&stored).Error; err != nil {
		return err
	}
	st := clicks.Stats()
	want := trackedArm.requests + trackedArm.warm
	fmt.Printf("clicks stored %d of %d answered redirects (incl. warm-up); appended %d, loaded %d, append failures %d, load failures %d\n",
		stored, want, st.Appended, st.Loaded, st.AppendFailures, st.LoadFailures)
	if stored != want {
		problems = append(problems, fmt.Errorf("%d clicks stored for %d redirects", stored, want))
	}
	if tput < cfg.minRatio {
		problems = append(problems, fmt.Errorf("throughput ratio %.2f below %.2f", tput, cfg.minRatio))
	}
	if p99 > cfg.maxP99Ratio {
		problems = append(problems, fmt.Errorf("p99 ratio %.2f above %.2f", p99, cfg.maxP99Ratio))
	}
	if worst > cfg.maxCatchUp {
		problems = append(problems, fmt.Errorf("the database held every click %v after a burst, over %v", worst, cfg.maxCatchUp))
	}
	for _, a := range arms {
		if a.errors > 0 {
			problems = append(problems, fmt.Errorf("%s: %d requests failed", a.name, a.errors))
		}
	}
	return errors.Join(problems...)
}

// catchUp waits until the loader has stored the clicks of want answered
// redirects and nothing is left in the log, and says how long that took.
// Nothing announces it, so the recorder's counters are polled (cheaply: no
// database query).
func catchUp(clicks *clicklog.Recorder, want int64, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	for {
		st := clicks.Stats()
		if st.Loaded >= want && st.UnloadedBytes == 0 {
			return time.Since(t0), nil
		}
		if time.Since(t0) > limit {
			return 0, fmt.Errorf("after %v the loader has stored %d of %d clicks (%d bytes left, %d failures)", limit, st.Loaded, want, st.UnloadedBytes, st.LoadFailures)
		}
		time.Sleep(5 * time.Millisecond)
	}
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

// seed makes a shop, a product, an influencer and a link to the product.
func seed(ctx context.Context, db *gorm.DB, aff *affiliates.Service) (string, error) {
	shop := catalog.Shop{OwnerID: 1, Slug: "bench", Name: "Bench", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 30}
	if err := db.Create(&shop).Error; err != nil {
		return "", err
	}
	p := catalog.Product{ShopID: shop.ID, SKU: "B1", Title: "Bench tee", Category: "tops", PriceMinor: 1999,
		Currency: "USD", Stock: 10, Status: catalog.StatusActive}
	if err := db.Create(&p).Error; err != nil {
		return "", err
	}
	if _, err := affiliates.NewInfluencers(db, aff, nil, nil, nil).EnsureInfluencer(ctx, affiliates.Account{ID: 2, Name: "Bench Creator", Email: "b@example.com"}); err != nil {
		return "", err
	}
	link, err := aff.CreateLink(ctx, 2, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID, Campaign: "bench"})
	if err != nil {
		return "", err
	}
	return link.Code, nil
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

// load sends GET url from concurrency clients for d and returns what
// happened. A tracked answer counts only with its attribution cookie (set
// only for a click in the log).
func load(client *http.Client, url string, tracked bool, concurrency int, d time.Duration) (result, error) {
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
				if res.StatusCode != http.StatusFound || (tracked && !strings.HasPrefix(res.Header.Get("Set-Cookie"), affiliates.RefCookie+"=")) {
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
