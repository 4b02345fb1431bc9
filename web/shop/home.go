package shop

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/web/site"
)

// homeShelf is how many products each of the front page's rows shows, and
// trendingDays how far back its best sellers are counted.
const (
	homeShelf    = 8
	trendingDays = 30
)

// homeFamily is a colour family as the front page links it: to the search
// for that family, its name in the page's language.
type homeFamily struct {
	Family, Name, Hex, URL string
}

type homePage struct {
	Families []homeFamily
	New      []site.ProductView
	Trending []site.ProductView
}

// Home is the front page: a search box, the colour families as links to
// their search, the newest products and the best sellers of the last days.
func (s *Pages) Home(c echo.Context) error {
	data := homePage{Families: homeFamilies(c)}
	if s.deps.Catalog != nil {
		ctx := c.Request().Context()
		latest, err := s.deps.Catalog.Products.PublicProducts(ctx, catalog.PublicFilter{Page: 1, PerPage: homeShelf})
		if err != nil {
			return err
		}
		data.New = site.ProductViews(latest.Items)
		if data.Trending, err = s.trending(c); err != nil {
			return err
		}
	}
	return s.deps.Views.Render(c, http.StatusOK, "home", site.Page{Title: site.T(c, "Shop by colour"), Data: data})
}

// trending are the best sellers still for sale, best first.
func (s *Pages) trending(c echo.Context) ([]site.ProductView, error) {
	if s.deps.Orders == nil {
		return nil, nil
	}
	ctx := c.Request().Context()
	ids, err := s.deps.Orders.BestSellers(ctx, trendingDays, homeShelf)
	if err != nil {
		return nil, err
	}
	byID, err := s.deps.Catalog.Products.PublicProductsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []catalog.Product
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return site.ProductViews(out), nil
}

// homeFamilies are the colour families in the alphabetical order of their
// English names, each linking to the search for it.
func homeFamilies(c echo.Context) []homeFamily {
	families := slices.Clone(colour.Families)
	slices.Sort(families)
	out := make([]homeFamily, len(families))
	for i, f := range families {
		out[i] = homeFamily{Family: string(f), Name: site.Family(c, string(f)), Hex: f.Swatch(),
			URL: "/search?" + url.Values{"family": {string(f)}}.Encode()}
	}
	return out
}
