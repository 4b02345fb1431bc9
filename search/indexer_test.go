package search_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
)

// clock is a test clock the indexer reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type outageEnv struct {
	t       *testing.T
	db      *gorm.DB
	cat     *catalog.Catalog
	index   *embedded.Index
	flaky   *searchtest.Flaky
	indexer *search.Indexer
	clock   *clock
}

const owner = 42

func newOutageEnv(t *testing.T) *outageEnv {
	t.Helper()
	db := dbtest.Open(t, append(jobs.Migrations(), catalog.Migrations()...)...)
	queue, err := jobs.New(db, jobs.NewWorkers(), jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	clk := &clock{t: time.Now().UTC().Add(time.Hour)} // ahead of the catalogue's clock, so its rows are due
	flaky := &searchtest.Flaky{Backend: idx}
	e := &outageEnv{t: t, db: db, cat: catalog.New(db, store, queue, catalog.Options{}), index: idx, flaky: flaky, clock: clk,
		indexer: search.NewIndexer(db, flaky, search.IndexerOptions{Batch: 4, Now: clk.now})}
	if _, err := e.cat.Shops.CreateShop(context.Background(), owner, catalog.ShopInput{Name: "Batik Sari", Slug: "batik-sari", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *outageEnv) create(n int) catalog.Product {
	e.t.Helper()
	p, err := e.cat.Products.CreateProduct(context.Background(), owner, catalog.ProductInput{
		Title: fmt.Sprintf("Linen shirt %d", n), SKU: fmt.Sprintf("S-%d", n), Category: "shirt", Price: "150000", Stock: 3, Status: catalog.StatusActive,
	})
	if err != nil {
		e.t.Fatalf("create product: %v", err)
	}
	return p
}

// drain runs rounds until the outbox has nothing due.
func (e *outageEnv) drain() error {
	for {
		n, err := e.indexer.DrainOnce(context.Background())
		if err != nil || n == 0 {
			return err
		}
	}
}

// failAll runs rounds until every due row has failed once more.
func (e *outageEnv) failAll() {
	for range 50 {
		if n, err := e.indexer.DrainOnce(context.Background()); n == 0 && err == nil {
			return
		}
	}
	e.t.Fatal("the outbox never settled")
}

func (e *outageEnv) outbox() []catalog.OutboxEntry {
	var rows []catalog.OutboxEntry
	if err := e.db.Order("id").Find(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// TestOutageLosesNothing: while the backend is down, product edits still
// succeed and the outbox grows; rows back off; after recovery the index
// holds exactly the visible products of the database, field for field.
func TestOutageLosesNothing(t *testing.T) {
	e := newOutageEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 6 {
		ids = append(ids, e.create(i).ID)
	}
	if err := e.drain(); err != nil {
		t.Fatal(err)
	}
	if got := e.index.Len(); got != 6 {
		t.Fatalf("indexed %d products, want 6", got)
	}

	e.flaky.SetDown(true)
	title := "Burgundy linen shirt"
	if _, err := e.cat.Products.PatchProduct(ctx, owner, ids[0], catalog.ProductPatch{Title: &title}); err != nil {
		t.Fatalf("edit during the outage: %v", err)
	}
	if _, err := e.cat.Products.ArchiveProduct(ctx, owner, ids[1]); err != nil {
		t.Fatalf("archive during the outage: %v", err)
	}
	zero := 0
	if _, err := e.cat.Products.PatchProduct(ctx, owner, ids[2], catalog.ProductPatch{Stock: &zero}); err != nil {
		t.Fatalf("sell out during the outage: %v", err)
	}
	added := e.create(100)
	if err := e.db.Where("id = ?", ids[3]).Delete(&catalog.Product{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Create(&catalog.OutboxEntry{ProductID: ids[3], CreatedAt: e.clock.now(), NextAttemptAt: e.clock.now()}).Error; err != nil {
		t.Fatal(err)
	}
	waiting := len(e.outbox())
	if waiting < 5 {
		t.Fatalf("outbox holds %d rows after 5 changes", waiting)
	}

	if err := e.drain(); !errors.Is(err, searchtest.ErrDown) {
		t.Fatalf("drain during the outage: got %v, want the backend's error", err)
	}
	e.failAll()
	rows := e.outbox()
	if len(rows) != waiting {
		t.Fatalf("outbox went from %d to %d rows during the outage; nothing may be dropped", waiting, len(rows))
	}
	for _, r := range rows {
		if r.Attempts != 1 || r.LastError == "" || !r.NextAttemptAt.After(e.clock.now()) {
			t.Errorf("failed row %d: attempts %d, next %v (now %v), error %q; want one recorded, backed-off attempt", r.ID, r.Attempts, r.NextAttemptAt, e.clock.now(), r.LastError)
		}
	}
	if n, err := e.indexer.DrainOnce(ctx); n != 0 || err != nil {
		t.Errorf("rows backing off were retried at once: %d rows, %v", n, err)
	}
	if err := e.indexer.Ready(ctx); err == nil {
		t.Error("Ready passed while the backend is down")
	}
	svc := search.NewService(e.flaky, search.Options{})
	if _, err := svc.Search(ctx, search.Query{}); !fault.Is(err, fault.Unavailable) {
		t.Errorf("search during the outage: got %v, want unavailable", err)
	}
	lag, err := e.indexer.Lag(ctx)
	if err != nil || lag.Rows != int64(waiting) {
		t.Errorf("lag: got %+v, %v; want %d rows", lag, err, waiting)
	}

	// Still down at the first retry: attempts grow, the wait doubles.
	e.clock.add(3 * time.Second)
	e.failAll()
	if r := e.outbox()[0]; r.Attempts != 2 || r.NextAttemptAt.Sub(e.clock.now()) < 4*time.Second-time.Millisecond {
		t.Errorf("second failure: attempts %d, next in %v; want 2 and about 4s", r.Attempts, r.NextAttemptAt.Sub(e.clock.now()))
	}

	e.flaky.SetDown(false)
	e.clock.add(time.Minute)
	if err := e.drain(); err != nil {
		t.Fatalf("drain after recovery: %v", err)
	}
	if rows := e.outbox(); len(rows) != 0 {
		t.Fatalf("%d outbox rows left after recovery", len(rows))
	}
	if err := e.indexer.Ready(ctx); err != nil {
		t.Errorf("Ready after recovery: %v", err)
	}
	assertIndexMatchesDatabase(t, e, []int64{ids[0], ids[4], ids[5], added.ID})
}

func assertIndexMatchesDatabase(t *testing.T, e *outageEnv, wantIDs []int64) {
	t.Helper()
	ctx := context.Background()
	var products []catalog.Product
	if err := e.db.Preload("Images").Preload("Shop").Order("id").Find(&products).Error; err != nil {
		t.Fatal(err)
	}
	var visible []int64
	for _, p := range products {
		if !search.Visible(p) {
			if _, ok, _ := e.index.Get(ctx, p.ID); ok {
				t.Errorf("hidden product %d (%s, stock %d) is still in the index", p.ID, p.Status, p.Stock)
			}
			continue
		}
		visible = append(visible, p.ID)
		want, err := search.BuildDocument(p)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, _ := e.index.Get(ctx, p.ID)
		if !ok {
			t.Errorf("product %d is missing from the index", p.ID)
			continue
		}
		if got.Title != want.Title || got.PriceMinor != want.PriceMinor || got.ShopSlug != want.ShopSlug || got.Category != want.Category || got.InStock != want.InStock {
			t.Errorf("product %d: index has %+v, database %+v", p.ID, got, want)
		}
	}
	if !slices.Equal(visible, wantIDs) {
		t.Errorf("visible products %v, want %v", visible, wantIDs)
	}
	if e.index.Len() != len(visible) {
		t.Errorf("index holds %d products, database %d visible", e.index.Len(), len(visible))
	}
	res, err := search.NewService(e.index, search.Options{}).Search(ctx, search.Query{PerPage: 60})
	if err != nil {
		t.Fatal(err)
	}
	var found []int64
	for _, h := range res.Hits {
		found = append(found, h.Doc.ID)
	}
	slices.Sort(found)
	if !slices.Equal(found, visible) {
		t.Errorf("search finds %v, want %v", found, visible)
	}
	hits, _ := search.NewService(e.index, search.Options{}).Search(ctx, search.Query{Text: "burgundy linen", PerPage: 5})
	if len(hits.Hits) == 0 || hits.Hits[0].Doc.ID != wantIDs[0] {
		t.Errorf("the title edited during the outage is not searchable")
	}
}

// TestIndexerRunStopsWithContext checks the worker's lifetime: it indexes
// what is waiting, then returns when its context ends.
func TestIndexerRunStopsWithContext(t *testing.T) {
	e := newOutageEnv(t)
	e.create(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.indexer.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for e.index.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if e.index.Len() != 1 {
		t.Errorf("indexed %d products, want 1", e.index.Len())
	}
}

// TestReindexRebuildsFromDatabase checks reindex builds the index from the
// database alone, dropping what the database no longer shows.
func TestReindexRebuildsFromDatabase(t *testing.T) {
	e := newOutageEnv(t)
	ctx := context.Background()
	a, b := e.create(1), e.create(2)
	if err := e.index.Upsert(ctx, []search.Document{{ID: 999, Title: "stale"}}); err != nil {
		t.Fatal(err)
	}
	var calls int
	n, err := search.Reindex(ctx, e.db, e.index, func(done, total int) { calls++ })
	if err != nil || n != 2 || calls == 0 {
		t.Fatalf("reindex: %d products, %d progress calls, %v", n, calls, err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if _, ok, _ := e.index.Get(ctx, id); !ok {
			t.Errorf("product %d missing after reindex", id)
		}
	}
	if _, ok, _ := e.index.Get(ctx, 999); ok {
		t.Error("a product that is not in the database survived the reindex")
	}
}
