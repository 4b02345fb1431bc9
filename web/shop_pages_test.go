package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The front page sells: a search box with a colour, the families as links
// to their search, the best sellers and the newest products.
func TestHomePageSells(t *testing.T) {
	s := newAffSite(t)
	b := s.browser()
	for _, add := range []struct {
		i, qty int
	}{{1, 3}, {2, 1}} {
		res := b.submit("/login", "/cart/add", url.Values{"product_id": {strconv.FormatInt(s.products[add.i].ID, 10)}, "quantity": {strconv.Itoa(add.qty)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("add to cart: %d", res.Status)
		}
	}
	form := url.Values{"email": {"buyer@example.com"}, "ship_name": {"Ana"}, "ship_address": {"Jl. Merdeka 1"}, "card": {"4242 4242 4242 4242"}}
	if res := b.submit("/checkout", "/checkout", form); res.Status != http.StatusSeeOther {
		t.Fatalf("checkout: %d", res.Status)
	}
	res := b.get("/")
	if res.Status != http.StatusOK {
		t.Fatalf("home: %d", res.Status)
	}
	for _, want := range []string{`action="/search"`, `name="q"`, `name="colors"`, `<option value="red">red</option>`,
		`href="/search?family=red"`, `<span class="family-name">grey</span>`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	trending, latest, ok := strings.Cut(res.Body, `id="home-new"`)
	if !ok || !strings.Contains(trending, `id="home-trending"`) {
		t.Fatalf("home lacks its trending and new rows: %.2000s", res.Body)
	}
	_, trending, _ = strings.Cut(trending, `id="home-trending"`)
	assertOrder(t, trending, "Batik 1", "Batik 2")
	if strings.Contains(trending, "Batik 0") {
		t.Error("a product nobody bought is trending")
	}
	assertOrder(t, latest, "Batik 2", "Batik 1", "Batik 0")
}

// On a phone the search's filters fold behind a summary (app.js closes
// them there); the search box stays outside, so the results come first.
func TestSearchFiltersFoldBehindASummary(t *testing.T) {
	b := newSearchSite(t).browser()
	res := b.get("/search?q=dress")
	if res.Status != http.StatusOK {
		t.Fatalf("search: %d", res.Status)
	}
	head, filters, ok := strings.Cut(res.Body, `<details class="search-filters" open>`)
	if !ok {
		t.Fatalf("the search form has no folding filters: %.3000s", res.Body)
	}
	if !strings.Contains(head, `name="q"`) || strings.Contains(filters[:strings.Index(filters, "</details>")], `name="q"`) {
		t.Error("the search box must stay outside the folding filters")
	}
	form, _, _ := strings.Cut(filters, "</details>")
	for _, want := range []string{"<summary>Colours and filters</summary>", `name="colors"`, `name="not"`, `name="tol"`, `name="sort"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the folding filters lack %q", want)
		}
	}
	_, facets, _ := strings.Cut(res.Body, `<aside class="facets"`)
	if !strings.Contains(facets, `<details class="search-filters" open>`) || !strings.Contains(facets, "<summary>Refine</summary>") {
		t.Error("the facets do not fold")
	}
	js := b.get("/static/app.js")
	if !strings.Contains(js.Body, `details.search-filters[open]`) || !strings.Contains(js.Body, "max-width: 720px") {
		t.Error("app.js does not fold the filters on phones")
	}
}
