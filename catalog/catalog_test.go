package catalog

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/jobs/jobstest"
)

func TestShopRules(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	shop := e.shop(1, "batik-sari", "IDR")
	if shop.AttributionWindowDays != DefaultAttributionWindowDays {
		t.Errorf("attribution window = %d, want default %d", shop.AttributionWindowDays, DefaultAttributionWindowDays)
	}
	base := ShopInput{Name: "Kopi", Slug: "kopi-co", Currency: "IDR", TimeZone: "Asia/Jakarta", AttributionWindowDays: 30}
	tests := []struct {
		name      string
		owner     int64
		change    func(*ShopInput)
		wantKind  fault.Kind
		wantField string
	}{
		{"second shop for one merchant", 1, func(*ShopInput) {}, fault.Conflict, ""},
		{"slug taken", 2, func(in *ShopInput) { in.Slug = "batik-sari" }, fault.Conflict, "slug"},
		{"bad slug", 2, func(in *ShopInput) { in.Slug = "Not a slug!" }, fault.Invalid, "slug"},
		{"bad time zone", 2, func(in *ShopInput) { in.TimeZone = "Mars/Olympus" }, fault.Invalid, "time_zone"},
		{"bad currency", 2, func(in *ShopInput) { in.Currency = "XXX" }, fault.Invalid, "currency"},
		{"commission too high", 2, func(in *ShopInput) { in.DefaultCommissionBps = 9500 }, fault.Invalid, "commission"},
		{"negative return window", 2, func(in *ShopInput) { in.ReturnWindowDays = -1 }, fault.Invalid, "return_window_days"},
	}
	for _, tt := range tests {
		in := base
		tt.change(&in)
		_, err := e.cat.Shops.CreateShop(ctx, tt.owner, in)
		if got := fault.KindOf(err); got != tt.wantKind || fault.FieldOf(err) != tt.wantField {
			t.Errorf("%s: got %s/%q (%v), want %s/%q", tt.name, got, fault.FieldOf(err), err, tt.wantKind, tt.wantField)
		}
	}
	if n := e.count(&Shop{}); n != 1 {
		t.Errorf("shops after rejected input = %d, want 1", n)
	}
	e.product(1, "A1", "150.000")
	in := base
	in.Slug, in.Currency = "batik-sari", "USD"
	if _, err := e.cat.Shops.UpdateShop(ctx, 1, in); fault.FieldOf(err) != "currency" {
		t.Errorf("changing currency with products: %v, want a currency error", err)
	}
}

func TestNewShopStartsValid(t *testing.T) {
	for name, want := range map[string]string{
		"Batik Sari": "batik-sari", "  Kopi & Co.  ": "kopi-co", "Toko 99": "toko-99", "Ünïcode Shop": "n-code-shop",
	} {
		if got := SuggestSlug(name); got != want {
			t.Errorf("SuggestSlug(%q) = %q, want %q", name, got, want)
		}
	}
	in := NewShopInput("Batik Sari")
	in.Normalise()
	if err := in.Validate(); err != nil {
		t.Errorf("a new shop's defaults do not validate: %v", err)
	}
	if in.Currency != "IDR" || in.AttributionWindowDays != DefaultAttributionWindowDays || in.DefaultCommissionBps != 1000 {
		t.Errorf("new shop defaults = %+v", in)
	}
	shop := Shop{Name: "N", Slug: "n-1", Currency: "USD", TimeZone: "UTC", DefaultCommissionBps: 750, ReturnWindowDays: 3, AttributionWindowDays: 9}
	if got := ShopInputOf(shop); got.DefaultCommissionBps != 750 || got.ReturnWindowDays != 3 || got.AttributionWindowDays != 9 || got.Slug != "n-1" {
		t.Errorf("ShopInputOf = %+v", got)
	}
}

