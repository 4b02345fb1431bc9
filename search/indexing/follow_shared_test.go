package indexing_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/warna/warna/search/indexing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
)

// sharedBackend stands in for Elasticsearch in front of an embedded
// index: it refuses some products for good (as a mapping would), records
// the versions it is given, and may say its index is outdated.
type sharedBackend struct {
	search.Backend
	mu       sync.Mutex
	refuse   map[int64]bool
	versions map[int64][]int64 // product → versions written
	deleted  map[int64][]int64 // product → versions deleted
	rebuilds int
	outdated string
}

func newSharedBackend(t *testing.T) (*sharedBackend, *embedded.Index) {
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	return &sharedBackend{Backend: idx, refuse: map[int64]bool{}, versions: map[int64][]int64{}, deleted: map[int64][]int64{}}, idx
}

func (b *sharedBackend) Outdated() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.outdated
}

// write keeps what is not refused and reports the rest as ES would.
func (b *sharedBackend) write(docs []search.Document, put func([]search.Document) error) error {
	b.mu.Lock()
	var keep []search.Document
	var rej []search.Rejection
	for _, d := range docs {
		if b.refuse[d.ID] {
			rej = append(rej, search.Rejection{ProductID: d.ID, Status: 400, Reason: "document_parsing_exception: immense term"})
			continue
		}
		b.versions[d.ID] = append(b.versions[d.ID], d.Version)
		keep = append(keep, d)
	}
	b.mu.Unlock()
	if err := put(keep); err != nil {
		return err
	}
	if len(rej) > 0 {
		return &search.RejectedError{Rejections: rej}
	}
	return nil
}

func (b *sharedBackend) Upsert(ctx context.Context, docs []search.Document) error {
	return b.write(docs, func(d []search.Document) error { return b.Backend.Upsert(ctx, d) })
}

func (b *sharedBackend) DeleteVersions(ctx context.Context, versions map[int64]int64) error {
	b.mu.Lock()
	for id, v := range versions {
		b.deleted[id] = append(b.deleted[id], v)
	}
	b.mu.Unlock()
	return b.Backend.Delete(ctx, slices.Collect(maps.Keys(versions)))
}

func (b *sharedBackend) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	b.mu.Lock()
	b.rebuilds++
	b.outdated = ""
	b.mu.Unlock()
	return b.Backend.Rebuild(ctx, func(put func([]search.Document) error) error {
		return fill(func(docs []search.Document) error { return b.write(docs, put) })
	})
}

