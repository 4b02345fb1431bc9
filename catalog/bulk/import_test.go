package bulk

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
)

// imageServer serves real PNGs at /img/N.png, a file over the byte limit at
// /big.png, a 404 at /missing.png and a server that never answers at /slow.png.
type imageServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newImageServer(t *testing.T, limit int64) *imageServer {
	t.Helper()
	s := &imageServer{}
	big := append(photo(t, 16, 16, color.RGBA{5, 5, 5, 255}), bytes.Repeat([]byte{0}, int(limit))...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		switch {
		case r.URL.Path == "/big.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(big)
		case r.URL.Path == "/text.png":
			_, _ = w.Write([]byte("this is not a picture"))
		case r.URL.Path == "/slow.png":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case strings.HasPrefix(r.URL.Path, "/img/"):
			var n int
			if _, err := fmt.Sscanf(r.URL.Path, "/img/%d.png", &n); err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(photo(t, 24, 24, color.RGBA{uint8(n * 37), uint8(n * 11), 200, 255}))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// closedPort is an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func byLine(report ImportReport) map[int]RowResult {
	m := map[int]RowResult{}
	for _, r := range report.Rows {
		m[r.Line] = r
	}
	return m
}

func TestImportThousandRowsThenAgainChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "bulk", "IDR")
	images := newImageServer(t, e.cat.Images.Limits().MaxBytes)

	var csv strings.Builder
	csv.WriteString("Product Name,Parent SKU,Price,Stock,Category,Image URL,Description,Status,Colour\n")
	for i := 1; i <= 1000; i++ {
		img := ""
		if i%200 == 0 {
			img = fmt.Sprintf("%s/img/%d.png", images.URL, i/200)
		}
		fmt.Fprintf(&csv, "\"Kaos, model %d\",SKU-%04d,\"Rp %d.500\",%d,Women > Tops > T-Shirts,%s,\"A soft tee\nline two\",active,red\n",
			i, i, 10+i%90, i%50, img)
	}
	var calls, lastDone, lastTotal int
	opts := ImportOptions{AllowPrivateURLs: true, Progress: func(done, total int) { calls++; lastDone, lastTotal = done, total }}
	start := time.Now()
	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(csv.String()), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	t.Logf("1,000 rows (5 with images) imported in %s", time.Since(start).Round(time.Millisecond))
	if report.Created != 1000 || report.Failed != 0 {
		t.Fatalf("created %d failed %d, want 1000 and 0; first rows: %+v", report.Created, report.Failed, report.Rows[:3])
	}
	if calls != 1000 || lastDone != 1000 || lastTotal != 1000 {
		t.Errorf("progress called %d times, last %d/%d; want 1000 calls ending 1000/1000", calls, lastDone, lastTotal)
	}
	p := e.product(shop.ID, "SKU-0007")
	if p.PriceMinor != 17500 || p.Category != "tops" || p.Title != "Kaos, model 7" || p.Description != "A soft tee\nline two" || p.DeclaredColor != "red" {
		t.Errorf("row 7 stored as %+v", p)
	}
	if n := e.count(&catalog.Image{}); n != 5 {
		t.Errorf("images = %d, want 5", n)
	}

	hits, outbox, jobsBefore := images.hits.Load(), e.count(&catalog.OutboxEntry{}), e.jobs("process_image")
	updatedBefore := e.lastUpdate()
	calls = 0
	again, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(csv.String()), opts)
	if err != nil {
		t.Fatalf("second import: %v", err)
	}
	if again.Unchanged != 1000 {
		t.Fatalf("second import: unchanged %d, created %d, updated %d, failed %d; want all 1000 unchanged", again.Unchanged, again.Created, again.Updated, again.Failed)
	}
	if got := images.hits.Load(); got != hits {
		t.Errorf("second import fetched %d images again, want 0", got-hits)
	}
	if got := e.count(&catalog.OutboxEntry{}); got != outbox {
		t.Errorf("second import wrote %d outbox rows, want 0", got-outbox)
	}
	if got := e.jobs("process_image"); got != jobsBefore {
		t.Errorf("second import enqueued %d jobs, want 0", got-jobsBefore)
	}
	if updatedAfter := e.lastUpdate(); !updatedAfter.Equal(updatedBefore) {
		t.Errorf("second import updated products (max updated_at %s → %s)", updatedBefore, updatedAfter)
	}
	if calls != 1000 {
		t.Errorf("progress calls on the second import = %d, want 1000", calls)
	}
}

