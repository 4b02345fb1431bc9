// Package crashtest kills a real `warna serve` with SIGKILL in the middle of
// a load of tracked redirects, starts it again on the same data directory
// and database, and checks that every redirect that was answered has its
// click stored exactly once.
//
// The binary is built with `go build` from the repository root, as an
// operator builds it. One run is part of the normal test suite;
// WARNA_CRASH_RUNS=10 runs ten, each with its own random kill moment, and
// logs the counts of each. With TEST_DATABASE_URL the server stores its
// clicks in a scratch PostgreSQL schema, else in its embedded SQLite.
package crashtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/internal/proctest"
)

const (
	browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
	clients   = 8
	secretKey = "crash-test-secret-key-0123456789abcdef"
)

func TestAnsweredClicksSurviveKill9(t *testing.T) {
	runs := 1
	if v := os.Getenv("WARNA_CRASH_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("WARNA_CRASH_RUNS=%q: want a positive whole number", v)
		}
		runs = n
	}
	bin := buildWarna(t)
	seed := time.Now().UnixNano()
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 16))
	for i := range runs {
		t.Run(fmt.Sprintf("run%02d", i+1), func(t *testing.T) { crashRun(t, bin, rng) })
	}
}

// buildWarna builds the binary from the repository root.
func buildWarna(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := proctest.Build(root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// outcome is what one run measured.
type outcome struct {
	answered   int // redirects answered with a click's cookie before the kill
	stored     int // clicks in the database after the restart
	inFlight   int // stored clicks whose answer never arrived (written, then killed)
	duplicates int // extra rows for one click id or one request's visitor
}

func crashRun(t *testing.T, bin string, rng *rand.Rand) {
	ctx := context.Background()
	dataDir := t.TempDir()
	dbURL := dbtest.URL(t)
	code := seedLink(t, dataDir, dbURL)
	addr := freeAddr(t)
	env := append(cleanEnv(), "ADDR="+addr, "DATA_DIR="+dataDir, "DATABASE_URL="+dbURL, "SECRET_KEY="+secretKey,
		"TRUSTED_PROXIES=127.0.0.1", "INSTANCE_ID=crash", "LOG_LEVEL=info")

	first := startServer(t, bin, env, addr)
	// A bounded load: clients stop after loadFor, or at the kill.
	loadFor := time.Duration(300+rng.IntN(1700)) * time.Millisecond
	killAt := max(200*time.Millisecond, loadFor+time.Duration(rng.IntN(600)-200)*time.Millisecond)
	var (
		mu       sync.Mutex
		answered = map[string]bool{}
		sent     atomic.Int64
		ipSeq    atomic.Int64
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       5 * time.Second,
	}
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < loadFor {
				select {
				case <-stop:
					return
				default:
				}
				n := ipSeq.Add(1)
				req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/r/"+code, nil)
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("User-Agent", browserUA)
				// Every request a new visitor: no repeats, and a duplicate
				// would show as two clicks of one visitor.
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				sent.Add(1)
				res, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusFound {
					t.Errorf("redirect answered %d", res.StatusCode)
					return
				}
				id := clickIDOf(res)
				if id == "" {
					t.Error("302 without an attribution cookie: the click was not kept")
					return
				}
				mu.Lock()
				answered[id] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(killAt) // the random moment of the kill is the point of the test
	killedDuringLoad := time.Since(start) < loadFor
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-first.exited
	wg.Wait()
	if t.Failed() {
		t.Fatalf("server log:\n%s", first.logs.Tail(6000))
	}
	if len(answered) == 0 {
		t.Fatal("no redirect was answered before the kill")
	}

	db := openDB(t, dataDir, dbURL)
	ids := make([]string, 0, len(answered))
	for id := range answered {
		ids = append(ids, id)
	}
	storedAtKill := countIDs(t, db, ids)

	// Restart on the same data: the loader stores what the database lacks.
	second := startServer(t, bin, env, addr)
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := countIDs(t, db, ids)
		if n == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after the restart %d of %d answered clicks are stored\nserver log:\n%s", n, len(ids), second.logs.Tail(6000))
		}
		time.Sleep(20 * time.Millisecond) // nothing announces it: poll the database
	}
	// A clean stop stores anything left (clicks written but never answered).
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.exited:
		if second.err != nil {
			t.Fatalf("server did not exit 0 after SIGTERM: %v\n%s", second.err, second.logs.Tail(6000))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("server still running 60 s after SIGTERM\n%s", second.logs.Tail(6000))
	}

	var got outcome
	got.answered = len(ids)
	var total, distinct, visitors int64
	q := db.WithContext(ctx).Model(&affiliates.Click{})
	if err := q.Count(&total).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&affiliates.Click{}).Distinct("id").Count(&distinct).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&affiliates.Click{}).Distinct("visitor").Count(&visitors).Error; err != nil {
		t.Fatal(err)
	}
	got.stored = int(total)
	got.duplicates = int(total-distinct) + int(total-visitors)
	storedAnswered := countIDs(t, db, ids)
	got.inFlight = got.stored - storedAnswered
	var invalid int64
	if err := db.Model(&affiliates.Click{}).Where("NOT valid").Count(&invalid).Error; err != nil {
		t.Fatal(err)
	}
	when := "after the load stopped"
	if killedDuringLoad {
		when = "during the load"
	}
	t.Logf("killed %v after the start, %s: %d requests sent, answered %d (%d of them only in the log at the kill), stored %d (%d answered, %d in flight at the kill), duplicates %d",
		killAt.Round(time.Millisecond), when, sent.Load(), got.answered, got.answered-storedAtKill, got.stored, storedAnswered, got.inFlight, got.duplicates)
	if storedAnswered != got.answered {
		t.Errorf("%d of %d answered clicks stored", storedAnswered, got.answered)
	}
	if got.duplicates != 0 {
		t.Errorf("%d duplicate clicks (rows %d, ids %d, visitors %d)", got.duplicates, total, distinct, visitors)
	}
	if got.inFlight < 0 || got.inFlight > clients {
		t.Errorf("%d stored clicks were never answered; at most one per client (%d) can be in flight at the kill", got.inFlight, clients)
	}
	if invalid != 0 {
		t.Errorf("%d clicks stored as invalid; every request was a new visitor", invalid)
	}
	if left, _ := filepath.Glob(filepath.Join(dataDir, "clicklog", "clicks-*.log")); len(left) != 0 {
		t.Errorf("click log segments left after a clean stop: %v", left)
	}
	if !strings.Contains(second.logs.String(), "stored the clicks an earlier run left in the log") {
		t.Errorf("the restarted server did not report loading the earlier run's log:\n%s", second.logs.Tail(6000))
	}
}