func TestParsePercentBps(t *testing.T) {
	for in, want := range map[string]int{"10": 1000, "7.5": 750, "12,25": 1225, "0": 0, "0.05%": 5, "100": 10000} {
		got, err := ParsePercentBps(in)
		if err != nil || got != want {
			t.Errorf("ParsePercentBps(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, _ := ParsePercentBps(FormatPercentBps(want)); back != want {
			t.Errorf("FormatPercentBps(%d) = %q does not parse back", want, FormatPercentBps(want))
		}
	}
	for _, bad := range []string{"", "ten", "7.555", "101", "-1"} {
		if _, err := ParsePercentBps(bad); err == nil {
			t.Errorf("ParsePercentBps(%q) accepted", bad)
		}
	}
}

func TestProductLifecycleAndOutbox(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "batik-sari", "USD")
	p := e.product(1, "SH-1", "19.99")
	if p.PriceMinor != 1999 || p.Currency != "USD" {
		t.Fatalf("price = %d %s, want 1999 USD", p.PriceMinor, p.Currency)
	}
	in := InputOf(p)
	in.Price, in.PriceMinor = "24.50", nil
	p, err := e.cat.Products.UpdateProduct(ctx, 1, p.ID, in)
	if err != nil || p.PriceMinor != 2450 {
		t.Fatalf("update price: %d, %v; want 2450", p.PriceMinor, err)
	}
	stock := 0
	if p, err = e.cat.Products.PatchProduct(ctx, 1, p.ID, ProductPatch{Stock: &stock}); err != nil || p.Stock != 0 || p.Title == "" {
		t.Fatalf("patch stock: %+v, %v", p, err)
	}
	if _, err := e.cat.Products.PublicProduct(ctx, p.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("out-of-stock product visible to shoppers: %v", err)
	}
	if p, err = e.cat.Products.ArchiveProduct(ctx, 1, p.ID); err != nil || p.Status != StatusArchived {
		t.Fatalf("archive: %v, %v", p.Status, err)
	}
	if n := e.count(&Change{}, "product_id = ?", p.ID); n != 4 {
		t.Errorf("change-log rows = %d, want 4 (create, update, patch, archive)", n)
	}
	// Validation names the field and writes nothing.
	for _, tt := range []struct {
		in    ProductInput
		field string
	}{
		{ProductInput{Title: "", Category: "tops", Price: "1"}, "title"},
		{ProductInput{Title: "x", Category: "spaceships", Price: "1"}, "category"},
		{ProductInput{Title: "x", Category: "tops", Price: "1,234"}, "price"},
		{ProductInput{Title: "x", Category: "tops"}, "price"},
		{ProductInput{Title: "x", Category: "tops", Price: "1", Stock: -3}, "stock"},
		{ProductInput{Title: "x", Category: "tops", Price: "1", SKU: "SH-1"}, "sku"},
	} {
		if _, err := e.cat.Products.CreateProduct(ctx, 1, tt.in); fault.FieldOf(err) != tt.field {
			t.Errorf("CreateProduct(%+v): %v, want an error on %q", tt.in, err, tt.field)
		}
	}
	if n := e.count(&Product{}); n != 1 {
		t.Errorf("products = %d, want 1", n)
	}
}

// TestConcurrentPatchesKeepEachOther: each patch reads and writes the
// product in one transaction, so patches of different fields made at the
// same moment all land (none writes back a stale copy of another's field).
func TestConcurrentPatchesKeepEachOther(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "batik-sari", "USD")
	p := e.product(1, "SH-1", "19.99")
	title, description, colour, stock, price := "Renamed", "Now with a description", "navy", 42, int64(2500)
	patches := []ProductPatch{{Title: &title}, {Description: &description}, {DeclaredColor: &colour}, {Stock: &stock}, {PriceMinor: &price}}
	errs := make(chan error, len(patches))
	var wg sync.WaitGroup
	for _, patch := range patches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.cat.Products.PatchProduct(ctx, 1, p.ID, patch)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("patch: %v", err)
		}
	}
	got, err := e.cat.Products.Product(ctx, 1, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != title || got.Description != description || got.DeclaredColor != colour || got.Stock != stock || got.PriceMinor != price {
		t.Errorf("after concurrent patches: %q %q %q stock %d price %d; want every patch kept", got.Title, got.Description, got.DeclaredColor, got.Stock, got.PriceMinor)
	}
}

func TestOtherMerchantsProductIsNotFound(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	e.shop(2, "theirs", "USD")
	p := e.product(1, "SH-1", "10")
	img, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 40, 30, color.RGBA{200, 30, 30, 255})))
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(owner int64) error{
		"Product":        func(o int64) error { _, err := e.cat.Products.Product(ctx, o, p.ID); return err },
		"UpdateProduct":  func(o int64) error { _, err := e.cat.Products.UpdateProduct(ctx, o, p.ID, InputOf(p)); return err },
		"ArchiveProduct": func(o int64) error { _, err := e.cat.Products.ArchiveProduct(ctx, o, p.ID); return err },
		"AddImage": func(o int64) error {
			_, err := e.cat.Images.AddImage(ctx, o, p.ID, bytes.NewReader(photo(t, 10, 10, color.RGBA{0, 0, 255, 255})))
			return err
		},
		"MoveImage":   func(o int64) error { return e.cat.Images.MoveImage(ctx, o, p.ID, img.ID, 1) },
		"RemoveImage": func(o int64) error { return e.cat.Images.RemoveImage(ctx, o, p.ID, img.ID) },
	}
	for name, call := range calls {
		for _, owner := range []int64{2, 3} { // another merchant; a user without a shop
			if err := call(owner); !fault.Is(err, fault.NotFound) {
				t.Errorf("%s by owner %d: %v, want not found", name, owner, err)
			}
		}
	}
	if got, err := e.cat.Products.Product(ctx, 1, p.ID); err != nil || got.Status != StatusActive || len(got.Images) != 1 {
		t.Errorf("the product changed after other merchants' calls: %+v, %v", got, err)
	}
}

