package essearch_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/warna/warna/search/indexing"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/search/essearch"
)

const shopOwner = 7

// TestInstancesFollowIntoOneIndex is the many-instances check with
// Elasticsearch: several servers on one database each follow the change
// log into the same index (one stored cursor, as app names it), one of
// them rebuilding it meanwhile, and the index ends up holding exactly the
// visible products, field for field. It runs on the strict fake, and on
// a live cluster too when TEST_ELASTICSEARCH_URL is set.
func TestInstancesFollowIntoOneIndex(t *testing.T) {
	t.Run("fake", func(t *testing.T) {
		f := newStrictES()
		runInstances(t, essearch.Options{URL: "http://es.test:9200", Transport: f})
	})
	t.Run("live", func(t *testing.T) {
		opts := liveOptions(t, "the many-instances check runs on Elasticsearch")
		opts.Alias = fmt.Sprintf("warna-instances-%d", time.Now().UnixNano())
		runInstances(t, opts)
	})
}

func runInstances(t *testing.T, opts essearch.Options) {
	ctx := context.Background()
	db := dbtest.Open(t, append(append(jobs.Migrations(), catalog.Migrations()...), indexing.Migrations()...)...)
	queue, err := jobs.New(db, jobs.NewWorkers(), jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, nil, queue, catalog.Options{})
	if _, err := cat.Shops.CreateShop(ctx, shopOwner, catalog.ShopInput{Name: "Kain Kita", Slug: "kain-kita", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	create := func(n int) {
		p, err := cat.Products.CreateProduct(ctx, shopOwner, catalog.ProductInput{
			Title: fmt.Sprintf("Batik shirt %d", n), SKU: fmt.Sprintf("B-%d", n), Category: "shirt", Price: "150000", Stock: 3, Status: catalog.StatusActive,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	for i := range 6 {
		create(i)
	}

	const n = 3
	backends := make([]*essearch.Index, n)
	followers := make([]*indexing.Follower, n)
	for i := range n {
		x, err := essearch.Open(ctx, opts)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		backends[i] = x
		followers[i] = indexing.NewFollower(db, x, indexing.FollowerOptions{Cursors: indexing.NewDBCursor(db, "elasticsearch"), Batch: 2})
	}
	t.Cleanup(func() { _ = backends[0].Drop(context.Background()) })
	catchUp := func(i int) {
		t.Helper()
		settleLog(t, db)
		for range 1000 {
			k, err := followers[i].Step(ctx)
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
			if k == 0 {
				return
			}
		}
		t.Fatalf("instance %d never caught up", i)
	}
	for i := range n {
		catchUp(i)
	}

	// changes while the instances take turns, and a reindex in between
	title, zero, archived := "Batik shirt, indigo", 0, catalog.StatusArchived
	if _, err := cat.Products.PatchProduct(ctx, shopOwner, ids[0], catalog.ProductPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	catchUp(1)
	if _, err := cat.Products.PatchProduct(ctx, shopOwner, ids[1], catalog.ProductPatch{Stock: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := indexing.Reindex(ctx, db, backends[2], nil); err != nil {
		t.Fatalf("reindex: %v", err)
	}
	if _, err := cat.Products.PatchProduct(ctx, shopOwner, ids[2], catalog.ProductPatch{Status: &archived}); err != nil {
		t.Fatal(err)
	}
	create(100)
	for _, i := range []int{2, 0, 1} {
		catchUp(i)
	}

	docs, gone, err := indexing.LoadDocuments(ctx, db, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 2 || len(docs) != len(ids)-2 {
		t.Fatalf("database: %d visible, %v gone; want 2 gone", len(docs), gone)
	}
	for i, x := range backends {
		for _, want := range docs {
			got, ok, err := x.Get(ctx, want.ID)
			if err != nil || !ok {
				t.Fatalf("instance %d: product %d: found %v, %v", i, want.ID, ok, err)
			}
			if got.Title != want.Title || got.InStock != want.InStock || got.ShopSlug != want.ShopSlug {
				t.Errorf("instance %d: product %d indexed as %q, want %q", i, want.ID, got.Title, want.Title)
			}
		}
		for _, id := range gone {
			if _, ok, err := x.Get(ctx, id); err != nil || ok {
				t.Errorf("instance %d: hidden product %d still indexed (%v)", i, id, err)
			}
		}
	}
}

// settleLog waits until every change row written so far can be read (on
// PostgreSQL, once the transactions below it have ended).
func settleLog(t *testing.T, db *gorm.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var last []catalog.Change
		if err := db.Order("txid DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
			t.Fatal(err)
		}
		head, err := catalog.ChangeHead(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if len(last) == 0 || !head.Before(last[0].Position()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("change row %v still not readable after 10 s", last[0].Position())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
