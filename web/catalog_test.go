package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/catalog/catalogtest"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/web/api"
	"github.com/warna/warna/web/auth"
)

// catalogSite is the real server with the catalogue wired in. The job queue
// is real but not started, so tests run jobs themselves when they want to.
type catalogSite struct {
	*testSite
	db      *gorm.DB
	catalog *catalog.Catalog
	bulk    *bulk.Service
	store   *media.Local
}

func newCatalogSite(t *testing.T, limits imaging.Limits) *catalogSite {
	t.Helper()
	site, _ := newCatalogSiteQueue(t, catalog.Options{Limits: limits}, jobs.Options{})
	return site
}

// newCatalogSiteQueue builds the site and returns its job queue, for tests
// that start it.
func newCatalogSiteQueue(t *testing.T, opts catalog.Options, queueOpts jobs.Options) (*catalogSite, *jobs.Queue) {
	t.Helper()
	db := dbtest.Open(t, append(append(append(append(auth.Migrations(), jobs.Migrations()...), catalog.Migrations()...), bulk.Migrations()...),
		idempotency.Migrations()...)...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, queueOpts)
	if err != nil {
		t.Fatal(err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, store, queue, opts)
	catalog.AddWorkers(workers, cat)
	imports := bulk.NewService(db, store, queue, cat, bulk.Options{})
	bulk.AddWorkers(workers, imports)
	site := newTestSite(t, Config{}, Deps{Auth: auth.NewService(db, nil), Catalog: cat, Bulk: imports,
		Idempotency: idempotency.New(db, idempotency.Options{})})
	return &catalogSite{testSite: site, db: db, catalog: cat, bulk: imports, store: store}, queue
}

type upload struct {
	field, name string
	data        []byte
}

// postMultipart sends a multipart form the way a browser does.
func (b *browser) postMultipart(action string, fields url.Values, files []upload) response {
	b.t.Helper()
	body, contentType := multipartBody(b.t, fields, files)
	req := newRequest(b.t, http.MethodPost, b.site.srv.URL+action, body)
	req.Header.Set("Content-Type", contentType)
	return b.do(req)
}

// multipartBody encodes form fields and files as multipart/form-data.
func multipartBody(t testing.TB, fields url.Values, files []upload) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		part, err := w.CreateFormFile(f.field, f.name)
		if err == nil {
			_, err = part.Write(f.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, w.FormDataContentType()
}

// api calls the JSON API with the browser's session and a CSRF header (or
// with an API key when key is set).
func (b *browser) api(method, path, key string, body any) response {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			raw = []byte(s)
		}
		r = bytes.NewReader(raw)
	}
	req := newRequest(b.t, method, b.site.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	} else if method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", b.csrf("/"))
	}
	return b.do(req)
}

// openShop signs a merchant up and opens their shop through the forms.
func (s *catalogSite) merchant(t *testing.T, email, slug string) *browser {
	t.Helper()
	b := s.browser()
	b.signUp(auth.RoleMerchant, email)
	if got := b.get("/merchant"); got.Status != http.StatusSeeOther || got.Location != "/merchant/shop/new" {
		t.Fatalf("GET /merchant without a shop: %d → %q, want 303 to /merchant/shop/new", got.Status, got.Location)
	}
	res := b.submit("/merchant/shop/new", "/merchant/shop/new", url.Values{
		"name": {"Shop " + slug}, "slug": {slug}, "currency": {"USD"}, "time_zone": {"Asia/Jakarta"},
		"commission": {"10"}, "return_window_days": {"7"}, "attribution_window_days": {"30"},
	})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create shop %s: %d %.300s", slug, res.Status, res.Body)
	}
	return b
}

func (s *catalogSite) apiKey(t *testing.T, b *browser) string {
	t.Helper()
	res := b.submit("/merchant/api-keys", "/merchant/api-keys", url.Values{"name": {"test"}})
	return regexpFind(t, `wk_[a-z0-9]+_[A-Z0-9]+`, res.Body)
}

