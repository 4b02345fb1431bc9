package web

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/jobs/jobstest"
)

// newPipelineSite is a catalogue site whose job queue really runs (started
// by the test when it wants the workers going), with the events of the jobs
// it finishes.
func newPipelineSite(t *testing.T) (*catalogSite, *jobs.Queue, <-chan *river.Event) {
	t.Helper()
	site, queue := newCatalogSiteQueue(t, catalog.Options{}, jobs.Options{PollInterval: 50 * time.Millisecond})
	events, stop := queue.Finished()
	t.Cleanup(stop)
	return site, queue, events
}

// waitImage waits, on the jobs of the image that finish, until the image
// satisfies ok.
func (s *catalogSite) waitImage(t *testing.T, events <-chan *river.Event, id int64, what string, ok func(catalog.Image) bool) catalog.Image {
	t.Helper()
	var img catalog.Image
	load := func() bool {
		if err := s.db.Take(&img, id).Error; err != nil {
			t.Fatal(err)
		}
		return ok(img)
	}
	if load() {
		return img
	}
	jobstest.Wait(t, events, 30*time.Second, func(ev *river.Event) bool {
		return jobstest.Args[struct {
			ImageID int64 `json:"image_id"`
		}](t, ev).ImageID == id && load()
	})
	if !ok(img) {
		t.Fatalf("image %d never became %s: status %s, error %q", id, what, img.Status, img.Error)
	}
	return img
}

const refreshTag = `<meta http-equiv="refresh"`

