package bulk

import (
	"context"
	"image/color"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/catalogtest"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
)

// testEnv is the import service and the catalogue's over a real database, a
// real job queue (not started, so jobs stay in the table where tests can see
// them) and a real media directory.
type testEnv struct {
	t     *testing.T
	db    *gorm.DB
	cat   *catalog.Catalog
	svc   *Service
	store *media.Local
}

func newTestEnv(t *testing.T, opts catalog.Options, bulkOpts Options) *testEnv {
	t.Helper()
	db := dbtest.Open(t, append(append(jobs.Migrations(), catalog.Migrations()...), Migrations()...)...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, jobs.Options{})
	if err != nil {
		t.Fatalf("job queue: %v", err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, store, queue, opts)
	catalog.AddWorkers(workers, cat)
	svc := NewService(db, store, queue, cat, bulkOpts)
	AddWorkers(workers, svc)
	return &testEnv{t: t, db: db, cat: cat, svc: svc, store: store}
}

// shop opens a shop for owner.
func (e *testEnv) shop(owner int64, slug, currency string) catalog.Shop {
	e.t.Helper()
	shop, err := e.cat.Shops.CreateShop(context.Background(), owner, catalog.ShopInput{
		Name: "Shop " + slug, Slug: slug, Currency: currency, TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 7,
	})
	if err != nil {
		e.t.Fatalf("create shop %s: %v", slug, err)
	}
	return shop
}

func (e *testEnv) count(model any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Model(model).Count(&n).Error; err != nil {
		e.t.Fatalf("count: %v", err)
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

// product loads the shop's product with a SKU.
func (e *testEnv) product(shopID int64, sku string) catalog.Product {
	e.t.Helper()
	p, err := catalog.ShopProductTx(context.Background(), e.db, shopID, 0, sku)
	if err != nil {
		e.t.Fatalf("product %s: %v", sku, err)
	}
	return p
}

func (e *testEnv) jobs(kind string) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Table("river_job").Where("kind = ?", kind).Count(&n).Error; err != nil {
		e.t.Fatalf("count jobs: %v", err)
	}
	return n
}

// skus lists every product's SKU in order.
func (e *testEnv) skus() []string {
	e.t.Helper()
	var skus []string
	if err := e.db.Model(&catalog.Product{}).Order("sku").Pluck("sku", &skus).Error; err != nil {
		e.t.Fatal(err)
	}
	return skus
}

// lastUpdate is the latest time any product was changed.
func (e *testEnv) lastUpdate() time.Time {
	e.t.Helper()
	var at []time.Time
	if err := e.db.Model(&catalog.Product{}).Order("updated_at DESC").Limit(1).Pluck("updated_at", &at).Error; err != nil || len(at) != 1 {
		e.t.Fatalf("last update: %v (%d rows)", err, len(at))
	}
	return at[0]
}

// photo draws a real PNG: a coloured square on white, w×h pixels.
func photo(t testing.TB, w, h int, c color.RGBA) []byte { return catalogtest.Photo(t, w, h, c, 0) }
