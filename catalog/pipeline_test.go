package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/color"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
	"github.com/warna/warna/media"
)

var (
	red    = color.RGBA{200, 20, 30, 255}
	blue   = color.RGBA{20, 60, 200, 255}
	green  = color.RGBA{30, 160, 50, 255}
	yellow = color.RGBA{250, 220, 20, 255}
)

// addProcessed uploads a photo in colour c and runs its processing job.
func (e *testEnv) addProcessed(owner, productID int64, c color.RGBA) Image {
	e.t.Helper()
	img, err := e.cat.Images.AddImage(context.Background(), owner, productID, bytes.NewReader(photo(e.t, 240, 180, c)))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.cat.Pipeline.ProcessImage(context.Background(), img.ID); err != nil {
		e.t.Fatalf("process: %v", err)
	}
	return img
}

func (e *testEnv) reload(id int64) Product {
	e.t.Helper()
	var p Product
	if err := e.db.Take(&p, id).Error; err != nil {
		e.t.Fatal(err)
	}
	return p
}

func families(t *testing.T, p Product) map[string]float64 {
	t.Helper()
	var m map[string]float64
	if err := json.Unmarshal([]byte(p.ColorFamilies), &m); err != nil {
		t.Fatalf("color_families %q: %v", p.ColorFamilies, err)
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.03 }

func TestCategoriseOverImages(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	if _, err := e.cat.Products.UpdateProduct(ctx, 1, p.ID, ProductInput{Title: p.Title, SKU: p.SKU, Category: p.Category, Price: "10", Stock: 5, Status: StatusActive, DeclaredColor: "red"}); err != nil {
		t.Fatal(err)
	}
	main := e.addProcessed(1, p.ID, blue)
	second := e.addProcessed(1, p.ID, red)

	// The main photo counts twice: blue 2/3, red 1/3.
	got := e.reload(p.ID)
	fam := families(t, got)
	if !near(fam["blue"], 2.0/3) || !near(fam["red"], 1.0/3) || got.DominantFamily != "blue" || got.Multicolour {
		t.Fatalf("families %v dominant %q multicolour %v; want blue≈0.67 red≈0.33, dominant blue", fam, got.DominantFamily, got.Multicolour)
	}
	if got.ColorMismatch {
		t.Error("declared red with a third of the product red: mismatch, want none")
	}
	changes := e.count(&Change{}, "product_id = ?", p.ID)

	// Declaring green, which no photo shows, is a mismatch.
	if _, err := e.cat.Products.UpdateProduct(ctx, 1, p.ID, ProductInput{Title: p.Title, SKU: p.SKU, Category: p.Category, Price: "10", Stock: 5, Status: StatusActive, DeclaredColor: "green"}); err != nil {
		t.Fatal(err)
	}
	if got = e.reload(p.ID); !got.ColorMismatch {
		t.Error("declared green, photos blue and red: no mismatch")
	}

	// Reordering makes the red photo the main one.
	if err := e.cat.Images.MoveImage(ctx, 1, p.ID, second.ID, -1); err != nil {
		t.Fatal(err)
	}
	got = e.reload(p.ID)
	if fam = families(t, got); !near(fam["red"], 2.0/3) || got.DominantFamily != "red" {
		t.Errorf("after moving red first: %v dominant %q, want red≈0.67 dominant", fam, got.DominantFamily)
	}
	if n := e.count(&Change{}, "product_id = ?", p.ID); n < changes+2 {
		t.Errorf("change-log rows = %d, want ≥ %d (edit and move each reindex)", n, changes+2)
	}

	// Removing the red photo leaves blue alone.
	if err := e.cat.Images.RemoveImage(ctx, 1, p.ID, second.ID); err != nil {
		t.Fatal(err)
	}
	got = e.reload(p.ID)
	if fam = families(t, got); !near(fam["blue"], 1) || fam["red"] != 0 || got.DominantFamily != "blue" {
		t.Errorf("after removing red: %v dominant %q, want blue only", fam, got.DominantFamily)
	}

	// Four colours, none holding half: multicolour.
	for _, c := range []color.RGBA{red, green, yellow} {
		e.addProcessed(1, p.ID, c)
	}
	got = e.reload(p.ID)
	if fam = families(t, got); !got.Multicolour || got.DominantFamily != string(colour.Multicolour) || len(fam) != 4 {
		t.Errorf("blue (main), red, green, yellow: %v dominant %q multicolour %v; want multicolour over 4 families", fam, got.DominantFamily, got.Multicolour)
	}

	// A failed photo does not count; its failure still recomputes.
	if err := e.db.Model(&Image{}).Where("product_id = ? AND position > 0", p.ID).Update("status", ImageFailed).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Pipeline.finishImage(ctx, main.ID, map[string]any{"status": ImageReady}); err != nil {
		t.Fatal(err)
	}
	if got = e.reload(p.ID); got.Multicolour || got.DominantFamily != "blue" {
		t.Errorf("only the blue photo ready: dominant %q multicolour %v, want blue", got.DominantFamily, got.Multicolour)
	}
}

func TestFamilyOverrideSurvivesReprocess(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	e.shop(2, "theirs", "USD")
	p := e.product(1, "SH-1", "10")
	img := e.addProcessed(1, p.ID, blue)

	if err := e.cat.Products.SetFamilyOverride(ctx, 1, p.ID, []string{"white", "red"}); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Products.SetFamilyOverride(ctx, 1, p.ID, []string{"red", "mauve"}); err == nil || !strings.Contains(err.Error(), "mauve") {
		t.Errorf("override with an unknown family: %v, want an error naming it", err)
	}
	if err := e.cat.Products.SetFamilyOverride(ctx, 2, p.ID, []string{"red"}); err == nil {
		t.Error("another merchant overrode the families")
	}
	n, err := e.cat.Pipeline.Reprocess(ctx, true, nil)
	if err != nil || n != 1 {
		t.Fatalf("Reprocess(all) = %d, %v; want 1", n, err)
	}
	var pending Image
	e.db.Take(&pending, img.ID)
	if pending.Status != ImagePending || e.jobs("process_image") != 2 {
		t.Fatalf("after reprocess: status %s, %d jobs; want pending with a second job", pending.Status, e.jobs("process_image"))
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	got := e.reload(p.ID)
	if ov := got.OverrideFamilies(); len(ov) != 2 || ov[0] != "white" || ov[1] != "red" {
		t.Errorf("override after reprocessing = %v, want [white red] (display order)", ov)
	}
	if got.DominantFamily != "blue" {
		t.Errorf("derived dominant = %q, want blue (derived families are still kept)", got.DominantFamily)
	}
	if err := e.cat.Products.SetFamilyOverride(ctx, 1, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got = e.reload(p.ID); got.FamilyOverride != nil {
		t.Errorf("cleared override = %q, want NULL", *got.FamilyOverride)
	}
	// Nothing outdated: a plain reprocess queues nothing.
	if n, err := e.cat.Pipeline.Reprocess(ctx, false, nil); err != nil || n != 0 {
		t.Errorf("Reprocess(outdated) = %d, %v; want 0", n, err)
	}
	if err := e.db.Model(&Image{}).Where("id = ?", img.ID).Update("palette_version", palette.Version-1).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := e.cat.Pipeline.Reprocess(ctx, false, nil); err != nil || n != 1 {
		t.Errorf("Reprocess with an old palette version = %d, %v; want 1", n, err)
	}
}

// TestReprocessAfterUpgrade is what an operator's `warna reprocess` does
// after an upgrade that bumps palette.Version: an image processed by
// the older extractor (its palette stored in the version 2 shape, whose
// family_p was a number, and its thumbnails from a decoder that got the
// picture wrong) still reads, is picked up, and processing it again redoes
// the thumbnails from the original as well as the palette.
func TestReprocessAfterUpgrade(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	img := e.addProcessed(1, p.ID, red)
	var fresh Image
	e.db.Take(&fresh, img.ID)

	stale := photo(t, 160, 120, green) // the wrong picture an old decoder made
	staleKey := media.KeyOf(sha256Hex(stale), "jpg")
	if err := e.store.Put(ctx, staleKey, bytes.NewReader(stale)); err != nil {
		t.Fatal(err)
	}
	staleThumbs, err := jsonString([]Thumb{{Size: 160, Width: 160, Height: 120, Key: staleKey}})
	if err != nil {
		t.Fatal(err)
	}
	oldPalette := `{"engine":"lab-kmeans","version":2,"bg_uncertain":false,"swatches":[{"hex":"#008700","lab":[48.91,-52.06,50.31],"share":1,"family":"green","family_p":0.875,"name":"green"}]}`
	if err := e.db.Model(&Image{}).Where("id = ?", img.ID).Updates(map[string]any{
		"thumbs": staleThumbs, "webp": staleThumbs, "palette": oldPalette, "palette_version": 2,
	}).Error; err != nil {
		t.Fatal(err)
	}
	// The version 2 palette still reads: the product's colours come from it.
	if err := e.cat.Pipeline.finishImage(ctx, img.ID, map[string]any{"status": ImageReady}); err != nil {
		t.Fatal(err)
	}
	if got := e.reload(p.ID); got.DominantFamily != "green" {
		t.Fatalf("dominant family from the stored version 2 palette = %q, want green", got.DominantFamily)
	}

	webpJobs := e.jobs("make_webp")
	if n, err := e.cat.Pipeline.Reprocess(ctx, false, nil); err != nil || n != 1 {
		t.Fatalf("Reprocess(outdated) = %d, %v; want the one image of version 2", n, err)
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	var again Image
	e.db.Take(&again, img.ID)
	if again.Status != ImageReady || again.PaletteVersion != palette.Version || !strings.Contains(again.Palette, `"family_p":{"red":`) {
		t.Errorf("reprocessed: status %s, version %d, palette %s; want ready, version %d, a red membership", again.Status, again.PaletteVersion, again.Palette, palette.Version)
	}
	if again.Thumbs == staleThumbs || again.Thumbs != fresh.Thumbs {
		t.Errorf("thumbnails after reprocessing = %s, want them made again from the original (%s), not the stale %s", again.Thumbs, fresh.Thumbs, staleThumbs)
	}
	if again.WebP != "[]" || e.jobs("make_webp") != webpJobs+1 {
		t.Errorf("WebP variants = %s with %d new jobs, want them dropped and asked for again", again.WebP, e.jobs("make_webp")-webpJobs)
	}
	if got := e.reload(p.ID); got.DominantFamily != "red" {
		t.Errorf("dominant family after reprocessing = %q, want red", got.DominantFamily)
	}
}

func TestProcessReusesSameFileAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p1 := e.product(1, "SH-1", "10")
	p2 := e.product(1, "SH-2", "10")
	data := photo(t, 300, 200, green)
	first, err := e.cat.Images.AddImage(ctx, 1, p1.ID, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.cat.Images.AddImage(ctx, 1, p2.ID, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	ready := counterValue(t, e.cat.Pipeline.outcomes.WithLabelValues("ready"))
	reused := counterValue(t, e.cat.Pipeline.outcomes.WithLabelValues("reused"))
	if ready != 1 || reused != 1 {
		t.Fatalf("outcomes ready=%v reused=%v, want 1 and 1 (the second image reuses the first's work)", ready, reused)
	}
	var a, b Image
	e.db.Take(&a, first.ID)
	e.db.Take(&b, second.ID)
	if b.Status != ImageReady || b.Thumbs != a.Thumbs || b.Palette != a.Palette || b.ProcessedAt == nil {
		t.Errorf("reused image: status %s, same thumbs %v, same palette %v", b.Status, b.Thumbs == a.Thumbs, b.Palette == a.Palette)
	}
	if got := e.reload(p2.ID); got.DominantFamily != "green" {
		t.Errorf("product of the reused image: dominant %q, want green", got.DominantFamily)
	}

	// A retried job on a ready image does nothing: no metric, no change-log row.
	changes := e.count(&Change{})
	if err := e.cat.Pipeline.ProcessImage(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, e.cat.Pipeline.outcomes.WithLabelValues("reused")) + counterValue(t, e.cat.Pipeline.outcomes.WithLabelValues("ready")); got != 2 || e.count(&Change{}) != changes {
		t.Errorf("second run of a done job changed something: outcomes %v, change log %d→%d", got, changes, e.count(&Change{}))
	}

	// Another engine's palette is not reused.
	other := New(e.db, e.store, e.queue, Options{PaletteEngine: palette.EngineProminentColor})
	third, err := other.Images.AddImage(ctx, 1, p1.ID, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Pipeline.ProcessImage(ctx, third.ID); err != nil {
		t.Fatal(err)
	}
	if r := counterValue(t, other.Pipeline.outcomes.WithLabelValues("ready")); r != 1 {
		t.Errorf("prometheus engine over a lab-kmeans twin: ready=%v, want the pipeline run", r)
	}
}

func TestProcessWorkerFailures(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	w := &ProcessImageWorker{Pipeline: e.cat.Pipeline}
	job := func(id int64, attempt int) *river.Job[ProcessImageArgs] {
		return &river.Job[ProcessImageArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}, Args: ProcessImageArgs{ImageID: id}}
	}

	// A file the pipeline refuses: failed at once, job cancelled.
	bad, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 64, 48, red)))
	if err != nil {
		t.Fatal(err)
	}
	garbage := strings.Repeat("1", 64)
	if err := e.store.Put(ctx, garbage+".png", strings.NewReader("not a png")); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Model(&Image{}).Where("id = ?", bad.ID).Update("sha256", garbage).Error; err != nil {
		t.Fatal(err)
	}
	err = w.Work(ctx, job(bad.ID, 1))
	var cancel *rivertype.JobCancelError
	if !errors.As(err, &cancel) {
		t.Errorf("refused file: Work returned %v, want a JobCancel", err)
	}
	var got Image
	got = Image{}
	e.db.Take(&got, bad.ID)
	if got.Status != ImageFailed || got.Error == "" {
		t.Errorf("refused file: %s %q, want failed with the reason", got.Status, got.Error)
	}

	// A missing original is transient: retried, and failed after the last attempt.
	lost, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 64, 64, blue)))
	if err != nil {
		t.Fatal(err)
	}
	got = Image{}
	if err := e.store.Delete(ctx, lost.OriginalKey()); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, job(lost.ID, 1)); err == nil || errors.As(err, &cancel) {
		t.Fatalf("missing original, attempt 1: %v, want an error River retries", err)
	}
	got = Image{}
	e.db.Take(&got, lost.ID)
	if got.Status == ImageFailed {
		t.Fatalf("missing original failed on the first attempt (%q), want a retry first", got.Error)
	}
	if err := w.Work(ctx, job(lost.ID, 5)); err == nil {
		t.Fatal("last attempt: no error")
	}
	got = Image{}
	e.db.Take(&got, lost.ID)
	if got.Status != ImageFailed || !strings.Contains(got.Error, "gave up after 5 attempts") {
		t.Errorf("after the last attempt: %s %q, want failed with the reason", got.Status, got.Error)
	}
	if f := counterValue(t, e.cat.Pipeline.outcomes.WithLabelValues("failed")); f != 2 {
		t.Errorf("failed outcomes = %v, want 2", f)
	}

	// Retry puts it back to pending with a new job; only failed photos retry.
	before := e.jobs("process_image")
	if err := e.cat.Pipeline.RetryImage(ctx, 1, p.ID, bad.ID); err != nil {
		t.Fatal(err)
	}
	got = Image{}
	e.db.Take(&got, bad.ID)
	if got.Status != ImagePending || got.Error != "" || e.jobs("process_image") != before+1 {
		t.Errorf("after retry: %s %q, jobs %d→%d; want pending with a new job", got.Status, got.Error, before, e.jobs("process_image"))
	}
	if err := e.cat.Pipeline.RetryImage(ctx, 1, p.ID, bad.ID); err == nil {
		t.Error("retrying a pending photo: no error")
	}
	if err := e.cat.Pipeline.RetryImage(ctx, 2, p.ID, lost.ID); err == nil {
		t.Error("another merchant retried the photo")
	}
}

