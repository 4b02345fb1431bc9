package web

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/imaging"
)

// call sends a JSON API request with the API key and extra headers.
func (b *browser) call(method, path, key, body string, header map[string]string) response {
	b.t.Helper()
	var r *strings.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	var req *http.Request
	if r != nil {
		req = newRequest(b.t, method, b.site.srv.URL+path, r)
	} else {
		req = newRequest(b.t, method, b.site.srv.URL+path, nil)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

func productID(t *testing.T, res response) int64 {
	t.Helper()
	var p struct{ ID int64 }
	if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p.ID == 0 {
		t.Fatalf("no product id in %d %.300s (%v)", res.Status, res.Body, err)
	}
	return p.ID
}

func (s *catalogSite) countProducts(t *testing.T, title string) int64 {
	t.Helper()
	var n int64
	if err := s.db.Model(&catalog.Product{}).Where("title = ?", title).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIdempotencyKeyReplaysAndRefuses(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "idem@example.com", "idem-shop")
	key := site.apiKey(t, b)
	idem := map[string]string{"Idempotency-Key": "create-scarf-1"}

	first := b.call(http.MethodPost, "/api/v1/products", key, `{"title":"Silk scarf","category":"tops","price_minor":2500}`, idem)
	if first.Status != http.StatusCreated || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first create: %d replayed=%q %.300s", first.Status, first.Header.Get("Idempotent-Replayed"), first.Body)
	}
	// The same object with its keys in another order and other spacing is the same request.
	again := b.call(http.MethodPost, "/api/v1/products", key, `{ "price_minor": 2500, "category": "tops", "title": "Silk scarf" }`, idem)
	if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" || again.Body != first.Body ||
		again.Location != first.Location {
		t.Errorf("retry: %d replayed=%q, body same %v, Location %q vs %q", again.Status, again.Header.Get("Idempotent-Replayed"),
			again.Body == first.Body, again.Location, first.Location)
	}
	conflict := b.call(http.MethodPost, "/api/v1/products", key, `{"title":"Silk scarf","category":"tops","price_minor":9900}`, idem)
	if conflict.Status != http.StatusConflict || !strings.Contains(conflict.Body, `"field":"Idempotency-Key"`) {
		t.Errorf("same key, other body: %d %.300s, want 409 naming Idempotency-Key", conflict.Status, conflict.Body)
	}
	if n := site.countProducts(t, "Silk scarf"); n != 1 {
		t.Errorf("%d products made, want 1", n)
	}
	// Keys belong to their account: another merchant's identical key is theirs.
	other := site.merchant(t, "idem2@example.com", "idem-other")
	otherKey := site.apiKey(t, other)
	if res := other.call(http.MethodPost, "/api/v1/products", otherKey, `{"title":"Silk scarf","category":"tops","price_minor":9900}`, idem); res.Status != http.StatusCreated ||
		res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another account, same key: %d replayed=%q", res.Status, res.Header.Get("Idempotent-Replayed"))
	}
	if res := b.call(http.MethodPost, "/api/v1/products", key, `{"title":"x"}`, map[string]string{"Idempotency-Key": "has space"}); res.Status != http.StatusBadRequest {
		t.Errorf("a key with a space: %d, want 400", res.Status)
	}
	// A 4xx answer is kept too: the same bad request with its key gets the same answer.
	bad := b.call(http.MethodPost, "/api/v1/products", key, `{"title":"","category":"tops"}`, map[string]string{"Idempotency-Key": "bad-1"})
	badAgain := b.call(http.MethodPost, "/api/v1/products", key, `{"title":"","category":"tops"}`, map[string]string{"Idempotency-Key": "bad-1"})
	if bad.Status != http.StatusBadRequest || badAgain.Status != bad.Status || badAgain.Body != bad.Body || badAgain.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a refused request replayed: %d/%d %q", bad.Status, badAgain.Status, badAgain.Header.Get("Idempotent-Replayed"))
	}

	// Photos: a multipart retry has a new boundary but the same parts.
	id := productID(t, first)
	photo := pngPhoto(t, 64, 48, color.RGBA{R: 200, G: 30, B: 30, A: 255})
	upload := func() response {
		body, ct := multipartBody(t, nil, []upload{{"file", "scarf.png", photo}})
		req := newRequest(t, http.MethodPost, fmt.Sprintf("%s/api/v1/products/%d/images", site.srv.URL, id), body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Idempotency-Key", "photo-1")
		return b.do(req)
	}
	up1, up2 := upload(), upload()
	if up1.Status != http.StatusCreated || up2.Status != http.StatusCreated || up2.Header.Get("Idempotent-Replayed") != "true" || up1.Body != up2.Body {
		t.Errorf("photo upload and its retry: %d, %d replayed=%q", up1.Status, up2.Status, up2.Header.Get("Idempotent-Replayed"))
	}
	if p := site.product(t, id); len(p.Images) != 1 {
		t.Errorf("%d photos stored, want 1", len(p.Images))
	}
}

