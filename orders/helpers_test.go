package orders

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
)

const testSecret = "test-secret-key-0123456789abcdef0123456789"

const (
	merchantID   = 100
	influencerID = 200
)

// fakeQueue records the jobs enqueued, as the real queue would inside tx.
type fakeQueue struct {
	mu   sync.Mutex
	jobs []DeliveryArgs
}

var _ enqueuer = (*fakeQueue)(nil)

func (q *fakeQueue) EnqueueTx(_ context.Context, tx *gorm.DB, args river.JobArgs, _ *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if tx == nil {
		panic("enqueued outside a transaction")
	}
	q.jobs = append(q.jobs, args.(DeliveryArgs))
	return nil
}

// fakeCommissions credits every sale with a link code to influencerID and
// records what it was asked to do; package affiliates tests the real rule.
type fakeCommissions struct {
	mu       sync.Mutex
	accrued  []int64 // order ids
	reversed map[int64]int64
}

var _ Commissions = (*fakeCommissions)(nil)

func (c *fakeCommissions) Prepare(context.Context, Referral) error { return nil }

func (c *fakeCommissions) Attribute(_ context.Context, tx *gorm.DB, _ catalog.Shop, o *Order, ref Referral) error {
	if tx == nil {
		panic("attributed outside a transaction")
	}
	o.AttrOutcome, o.AttrRule, o.AttrWindowDays = OutcomeNone, "test", 7
	if ref.LinkCode != "" {
		o.AttrOutcome, o.AttrInfluencerID = OutcomeAttributed, ptr(int64(influencerID))
	}
	return nil
}

func (c *fakeCommissions) Accrue(_ context.Context, _ *gorm.DB, _ catalog.Shop, o *Order) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accrued = append(c.accrued, o.ID)
	return nil
}

func (c *fakeCommissions) Reverse(_ context.Context, _ *gorm.DB, line OrderLine, refundedMinor int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reversed == nil {
		c.reversed = map[int64]int64{}
	}
	c.reversed[line.ID] = refundedMinor
	return nil
}

// fixture is a database with one shop (owner merchantID) and three products,
// and the order services over it.
type fixture struct {
	t           *testing.T
	ctx         context.Context
	db          *gorm.DB
	svc         *Service
	carts       *Carts
	webhooks    *Webhooks
	queue       *fakeQueue
	commissions *fakeCommissions
	shop        catalog.Shop
	products    []catalog.Product
	// clock is the services' time (tests move it forward).
	clock time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.Open(t, append(catalog.Migrations(), Migrations()...)...)
	f := &fixture{t: t, ctx: context.Background(), db: db, queue: &fakeQueue{}, commissions: &fakeCommissions{},
		clock: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	now := func() time.Time { return f.clock }
	f.webhooks = NewWebhooks(db, f.queue, WebhookOptions{Now: now, AllowPrivateURLs: true}) // the tests' receivers listen on loopback
	f.svc = NewService(db, f.commissions, f.webhooks, now)
	f.carts = NewCarts(db, testSecret)
	f.shop = catalog.Shop{OwnerID: merchantID, Slug: "batik", Name: "Batik", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 7}
	if err := db.Create(&f.shop).Error; err != nil {
		t.Fatal(err)
	}
	for i, price := range []int64{10_000, 2_999, 45_50} {
		f.products = append(f.products, f.addProduct("P"+string(rune('A'+i)), price, 100))
	}
	return f
}

func (f *fixture) addProduct(sku string, price int64, stock int) catalog.Product {
	f.t.Helper()
	p := catalog.Product{ShopID: f.shop.ID, SKU: sku, Title: "Product " + sku, Category: "tops", PriceMinor: price,
		Currency: f.shop.Currency, Stock: stock, Status: catalog.StatusActive}
	if err := f.db.Create(&p).Error; err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) count(model any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Model(model).Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) stock(productID int64) int {
	f.t.Helper()
	p, err := catalog.ProductTx(f.ctx, f.db, productID)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Stock
}
