package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/warna/warna/imaging"
	"github.com/warna/warna/web/api"
)

// TestImportProblemsReachTheMerchant: what went wrong with an import file —
// its encoding, a CSV syntax error, a workbook instead of CSV — is on the
// import page and in the API's answer.
func TestImportProblemsReachTheMerchant(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "encodings@example.com", "encodings")

	// A Windows-1252 file through the page: the import says what it read it as.
	legacy := "sku,title,price\nW-1,Caf\xe9 cr\xe8me \x93special\x94,10.00\n"
	res := b.postMultipart("/merchant/imports", url.Values{"_csrf": {b.csrf("/merchant/imports")}},
		[]upload{{"file", "excel.csv", []byte(legacy)}})
	m := regexp.MustCompile(`^/merchant/imports/(\d+)$`).FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d → %q; %.300s", res.Status, res.Location, res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	if err := site.bulk.RunImport(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if page := b.get(res.Location); !strings.Contains(page.Body, "Read as Windows-1252. The file is not UTF-8") {
		t.Errorf("import page does not say how the file was read: %.1500s", page.Body)
	}
	if got := b.api(http.MethodGet, "/api/v1/products?q=W-1", "", nil); !strings.Contains(got.Body, `"title":"Café crème “special”"`) {
		t.Errorf("the product's title was not read as Windows-1252: %.400s", got.Body)
	}

	// A file with an unclosed quote through the API, as the request body.
	req := newRequest(t, http.MethodPost, site.srv.URL+"/api/v1/imports?filename=broken.csv", strings.NewReader("sku,title,price\nB-1,\"Shirt,1.00\nB-2,Hat,2.00\n"))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-CSRF-Token", b.csrf("/"))
	res = b.do(req)
	var started api.Import
	if err := json.Unmarshal([]byte(res.Body), &started); err != nil || res.Status != http.StatusAccepted || started.Status != "queued" || res.Header.Get("Location") != started.URL {
		t.Fatalf("start an import through the API: %d %v %.300s", res.Status, err, res.Body)
	}
	if err := site.bulk.RunImport(context.Background(), started.ID); err != nil {
		t.Fatal(err)
	}
	got := b.api(http.MethodGet, "/api/v1/imports/"+strconv.FormatInt(started.ID, 10), "", nil)
	var done api.Import
	if err := json.Unmarshal([]byte(got.Body), &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.Encoding != "UTF-8" || done.Failed != 1 || len(done.Rows) != 1 ||
		!strings.Contains(done.Rows[0].Reason, "starts on line 2 is never closed") {
		t.Errorf("finished import in the API: %+v", done)
	}
	// The import page says the row's reason in its reader's language, the
	// line number read back from the stored report as a number.
	req = newRequest(t, http.MethodGet, site.srv.URL+"/merchant/imports/"+strconv.FormatInt(started.ID, 10), nil)
	req.Header.Set("Accept-Language", "id-ID,id;q=0.9")
	if page := b.do(req); !strings.Contains(page.Body, "Sel bertanda kutip yang dimulai di baris 2 tidak pernah ditutup") {
		t.Errorf("the Indonesian import page does not give the row's reason in Indonesian: %.2000s", page.Body)
	}

	// A workbook is refused at upload with what to do instead.
	body, contentType := multipartBody(t, nil, []upload{{"file", "products.xlsx", []byte("PK\x03\x04\x14\x00\x06\x00rest of a zip")}})
	req = newRequest(t, http.MethodPost, site.srv.URL+"/api/v1/imports", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-CSRF-Token", b.csrf("/"))
	if res = b.do(req); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "save it as CSV") {
		t.Errorf("an xlsx upload: %d %.300s, want 400 saying to save it as CSV", res.Status, res.Body)
	}
	if other := site.merchant(t, "other-imports@example.com", "other-imports"); other.api(http.MethodGet, "/api/v1/imports/"+strconv.FormatInt(started.ID, 10), "", nil).Status != http.StatusNotFound {
		t.Error("another merchant reads the import through the API")
	}
}
