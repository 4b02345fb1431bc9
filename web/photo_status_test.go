package web

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/catalog"
)

// photoStates reads GET /merchant/products/:id/photos.json.
func photoStates(t *testing.T, b *browser, productID int64) []map[string]any {
	t.Helper()
	res := b.get(fmt.Sprintf("/merchant/products/%d/photos.json", productID))
	if res.Status != http.StatusOK {
		t.Fatalf("photos.json: %d %.300s", res.Status, res.Body)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatalf("photos.json: %v in %.300s", err, res.Body)
	}
	return out
}

// The product page polls photos.json while a photo is being prepared: the
// owner reads each photo's status, its thumbnail once ready; another
// merchant's product is not found.
func TestPhotoStatusJSON(t *testing.T) {
	site, queue, events := newPipelineSite(t)
	b := site.merchant(t, "sari@example.com", "batik-sari")
	id := createProduct(t, b, "Linen shirt", "19.99", pngPhoto(t, 640, 480, color.RGBA{200, 30, 40, 255}))
	img := site.product(t, id).Images[0]

	page := b.get(fmt.Sprintf("/merchant/products/%d", id))
	for _, want := range []string{fmt.Sprintf(`data-photos-url="/merchant/products/%d/photos.json"`, id), fmt.Sprintf(`data-photo-id="%d"`, img.ID),
		fmt.Sprintf(`href="/merchant/products/%d#photos">Refresh</a>`, id)} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("pending photo's page lacks %q", want)
		}
	}
	got := photoStates(t, b, id)
	if len(got) != 1 || got[0]["id"] != float64(img.ID) || got[0]["status"] != "pending" || got[0]["status_text"] != "waiting" || got[0]["thumb"] != nil {
		t.Errorf("pending: got %v", got)
	}

	other := site.merchant(t, "other@example.com", "other-shop")
	if res := other.get(fmt.Sprintf("/merchant/products/%d/photos.json", id)); res.Status != http.StatusNotFound {
		t.Errorf("another merchant's photos.json: %d, want 404", res.Status)
	}

	ctx := context.Background()
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := queue.Stop(stopCtx); err != nil {
			t.Error(err)
		}
	})
	site.waitImage(t, events, img.ID, "ready", func(i catalog.Image) bool { return i.Status == catalog.ImageReady })
	got = photoStates(t, b, id)
	thumb, _ := got[0]["thumb"].(string)
	if got[0]["status"] != "ready" || got[0]["status_text"] != "ready" || !strings.HasPrefix(thumb, "/media/") {
		t.Errorf("ready: got %v, want a /media/ thumbnail", got)
	}
	if res := b.get(thumb); res.Status != http.StatusOK {
		t.Errorf("thumbnail %s: %d", thumb, res.Status)
	}
}