func TestImportReportsBadRowsAndLandsGoodOnes(t *testing.T) {
	ctx := context.Background()
	limit := int64(128 << 10)
	e := newTestEnv(t, catalog.Options{Limits: imaging.Limits{MaxBytes: limit}}, Options{FetchTimeout: 500 * time.Millisecond})
	shop := e.shop(1, "toko", "IDR")
	images := newImageServer(t, limit)
	file := strings.Join([]string{
		"Nama Produk;SKU Induk;Harga;Stok;Kategori;Foto Sampul;Deskripsi",
		"Kemeja Linen;A-1;Rp 150.000;5;Kemeja;" + images.URL + "/img/1.png;ok",    // 2 good
		"Kemeja Rusak;A-2;seratus ribu;5;Kemeja;;bad price",                       // 3
		";A-3;Rp 99.000;5;Kemeja;;missing title",                                  // 4
		"Kemeja Lagi;A-1;Rp 150.000;5;Kemeja;;duplicate",                          // 5
		"Tas;A-4;Rp 250.000;2;Tas;http://" + closedPort(t) + "/x.png;unreachable", // 6
		"Tas Besar;A-5;Rp 250.000;2;Tas;" + images.URL + "/big.png;oversized",     // 7
		"Tas Hilang;A-6;Rp 250.000;2;Tas;" + images.URL + "/missing.png;404",      // 8
		"Tas Lambat;A-7;Rp 250.000;2;Tas;" + images.URL + "/slow.png;slow",        // 9
		"Sepatu;A-8;Rp 300.000;1;Sepatu;" + images.URL + "/img/2.png;good too",    // 10
		"Mug;;Rp 50.000;1;Dapur;;no sku",                                          // 11
		"Bukan Gambar;A-9;Rp 50.000;1;Dapur;" + images.URL + "/text.png;not image",
	}, "\n")
	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{AllowPrivateURLs: true})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	rows := byLine(report)
	tests := []struct {
		line       int
		wantStatus catalog.RowStatus
		wantReason string
	}{
		{2, catalog.RowCreated, ""},
		{3, catalog.RowFailed, "bad price"},
		{4, catalog.RowFailed, "title is missing"},
		{5, catalog.RowFailed, "duplicate SKU in file (first on line 2)"},
		{6, catalog.RowFailed, "could not connect"},
		{7, catalog.RowFailed, "larger than the 0.1 MiB limit"},
		{8, catalog.RowFailed, "404"},
		{9, catalog.RowFailed, "no answer within"},
		{10, catalog.RowCreated, ""},
		{11, catalog.RowFailed, "SKU is missing"},
		{12, catalog.RowFailed, "not an image"},
	}
	for _, tt := range tests {
		got := rows[tt.line]
		if got.Status != tt.wantStatus || !strings.Contains(got.Reason, tt.wantReason) {
			t.Errorf("line %d: %s %q, want %s with %q", tt.line, got.Status, got.Reason, tt.wantStatus, tt.wantReason)
		}
	}
	if skus := e.skus(); strings.Join(skus, ",") != "A-1,A-8" {
		t.Errorf("products stored = %v, want only the good rows A-1 and A-8", skus)
	}
	a1 := e.product(shop.ID, "A-1")
	if a1.Title != "Kemeja Linen" || a1.PriceMinor != 150000 || a1.Category != "tops" {
		t.Errorf("A-1 = %+v; the duplicate row must not overwrite it", a1)
	}
	if n := e.count(&catalog.Image{}); n != 2 {
		t.Errorf("images = %d, want 2", n)
	}
	if n := e.files(); n != 2 {
		t.Errorf("media files = %d, want 2 (nothing from failed rows)", n)
	}
}

func TestImportRefusesPrivateAddressesUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "toko", "USD")
	images := newImageServer(t, e.cat.Images.Limits().MaxBytes)
	loopback := images.URL + "/img/3.png" // httptest listens on 127.0.0.1
	localhost := strings.Replace(loopback, "127.0.0.1", "localhost", 1)
	file := "sku,title,price,image\nP-1,Shirt,10.00," + loopback + "\nP-2,Mug,5.00,\nP-3,Hat,7.00," + localhost + "\n"

	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := byLine(report)
	for _, line := range []int{2, 4} {
		if rows[line].Status != catalog.RowFailed || !strings.Contains(rows[line].Reason, "is a loopback address, not a public internet address") {
			t.Errorf("line %d without the allow option: %s %q, want refused as private", line, rows[line].Status, rows[line].Reason)
		}
	}
	if rows[3].Status != catalog.RowCreated {
		t.Errorf("line 3 (no image): %s %q, want created", rows[3].Status, rows[3].Reason)
	}
	if hits := images.hits.Load(); hits != 0 {
		t.Errorf("the image server was reached %d times; the dialer must refuse before connecting", hits)
	}
	report, err = e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{AllowPrivateURLs: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != 2 || report.Unchanged != 1 {
		t.Errorf("with the allow option: %+v, want 2 created and 1 unchanged", report.Rows)
	}
}

func TestImportMoneyNeverThroughFloat(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	tests := []struct {
		currency, locale, price string
		want                    int64
		wantReason              string
	}{
		{"USD", "", "19.99", 1999, ""},
		{"USD", "en", "1,234.50", 123450, ""},
		{"EUR", "de", "1.234,50", 123450, ""},
		{"IDR", "id", "1.234,50", 0, "more decimal places"},
		{"EUR", "id", "1.234,50", 123450, ""},
		{"IDR", "", "Rp 150.000", 150000, ""},
		{"IDR", "id", "Rp 150.000", 150000, ""},
		{"USD", "", "1,234", 0, "ambiguous"},
		{"USD", "", "0.1", 10, ""},
		{"USD", "", "4503599627370497.99", 0, "too large"},
	}
	for i, tt := range tests {
		owner := int64(100 + i)
		shop := e.shop(owner, fmt.Sprintf("money-%d", i), tt.currency)
		file := "sku,title,price\nM-1,Thing,\"" + tt.price + "\"\n"
		report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{Locale: tt.locale})
		if err != nil {
			t.Fatalf("%s %q: %v", tt.currency, tt.price, err)
		}
		row := report.Rows[0]
		if tt.wantReason != "" {
			if row.Status != catalog.RowFailed || !strings.Contains(row.Reason, tt.wantReason) || !strings.Contains(row.Reason, tt.price) {
				t.Errorf("%s %q locale %q: %s %q, want a failure naming the value and %q", tt.currency, tt.price, tt.locale, row.Status, row.Reason, tt.wantReason)
			}
			continue
		}
		p := e.product(shop.ID, "M-1")
		if row.Status != catalog.RowCreated || p.PriceMinor != tt.want {
			t.Errorf("%s %q locale %q: %s %q, price %d; want %d", tt.currency, tt.price, tt.locale, row.Status, row.Reason, p.PriceMinor, tt.want)
		}
	}
}