func (s *catalogSite) product(t *testing.T, id int64) catalog.Product {
	t.Helper()
	var p catalog.Product
	if err := s.db.Preload("Images", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).Take(&p, id).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *catalogSite) mediaFiles(t *testing.T) int {
	t.Helper()
	n, err := s.store.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var productPath = regexp.MustCompile(`^/merchant/products/(\d+)$`)

// createProduct posts the new-product form with photos and returns the id.
func createProduct(t *testing.T, b *browser, title, price string, photos ...[]byte) int64 {
	t.Helper()
	var files []upload
	for i, p := range photos {
		files = append(files, upload{"photos", fmt.Sprintf("photo%d.png", i+1), p})
	}
	res := b.postMultipart("/merchant/products", url.Values{
		"_csrf": {b.csrf("/merchant/products/new")}, "title": {title}, "price": {price}, "stock": {"5"},
		"category": {"tops"}, "status": {"active"}, "description": {"Soft linen."},
	}, files)
	m := productPath.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create product: %d → %q, want 303 to the product; body %.400s", res.Status, res.Location, res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestMerchantCreatesReordersEditsAndArchivesAProduct(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	shopper := site.browser()
	b := site.browser()
	b.signUp(auth.RoleMerchant, "sari@example.com")

	// Shop form: inline validation, then success.
	bad := b.submit("/merchant/shop/new", "/merchant/shop/new", url.Values{"name": {"Batik Sari"}, "slug": {"batik-sari"}, "currency": {"USD"},
		"time_zone": {"Asia/Atlantis"}, "commission": {"10"}, "return_window_days": {"7"}, "attribution_window_days": {"30"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "is not a time zone") || !strings.Contains(bad.Body, `value="Batik Sari"`) {
		t.Fatalf("bad time zone: %d, want 422 with the message and the form kept; %.500s", bad.Status, bad.Body)
	}
	if res := b.submit("/merchant/shop/new", "/merchant/shop/new", url.Values{"name": {"Batik Sari"}, "slug": {"batik-sari"}, "currency": {"USD"},
		"time_zone": {"Asia/Jakarta"}, "commission": {"12.5"}, "return_window_days": {"7"}, "attribution_window_days": {"30"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("create shop: %d", res.Status)
	}

	colours := []color.RGBA{{200, 30, 40, 255}, {30, 160, 60, 255}, {40, 60, 200, 255}}
	var photos [][]byte
	for _, c := range colours {
		photos = append(photos, pngPhoto(t, 900, 700, c))
	}
	id := createProduct(t, b, "Linen shirt", "19.99", photos...)
	p := site.product(t, id)
	if len(p.Images) != 3 || p.PriceMinor != 1999 || p.Status != catalog.StatusActive {
		t.Fatalf("created product: %d images, price %d, status %s; want 3, 1999, active", len(p.Images), p.PriceMinor, p.Status)
	}
	first, third := p.Images[0].ID, p.Images[2].ID
	edit := fmt.Sprintf("/merchant/products/%d", id)
	page := b.get(edit)
	if page.Status != http.StatusOK || strings.Count(page.Body, "Preparing photo") != 3 {
		t.Fatalf("edit page: %d, want 200 with three pending placeholders", page.Status)
	}
	if home := b.get("/merchant"); !strings.Contains(home.Body, "Linen shirt") || !strings.Contains(home.Body, "$19.99") {
		t.Errorf("merchant home does not list the product with its price")
	}

	// Reorder: the third photo up twice becomes the first.
	for range 2 {
		res := b.submit(edit, fmt.Sprintf("%s/photos/%d/move", edit, third), url.Values{"direction": {"up"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("move photo: %d", res.Status)
		}
	}
	if p = site.product(t, id); p.Images[0].ID != third || p.Images[1].ID != first {
		t.Fatalf("order after moving up twice: %d,%d,%d; want %d first", p.Images[0].ID, p.Images[1].ID, p.Images[2].ID, third)
	}

	// Edit the price: a bad value is shown inline, a good one saved.
	fields := url.Values{"title": {"Linen shirt"}, "price": {"nineteen"}, "stock": {"5"}, "category": {"tops"}, "status": {"active"}, "sku": {p.SKU}}
	res := b.submit(edit, edit, fields)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "is not an amount") || !strings.Contains(res.Body, `aria-invalid="true"`) {
		t.Fatalf("bad price: %d, want 422 with an inline message; %.300s", res.Status, res.Body)
	}
	fields.Set("price", "24.50")
	if res = b.submit(edit, edit, fields); res.Status != http.StatusSeeOther {
		t.Fatalf("edit price: %d %.300s", res.Status, res.Body)
	}
	if p = site.product(t, id); p.PriceMinor != 2450 {
		t.Fatalf("price after edit = %d, want 2450", p.PriceMinor)
	}

	// Shoppers see it; once processed, photos come with srcset over 160/400/800.
	for _, img := range p.Images {
		if err := site.catalog.Pipeline.ProcessImage(context.Background(), img.ID); err != nil {
			t.Fatal(err)
		}
	}
	pub := shopper.get(fmt.Sprintf("/products/%d", id))
	if pub.Status != http.StatusOK || !strings.Contains(pub.Body, "$24.50") {
		t.Fatalf("product page: %d, want 200 with the new price", pub.Status)
	}
	if !strings.Contains(pub.Body, "Colours in the photo") || !strings.Contains(pub.Body, `class="swatch"`) {
		t.Error("the product page shows no palette swatches after processing")
	}
	srcset := regexpFind(t, `srcset="([^"]+)"`, pub.Body)
	for _, w := range []string{"160w", "400w", "800w"} {
		if !strings.Contains(srcset, w) {
			t.Errorf("srcset %q lacks %s", srcset, w)
		}
	}
	thumb := regexpFind(t, `/media/[0-9a-f]{64}\.jpg`, pub.Body)
	if got := shopper.get(thumb); got.Status != http.StatusOK || got.Header.Get("Content-Type") != "image/jpeg" ||
		got.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d %q %q", thumb, got.Status, got.Header.Get("Content-Type"), got.Header.Get("Cache-Control"))
	}
	if cat := shopper.get("/catalogue/tops"); !strings.Contains(cat.Body, "Linen shirt") {
		t.Error("the category page does not list the product")
	}
	if shop := shopper.get("/shops/batik-sari"); !strings.Contains(shop.Body, "Linen shirt") {
		t.Error("the shop page does not list the product")
	}

	// Remove a photo.
	if res := b.submit(edit, fmt.Sprintf("%s/photos/%d/remove", edit, first), url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("remove photo: %d", res.Status)
	}
	if p = site.product(t, id); len(p.Images) != 2 {
		t.Fatalf("photos after removal = %d, want 2", len(p.Images))
	}

	// Archive: shoppers no longer see it, the owner still can.
	if res := b.submit(edit, edit+"/archive", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("archive: %d", res.Status)
	}
	if got := shopper.get(fmt.Sprintf("/products/%d", id)); got.Status != http.StatusNotFound {
		t.Errorf("archived product page for shoppers: %d, want 404", got.Status)
	}
	if got := shopper.get(fmt.Sprintf("/api/v1/catalog/products/%d", id)); got.Status != http.StatusNotFound {
		t.Errorf("archived product in the public API: %d, want 404", got.Status)
	}
	if got := b.get(fmt.Sprintf("/products/%d", id)); got.Status != http.StatusOK || !strings.Contains(got.Body, "Preview") {
		t.Errorf("owner's preview of the archived product: %d", got.Status)
	}
	if cat := shopper.get("/catalogue"); strings.Contains(cat.Body, "Linen shirt") {
		t.Error("the catalogue still lists the archived product")
	}
}

func TestProductRoutesRefuseInfluencersAndOtherMerchants(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	owner := site.merchant(t, "owner@example.com", "owner-shop")
	id := createProduct(t, owner, "Silk scarf", "30.00", pngPhoto(t, 40, 40, color.RGBA{200, 0, 0, 255}))
	// A draft too: other people must not see it either.
	draft := site.product(t, createProduct(t, owner, "Secret draft", "10.00"))
	if err := site.db.Model(&catalog.Product{}).Where("id = ?", draft.ID).Update("status", catalog.StatusDraft).Error; err != nil {
		t.Fatal(err)
	}
	before := site.product(t, id)
	imageID := before.Images[0].ID

	other := site.merchant(t, "other@example.com", "other-shop")
	otherKey := site.apiKey(t, other)
	influencer := site.browser()
	influencer.signUp(auth.RoleInfluencer, "inf@example.com")

	photo := []upload{{"photos", "x.png", pngPhoto(t, 10, 10, color.RGBA{0, 0, 0, 255})}}
	apiPhoto := []upload{{"file", "x.png", pngPhoto(t, 10, 10, color.RGBA{0, 0, 0, 255})}}
	p := fmt.Sprintf("/merchant/products/%d", id)
	a := fmt.Sprintf("/api/v1/products/%d", id)
	form := url.Values{"title": {"Hijacked"}, "price": {"1"}, "stock": {"1"}, "category": {"tops"}, "status": {"active"}}
	routes := []struct {
		name string
		call func(b *browser, key string) response
	}{
		{"GET edit page", func(b *browser, _ string) response { return b.get(p) }},
		{"POST edit", func(b *browser, _ string) response { return b.submit("/", p, cloneValues(form)) }},
		{"POST archive", func(b *browser, _ string) response { return b.submit("/", p+"/archive", url.Values{}) }},
		{"POST photos", func(b *browser, _ string) response {
			return b.postMultipart(p+"/photos", url.Values{"_csrf": {b.csrf("/")}}, photo)
		}},
		{"POST move photo", func(b *browser, _ string) response {
			return b.submit("/", fmt.Sprintf("%s/photos/%d/move", p, imageID), url.Values{"direction": {"down"}})
		}},
		{"POST remove photo", func(b *browser, _ string) response {
			return b.submit("/", fmt.Sprintf("%s/photos/%d/remove", p, imageID), url.Values{})
		}},
		{"API get", func(b *browser, key string) response { return b.api(http.MethodGet, a, key, nil) }},
		{"API patch", func(b *browser, key string) response {
			return b.api(http.MethodPatch, a, key, map[string]any{"price_minor": 1})
		}},
		{"API archive", func(b *browser, key string) response { return b.api(http.MethodPost, a+"/archive", key, nil) }},
		{"API families", func(b *browser, key string) response {
			return b.api(http.MethodPut, a+"/families", key, map[string]any{"families": []string{"red"}})
		}},
		{"API delete", func(b *browser, key string) response { return b.api(http.MethodDelete, a, key, nil) }},
		{"API upload", func(b *browser, key string) response {
			body, contentType := multipartBody(t, nil, []upload{{"file", "x.png", apiPhoto[0].data}})
			req := newRequest(t, http.MethodPost, b.site.srv.URL+a+"/images", body)
			req.Header.Set("Content-Type", contentType)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			} else {
				req.Header.Set("X-CSRF-Token", b.csrf("/"))
			}
			return b.do(req)
		}},
		{"draft page", func(b *browser, _ string) response { return b.get(fmt.Sprintf("/products/%d", draft.ID)) }},
	}
	for _, rt := range routes {
		if got := rt.call(influencer, ""); got.Status != http.StatusForbidden && !(rt.name == "draft page" && got.Status == http.StatusNotFound) {
			t.Errorf("influencer %s: %d, want 403; %.200s", rt.name, got.Status, got.Body)
		}
		if got := rt.call(other, ""); got.Status != http.StatusNotFound {
			t.Errorf("other merchant %s (session): %d, want 404; %.200s", rt.name, got.Status, got.Body)
		}
		if strings.HasPrefix(rt.name, "API") {
			if got := rt.call(site.browser(), otherKey); got.Status != http.StatusNotFound {
				t.Errorf("other merchant %s (API key): %d, want 404; %.200s", rt.name, got.Status, got.Body)
			}
		}
	}
	if got := site.browser().get(fmt.Sprintf("/products/%d", draft.ID)); got.Status != http.StatusNotFound {
		t.Errorf("draft product page for an anonymous shopper: %d, want 404", got.Status)
	}
	if list := other.api(http.MethodGet, "/api/v1/products", otherKey, nil); strings.Contains(list.Body, "Silk scarf") {
		t.Error("another merchant's product list includes the owner's product")
	}
	after := site.product(t, id)
	if after.Title != before.Title || after.PriceMinor != before.PriceMinor || after.Status != before.Status || len(after.Images) != 1 {
		t.Errorf("the product changed: %+v", after)
	}
	// The owner still reaches every route.
	if got := owner.get(p); got.Status != http.StatusOK {
		t.Errorf("owner GET edit page: %d", got.Status)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestUploadRefusalsLeaveNothingBehind(t *testing.T) {
	limits := imaging.Limits{MaxBytes: 256 << 10, MaxPixels: 50_000_000}
	site := newCatalogSite(t, limits)
	b := site.merchant(t, "up@example.com", "uploads")
	key := site.apiKey(t, b)
	id := createProduct(t, b, "Mug", "5.00")
	oversized := append(pngPhoto(t, 8, 8, color.RGBA{1, 1, 1, 255}), bytes.Repeat([]byte{7}, int(limits.MaxBytes))...)
	cases := []struct {
		name       string
		data       []byte
		wantStatus int // API; forms re-render with 422 for invalid input
		wantMsg    string
	}{
		{"not an image", []byte("%PDF-1.7 definitely not a photo"), http.StatusBadRequest, "not an image"},
		{"20000×20000 PNG header", catalogtest.BombPNG(20000, 20000), http.StatusRequestEntityTooLarge, "20000 × 20000"},
		{"over the byte limit", oversized, http.StatusRequestEntityTooLarge, "0.2 MiB limit"},
	}
	edit := fmt.Sprintf("/merchant/products/%d", id)
	for _, tc := range cases {
		form := b.postMultipart(edit+"/photos", url.Values{"_csrf": {b.csrf(edit)}}, []upload{{"photos", "x.png", tc.data}})
		wantForm := tc.wantStatus
		if wantForm == http.StatusBadRequest {
			wantForm = http.StatusUnprocessableEntity
		}
		// pages start messages with a capital letter
		if form.Status != wantForm || !strings.Contains(strings.ToLower(form.Body), strings.ToLower(tc.wantMsg)) || !strings.Contains(form.Body, `class="field-error"`) {
			t.Errorf("form upload, %s: %d, want %d with %q next to the field; %.300s", tc.name, form.Status, wantForm, tc.wantMsg, form.Body)
		}
		req := newRequest(t, http.MethodPost, site.srv.URL+fmt.Sprintf("/api/v1/products/%d/images", id), bytes.NewReader(tc.data))
		req.Header.Set("Content-Type", "image/png")
		req.Header.Set("Authorization", "Bearer "+key)
		res := b.do(req)
		var body apiError
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
			t.Fatalf("not JSON: %v: %.300s", err, res.Body)
		}
		if res.Status != tc.wantStatus || !strings.Contains(body.Error.Message, tc.wantMsg) {
			t.Errorf("API upload, %s: %d %q, want %d with %q", tc.name, res.Status, body.Error.Message, tc.wantStatus, tc.wantMsg)
		}
	}
	var images int64
	if err := site.db.Model(&catalog.Image{}).Count(&images).Error; err != nil {
		t.Fatal(err)
	}
	var queued int64
	if err := site.db.Table("river_job").Where("kind = ?", "process_image").Count(&queued).Error; err != nil {
		t.Fatal(err)
	}
	if images != 0 || queued != 0 || site.mediaFiles(t) != 0 {
		t.Errorf("after refused uploads: %d image rows, %d jobs, %d media files; want none", images, queued, site.mediaFiles(t))
	}
}

func TestProductsAPI(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "api@example.com", "api-shop")
	key := site.apiKey(t, b)
	anon := site.browser()

	res := anon.api(http.MethodPost, "/api/v1/products", key, map[string]any{
		"title": "Canvas tote", "sku": "TOTE-1", "category": "bags", "price": "12.50", "stock": 4, "status": "active", "commission_bps": 1500,
	})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var created api.Product
	if err := json.Unmarshal([]byte(res.Body), &created); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, res.Body)
	}
	if created.PriceMinor != 1250 || created.Price != "12.50" || created.CommissionBps == nil || *created.CommissionBps != 1500 {
		t.Fatalf("created = %+v", created)
	}
	for i := 0; i < 5; i++ {
		anon.api(http.MethodPost, "/api/v1/products", key, map[string]any{"title": fmt.Sprintf("Draft %d", i), "category": "home", "price_minor": 100 + i})
	}
	var list api.ProductList
	res = anon.api(http.MethodGet, "/api/v1/products?status=draft&per_page=2&page=2", key, nil)
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, res.Body)
	}
	if res.Status != http.StatusOK || list.Total != 5 || len(list.Items) != 2 || list.Page != 2 {
		t.Fatalf("list drafts page 2: %d total %d items %d page %d", res.Status, list.Total, len(list.Items), list.Page)
	}
	tests := []struct {
		body      string
		wantField string
	}{
		{`{"titel":"typo"}`, "titel"},
		{`{"price":"1,234"}`, "price"},
		{`{"price_minor":-5}`, "price"},
		{`{"stock":"many"}`, "stock"},
		{`{"category":"spaceships"}`, "category"},
		{`{"price":"1","price_minor":1}`, "price"},
	}
	path := fmt.Sprintf("/api/v1/products/%d", created.ID)
	for _, tt := range tests {
		res := anon.api(http.MethodPatch, path, key, tt.body)
		var e apiError
		if err := json.Unmarshal([]byte(res.Body), &e); err != nil {
			t.Fatalf("not JSON: %v: %.300s", err, res.Body)
		}
		if res.Status != http.StatusBadRequest || e.Error.Field != tt.wantField {
			t.Errorf("PATCH %s: %d field %q (%s), want 400 on %q", tt.body, res.Status, e.Error.Field, e.Error.Message, tt.wantField)
		}
	}
	res = anon.api(http.MethodPatch, path, key, `{"price_minor": 1999, "commission_bps": null}`)
	var updated api.Product
	if err := json.Unmarshal([]byte(res.Body), &updated); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, res.Body)
	}
	if res.Status != http.StatusOK || updated.PriceMinor != 1999 || updated.CommissionBps != nil || updated.Title != "Canvas tote" {
		t.Fatalf("patch: %d %+v", res.Status, updated)
	}
	// The public view shows only active, in-stock products, without commission terms.
	res = anon.get("/api/v1/catalog/products")
	var public api.ProductList
	if err := json.Unmarshal([]byte(res.Body), &public); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, res.Body)
	}
	if public.Total != 1 || public.Items[0].ID != created.ID || strings.Contains(res.Body, "commission") {
		t.Errorf("public list: %s", res.Body)
	}
	if got := anon.get("/api/v1/products"); got.Status != http.StatusUnauthorized {
		t.Errorf("merchant API without credentials: %d, want 401", got.Status)
	}
}