func TestImageIntakeStoresAndEnqueuesInOneTransaction(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	changesBefore := e.count(&Change{})
	var files []io.Reader
	for _, c := range []color.RGBA{{200, 30, 30, 255}, {30, 200, 30, 255}, {30, 30, 200, 255}} {
		files = append(files, bytes.NewReader(photo(t, 64, 48, c)))
	}
	images, err := e.cat.Images.AddImages(ctx, 1, p.ID, files)
	if err != nil {
		t.Fatalf("AddImages: %v", err)
	}
	for i, img := range images {
		if img.Status != ImagePending || img.Position != i || img.Format != "png" || img.Width != 64 || img.Height != 48 {
			t.Errorf("image %d = %+v, want pending png 64×48 at position %d", i, img, i)
		}
		if ok, err := e.store.Exists(ctx, img.OriginalKey()); err != nil || !ok {
			t.Errorf("image %d: original %s not stored (%v)", i, img.OriginalKey(), err)
		}
	}
	if n := e.jobs("process_image"); n != 3 {
		t.Errorf("process_image jobs = %d, want 3", n)
	}
	if n := e.count(&Change{}) - changesBefore; n != 1 {
		t.Errorf("change-log rows for the upload = %d, want 1", n)
	}
	// Reorder: move the last photo up twice, making it first.
	for range 2 {
		if err := e.cat.Images.MoveImage(ctx, 1, p.ID, images[2].ID, -1); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.cat.Products.Product(ctx, 1, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	order := []int64{got.Images[0].ID, got.Images[1].ID, got.Images[2].ID}
	if want := []int64{images[2].ID, images[0].ID, images[1].ID}; order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("order after moves = %v, want %v", order, want)
	}
	// Remove: the file goes with the row.
	if err := e.cat.Images.RemoveImage(ctx, 1, p.ID, images[0].ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.store.Exists(ctx, images[0].OriginalKey()); err != nil || ok {
		t.Errorf("removed photo's original is still stored (%v)", err)
	}
	if got, err = e.cat.Products.Product(ctx, 1, p.ID); err != nil {
		t.Fatal(err)
	}
	if len(got.Images) != 2 || got.Images[0].Position != 0 || got.Images[1].Position != 1 {
		t.Errorf("after removal: %d images at positions %v,%v", len(got.Images), got.Images[0].Position, got.Images[1].Position)
	}
}

func TestImageIntakeRefusalsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	limits := imaging.Limits{MaxBytes: 256 << 10, MaxPixels: 50_000_000}
	e := newTestEnv(t, Options{Limits: limits})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	oversized := append(photo(t, 16, 16, color.RGBA{1, 2, 3, 255}), bytes.Repeat([]byte{0}, int(limits.MaxBytes))...)
	tests := []struct {
		name     string
		data     []byte
		wantKind fault.Kind
		wantMsg  string
	}{
		{"not an image", []byte("name,price\nshirt,10\n"), fault.Invalid, "not an image"},
		{"decompression bomb", bombPNG(20000, 20000), fault.TooLarge, "20000 × 20000"},
		{"over the byte limit", oversized, fault.TooLarge, "limit"},
		{"truncated image", photo(t, 40, 40, color.RGBA{9, 9, 9, 255})[:20], fault.Invalid, ""},
	}
	for _, tt := range tests {
		_, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(tt.data))
		if fault.KindOf(err) != tt.wantKind || !strings.Contains(fault.MessageOf(err), tt.wantMsg) {
			t.Errorf("%s: %v (kind %s), want %s mentioning %q", tt.name, err, fault.KindOf(err), tt.wantKind, tt.wantMsg)
		}
	}
	if n := e.count(&Image{}); n != 0 {
		t.Errorf("image rows after refusals = %d, want 0", n)
	}
	if n := e.files(); n != 0 {
		t.Errorf("media files after refusals = %d, want 0", n)
	}
	if n := e.jobs("process_image"); n != 0 {
		t.Errorf("jobs after refusals = %d, want 0", n)
	}
	// One bad file in a batch refuses the batch.
	_, err := e.cat.Images.AddImages(ctx, 1, p.ID, []io.Reader{bytes.NewReader(photo(t, 8, 8, color.RGBA{255, 0, 0, 255})), strings.NewReader("nope")})
	if !strings.Contains(fault.MessageOf(err), "photo 2") {
		t.Errorf("batch with a bad second file: %v, want the message to name photo 2", err)
	}
	if n := e.count(&Image{}) + int64(e.files()); n != 0 {
		t.Errorf("rows+files after a refused batch = %d, want 0", n)
	}
}