func TestIdempotencyKeyConcurrentDuplicatesHaveOneEffect(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "race@example.com", "race-shop")
	key := site.apiKey(t, b)
	const n = 8
	body := `{"title":"Racing tote","category":"bags","price_minor":4000}`
	idem := map[string]string{"Idempotency-Key": "race-1"}
	results := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = b.call(http.MethodPost, "/api/v1/products", key, body, idem)
		})
	}
	close(start)
	wg.Wait()
	var created string
	for _, res := range results {
		switch res.Status {
		case http.StatusCreated:
			if created != "" && res.Body != created {
				t.Errorf("two different answers for one key: %.200s / %.200s", created, res.Body)
			}
			created = res.Body
		case http.StatusConflict:
			if res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "still being processed") {
				t.Errorf("409 while in progress without Retry-After or reason: %.300s", res.Body)
			}
		default:
			t.Errorf("concurrent duplicate: %d %.300s", res.Status, res.Body)
		}
	}
	if n := site.countProducts(t, "Racing tote"); n != 1 {
		t.Fatalf("%d products made by %d concurrent requests with one key, want exactly 1", n, len(results))
	}
	after := b.call(http.MethodPost, "/api/v1/products", key, body, idem)
	if after.Status != http.StatusCreated || after.Header.Get("Idempotent-Replayed") != "true" || (created != "" && after.Body != created) {
		t.Errorf("a retry after the race: %d replayed=%q", after.Status, after.Header.Get("Idempotent-Replayed"))
	}
}

