package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/money"
	"github.com/warna/warna/search"
)

// Price is an amount in minor units with its currency and display form.
type Price struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
	Display  string `json:"display"`
}

// Swatch is one colour of a product's palette.
type Swatch struct {
	Hex    string  `json:"hex"`
	Name   string  `json:"name"`
	Family string  `json:"family"`
	Share  float64 `json:"share"`
}

// Hit is one search result and why it matched.
type Hit struct {
	ID       int64        `json:"id"`
	Title    string       `json:"title"`
	Price    Price        `json:"price"`
	Families []string     `json:"families"`
	Palette  []Swatch     `json:"palette"`
	Score    float64      `json:"score"`
	Why      []search.Why `json:"why"`
	URL      string       `json:"url"`
	Thumb    string       `json:"thumb,omitempty"`
	Shop     string       `json:"shop"`
}

// SearchResult is one page of search results with their facets.
type SearchResult struct {
	Total       int  `json:"total"`
	Approximate bool `json:"approximate,omitempty"`
	// Reachable is how many of the matches the pages reach (fewer than
	// Total when there are more than can be ranked).
	Reachable int           `json:"reachable"`
	Page      int           `json:"page"`
	PerPage   int           `json:"per_page"`
	Hits      []Hit         `json:"hits"`
	Facets    search.Facets `json:"facets"`
	Next      string        `json:"next,omitempty"`
}

// search is GET /api/v1/search: the same query language as /search.
func (a *API) search(c echo.Context) error {
	q, err := search.ParseQuery(c.QueryParams(), a.deps.Search.DefaultCurrency())
	if err != nil {
		return err
	}
	res, err := a.deps.Search.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := SearchResult{Total: res.Total, Approximate: res.Approximate, Reachable: res.Reachable(), Page: q.Page, PerPage: q.PerPage,
		Hits: make([]Hit, 0, len(res.Hits)), Facets: res.Facets}
	for _, h := range res.Hits {
		d := h.Doc
		hit := Hit{ID: d.ID, Title: d.Title, Families: d.Families, Score: h.Score, Why: h.Why,
			URL: a.baseURL + "/products/" + strconv.FormatInt(d.ID, 10), Shop: d.ShopSlug,
			Price: Price{Minor: d.PriceMinor, Currency: d.Currency, Display: money.Format(d.PriceMinor, d.Currency)}}
		if d.Thumb != "" {
			hit.Thumb = a.baseURL + "/media/" + d.Thumb
		}
		if hit.Families == nil {
			hit.Families = []string{}
		}
		if hit.Why == nil {
			hit.Why = []search.Why{}
		}
		for _, sw := range d.Palette {
			hit.Palette = append(hit.Palette, Swatch{Hex: sw.Hex, Name: sw.Name, Family: sw.Family, Share: sw.Share})
		}
		out.Hits = append(out.Hits, hit)
	}
	if q.Page*q.PerPage < res.Total {
		// Results are ranked: they page by number, not by cursor.
		out.Next = a.nextLink(c, "page", strconv.Itoa(q.Page+1))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
