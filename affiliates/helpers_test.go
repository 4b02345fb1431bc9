package affiliates

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/orders"
)

const testSecret = "test-secret-key-0123456789abcdef0123456789"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func migrations() []database.Migration {
	return append(append(catalog.Migrations(), orders.Migrations()...), Migrations()...)
}

// fixture is a database with one shop (owner merchantID), three products and
// one influencer, and the services on a test clock: links (svc), profiles,
// the ledger, and orders crediting sales through Attribution.
type fixture struct {
	t           *testing.T
	db          *gorm.DB
	svc         *Service
	influencers *Influencers
	ledger      *Ledger
	orders      *orders.Service
	clock       *clock
	shop        catalog.Shop
	products    []catalog.Product
	influencer  Influencer
	ctx         context.Context
}

const (
	merchantID   = 100
	influencerID = 200
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, clicklog.Options{FlushEvery: 5 * time.Millisecond})
}

// newFixtureWith is newFixture with the given click recorder options.
func newFixtureWith(t *testing.T, clicks clicklog.Options) *fixture {
	t.Helper()
	db := dbtest.Open(t, migrations()...)
	f := &fixture{t: t, db: db, clock: newClock(), ctx: context.Background()}
	svc, err := NewService(db, Options{Secret: testSecret, DataDir: t.TempDir(), Now: f.clock.Now, Clicks: clicks})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.influencers = NewInfluencers(db, svc, nil, f.clock.Now, nil)
	f.ledger = NewLedger(db, nil, f.clock.Now, nil)
	f.orders = orders.NewService(db, NewAttribution(svc, f.clock.Now), orders.NewWebhooks(db, nil, orders.WebhookOptions{Now: f.clock.Now}), f.clock.Now)
	if err := svc.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	f.shop = f.addShop(merchantID, "batik", 1000)
	for i, price := range []int64{10_000, 2_999, 45_50} {
		f.products = append(f.products, f.addProduct(f.shop, "P"+string(rune('A'+i)), price, nil))
	}
	f.influencer, err = f.influencers.EnsureInfluencer(f.ctx, Account{ID: influencerID, Name: "Rina Styles", Email: "rina@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) addShop(owner int64, slug string, bps int) catalog.Shop {
	f.t.Helper()
	shop := catalog.Shop{OwnerID: owner, Slug: slug, Name: slug, Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: bps, ReturnWindowDays: 14, AttributionWindowDays: 7}
	if err := f.db.Create(&shop).Error; err != nil {
		f.t.Fatal(err)
	}
	return shop
}

func (f *fixture) addProduct(shop catalog.Shop, sku string, price int64, bps *int) catalog.Product {
	f.t.Helper()
	p := catalog.Product{ShopID: shop.ID, SKU: sku, Title: "Product " + sku, Category: "tops", PriceMinor: price,
		Currency: shop.Currency, Stock: 100, Status: catalog.StatusActive, CommissionBps: bps}
	if err := f.db.Create(&p).Error; err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) link(in LinkInput) Link {
	f.t.Helper()
	l, err := f.svc.CreateLink(f.ctx, influencerID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// click stores a valid click directly, at the given time.
func (f *fixture) click(link Link, at time.Time, valid bool, id string) Click {
	f.t.Helper()
	c := Click{ID: id, LinkID: link.ID, InfluencerID: link.InfluencerID, Visitor: "v-" + id, At: at, Valid: valid}
	if err := f.db.Create(&c).Error; err != nil {
		f.t.Fatal(err)
	}
	return c
}

// ref is an attribution cookie naming the given clicks.
func (f *fixture) ref(clickIDs ...string) string { return f.svc.Ref(clickIDs...) }

// checkout places an order of one shop's products and delivers it at once,
// so that its return window runs from the sale (checkoutUndelivered does
// not deliver it).
func (f *fixture) checkout(ref string, email string, items ...orders.CartItem) orders.Order {
	f.t.Helper()
	o := f.checkoutUndelivered(ref, email, items...)
	shop, err := catalog.ShopTx(f.ctx, f.db, o.ShopID)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.orders.Ship(f.ctx, shop.OwnerID, o.ID, orders.ShipInput{TrackingNumber: "JNE1"}); err != nil {
		f.t.Fatalf("ship: %v", err)
	}
	if o, err = f.orders.Deliver(f.ctx, shop.OwnerID, o.ID); err != nil {
		f.t.Fatalf("deliver: %v", err)
	}
	return o
}

func (f *fixture) checkoutUndelivered(ref string, email string, items ...orders.CartItem) orders.Order {
	f.t.Helper()
	placed, err := f.orders.Checkout(f.ctx, orders.CheckoutInput{Items: items, Email: email, ShipName: "Ana", ShipAddress: "Jl. Merdeka 1, Jakarta",
		Card: "4242 4242 4242 4242", Ref: ref})
	if err != nil {
		f.t.Fatalf("checkout: %v", err)
	}
	if len(placed) != 1 {
		f.t.Fatalf("checkout placed %d orders, want 1", len(placed))
	}
	return placed[0]
}

func (f *fixture) balance(shopID int64) Balance {
	f.t.Helper()
	bs, err := f.ledger.Balances(f.ctx, influencerID, shopID)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(bs) == 0 {
		return Balance{}
	}
	if len(bs) > 1 {
		f.t.Fatalf("balances in %d currencies", len(bs))
	}
	return bs[0]
}

func (f *fixture) entries(kind EntryKind) []LedgerEntry {
	f.t.Helper()
	var es []LedgerEntry
	if err := f.db.Where("kind = ?", kind).Order("id").Find(&es).Error; err != nil {
		f.t.Fatal(err)
	}
	return es
}

func (f *fixture) count(model any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Model(model).Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}