func TestFailedTransactionRemovesNewFileOnly(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	shared := photo(t, 20, 20, color.RGBA{0, 128, 0, 255})
	if _, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(shared)); err != nil {
		t.Fatal(err)
	}
	// Fill the product up so the next upload fails inside the transaction.
	var files []io.Reader
	for i := 0; i < MaxImagesPerProduct-1; i++ {
		files = append(files, bytes.NewReader(photo(t, 10+i, 10, color.RGBA{uint8(i * 20), 0, 0, 255})))
	}
	if _, err := e.cat.Images.AddImages(ctx, 1, p.ID, files); err != nil {
		t.Fatal(err)
	}
	before := e.files()
	fresh := photo(t, 33, 33, color.RGBA{1, 1, 1, 255})
	_, err := e.cat.Images.AddImages(ctx, 1, p.ID, []io.Reader{bytes.NewReader(fresh), bytes.NewReader(shared)})
	if !fault.Is(err, fault.Invalid) {
		t.Fatalf("13th photo: %v, want invalid", err)
	}
	if got := e.files(); got != before {
		t.Errorf("files after the failed transaction = %d, want %d (new file removed, shared file kept)", got, before)
	}
}

func TestProcessImageMakesThumbnails(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	e.shop(1, "mine", "USD")
	p := e.product(1, "SH-1", "10")
	img, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 820, 615, color.RGBA{220, 20, 60, 255})))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, img.ID); err != nil {
		t.Fatalf("ProcessImage: %v", err)
	}
	var got Image
	e.db.Take(&got, img.ID)
	if got.Status != ImageReady {
		t.Fatalf("status = %s (%s), want ready", got.Status, got.Error)
	}
	thumbs := got.ThumbList()
	if len(thumbs) != 3 || thumbs[0].Size != 160 || thumbs[2].Size != 800 || thumbs[2].Width != 800 || thumbs[2].Height != 600 {
		t.Fatalf("thumbs = %+v, want 160/400/800 with 800×600 largest", thumbs)
	}
	for _, th := range thumbs {
		if ok, err := e.store.Exists(ctx, th.Key); err != nil || !ok {
			t.Errorf("thumbnail %s not stored", th.Key)
		}
	}
	swatches := got.Swatches()
	if len(swatches) == 0 || swatches[0].Family != "red" || got.PaletteVersion == 0 || got.PaletteEngine == "" {
		t.Errorf("palette = %+v (engine %q v%d), want a red first swatch", swatches, got.PaletteEngine, got.PaletteVersion)
	}
	if n := e.count(&Change{}, "product_id = ?", p.ID); n != 3 {
		t.Errorf("change-log rows = %d, want 3 (create, upload, processed)", n)
	}
	// An original the pipeline refuses is marked failed, not retried.
	bad, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 20, 20, color.RGBA{1, 2, 3, 255})))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Put(ctx, strings.Repeat("0", 64)+".png", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Model(&Image{}).Where("id = ?", bad.ID).Update("sha256", strings.Repeat("0", 64)).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Pipeline.ProcessImage(ctx, bad.ID); err != nil {
		t.Fatalf("ProcessImage of a damaged original: %v, want it recorded, not returned", err)
	}
	var failed Image
	e.db.Take(&failed, bad.ID)
	if failed.Status != ImageFailed || failed.Error == "" {
		t.Errorf("damaged original: status %s error %q, want failed with a reason", failed.Status, failed.Error)
	}
}

// TestMerchantWritesWaitForRunningWorkers uploads while the job workers
// process earlier photos: on SQLite every write must wait for the lock
// rather than fail with "database is locked".
func TestMerchantWritesWaitForRunningWorkers(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	events, stop := e.queue.Finished()
	defer stop()
	if err := e.queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.queue.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	e.shop(1, "busy", "USD")
	for i := 0; i < 24; i++ {
		p := e.product(1, "", "10")
		if _, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 64, 64, color.RGBA{uint8(i * 10), 90, 40, 255}))); err != nil {
			t.Fatalf("upload %d while workers run: %v", i, err)
		}
	}
	jobstest.Completed(t, events, ProcessImageArgs{}.Kind(), 24, 30*time.Second)
	if n := e.count(&Image{}, "status <> ?", ImageReady); n > 0 {
		t.Errorf("%d photos not ready after their 24 processing jobs completed", n)
	}
}