func TestPhotoPipelineOverHTTP(t *testing.T) {
	ctx := context.Background()
	site, queue, events := newPipelineSite(t)
	b := site.merchant(t, "sari@example.com", "batik-sari")
	shopper := site.browser()
	id := createProduct(t, b, "Linen shirt", "19.99", pngPhoto(t, 640, 480, color.RGBA{200, 30, 40, 255}))
	img := site.product(t, id).Images[0]
	edit := fmt.Sprintf("/merchant/products/%d", id)

	// Pending: the page refreshes itself.
	if page := b.get(edit); !strings.Contains(page.Body, refreshTag) || !strings.Contains(page.Body, `data-photo-status="pending"`) {
		t.Fatalf("edit page with a pending photo: no auto-refresh or status; %.300s", page.Body)
	}

	// The stored original is damaged: the pipeline refuses it, and the
	// running queue marks the photo failed at once.
	realSHA := img.SHA256
	garbage := strings.Repeat("0", 64)
	if err := site.store.Put(ctx, garbage+".png", strings.NewReader("not a png")); err != nil {
		t.Fatal(err)
	}
	site.setSHA256(t, img.ID, garbage)
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
	site.waitImage(t, events, img.ID, "failed", func(i catalog.Image) bool { return i.Status == catalog.ImageFailed })
	page := b.get(edit)
	retry := fmt.Sprintf("%s/photos/%d/retry", edit, img.ID)
	if strings.Contains(page.Body, refreshTag) || !strings.Contains(page.Body, `data-photo-status="failed"`) ||
		!strings.Contains(page.Body, `action="`+retry+`"`) || !strings.Contains(page.Body, "not an image") {
		t.Fatalf("edit page with a failed photo: want no refresh, the status, the reason and a Retry button; %.2000s", page.Body)
	}
	// The merchant reads what to do in plain words (the recorded detail
	// folded away), on the page and in the status the page polls.
	const failedText = "This photo could not be prepared. Choose Retry, or upload it again or another photo."
	if !strings.Contains(page.Body, failedText) {
		t.Errorf("edit page with a failed photo does not say what to do: %.2000s", page.Body)
	}
	if got := photoStates(t, b, id); len(got) != 1 || got[0]["error"] != failedText || !strings.Contains(fmt.Sprint(got[0]["detail"]), "not an image") {
		t.Errorf("photos.json of a failed photo: %v, want the plain sentence and the detail", got)
	}

	// Retry: CSRF required; then pending again with a new job that runs.
	site.setSHA256(t, img.ID, realSHA)
	if res := b.post(retry, url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("retry without a CSRF token: %d, want 403", res.Status)
	}
	jobsBefore := site.jobs(t, "process_image")
	if res := b.submit(edit, retry, url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d %.300s", res.Status, res.Body)
	}
	if jobsAfter := site.jobs(t, "process_image"); jobsAfter != jobsBefore+1 {
		t.Errorf("process_image jobs %d → %d, want one more", jobsBefore, jobsAfter)
	}
	ready := site.waitImage(t, events, img.ID, "ready with WebP", func(i catalog.Image) bool {
		return i.Status == catalog.ImageReady && len(i.WebPList()) > 0
	})
	if ready.Error != "" {
		t.Errorf("ready photo keeps the error %q", ready.Error)
	}

	// Ready: swatches with hex and name, the families, no refresh.
	page = b.get(edit)
	sw := ready.Swatches()[0]
	if strings.Contains(page.Body, refreshTag) || !strings.Contains(page.Body, "<code>"+sw.Hex+"</code>") || !strings.Contains(page.Body, sw.Name) ||
		!strings.Contains(page.Body, `data-family="red"`) || !strings.Contains(page.Body, "mostly <strong>red</strong>") {
		t.Fatalf("edit page of a ready photo: want swatch %s %q, family red dominant, no refresh; %.3000s", sw.Hex, sw.Name, page.Body)
	}
	// Shoppers get <picture> with the WebP variants.
	pub := shopper.get(fmt.Sprintf("/products/%d", id))
	if !strings.Contains(pub.Body, `<picture><source type="image/webp" srcset="/media/`) || !strings.Contains(pub.Body, ".webp 160w") {
		t.Errorf("product page has no <picture> with WebP; %.2000s", pub.Body)
	}
	webp := regexpFind(t, `/media/[0-9a-f]{64}\.webp`, pub.Body)
	if got := shopper.get(webp); got.Status != http.StatusOK || got.Header.Get("Content-Type") != "image/webp" {
		t.Errorf("GET %s: %d %q", webp, got.Status, got.Header.Get("Content-Type"))
	}

	// Override the families; it survives reprocessing.
	families := fmt.Sprintf("%s/families", edit)
	if res := b.submit(edit, families, url.Values{"families": {"white", "pink"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("override families: %d %.300s", res.Status, res.Body)
	}
	if res := b.submit(edit, families, url.Values{"families": {"chartreuse"}}); res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
		t.Errorf("unknown family: %d, want a 4xx", res.Status)
	}
	if n, err := site.catalog.Pipeline.Reprocess(ctx, true, nil); err != nil || n != 1 {
		t.Fatalf("reprocess: %d %v", n, err)
	}
	site.waitImage(t, events, img.ID, "reprocessed", func(i catalog.Image) bool { return i.Status == catalog.ImageReady && i.PaletteVersion > 0 })
	page = b.get(edit)
	for _, f := range []string{"white", "pink"} {
		if !strings.Contains(page.Body, `value="`+f+`" checked`) {
			t.Errorf("after reprocessing, the %s checkbox is not checked", f)
		}
	}
	if p := site.product(t, id); len(p.OverrideFamilies()) != 2 {
		t.Errorf("override after reprocessing = %v, want [white pink]", p.OverrideFamilies())
	}
	if res := b.submit(edit, families, url.Values{"clear": {"1"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("clear override: %d", res.Status)
	}
	if p := site.product(t, id); p.FamilyOverride != nil {
		t.Errorf("override after clearing = %q, want none", *p.FamilyOverride)
	}

	// The API shows the families and sets the override too.
	key := site.apiKey(t, b)
	api := fmt.Sprintf("/api/v1/products/%d", id)
	var got struct {
		Colours struct {
			Families map[string]float64 `json:"families"`
			Dominant string             `json:"dominant"`
			Override []string           `json:"override"`
			Mismatch *bool              `json:"declared_colour_mismatch"`
		} `json:"colours"`
	}
	res := b.api(http.MethodGet, api, key, nil)
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || got.Colours.Families["red"] < 0.5 || got.Colours.Dominant != "red" || got.Colours.Mismatch == nil {
		t.Errorf("API colours of a red product: %+v (%v) %.300s", got.Colours, err, res.Body)
	}
	if res := b.api(http.MethodPut, api+"/families", key, map[string]any{"families": []string{"pink", "white"}}); res.Status != http.StatusOK || !strings.Contains(res.Body, `"override":["white","pink"]`) {
		t.Errorf("API override: %d %.300s", res.Status, res.Body)
	}
	if res := b.api(http.MethodPut, api+"/families", key, map[string]any{"families": []string{"chartreuse"}}); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"field":"families"`) {
		t.Errorf("API unknown family: %d %.300s, want 400 naming the field", res.Status, res.Body)
	}
	if res := b.api(http.MethodPut, api+"/families", key, map[string]any{"families": []string{}}); res.Status != http.StatusOK || strings.Contains(res.Body, `"override"`) {
		t.Errorf("API clear override: %d %.300s", res.Status, res.Body)
	}
	pubJSON := shopper.get(fmt.Sprintf("/api/v1/catalog/products/%d", id))
	if !strings.Contains(pubJSON.Body, `"families":{"red":`) || strings.Contains(pubJSON.Body, "mismatch") {
		t.Errorf("public API colours: %.400s", pubJSON.Body)
	}

	// Another merchant can neither retry nor override.
	other := site.merchant(t, "budi@example.com", "budi")
	if res := other.submit("/merchant", retry, url.Values{}); res.Status != http.StatusNotFound {
		t.Errorf("another merchant's retry: %d, want 404", res.Status)
	}
	if res := other.submit("/merchant", families, url.Values{"families": {"red"}}); res.Status != http.StatusNotFound {
		t.Errorf("another merchant's override: %d, want 404", res.Status)
	}
}

// setSHA256 points an image at another stored original.
func (s *catalogSite) setSHA256(t *testing.T, imageID int64, sha string) {
	t.Helper()
	if err := s.db.Model(&catalog.Image{}).Where("id = ?", imageID).Update("sha256", sha).Error; err != nil {
		t.Fatal(err)
	}
}

// jobs counts the jobs of a kind ever enqueued.
func (s *catalogSite) jobs(t *testing.T, kind string) int64 {
	t.Helper()
	var n int64
	if err := s.db.Table("river_job").Where("kind = ?", kind).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