// TestCursorPaginationOver1000Products walks 1,000 products by cursor,
// 100 at a time, while new products are added between pages: each of the
// 1,000 is seen exactly once, and none of the new ones.
func TestCursorPaginationOver1000Products(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "many@example.com", "many-shop")
	key := site.apiKey(t, b)
	shop, err := site.catalog.Shops.ShopBySlug(context.Background(), "many-shop")
	if err != nil {
		t.Fatal(err)
	}
	const total = 1000
	batch := make([]catalog.Product, 0, total)
	for i := range total {
		batch = append(batch, catalog.Product{ShopID: shop.ID, SKU: fmt.Sprintf("SKU-%04d", i), Title: fmt.Sprintf("Product %04d", i),
			Category: "tops", PriceMinor: int64(1000 + i), Currency: shop.Currency, Stock: 3, Status: catalog.StatusActive})
	}
	if err := site.db.CreateInBatches(batch, 200).Error; err != nil {
		t.Fatal(err)
	}
	for _, list := range []struct{ name, first string }{
		{"merchant list", "/api/v1/products?per_page=100&status=active"},
		{"public catalogue", "/api/v1/catalog/products?per_page=100&shop=many-shop"},
	} {
		// What the list holds when the walk starts (the first walk's newcomers too).
		var ids []int64
		if err := site.db.Model(&catalog.Product{}).Where("shop_id = ? AND status = ? AND stock > 0", shop.ID, catalog.StatusActive).
			Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		original := map[int64]bool{}
		for _, id := range ids {
			original[id] = true
		}
		seen := map[int64]int{}
		next, pages := list.first, 0
		for next != "" {
			pages++
			if pages > 20 {
				t.Fatalf("%s: more than 20 pages", list.name)
			}
			res := b.call(http.MethodGet, strings.TrimPrefix(next, site.srv.URL), key, "", nil)
			var page struct {
				Items []struct{ ID int64 }
				Total int
				Next  string `json:"next"`
			}
			if err := json.Unmarshal([]byte(res.Body), &page); err != nil || res.Status != http.StatusOK {
				t.Fatalf("%s page %d: %d %.300s (%v)", list.name, pages, res.Status, res.Body, err)
			}
			if page.Next != "" && res.Header.Get("Link") != "<"+page.Next+`>; rel="next"` {
				t.Errorf("%s: Link %q, want the next link %q", list.name, res.Header.Get("Link"), page.Next)
			}
			for _, it := range page.Items {
				seen[it.ID]++
			}
			// New products arrive while the client pages.
			for j := range 3 {
				p := catalog.Product{ShopID: shop.ID, SKU: fmt.Sprintf("NEW-%s-%d-%d", list.name[:3], pages, j), Title: "Newcomer", Category: "tops",
					PriceMinor: 500, Currency: shop.Currency, Stock: 1, Status: catalog.StatusActive}
				if err := site.db.Create(&p).Error; err != nil {
					t.Fatal(err)
				}
			}
			next = page.Next
		}
		missing, repeated, strangers := 0, 0, 0
		for id := range original {
			switch seen[id] {
			case 0:
				missing++
			case 1:
			default:
				repeated++
			}
		}
		for id := range seen {
			if !original[id] {
				strangers++
			}
		}
		if wantPages := (len(original) + 99) / 100; missing != 0 || repeated != 0 || strangers != 0 || pages != wantPages || len(original) < total {
			t.Errorf("%s: %d pages (want %d); %d of %d products missed, %d repeated, %d added later seen", list.name, pages, wantPages,
				missing, len(original), repeated, strangers)
		}
	}
	if res := b.call(http.MethodGet, "/api/v1/products?cursor=bm9wZQ", key, "", nil); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"field":"cursor"`) {
		t.Errorf("a made-up cursor: %d %.200s, want 400 naming cursor", res.Status, res.Body)
	}
	// Page numbers still work, and their answer offers the cursor onwards.
	res := b.call(http.MethodGet, "/api/v1/products?per_page=10&page=3", key, "", nil)
	var page struct {
		Page       int    `json:"page"`
		NextCursor string `json:"next_cursor"`
		Next       string `json:"next"`
	}
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil || page.Page != 3 || page.NextCursor == "" || !strings.Contains(page.Next, "cursor="+page.NextCursor) {
		t.Errorf("page 3: %+v (%v)", page, err)
	}
}

func TestProductReadsHonourETags(t *testing.T) {
	site := newCatalogSite(t, imaging.Limits{})
	b := site.merchant(t, "etag@example.com", "etag-shop")
	key := site.apiKey(t, b)
	id := productID(t, b.call(http.MethodPost, "/api/v1/products", key, `{"title":"Linen shirt","category":"tops","price_minor":3000,"stock":2,"status":"active"}`, nil))
	for _, path := range []string{fmt.Sprintf("/api/v1/products/%d", id), fmt.Sprintf("/api/v1/catalog/products/%d", id)} {
		first := b.call(http.MethodGet, path, key, "", nil)
		tag := first.Header.Get("ETag")
		if first.Status != http.StatusOK || !strings.HasPrefix(tag, `W/"`) {
			t.Fatalf("GET %s: %d ETag %q", path, first.Status, tag)
		}
		same := b.call(http.MethodGet, path, key, "", map[string]string{"If-None-Match": tag})
		if same.Status != http.StatusNotModified || same.Body != "" || same.Header.Get("ETag") != tag {
			t.Errorf("GET %s with its ETag: %d %q, want 304 without a body", path, same.Status, same.Body)
		}
		if other := b.call(http.MethodGet, path, key, "", map[string]string{"If-None-Match": `W/"0000", "1111"`}); other.Status != http.StatusOK {
			t.Errorf("GET %s with other tags: %d, want 200", path, other.Status)
		}
	}
	path := fmt.Sprintf("/api/v1/products/%d", id)
	old := b.call(http.MethodGet, path, key, "", nil).Header.Get("ETag")
	if res := b.call(http.MethodPatch, path, key, `{"price_minor":3100}`, nil); res.Status != http.StatusOK {
		t.Fatalf("patch: %d", res.Status)
	}
	changed := b.call(http.MethodGet, path, key, "", map[string]string{"If-None-Match": old})
	if changed.Status != http.StatusOK || changed.Header.Get("ETag") == old {
		t.Errorf("after a change, the old ETag: %d, same tag %v; want 200 with a new tag", changed.Status, changed.Header.Get("ETag") == old)
	}
	var p struct{ CreatedAt, UpdatedAt string }
	if err := json.Unmarshal([]byte(changed.Body), &struct {
		CreatedAt *string `json:"created_at"`
		UpdatedAt *string `json:"updated_at"`
	}{&p.CreatedAt, &p.UpdatedAt}); err != nil || !strings.HasSuffix(p.CreatedAt, "Z") || !strings.HasSuffix(p.UpdatedAt, "Z") {
		t.Errorf("times %q %q, want RFC 3339 in UTC (%v)", p.CreatedAt, p.UpdatedAt, err)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	s := newAffSiteConfig(t, Config{BaseURL: "http://warna.test", OrderRate: 0.5, OrderBurst: 20})
	key, _, err := s.auth.CreateAPIKey(context.Background(), s.merchant, "limits")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	for i := range 3 {
		res := b.call(http.MethodPost, "/api/v1/conversions", key, `{"order_id":"RL-`+strconv.Itoa(i)+`","lines":[{"title":"x","unit_price_minor":100,"quantity":1}]}`, nil)
		limit, _ := strconv.Atoi(res.Header.Get("RateLimit-Limit"))
		remaining, err := strconv.Atoi(res.Header.Get("RateLimit-Remaining"))
		if res.Status != http.StatusCreated || limit != 20 || err != nil || res.Header.Get("RateLimit-Reset") == "" {
			t.Fatalf("call %d: %d, RateLimit-Limit %q Remaining %q Reset %q", i, res.Status, res.Header.Get("RateLimit-Limit"),
				res.Header.Get("RateLimit-Remaining"), res.Header.Get("RateLimit-Reset"))
		}
		// One call spent each time; the bucket refills at one every 2 s.
		if remaining < limit-1-i || remaining > limit-1 {
			t.Errorf("call %d: RateLimit-Remaining %d of %d", i, remaining, limit)
		}
	}
	var limited response
	for range 30 {
		if limited = b.call(http.MethodPost, "/api/v1/conversions", key, `{}`, nil); limited.Status == http.StatusTooManyRequests {
			break
		}
	}
	retry, err := strconv.Atoi(limited.Header.Get("Retry-After"))
	if limited.Status != http.StatusTooManyRequests || err != nil || retry < 1 || retry > 2 || limited.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("over the limit: %d, Retry-After %q, Remaining %q", limited.Status, limited.Header.Get("Retry-After"), limited.Header.Get("RateLimit-Remaining"))
	}
}
