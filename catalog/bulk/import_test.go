package bulk

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/media"
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

	hits, changes, jobsBefore := images.hits.Load(), e.count(&catalog.Change{}), e.jobs("process_image")
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
	if got := e.count(&catalog.Change{}); got != changes {
		t.Errorf("second import wrote %d change-log rows, want 0", got-changes)
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
	changes := e.count(&catalog.Change{})
	report, err := e.svc.ImportInto(ctx, shop.ID, bytes.NewReader(out.Bytes()), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Unchanged != 2 || len(report.Rows) != 2 {
		t.Fatalf("re-import of the export: %+v, want 2 unchanged", report.Rows)
	}
	if got := e.count(&catalog.Change{}); got != changes {
		t.Errorf("re-import wrote %d change-log rows", got-changes)
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
	if rows[1].Problem() != nil {
		t.Errorf("a row that landed has the problem %v", rows[1].Problem())
	}
}

// The stored report keeps each failed row's reason as its format and
// arguments, each read back as the type its verb wants, so that a page can
// translate it; the API's row (JSON) shows only the English reason.
func TestImportReportKeepsReasonFormats(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	e.shop(1, "formats", "USD")
	file := "sku,title,price\nD-1,One,1.00\nD-1,Again,2.00\n,No SKU,3.00\n"
	imp, err := e.svc.StartImport(ctx, 1, "catalogue.csv", strings.NewReader(file), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	if imp, err = e.svc.Import(ctx, 1, imp.ID); err != nil {
		t.Fatal(err)
	}
	rows := imp.Rows()
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	for _, c := range []struct {
		line   int
		format string
		args   []any
		reason string
	}{
		{3, "duplicate SKU in file (first on line %d)", []any{int64(2)}, "duplicate SKU in file (first on line 2)"},
		{4, "the SKU is missing", nil, "the SKU is missing"},
	} {
		i := slices.IndexFunc(rows, func(r RowResult) bool { return r.Line == c.line })
		if i < 0 {
			t.Fatalf("no row for line %d in %+v", c.line, rows)
		}
		format, args := fault.FormatOf(rows[i].Problem())
		if format != c.format || !reflect.DeepEqual(args, c.args) || rows[i].Reason != c.reason {
			t.Errorf("line %d: format %q args %#v reason %q, want %q %#v %q", c.line, format, args, rows[i].Reason, c.format, c.args, c.reason)
		}
		if got := fmt.Sprintf(format, args...); got != c.reason {
			t.Errorf("line %d: the stored format and arguments make %q, want %q", c.line, got, c.reason)
		}
		out, err := json.Marshal(rows[i])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "format") || strings.Contains(string(out), "args") {
			t.Errorf("line %d: the row's JSON shows more than the API documents: %s", c.line, out)
		}
	}
}

func TestImportUnterminatedQuoteReportsAndFinishes(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "quotes", "USD")
	// Line 3 has a stray quote in its first cell; line 4 opens a quoted
	// cell that is never closed, which swallows the rest of the file.
	file := "sku,title,price\nQ-1,Good shirt,10.00\nQ\"2,Stray quote,11.00\n\"Q-3,Never closed,12.00\nQ-4,Swallowed,13.00\n"

	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader(file), ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	rows := byLine(report)
	if rows[2].Status != catalog.RowCreated {
		t.Errorf("line 2: %s %q, want created", rows[2].Status, rows[2].Reason)
	}
	if r := rows[3]; r.Status != catalog.RowFailed || !strings.Contains(r.Reason, "stray quote") {
		t.Errorf("line 3: %s %q, want failed for the stray quote", r.Status, r.Reason)
	}
	if r := rows[4]; r.Status != catalog.RowFailed || !strings.Contains(r.Reason, "never closed") || !strings.Contains(r.Reason, "lines 4 to 5") {
		t.Errorf("line 4: %s %q, want failed naming the unclosed quote and the lines it swallowed", r.Status, r.Reason)
	}
	if report.Created != 1 || report.Failed != 2 || len(report.Rows) != 3 {
		t.Errorf("report %+v, want line 2 created, lines 3 and 4 failed", report.Rows)
	}

	// The same file uploaded runs in the background to the end: done, with
	// the reason on the import, never left "running".
	imp, err := e.svc.StartImport(ctx, 1, "broken.csv", strings.NewReader(file), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunImport(ctx, imp.ID); err != nil {
		t.Fatalf("run import: %v", err)
	}
	if imp, err = e.svc.Import(ctx, 1, imp.ID); err != nil {
		t.Fatal(err)
	}
	if imp.Status != ImportDone || imp.Failed != 2 || imp.Total != 3 {
		t.Errorf("background import = %s %d/%d, %d failed; want done with 2 failed of 3", imp.Status, imp.Done, imp.Total, imp.Failed)
	}
}

// brokenStore is a media store whose Open fails as the test says: with an
// error (storage down) or a panic (a bug on the import's path).
type brokenStore struct {
	media.Store
	panics bool
}

func (s brokenStore) Open(context.Context, string) (io.ReadCloser, error) {
	if s.panics {
		panic("a bug on the import's path")
	}
	return nil, errors.New("storage is down")
}

func importJob(id int64, attempt int) *river.Job[ImportCatalogArgs] {
	return &river.Job[ImportCatalogArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}, Args: ImportCatalogArgs{ImportID: id}}
}

// TestImportJobNeverStaysRunning: whatever stops an import's job — a panic,
// or an error on every attempt — the merchant sees it failed with a reason
// instead of "running" for good.
func TestImportJobNeverStaysRunning(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	e.shop(1, "stuck", "USD")
	start := func() Import {
		t.Helper()
		imp, err := e.svc.StartImport(ctx, 1, "catalogue.csv", strings.NewReader(fmt.Sprintf("sku,title,price\nS-%d,One,1.00\n", time.Now().UnixNano())), "")
		if err != nil {
			t.Fatal(err)
		}
		return imp
	}
	load := func(id int64) Import {
		t.Helper()
		imp, err := e.svc.Import(ctx, 1, id)
		if err != nil {
			t.Fatal(err)
		}
		return imp
	}

	panicking := &ImportCatalogWorker{Bulk: NewService(e.db, brokenStore{Store: e.store, panics: true}, nil, e.cat, Options{})}
	imp := start()
	err := panicking.Work(ctx, importJob(imp.ID, 1))
	var cancelled *rivertype.JobCancelError
	if !errors.As(err, &cancelled) {
		t.Errorf("a panicking import: %v, want the job cancelled (a retry would panic again)", err)
	}
	if got := load(imp.ID); got.Status != ImportFailed || !strings.Contains(got.Error, "error on our side") || got.FinishedAt == nil {
		t.Errorf("after a panic the import is %s %q, want failed with a reason", got.Status, got.Error)
	}

	failing := &ImportCatalogWorker{Bulk: NewService(e.db, brokenStore{Store: e.store}, nil, e.cat, Options{})}
	imp = start()
	if err := failing.Work(ctx, importJob(imp.ID, 1)); err == nil || errors.As(err, &cancelled) {
		t.Errorf("storage down on attempt 1: %v, want an error River retries", err)
	}
	if got := load(imp.ID); !got.Running() {
		t.Errorf("after attempt 1 of 5 the import is %s, want still running (it will be retried)", got.Status)
	}
	if err := failing.Work(ctx, importJob(imp.ID, 5)); err == nil {
		t.Error("storage down on the last attempt: no error")
	}
	if got := load(imp.ID); got.Status != ImportFailed || !strings.Contains(got.Error, "5 attempts") || strings.Contains(got.Error, "storage is down") {
		t.Errorf("after the last attempt the import is %s %q, want failed saying it gave up, without internal details", got.Status, got.Error)
	}
	// The reason keeps its format and the attempts as a number, for pages
	// in other languages.
	format, args := fault.FormatOf(load(imp.ID).Problem())
	if !strings.HasPrefix(format, "the import gave up after %d attempts") || !reflect.DeepEqual(args, []any{int64(5)}) {
		t.Errorf("the failed import's problem: %q %#v, want the format with 5 as int64", format, args)
	}
	if p := load(start().ID).Problem(); p != nil {
		t.Errorf("an import that did not fail has the problem %v", p)
	}
}

func TestCSVSyntaxErrorsSayWhatToFix(t *testing.T) {
	tests := []struct {
		name, file string
		wantLine   int
		want       string
	}{
		{"stray quote", "sku,title\nA-1,5\" screen\n", 2, "stray quote"},
		{"text after a closing quote", "sku,title\nA-1,\"Tee\" blue\nA-2,ok\n", 2, "text after its closing quote"},
		{"never closed on the last line", "sku,title\nA-1,ok\nA-2,\"Tee\n", 3, "starts on line 3 is never closed (a \" is missing), so line 3 could not be read"},
		{"never closed, CRLF lines", "sku,title\r\nA-1,\"Tee\r\nA-2,x\r\nA-3,y\r\n", 2, "so lines 2 to 4 could not be read"},
	}
	for _, tt := range tests {
		records, err := readCSV([]byte(tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got record
		for _, r := range records {
			if r.err != nil {
				got = r
				break
			}
		}
		if got.err == nil || got.line != tt.wantLine || !strings.Contains(fault.MessageOf(got.err), tt.want) {
			t.Errorf("%s: line %d %v, want line %d with %q", tt.name, got.line, got.err, tt.wantLine, tt.want)
		}
	}
	if _, err := readCSV([]byte("sku,\"title\n")); !fault.Is(err, fault.Invalid) || !strings.Contains(fault.MessageOf(err), "header line") {
		t.Errorf("a broken header: %v, want invalid naming the header", err)
	}
}

// TestExportNeutralisesFormulasAndImportsBack: text a spreadsheet would run
// as a formula (= + - @, a tab or carriage return first) is exported behind
// an apostrophe, which the import takes off again, so a catalogue exported
// and imported back is unchanged, with text that merely starts with an
// apostrophe and negative-looking numbers left as they are.
func TestExportNeutralisesFormulasAndImportsBack(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "formulas", "USD")
	titles := map[string]string{
		"F-1": "=HYPERLINK(\"http://evil.example\",\"click\")",
		"F-2": "+1+cmd|' /C calc'!A0",
		"F-3": "-2+3",
		"F-4": "@SUM(1,2)",
		"F-5": "'90s denim jacket",
		"F-6": "'=already quoted",
		"F-7": "-5",
		"F-8": "Plain shirt",
	}
	for sku, title := range titles {
		if _, err := e.cat.Products.CreateProduct(ctx, 1, catalog.ProductInput{Title: title, SKU: sku, Category: "tops", Price: "1.00",
			Description: "=1+1 in the description", DeclaredColor: "red", Status: catalog.StatusActive}); err != nil {
			t.Fatalf("%s: %v", sku, err)
		}
	}
	if _, err := e.cat.Products.CreateProduct(ctx, 1, catalog.ProductInput{Title: "SKU is a formula", SKU: "=A1", Category: "tops", Price: "1.00", Status: catalog.StatusActive}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.svc.ExportCSV(ctx, shop.ID, &out); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range records[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+@\t\r", rune(cell[0])) || strings.HasPrefix(cell, "-") && cell != "-5" {
				t.Errorf("exported cell %q (%s) would run as a formula", cell, records[0][i])
			}
		}
	}
	report, err := e.svc.ImportInto(ctx, shop.ID, bytes.NewReader(out.Bytes()), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Unchanged != len(titles)+1 || report.Failed != 0 {
		t.Fatalf("re-import of the export: %+v, want all %d unchanged", report.Rows, len(titles)+1)
	}
	for sku, title := range titles {
		if p := e.product(shop.ID, sku); p.Title != title || p.Description != "=1+1 in the description" {
			t.Errorf("%s after the round trip: %q / %q, want %q", sku, p.Title, p.Description, title)
		}
	}
	e.product(shop.ID, "=A1")
}
