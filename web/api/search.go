package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/money"
	"github.com/warna/warna/search"
)

type apiPrice struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
	Display  string `json:"display"`
}

type apiSwatch struct {
	Hex    string  `json:"hex"`
	Name   string  `json:"name"`
	Family string  `json:"family"`
	Share  float64 `json:"share"`
}

type apiHit struct {
	ID       int64        `json:"id"`
	Title    string       `json:"title"`
	Price    apiPrice     `json:"price"`
	Families []string     `json:"families"`
	Palette  []apiSwatch  `json:"palette"`
	Score    float64      `json:"score"`
	Why      []search.Why `json:"why"`
	URL      string       `json:"url"`
	Thumb    string       `json:"thumb,omitempty"`
	Shop     string       `json:"shop"`
}

type apiSearchResult struct {
	Total       int           `json:"total"`
	Approximate bool          `json:"approximate,omitempty"`
	Page        int           `json:"page"`
	PerPage     int           `json:"per_page"`
	Hits        []apiHit      `json:"hits"`
	Facets      search.Facets `json:"facets"`
}

// apiSearch is GET /api/v1/search: the same query language as /search.
func (s *Server) apiSearch(c echo.Context) error {
	q, err := search.ParseQuery(c.QueryParams(), s.deps.Search.DefaultCurrency())
	if err != nil {
		return err
	}
	res, err := s.deps.Search.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := apiSearchResult{Total: res.Total, Approximate: res.Approximate, Page: q.Page, PerPage: q.PerPage,
		Hits: make([]apiHit, 0, len(res.Hits)), Facets: res.Facets}
	for _, h := range res.Hits {
		d := h.Doc
		hit := apiHit{ID: d.ID, Title: d.Title, Families: d.Families, Score: h.Score, Why: h.Why,
			URL: s.cfg.BaseURL + productURL(d.ID), Shop: d.ShopSlug,
			Price: apiPrice{Minor: d.PriceMinor, Currency: d.Currency, Display: money.Format(d.PriceMinor, d.Currency)}}
		if d.Thumb != "" {
			hit.Thumb = s.cfg.BaseURL + "/media/" + d.Thumb
		}
		if hit.Families == nil {
			hit.Families = []string{}
		}
		if hit.Why == nil {
			hit.Why = []search.Why{}
		}
		for _, sw := range d.Palette {
			hit.Palette = append(hit.Palette, apiSwatch{Hex: sw.Hex, Name: sw.Name, Family: sw.Family, Share: sw.Share})
		}
		out.Hits = append(out.Hits, hit)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