func TestImportUploadRunsInTheBackgroundAndExports(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "imp@example.com", "importer")
	csv := "Nama Produk;SKU Induk;Harga;Stok;Kategori\nKemeja;K-1;19,99;3;Atasan\n;K-2;5;1;Atasan\nKemeja;K-1;19,99;3;Atasan\n"
	res := b.postMultipart("/merchant/imports", url.Values{"_csrf": {b.csrf("/merchant/imports")}, "locale": {"id"}},
		[]upload{{"file", "tokopedia.csv", []byte(csv)}})
	m := regexp.MustCompile(`^/merchant/imports/(\d+)$`).FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload import: %d → %q; %.300s", res.Status, res.Location, res.Body)
	}
	page := b.get(res.Location)
	if !strings.Contains(page.Body, `http-equiv="refresh"`) || !strings.Contains(page.Body, "queued") {
		t.Errorf("queued import page does not refresh itself: %.400s", page.Body)
	}
	importID, _ := strconv.ParseInt(m[1], 10, 64)
	if err := site.bulk.RunImport(context.Background(), importID); err != nil {
		t.Fatal(err)
	}
	page = b.get(res.Location)
	if strings.Contains(page.Body, `http-equiv="refresh"`) || !strings.Contains(page.Body, "Duplicate SKU in file (first on line 2)") ||
		!strings.Contains(page.Body, "title is missing") {
		t.Errorf("finished import page: %.1500s", page.Body)
	}
	other := site.merchant(t, "nosy@example.com", "nosy")
	if got := other.get(res.Location); got.Status != http.StatusNotFound {
		t.Errorf("another merchant's import page: %d, want 404", got.Status)
	}
	export := b.get("/merchant/export.csv")
	if export.Status != http.StatusOK || !strings.HasPrefix(export.Header.Get("Content-Type"), "text/csv") || !strings.Contains(export.Body, "K-1,Kemeja") || !strings.Contains(export.Body, "19.99") {
		t.Errorf("export: %d %q %q", export.Status, export.Header.Get("Content-Type"), export.Body)
	}
	if bad := b.postMultipart("/merchant/imports", url.Values{"_csrf": {b.csrf("/merchant/imports")}}, nil); bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Choose a CSV") {
		t.Errorf("import without a file: %d", bad.Status)
	}
}

// pngPhoto draws a real PNG: a coloured product on white, w×h pixels.
func pngPhoto(t *testing.T, w, h int, c color.RGBA) []byte { return catalogtest.Photo(t, w, h, c, 0.2) }
