package catalog

import (
	"context"
	"image/color"
	"testing"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog/catalogtest"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
)

// testEnv is the catalogue services over a real database, a real job queue
// (not started, so jobs stay in the table where tests can see them) and a
// real media directory.
type testEnv struct {
	t     *testing.T
	db    *gorm.DB
	cat   *Catalog
	store *media.Local
	queue *jobs.Queue
}

func newTestEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	db := dbtest.Open(t, append(jobs.Migrations(), Migrations()...)...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, jobs.Options{})
	if err != nil {
		t.Fatalf("job queue: %v", err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := New(db, store, queue, opts)
	AddWorkers(workers, cat)
	return &testEnv{t: t, db: db, cat: cat, store: store, queue: queue}
}

// shop opens a shop for owner.
func (e *testEnv) shop(owner int64, slug, currency string) Shop {
	e.t.Helper()
	shop, err := e.cat.Shops.CreateShop(context.Background(), owner, ShopInput{
		Name: "Shop " + slug, Slug: slug, Currency: currency, TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 7,
	})
	if err != nil {
		e.t.Fatalf("create shop %s: %v", slug, err)
	}
	return shop
}

func (e *testEnv) product(owner int64, sku, price string) Product {
	e.t.Helper()
	p, err := e.cat.Products.CreateProduct(context.Background(), owner, ProductInput{
		Title: "Linen shirt " + sku, SKU: sku, Category: "tops", Price: price, Stock: 5, Status: StatusActive,
	})
	if err != nil {
		e.t.Fatalf("create product %s: %v", sku, err)
	}
	return p
}

func (e *testEnv) count(model any, where ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatalf("count: %v", err)
	}
	return n
}

func (e *testEnv) jobs(kind string) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Table("river_job").Where("kind = ?", kind).Count(&n).Error; err != nil {
		e.t.Fatalf("count jobs: %v", err)
	}
	return n
}

func (e *testEnv) files() int {
	e.t.Helper()
	n, err := e.store.Count()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// photo draws a real PNG: a coloured square on white, w×h pixels.
func photo(t testing.TB, w, h int, c color.RGBA) []byte { return catalogtest.Photo(t, w, h, c, 0) }

func bombPNG(w, h uint32) []byte { return catalogtest.BombPNG(w, h) }