func TestExportImportRoundTripIsUnchanged(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{BaseURL: "https://warna.example"}, Options{})
	shop := e.shop(1, "round", "USD")
	p, err := e.cat.Products.CreateProduct(ctx, 1, catalog.ProductInput{
		Title: "Linen shirt R-1", SKU: "R-1", Category: "tops", Price: "12.34", Stock: 5, Status: catalog.StatusActive,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.Images.AddImage(ctx, 1, p.ID, bytes.NewReader(photo(t, 30, 30, color.RGBA{10, 120, 200, 255}))); err != nil {
		t.Fatal(err)
	}
	bps := 750
	if _, err := e.cat.Products.CreateProduct(ctx, 1, catalog.ProductInput{Title: "Dress, \"summer\"", Description: "two\nlines", SKU: "R-2", Category: "dresses",
		Price: "1,299.00", Stock: 0, Status: catalog.StatusDraft, CommissionBps: &bps, DeclaredColor: "navy"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.svc.ExportCSV(ctx, shop.ID, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "https://warna.example/media/") || !strings.Contains(out.String(), "1299.00") {
		t.Errorf("export lacks the media URL or the plain price:\n%s", out.String())
	}
	outbox := e.count(&catalog.OutboxEntry{})
	report, err := e.svc.ImportInto(ctx, shop.ID, bytes.NewReader(out.Bytes()), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Unchanged != 2 || len(report.Rows) != 2 {
		t.Fatalf("re-import of the export: %+v, want 2 unchanged", report.Rows)
	}
	if got := e.count(&catalog.OutboxEntry{}); got != outbox {
		t.Errorf("re-import wrote %d outbox rows", got-outbox)
	}
	// The same file imported by an instance with another BASE_URL still
	// recognises its own media links.
	elsewhere := NewService(e.db, e.store, nil, catalog.New(e.db, e.store, nil, catalog.Options{BaseURL: "http://localhost:8080"}), Options{})
	if report, err = elsewhere.ImportInto(ctx, shop.ID, bytes.NewReader(out.Bytes()), ImportOptions{}); err != nil || report.Unchanged != 2 {
		t.Errorf("re-import under another base URL: %+v, %v; want 2 unchanged", report.Rows, err)
	}
}

func TestImportJSONLinesAndUpdates(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "jsonl", "USD")
	file := `{"title":"Mug","seller_sku":"J-1","price":12.5,"quantity":3,"category":"Home > Mugs","warna":"teal"}
{"title":"Tote","seller_sku":"J-2","price":"20","quantity":"1.000","category":"Bags","status":"inactive"}
not json
`
	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := byLine(report)
	if rows[1].Status != catalog.RowCreated || rows[2].Status != catalog.RowCreated || rows[3].Status != catalog.RowFailed {
		t.Fatalf("rows = %+v", report.Rows)
	}
	mug, tote := e.product(shop.ID, "J-1"), e.product(shop.ID, "J-2")
	if mug.PriceMinor != 1250 || mug.Stock != 3 || mug.Category != "home" || mug.DeclaredColor != "teal" {
		t.Errorf("mug = %+v", mug)
	}
	if tote.Stock != 1000 || tote.Status != catalog.StatusDraft || tote.Category != "bags" {
		t.Errorf("tote = %+v", tote)
	}
	// A stock-only file updates stock and keeps everything else.
	report, err = e.svc.ImportInto(ctx, shop.ID, strings.NewReader("SKU,Stok\nJ-1,7\nJ-2,1000\n"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Updated != 1 || report.Unchanged != 1 {
		t.Errorf("stock update: %+v, want 1 updated and 1 unchanged", report.Rows)
	}
	if mug = e.product(shop.ID, "J-1"); mug.Stock != 7 || mug.Title != "Mug" || mug.PriceMinor != 1250 {
		t.Errorf("mug after stock update = %+v", mug)
	}
	if _, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader("Name,Price\nx,1\n"), ImportOptions{}); !fault.Is(err, fault.Invalid) {
		t.Errorf("file without a SKU column: %v, want invalid", err)
	}
}

func TestBackgroundImportRecordsProgressAndReport(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	e.shop(1, "background", "USD")
	file := "sku,title,price\nB-1,One,1.00\nB-2,,2.00\nB-3,Three,3.00\n"
	imp, err := e.svc.StartImport(ctx, 1, "catalogue.csv", strings.NewReader(file), "")
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != ImportQueued || e.jobs("import_catalog") != 1 {
		t.Fatalf("queued import: status %s, jobs %d", imp.Status, e.jobs("import_catalog"))
	}
	if _, err := e.svc.Import(ctx, 2, imp.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("another merchant reads the import: %v, want not found", err)
	}
	if err := e.svc.RunImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	if imp, err = e.svc.Import(ctx, 1, imp.ID); err != nil {
		t.Fatal(err)
	}
	if imp.Status != ImportDone || imp.Total != 3 || imp.Done != 3 || imp.Created != 2 || imp.Failed != 1 || imp.Percent() != 100 {
		t.Fatalf("finished import = %+v", imp)
	}
	rows := imp.Rows()
	if rows[0].Status != catalog.RowFailed || rows[0].Line != 3 || !strings.Contains(rows[0].Reason, "title") {
		t.Errorf("first reported row = %+v, want the failed line 3", rows[0])
	}
}
