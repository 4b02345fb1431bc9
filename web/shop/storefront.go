package shop

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/site"
)

// StorefrontRoutes registers the influencers' public storefronts.
func (s *Pages) StorefrontRoutes(e *echo.Echo) {
	e.GET("/@:handle", s.storefront)
	e.GET("/@:handle/c/:id", s.storefront)
}

type storefrontPage struct {
	Influencer  affiliates.Influencer
	Collections []shelfView
	Only        int64 // a single collection, when the link named one
	// Colours are the colour families of the picks on show, as filter
	// links; Filter names the families filtered by ("" for all, else "red"
	// or "red or blue") and AllURL clears it.
	Colours []facetLink
	Filter  string
	AllURL  string
	Shown   int // picks on show after the filter
}

// shelfView is a collection as the storefront shows it.
type shelfView struct {
	Collection affiliates.Collection
	Cards      []storefrontCard
}

// storefrontCard is a pick with its tracked link; Product is nil when the
// product cannot be bought now (sold out), and the card says so. Families
// are the colour families a search filter would match it by.
type storefrontCard struct {
	affiliates.Card
	Product  *site.ProductView
	Families []string
}

// shelves joins the storefront's picks with their products' photos and
// colours from the catalogue.
func (s *Pages) shelves(c echo.Context, sf affiliates.Storefront) ([]shelfView, error) {
	var ids []int64
	for _, col := range sf.Collections {
		for _, card := range col.Cards {
			ids = append(ids, card.ProductID)
		}
	}
	products, err := s.deps.Catalog.Products.PublicProductsByID(c.Request().Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]shelfView, 0, len(sf.Collections))
	for _, col := range sf.Collections {
		shelf := shelfView{Collection: col.Collection}
		for _, card := range col.Cards {
			sc := storefrontCard{Card: card}
			if p, ok := products[card.ProductID]; ok {
				v := site.NewProductView(p)
				sc.Product = &v
				if doc, err := search.BuildDocument(p); err == nil {
					sc.Families = doc.Families
				}
			}
			shelf.Cards = append(shelf.Cards, sc)
		}
		out = append(out, shelf)
	}
	return out, nil
}

// storefront is an influencer's public page: their collections of picks, each
// card carrying the influencer's tracked link.
func (s *Pages) storefront(c echo.Context) error {
	ctx := c.Request().Context()
	inf, err := s.deps.Influencers.InfluencerByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	sf, err := s.deps.Influencers.StorefrontOf(ctx, inf.UserID)
	if err != nil {
		return err
	}
	shelves, err := s.shelves(c, sf)
	if err != nil {
		return err
	}
	data := storefrontPage{Influencer: sf.Influencer, Collections: shelves}
	if id := c.Param("id"); id != "" {
		data.Only, _ = strconv.ParseInt(id, 10, 64)
		found := false
		for _, col := range sf.Collections {
			found = found || col.Collection.ID == data.Only
		}
		if !found {
			return fault.NotFoundf("@%s has no such collection", inf.Handle)
		}
	}
	families, err := search.ParseFamilies(c.QueryParams()["family"])
	if err != nil {
		return err
	}
	data.filterByFamily(c, families)
	return s.deps.Views.Render(c, http.StatusOK, "storefront", site.Page{Title: inf.Name + " (@" + inf.Handle + ")", Data: data})
}

// filterByFamily lists the colour families of the picks on show as links
// (in the colour picker's order, with how many picks each) and, when
// families are given, keeps only the picks in one of them. The query
// parameter is /search's "family". A sold-out pick has no colours to show
// and is left out of a filtered view.
func (d *storefrontPage) filterByFamily(c echo.Context, families []string) {
	page := c.Request().URL
	counts := map[string]int{}
	for i := range d.Collections {
		shelf := &d.Collections[i]
		if d.Only != 0 && shelf.Collection.ID != d.Only {
			continue
		}
		var kept []storefrontCard
		for _, card := range shelf.Cards {
			for _, f := range card.Families {
				counts[f]++
			}
			if len(families) == 0 || slices.ContainsFunc(card.Families, func(f string) bool { return slices.Contains(families, f) }) {
				kept = append(kept, card)
				d.Shown++
			}
		}
		shelf.Cards = kept
	}
	link := func(family string) string {
		q := page.Query()
		q.Del("family")
		if family != "" {
			q.Set("family", family)
		}
		u := url.URL{Path: page.Path, RawQuery: q.Encode()}
		return u.String()
	}
	names := make([]string, len(families))
	for i, f := range families {
		names[i] = site.Family(c, f)
	}
	d.Filter, d.AllURL = strings.Join(names, site.T(c, " or ")), link("")
	for _, f := range colour.Families {
		if n := counts[string(f)]; n > 0 {
			d.Colours = append(d.Colours, facetLink{Label: site.Family(c, string(f)), Count: n, Active: slices.Contains(families, string(f)),
				Hex: f.Swatch(), URL: link(string(f))})
		}
	}
}