// clickIDOf returns the click id in a redirect's attribution cookie: the
// first of the entries before the signature, up to its link and time.
func clickIDOf(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name == affiliates.RefCookie {
			msg, _, _ := strings.Cut(c.Value, ".")
			entry, _, _ := strings.Cut(msg, "~")
			id, _, _ := strings.Cut(entry, ":")
			return id
		}
	}
	return ""
}

// seedLink makes the schema, a shop with a product, an influencer and a
// link, and returns the link's code.
func seedLink(t *testing.T, dataDir, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	db, err := app.OpenDatabase(ctx, app.Config{DataDir: dataDir, DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: secretKey, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer aff.Close()
	shop := catalog.Shop{OwnerID: 1, Slug: "crash", Name: "Crash", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 30}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	p := catalog.Product{ShopID: shop.ID, SKU: "C1", Title: "Crash tee", Category: "tops", PriceMinor: 1999,
		Currency: "USD", Stock: 10, Status: catalog.StatusActive}
	if err := db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := affiliates.NewInfluencers(db, aff, nil, nil, nil).EnsureInfluencer(ctx, affiliates.Account{ID: 2, Name: "Crash Creator", Email: "c@example.com"}); err != nil {
		t.Fatal(err)
	}
	link, err := aff.CreateLink(ctx, 2, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	return link.Code
}

func openDB(t *testing.T, dataDir, dbURL string) *gorm.DB {
	t.Helper()
	db, err := database.Open(context.Background(), database.Options{DataDir: dataDir, URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// countIDs counts the stored clicks among ids.
func countIDs(t *testing.T, db *gorm.DB, ids []string) int {
	t.Helper()
	total := 0
	for start := 0; start < len(ids); start += 500 {
		var n int64
		if err := db.Model(&affiliates.Click{}).Where("id IN ?", ids[start:min(start+500, len(ids))]).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		total += int(n)
	}
	return total
}

// server is a running `warna serve`.
type server struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when it has exited, with err set
	err    error
	logs   *proctest.Output
}

func startServer(t *testing.T, bin string, env []string, addr string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(bin, "serve"), exited: make(chan struct{}), logs: &proctest.Output{}}
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	if err := waitReady("http://"+addr+"/readyz", 60*time.Second, s); err != nil {
		t.Fatalf("server not ready: %v\n%s", err, s.logs.Tail(6000))
	}
	return s
}

func waitReady(url string, within time.Duration, s *server) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("server exited: %v", s.err)
		default:
		}
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("not ready within " + within.String())
		}
		time.Sleep(50 * time.Millisecond) // nothing announces readiness but the probe
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// cleanEnv is the test's environment without the server's own settings.
func cleanEnv() []string {
	drop := map[string]bool{"ADDR": true, "DATA_DIR": true, "DATABASE_URL": true, "ELASTICSEARCH_URL": true,
		"BASE_URL": true, "SECRET_KEY": true, "TRUSTED_PROXIES": true, "INSTANCE_ID": true, "LOG_LEVEL": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return env
}