// TestRefusedDocumentsDoNotHoldUpTheLog is finding 9: a document the
// backend refuses for good is recorded and the follower goes on, in a
// rebuild and when following; the rest of the batch is indexed and the
// instance stays ready.
func TestRefusedDocumentsDoNotHoldUpTheLog(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	b, idx := newSharedBackend(t)
	e.follower = indexing.NewFollower(e.db, b, indexing.FollowerOptions{Batch: 4})
	bad := e.create(1)
	e.create(2)
	b.refuse[bad.ID] = true
	if err := e.catchUp(); err != nil {
		t.Fatalf("start with a refused document: %v", err)
	}
	if got := idx.Len(); got != 1 {
		t.Errorf("rebuilt index holds %d products, want the other one", got)
	}
	worse := e.create(3)
	b.refuse[worse.ID] = true
	e.create(4)
	if err := e.catchUp(); err != nil {
		t.Fatalf("follow with a refused document: %v", err)
	}
	if got := idx.Len(); got != 2 {
		t.Errorf("index holds %d products, want the 2 accepted", got)
	}
	if lag, err := e.follower.Lag(ctx); err != nil || lag.Rows != 0 {
		t.Errorf("lag %+v, %v; want none: a refusal must not hold the cursor", lag, err)
	}
	if err := e.follower.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	for _, id := range []int64{bad.ID, worse.ID} {
		rs, err := indexing.Rejections(ctx, e.db, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Status != 400 || !strings.Contains(rs[0].Reason, "immense term") {
			t.Errorf("product %d: recorded %+v, want its refusal", id, rs)
		}
	}
}

// TestFollowerWritesVersions is finding 7: every document and delete
// carries the version of the change log it was loaded after, so a shared
// index keeps the newest.
func TestFollowerWritesVersions(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	b, _ := newSharedBackend(t)
	e.follower = indexing.NewFollower(e.db, b, indexing.FollowerOptions{Batch: 100})
	p := e.create(1)
	settle(t, e.db)
	head, err := catalog.ChangeHead(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if got := b.versions[p.ID]; !slices.Equal(got, []int64{indexing.ChangeVersion(head)}) || got[0] == 0 {
		t.Fatalf("rebuild wrote versions %v, want the head's %d", got, indexing.ChangeVersion(head))
	}
	title := "Renamed"
	if _, err := e.cat.Products.PatchProduct(ctx, owner, p.ID, catalog.ProductPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.Products.ArchiveProduct(ctx, owner, p.ID); err != nil {
		t.Fatal(err)
	}
	settle(t, e.db)
	var rows []catalog.Change
	if err := e.db.Where("product_id = ?", p.ID).Order("txid, id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	last := indexing.ChangeVersion(rows[len(rows)-1].Position())
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if got := b.deleted[p.ID]; !slices.Equal(got, []int64{last}) {
		t.Errorf("delete versions %v, want [%d], the last change's", got, last)
	}
	if last <= indexing.ChangeVersion(head) {
		t.Errorf("later change version %d not above the rebuild's %d", last, indexing.ChangeVersion(head))
	}
}

// TestOutdatedIndexIsRebuiltAtStart is finding 10: a durable index of an
// older mapping (its strict mapping would refuse the new documents) is
// rebuilt when the follower starts, even with a stored cursor.
func TestOutdatedIndexIsRebuiltAtStart(t *testing.T) {
	e := newFollowEnv(t)
	b, idx := newSharedBackend(t)
	cursors := indexing.NewDBCursor(e.db, "shared")
	e.create(1)
	settle(t, e.db)
	head, err := catalog.ChangeHead(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := cursors.Save(context.Background(), head); err != nil {
		t.Fatal(err)
	}
	b.outdated = "warna-products-v2-1"
	e.follower = indexing.NewFollower(e.db, b, indexing.FollowerOptions{Cursors: cursors})
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if b.rebuilds != 1 || idx.Len() != 1 {
		t.Errorf("rebuilds %d, index %d; want the outdated index rebuilt at start", b.rebuilds, idx.Len())
	}
	// a current index with a cursor is followed, not rebuilt
	f2 := indexing.NewFollower(e.db, b, indexing.FollowerOptions{Cursors: cursors})
	if _, err := f2.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.rebuilds != 1 {
		t.Errorf("rebuilds %d, want a current index followed from its cursor", b.rebuilds)
	}
}

// TestShopRenameReachesTheIndex is finding 8: documents carry the shop's
// name and slug, and a rename wrote no change row, so the index kept the
// old ones (and the shop filter missed the shop's products) for good.
func TestShopRenameReachesTheIndex(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	a, b := e.create(1), e.create(2)
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.Shops.UpdateShop(ctx, owner, catalog.ShopInput{Name: "Batik Sari Baru", Slug: "batik-sari-baru", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []catalog.Product{a, b} {
		d, ok, err := e.index.Get(ctx, p.ID)
		if err != nil || !ok {
			t.Fatalf("product %d: %v, %v", p.ID, ok, err)
		}
		if d.ShopSlug != "batik-sari-baru" || d.ShopName != "Batik Sari Baru" {
			t.Errorf("product %d indexed with shop %q %q, want the new name and slug", p.ID, d.ShopSlug, d.ShopName)
		}
	}
}

// TestReindexRelogsChangesEvenWhenItFails is finding 8: a rebuild that
// swapped the alias but then failed (deleting the old index) skipped the
// re-logging of the changes made while it ran, which the servers may
// have sent to the old index only.
func TestReindexRelogsChangesEvenWhenItFails(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	e.create(1)
	settle(t, e.db)
	var during catalog.Product
	failing := &afterFill{Backend: e.index, during: func() { during = e.create(2); settle(t, e.db) }}
	if _, err := indexing.Reindex(ctx, e.db, failing, nil); err == nil {
		t.Fatal("Reindex reported no error")
	}
	var n int64
	if err := e.db.Model(&catalog.Change{}).Where("product_id = ?", during.ID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("change rows of the product changed during the rebuild: %d, want it logged again (2)", n)
	}
}

// afterFill rebuilds, running during while filling, then fails as a
// failed delete of the old index does.
type afterFill struct {
	search.Backend
	during func()
}

func (a *afterFill) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	if err := a.Backend.Rebuild(ctx, func(put func([]search.Document) error) error {
		a.during()
		return fill(put)
	}); err != nil {
		return err
	}
	return errors.New("delete old index: connection reset")
}
