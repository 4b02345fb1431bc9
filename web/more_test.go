package web

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"github.com/warna/warna/search/indexing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/web/auth"
)

// TestMoreInThisColour runs the product page's strip end to end: photos
// through the real pipeline, the outbox into a real index. Two reds close
// to each other recommend each other; a green mug near neither shows the
// empty state; an orange-red and a blue shirt are not "this colour".
func TestMoreInThisColour(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, append(append(append(auth.Migrations(), jobs.Migrations()...), catalog.Migrations()...), bulk.Migrations()...)...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	cat := catalog.New(db, store, queue, catalog.Options{})
	catalog.AddWorkers(workers, cat) // the queue is not started: the test processes the photos itself
	site := &catalogSite{testSite: newTestSite(t, Config{}, Deps{Auth: auth.NewService(db, nil), Catalog: cat,
		Search: search.NewService(idx, search.Options{Currency: "USD"})}), db: db, catalog: cat, store: store}
	b := site.merchant(t, "sari@example.com", "batik-sari")
	products := map[string]int64{}
	for _, p := range []struct {
		title string
		c     color.RGBA
	}{
		{"Red linen shirt", color.RGBA{200, 25, 35, 255}},
		{"Red silk scarf", color.RGBA{185, 20, 40, 255}},
		{"Orange tee", color.RGBA{235, 110, 20, 255}},
		{"Blue shirt", color.RGBA{30, 90, 200, 255}},
		{"Green mug", color.RGBA{40, 150, 60, 255}},
	} {
		id := createProduct(t, b, p.title, "19.99", pngPhoto(t, 320, 240, p.c))
		for _, img := range site.product(t, id).Images {
			if err := cat.Pipeline.ProcessImage(ctx, img.ID); err != nil {
				t.Fatalf("process %s: %v", p.title, err)
			}
		}
		products[p.title] = id
	}
	// A new follower's first step builds the index from the database.
	follower := indexing.NewFollower(db, idx, indexing.FollowerOptions{})
	for {
		n, err := follower.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	shopper := site.browser()
	strip := func(title string) string {
		page := shopper.get(fmt.Sprintf("/products/%d", products[title]))
		i := strings.Index(page.Body, `class="more-colour"`)
		if page.Status != 200 || i < 0 {
			t.Fatalf("%s: status %d, no more-in-this-colour strip", title, page.Status)
		}
		return page.Body[i:]
	}
	red := strip("Red linen shirt")
	if !strings.Contains(red, "Red silk scarf") || strings.Contains(red, "Orange tee") || strings.Contains(red, "Blue shirt") ||
		strings.Contains(red, "Green mug") || strings.Contains(red, "Red linen shirt") {
		t.Errorf("the red shirt's strip: want the red scarf only:\n%.1500s", red)
	}
	if !strings.Contains(red, "this product&#39;s colour") || strings.Contains(red, "you picked") {
		t.Errorf("the red shirt's strip says no why in words:\n%.1500s", red)
	}
	green := strip("Green mug")
	if !strings.Contains(green, "Nothing else in the shops is this close to") || strings.Contains(green, "product-card") {
		t.Errorf("the green mug's strip: want the empty state:\n%.800s", green)
	}
}
