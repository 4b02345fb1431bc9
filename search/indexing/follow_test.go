package indexing_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/search/indexing"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
)

const owner = 42

func migrations() []database.Migration {
	return append(append(jobs.Migrations(), catalog.Migrations()...), indexing.Migrations()...)
}

// followEnv is a catalogue on a real database and one follower keeping an
// embedded index (behind a Flaky switch) in step with it.
type followEnv struct {
	t        *testing.T
	db       *gorm.DB
	cat      *catalog.Catalog
	index    *embedded.Index
	flaky    *searchtest.Flaky
	follower *indexing.Follower
}

func newFollowEnv(t *testing.T) *followEnv {
	t.Helper()
	db := dbtest.Open(t, migrations()...)
	e := &followEnv{t: t, db: db, cat: newCatalog(t, db)}
	e.index, e.flaky, e.follower = newFollower(t, db, indexing.FollowerOptions{Batch: 4})
	if _, err := e.cat.Shops.CreateShop(context.Background(), owner, catalog.ShopInput{Name: "Batik Sari", Slug: "batik-sari", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7}); err != nil {
		t.Fatal(err)
	}
	return e
}

func newCatalog(t *testing.T, db *gorm.DB) *catalog.Catalog {
	t.Helper()
	queue, err := jobs.New(db, jobs.NewWorkers(), jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return catalog.New(db, nil, queue, catalog.Options{})
}

func newFollower(t *testing.T, db *gorm.DB, opts indexing.FollowerOptions) (*embedded.Index, *searchtest.Flaky, *indexing.Follower) {
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	flaky := &searchtest.Flaky{Backend: idx}
	return idx, flaky, indexing.NewFollower(db, flaky, opts)
}

func (e *followEnv) create(n int) catalog.Product {
	e.t.Helper()
	return createProduct(e.t, e.cat, fmt.Sprintf("Linen shirt %d", n), fmt.Sprintf("S-%d", n))
}

func createProduct(t *testing.T, cat *catalog.Catalog, title, sku string) catalog.Product {
	t.Helper()
	p, err := cat.Products.CreateProduct(context.Background(), owner, catalog.ProductInput{
		Title: title, SKU: sku, Category: "shirt", Price: "150000", Stock: 3, Status: catalog.StatusActive,
	})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	return p
}

// settle waits until every change row written so far can be read: on
// PostgreSQL a row is read only once every transaction with a lower id has
// ended, and other tests' transactions on the same server count.
func settle(t *testing.T, db *gorm.DB) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var last []catalog.Change
		if err := db.Order("txid DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
			t.Fatal(err)
		}
		head, err := catalog.ChangeHead(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(last) == 0 || !head.Before(last[0].Position()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("change row %v still not readable after 10 s (head %v)", last[0].Position(), head)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// catchUp runs rounds until the log has nothing new or a round fails.
func (e *followEnv) catchUp() error {
	settle(e.t, e.db)
	for range 1000 {
		n, err := e.follower.Step(context.Background())
		if err != nil || n == 0 {
			return err
		}
	}
	e.t.Fatal("the follower never caught up")
	return nil
}

// TestOutageLosesNothing: while the backend is down, product edits still
// succeed and the change log grows; the cursor does not move past what the
// backend refused; after recovery the index holds exactly the visible
// products of the database, field for field.
func TestOutageLosesNothing(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 6 {
		ids = append(ids, e.create(i).ID)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if got := e.index.Len(); got != 6 {
		t.Fatalf("indexed %d products, want 6", got)
	}
	if err := e.follower.Ready(ctx); err != nil {
		t.Fatalf("Ready after start: %v", err)
	}

	e.flaky.SetDown(true)
	before := e.follower.Cursor()
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
	if err := catalog.LogChanges(ctx, e.db, []int64{ids[3]}, time.Now()); err != nil {
		t.Fatal(err)
	}
	settle(t, e.db)
	for range 3 {
		if _, err := e.follower.Step(ctx); !errors.Is(err, searchtest.ErrDown) {
			t.Fatalf("round during the outage: got %v, want the backend's error", err)
		}
	}
	if got := e.follower.Cursor(); got != before {
		t.Fatalf("cursor moved from %v to %v while the backend refused every change", before, got)
	}
	lag, err := e.follower.Lag(ctx)
	if err != nil || lag.Rows != 5 {
		t.Errorf("lag: got %+v, %v; want 5 changes waiting", lag, err)
	}
	if err := e.follower.Ready(ctx); err == nil {
		t.Error("Ready passed while the backend is down")
	}
	svc := search.NewService(e.flaky, search.Options{})
	if _, err := svc.Search(ctx, search.Query{}); !fault.Is(err, fault.Unavailable) {
		t.Errorf("search during the outage: got %v, want unavailable", err)
	}
	if got := indexing.Backoff(1); got != 2*time.Second {
		t.Errorf("first retry after %v, want 2s", got)
	}
	if got := indexing.Backoff(3); got != 8*time.Second {
		t.Errorf("third retry after %v, want 8s", got)
	}
	if got := indexing.Backoff(30); got != 5*time.Minute {
		t.Errorf("retry after many failures: %v, want the 5 minute cap", got)
	}

	e.flaky.SetDown(false)
	if err := e.catchUp(); err != nil {
		t.Fatalf("catch up after recovery: %v", err)
	}
	if lag, err := e.follower.Lag(ctx); err != nil || lag.Rows != 0 {
		t.Errorf("lag after recovery: %+v, %v", lag, err)
	}
	if err := e.follower.Ready(ctx); err != nil {
		t.Errorf("Ready after recovery: %v", err)
	}
	assertIndexMatchesDatabase(t, e.db, e.index, []int64{ids[0], ids[4], ids[5], added.ID})
}

func assertIndexMatchesDatabase(t *testing.T, db *gorm.DB, index *embedded.Index, wantIDs []int64) {
	t.Helper()
	ctx := context.Background()
	var products []catalog.Product
	if err := db.Preload("Images").Preload("Shop").Order("id").Find(&products).Error; err != nil {
		t.Fatal(err)
	}
	var visible []int64
	for _, p := range products {
		if !search.Visible(p) {
			if _, ok, _ := index.Get(ctx, p.ID); ok {
				t.Errorf("hidden product %d (%s, stock %d) is still in the index", p.ID, p.Status, p.Stock)
			}
			continue
		}
		visible = append(visible, p.ID)
		want, err := search.BuildDocument(p)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := index.Get(ctx, p.ID)
		if err != nil || !ok {
			t.Errorf("product %d is missing from the index (%v)", p.ID, err)
			continue
		}
		if got.Title != want.Title || got.PriceMinor != want.PriceMinor || got.ShopSlug != want.ShopSlug || got.Category != want.Category || got.InStock != want.InStock {
			t.Errorf("product %d: index has %+v, database %+v", p.ID, got, want)
		}
	}
	if !slices.Equal(visible, wantIDs) {
		t.Errorf("visible products %v, want %v", visible, wantIDs)
	}
	if index.Len() != len(visible) {
		t.Errorf("index holds %d products, database %d visible", index.Len(), len(visible))
	}
	res, err := search.NewService(index, search.Options{}).Search(ctx, search.Query{PerPage: 60})
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
}

// TestRunBuildsThenFollowsAndStopsWithContext checks the follower's
// lifetime: the index answers only once built, follows later changes, and
// Run returns when its context ends.
func TestRunBuildsThenFollowsAndStopsWithContext(t *testing.T) {
	e := newFollowEnv(t)
	e.create(1)
	if _, err := e.index.Candidates(context.Background(), search.Query{}, 10); !errors.Is(err, embedded.ErrNotBuilt) {
		t.Fatalf("query before the follower ran: %v, want ErrNotBuilt", err)
	}
	if err := e.follower.Ready(context.Background()); err == nil {
		t.Fatal("Ready before the index was built")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.follower.Run(ctx) }()
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := e.follower.WaitStarted(wait); err != nil {
		t.Fatal(err)
	}
	if e.index.Len() != 1 {
		t.Errorf("built an index of %d products, want 1", e.index.Len())
	}
	second := e.create(2)
	waitIndexed(t, e.index, second.ID, 2*time.Second)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// waitIndexed polls the index until it holds id (nothing announces another
// process's index taking a change), failing after within.
func waitIndexed(t *testing.T, idx *embedded.Index, id int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, ok, err := idx.Get(context.Background(), id); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("product %d not in the index within %v", id, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRequestRebuildReloadsFromDatabase: a change made behind the log's back
// (by hand in the database) shows after `warna reindex` asks for a rebuild,
// and a product the database no longer has leaves the index.
func TestRequestRebuildReloadsFromDatabase(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	a, b := e.create(1), e.create(2)
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Model(&catalog.Product{}).Where("id = ?", a.ID).Update("title", "Indigo batik shirt").Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Where("id = ?", b.ID).Delete(&catalog.Product{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := e.index.Get(ctx, a.ID); d.Title == "Indigo batik shirt" {
		t.Fatal("an edit that bypassed the change log reached the index; the test proves nothing")
	}
	if err := indexing.RequestRebuild(ctx, e.db); err != nil {
		t.Fatal(err)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	assertIndexMatchesDatabase(t, e.db, e.index, []int64{a.ID})
	if d, _, _ := e.index.Get(ctx, a.ID); d.Title != "Indigo batik shirt" {
		t.Errorf("after the rebuild the index has %q", d.Title)
	}
}

// TestPruningKeepsIndexesComplete: pruning deletes the old rows and records
// how far it went; a follower that had read them goes on, one whose cursor
// is behind the pruned part rebuilds from the database instead of missing
// changes, and a new follower starts from the pruned position.
func TestPruningKeepsIndexesComplete(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	first := e.create(1)
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	behindIdx, _, behind := newFollower(t, e.db, indexing.FollowerOptions{})
	settle(t, e.db)
	if _, err := behind.Step(ctx); err != nil { // built, cursor after the first product
		t.Fatal(err)
	}
	second := e.create(2)
	if err := e.catchUp(); err != nil { // e reads the second product's row; behind does not
		t.Fatal(err)
	}
	n, err := catalog.PruneChanges(ctx, e.db, time.Now().Add(time.Hour))
	if err != nil || n < 2 {
		t.Fatalf("prune: %d rows, %v; want every row so far", n, err)
	}
	pruned, err := catalog.PrunedThrough(ctx, e.db)
	if err != nil || pruned.Before(e.follower.Cursor()) || e.follower.Cursor().Before(pruned) {
		t.Fatalf("pruned through %v (%v), want the last row %v", pruned, err, e.follower.Cursor())
	}
	if head, err := catalog.ChangeHead(ctx, e.db); err != nil || head != pruned {
		t.Errorf("head of an empty log: %v (%v), want the pruned position %v", head, err, pruned)
	}
	if n, err := catalog.PruneChanges(ctx, e.db, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second prune: %d rows, %v", n, err)
	}
	third := e.create(3)
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.index.Get(ctx, third.ID); !ok {
		t.Error("the follower that was up to date missed a change after pruning")
	}
	for range 5 {
		if _, err := behind.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{first.ID, second.ID, third.ID} {
		if _, ok, _ := behindIdx.Get(ctx, id); !ok {
			t.Errorf("the follower behind the pruned rows misses product %d", id)
		}
	}
	if behind.Cursor().Before(e.follower.Cursor()) {
		t.Errorf("the follower behind is at %v after catching up, want %v", behind.Cursor(), e.follower.Cursor())
	}

	// Rows newer than the cutoff stay.
	fourth := e.create(4)
	if n, err := catalog.PruneChanges(ctx, e.db, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("prune with an old cutoff removed %d rows (%v)", n, err)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.index.Get(ctx, fourth.ID); !ok {
		t.Error("a change newer than the cutoff was lost")
	}
}

// TestTwoIndexesOnOneDatabase runs two followers on two connection pools to
// one database, as two servers do, each with its own catalogue service:
// each index shows the other's writes within 2 s, and a new product is in
// both.
func TestTwoIndexesOnOneDatabase(t *testing.T) {
	ctx := context.Background()
	url, dir := dbtest.URL(t), t.TempDir()
	open := func() *gorm.DB {
		db, err := database.Open(ctx, database.Options{URL: url, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = database.Close(db) })
		if err := database.Migrate(ctx, db, migrations()); err != nil {
			t.Fatal(err)
		}
		return db
	}
	dbA, dbB := open(), open()
	catA, catB := newCatalog(t, dbA), newCatalog(t, dbB)
	if _, err := catA.Shops.CreateShop(ctx, owner, catalog.ShopInput{Name: "Batik Sari", Slug: "batik-sari", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7}); err != nil {
		t.Fatal(err)
	}
	before := createProduct(t, catA, "Kebaya before both started", "K-0")
	idxA, _, followA := newFollower(t, dbA, indexing.FollowerOptions{})
	idxB, _, followB := newFollower(t, dbB, indexing.FollowerOptions{})
	runCtx, cancel := context.WithCancel(ctx)
	var stopped [2]chan error
	for i, f := range []*indexing.Follower{followA, followB} {
		stopped[i] = make(chan error, 1)
		go func() { stopped[i] <- f.Run(runCtx) }()
	}
	defer func() {
		cancel()
		for _, c := range stopped {
			if err := <-c; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}()
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	for _, f := range []*indexing.Follower{followA, followB} {
		if err := f.WaitStarted(wait); err != nil {
			t.Fatal(err)
		}
	}
	waitIndexed(t, idxA, before.ID, time.Second)
	waitIndexed(t, idxB, before.ID, time.Second)

	fromA := createProduct(t, catA, "Songket written by A", "A-1")
	waitIndexed(t, idxB, fromA.ID, 2*time.Second)
	fromB := createProduct(t, catB, "Tenun written by B", "B-1")
	waitIndexed(t, idxA, fromB.ID, 2*time.Second)
	waitIndexed(t, idxA, fromA.ID, 2*time.Second)
	waitIndexed(t, idxB, fromB.ID, 2*time.Second)

	title := "Songket edited by B"
	if _, err := catB.Products.PatchProduct(ctx, owner, fromA.ID, catalog.ProductPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		d, _, err := idxA.Get(ctx, fromA.ID)
		if err == nil && d.Title == title {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A's index still has %q 2 s after B's edit", d.Title)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIndexReadsMatchTheModel: the lean reads a full load uses make the same
// documents as products loaded through gorm's model, with ready and
// failed photos, palettes and a family override.
func TestIndexReadsMatchTheModel(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	a, b, c := e.create(1), e.create(2), e.create(3)
	palette := `{"engine":"warna","version":3,"swatches":[{"hex":"#cc1f1f","lab":[43.2,62.1,44.9],"share":0.7,"family":"red","family_p":{"red":1},"name":"red"},` +
		`{"hex":"#ffffff","lab":[100,0,0],"share":0.3,"family":"white","family_p":{"white":1},"name":"white"}]}`
	images := []catalog.Image{
		{ProductID: a.ID, Position: 1, SHA256: "a1", Format: "jpeg", Status: catalog.ImageReady, Palette: palette, Thumbs: `[{"size":400,"key":"t/a1-400"},{"size":160,"key":"t/a1-160"}]`},
		{ProductID: a.ID, Position: 0, SHA256: "a0", Format: "jpeg", Status: catalog.ImageReady, Palette: strings.Replace(palette, "#cc1f1f", "#1e90ff", 1), Thumbs: `[{"size":160,"key":"t/a0-160"}]`},
		{ProductID: a.ID, Position: 2, SHA256: "a2", Format: "jpeg", Status: catalog.ImageFailed, Error: "broken"},
		{ProductID: c.ID, Position: 0, SHA256: "c0", Format: "jpeg", Status: catalog.ImageReady, Palette: palette, Thumbs: `[]`},
	}
	if err := e.db.Create(&images).Error; err != nil {
		t.Fatal(err)
	}
	override := `["green","blue"]`
	if err := e.db.Model(&catalog.Product{}).Where("id = ?", b.ID).Update("family_override", override).Error; err != nil {
		t.Fatal(err)
	}
	var viaModel []catalog.Product
	if err := e.db.Preload("Images").Preload("Shop").Order("id").Find(&viaModel).Error; err != nil {
		t.Fatal(err)
	}
	byID, err := catalog.ProductsForIndexByID(ctx, e.db, []int64{c.ID, a.ID, b.ID, 999})
	if err != nil {
		t.Fatal(err)
	}
	paged, err := catalog.ProductsForIndex(ctx, e.db, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	more, err := catalog.ProductsForIndex(ctx, e.db, paged[len(paged)-1].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(byID) != 3 || len(paged) != 2 || len(more) != 1 {
		t.Fatalf("read %d by id, %d + %d by page; want 3, 2 + 1", len(byID), len(paged), len(more))
	}
	for i, want := range viaModel {
		wantDoc, err := search.BuildDocument(want)
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]catalog.Product{"by id": byID[i], "by page": append(paged, more...)[i]} {
			gotDoc, err := search.BuildDocument(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				t.Errorf("product %d read %s:\n got %+v\nwant %+v", want.ID, name, gotDoc, wantDoc)
			}
		}
	}
	if d, _ := search.BuildDocument(byID[0]); len(d.Palette) != 4 || d.Thumb != "t/a0-160" {
		t.Errorf("the product with photos has palette %+v and thumb %q: the test proves little", d.Palette, d.Thumb)
	}
}
