package shop

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// CatalogueRoutes registers the shopper's catalogue: categories, product
// pages and shop pages.
func (s *Pages) CatalogueRoutes(e *echo.Echo) {
	e.GET("/catalogue", s.catalogue)
	e.GET("/catalogue/:category", s.catalogue)
	e.GET("/products/:id", s.productPage)
	e.GET("/shops/:slug", s.shopPage)
}

type cataloguePage struct {
	Heading    string
	Category   string
	Categories []catalog.Category
	Products   []site.ProductView
	Pager      site.Pager
}

func (s *Pages) catalogue(c echo.Context) error {
	category := c.Param("category")
	if category != "" && !catalog.ValidCategory(category) {
		return fault.NotFoundf("there is no category %q", category)
	}
	page, err := s.deps.Catalog.Products.PublicProducts(c.Request().Context(), catalog.PublicFilter{Category: category, Page: request.Page(c), PerPage: 24})
	if err != nil {
		return err
	}
	heading := site.T(c, "All products")
	if category != "" {
		heading = site.Category(c, catalog.CategoryName(category))
	}
	return s.deps.Views.Render(c, http.StatusOK, "catalogue", site.Page{Title: heading, Data: cataloguePage{
		Heading: heading, Category: category, Categories: catalog.Categories,
		Products: site.ProductViews(page.Items), Pager: site.NewPager(c, page),
	}})
}

type productPageData struct {
	Product site.ProductView
	Preview bool     // the owner looking at a product shoppers cannot see
	More    moreView // "more in this colour"
}

func (s *Pages) productPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.PublicProduct(ctx, id)
	preview := false
	if fault.Is(err, fault.NotFound) {
		if u, ok := auth.CurrentUser(c); ok && u.Role == auth.RoleMerchant {
			if own, ownErr := s.deps.Catalog.Products.Product(ctx, u.ID, id); ownErr == nil {
				p, err, preview = own, nil, true
			}
		}
	}
	if err != nil {
		return err
	}
	data := productPageData{Product: site.NewProductView(p), Preview: preview}
	if !preview {
		data.More = s.moreInColour(c, p.ID)
	}
	return s.deps.Views.Render(c, http.StatusOK, "product", site.Page{Title: p.Title, Data: data})
}

type shopPageData struct {
	Shop     catalog.Shop
	Products []site.ProductView
	Pager    site.Pager
}

func (s *Pages) shopPage(c echo.Context) error {
	ctx := c.Request().Context()
	shop, err := s.deps.Catalog.Shops.ShopBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	page, err := s.deps.Catalog.Products.PublicProducts(ctx, catalog.PublicFilter{ShopSlug: shop.Slug, Page: request.Page(c), PerPage: 24})
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "shop", site.Page{Title: shop.Name, Data: shopPageData{Shop: shop, Products: site.ProductViews(page.Items), Pager: site.NewPager(c, page)}})
}
