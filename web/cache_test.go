package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestPrivateResponsesAreNotStored: every page behind a login, every API
// answer with an account's data (the page showing a new API key included)
// and the anonymous cart carry Cache-Control: no-store, so neither a shared
// cache nor the browser's history keeps them; public pages seen by a
// visitor stay cacheable.
func TestPrivateResponsesAreNotStored(t *testing.T) {
	s := newAffSite(t)
	merchant := s.browser()
	merchant.logIn("shop@example.com", "correct horse battery")
	influencer := s.browser()
	influencer.logIn("rina@example.com", "correct horse battery")
	visitor := s.browser()

	newKey := merchant.submit("/merchant/api-keys", "/merchant/api-keys", url.Values{"name": {"sync"}})
	key := regexpFind(t, `wk_[a-z0-9]+_[A-Z0-9]+`, newKey.Body)
	withKey := func(path string) response {
		req := newRequest(t, http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		return visitor.do(req)
	}
	product := "/products/" + strconv.FormatInt(s.products[0].ID, 10)

	private := []struct {
		name string
		res  response
	}{
		{"the page showing a new API key", newKey},
		{"merchant home", merchant.get("/merchant")},
		{"merchant API keys", merchant.get("/merchant/api-keys")},
		{"merchant orders", merchant.get("/merchant/orders")},
		{"merchant commissions", merchant.get("/merchant/commissions")},
		{"merchant shop settings", merchant.get("/merchant/shop")},
		{"merchant on a public page", merchant.get(product)},
		{"influencer home", influencer.get("/influencer")},
		{"API me with a session", merchant.get("/api/v1/me")},
		{"API me with a key", withKey("/api/v1/me")},
		{"API products with a key", withKey("/api/v1/products")},
		{"API me without credentials", visitor.get("/api/v1/me")},
		{"merchant page without a login", visitor.get("/merchant/orders")},
		{"visitor's cart", visitor.get("/cart")},
		{"visitor's checkout", visitor.get("/checkout")},
	}
	for _, tt := range private {
		if got := tt.res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (status %d): Cache-Control %q, want no-store", tt.name, tt.res.Status, got)
		}
	}
	for _, path := range []string{"/", product} {
		if got := s.browser().get(path).Header.Get("Cache-Control"); got == "no-store" {
			t.Errorf("public %s for a visitor is no-store; it may be cached", path)
		}
	}
}