func TestWebPJobMakesVariants(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	img := e.addProcessed(1, p.ID, red)
	var queued int64
	if err := e.db.Table("river_job").Where("kind = ? AND queue = ?", "make_webp", "low").Count(&queued).Error; err != nil {
		t.Fatal(err)
	}
	if queued != 1 {
		t.Fatalf("make_webp jobs on the low queue = %d, want 1 after the JPEGs are stored", queued)
	}
	if err := e.cat.Pipeline.MakeWebP(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	var got Image
	e.db.Take(&got, img.ID)
	webp, thumbs := got.WebPList(), got.ThumbList()
	if len(webp) != len(thumbs) || len(webp) != 2 { // 240×180: 160 and 240 (never upscaled)
		t.Fatalf("webp variants %+v, want one per thumbnail (%d)", webp, len(thumbs))
	}
	for i, v := range webp {
		if v.Size != thumbs[i].Size || v.Width != thumbs[i].Width || !strings.HasSuffix(v.Key, ".webp") {
			t.Errorf("variant %+v does not match thumbnail %+v", v, thumbs[i])
		}
		r, err := e.store.Open(ctx, v.Key)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 12)
		_, err = io.ReadFull(r, head)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(head[:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
			t.Errorf("%s is not a WebP file: % x", v.Key, head)
		}
	}
	// Running again does nothing.
	if err := e.cat.Pipeline.MakeWebP(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	var again Image
	e.db.Take(&again, img.ID)
	if again.WebP != got.WebP {
		t.Error("a second WebP run changed the variants")
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
