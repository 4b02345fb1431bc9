package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

// catalogRoutes registers shops, products, photos, imports, the shopper
// catalogue and media, when the catalogue service is wired in (package api
// has the catalogue's JSON routes).
func (s *Server) catalogRoutes(e *echo.Echo, merchant *echo.Group) {
	if s.deps.Catalog == nil {
		return
	}
	s.mediaRoutes(e)
	s.shopRoutes(merchant)
	s.productRoutes(merchant)
	s.importRoutes(merchant)
	s.catalogueRoutes(e)
}

func (s *Server) catalogueRoutes(e *echo.Echo) {
	e.GET("/catalogue", s.catalogue)
	e.GET("/catalogue/:category", s.catalogue)
	e.GET("/products/:id", s.productPage)
	e.GET("/shops/:slug", s.shopPage)
}

// imageView is a product photo as pages show it: thumbnails for srcset once
// processed, a placeholder before.
type imageView struct {
	ID       int64
	Position int
	Status   string
	Src      string
	SrcSet   string
	// WebPSrcSet lists the WebP variants once the low-priority job has made
	// them; pages offer them through <picture>.
	WebPSrcSet string
	Large      string
	Width      int
	Height     int
	Pending    bool
	Failed     bool
	Error      string
	Swatches   []catalog.Swatch
}

func newImageView(img catalog.Image) imageView {
	v := imageView{
		ID: img.ID, Position: img.Position, Status: string(img.Status), Width: img.Width, Height: img.Height,
		Failed: img.Status == catalog.ImageFailed, Error: img.Error, Swatches: img.Swatches(),
	}
	thumbs := img.ThumbList()
	if len(thumbs) == 0 {
		v.Pending = !v.Failed
		return v
	}
	parts := make([]string, 0, len(thumbs))
	for _, t := range thumbs {
		parts = append(parts, "/media/"+t.Key+" "+strconv.Itoa(t.Width)+"w")
		if v.Src == "" || t.Size <= 400 {
			v.Src = "/media/" + t.Key
		}
	}
	v.SrcSet = strings.Join(parts, ", ")
	if webp := img.WebPList(); len(webp) > 0 {
		parts = parts[:0]
		for _, t := range webp {
			parts = append(parts, "/media/"+t.Key+" "+strconv.Itoa(t.Width)+"w")
		}
		v.WebPSrcSet = strings.Join(parts, ", ")
	}
	v.Large = "/media/" + thumbs[len(thumbs)-1].Key
	return v
}

// productView is a product for cards and pages.
type productView struct {
	ID          int64
	Title       string
	Description string
	SKU         string
	Category    string
	CategoryURL string
	Price       string
	PricePlain  string
	Currency    string
	Stock       int
	Status      string
	Color       string
	Commission  string
	ShopName    string
	ShopSlug    string
	Images      []imageView
	Cover       *imageView
	Swatches    []catalog.Swatch
	UpdatedAt   string
}

func newProductView(p catalog.Product) productView {
	v := productView{
		ID: p.ID, Title: p.Title, Description: p.Description, SKU: p.SKU,
		Category: catalog.CategoryName(p.Category), CategoryURL: "/catalogue/" + p.Category,
		Price: money.Format(p.PriceMinor, p.Currency), PricePlain: money.Plain(p.PriceMinor, p.Currency),
		Currency: p.Currency, Stock: p.Stock, Status: string(p.Status), Color: p.DeclaredColor,
		ShopName: p.Shop.Name, ShopSlug: p.Shop.Slug, UpdatedAt: p.UpdatedAt.Format("2 Jan 2006 15:04"),
	}
	if p.CommissionBps != nil {
		v.Commission = catalog.FormatPercentBps(*p.CommissionBps)
	}
	for _, img := range p.Images {
		v.Images = append(v.Images, newImageView(img))
	}
	if len(v.Images) > 0 {
		v.Cover = &v.Images[0]
		v.Swatches = v.Images[0].Swatches
	}
	return v
}

func productViews(items []catalog.Product) []productView {
	views := make([]productView, 0, len(items))
	for _, p := range items {
		views = append(views, newProductView(p))
	}
	return views
}

// pager is the previous/next navigation of a list.
type pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

func newPager(c echo.Context, page catalog.ProductPage) pager {
	pg := pager{Page: page.Page, Pages: page.Pages(), Total: page.Total}
	link := func(n int) string {
		q := c.QueryParams()
		q.Set("page", strconv.Itoa(n))
		return c.Request().URL.Path + "?" + q.Encode()
	}
	if page.Page > 1 {
		pg.Prev = link(page.Page - 1)
	}
	if page.Page < pg.Pages {
		pg.Next = link(page.Page + 1)
	}
	return pg
}

type cataloguePage struct {
	Heading    string
	Category   string
	Categories []catalog.Category
	Products   []productView
	Pager      pager
}

func (s *Server) catalogue(c echo.Context) error {
	category := c.Param("category")
	if category != "" && !catalog.ValidCategory(category) {
		return fault.NotFoundf("there is no category %q", category)
	}
	page, err := s.deps.Catalog.Products.PublicProducts(c.Request().Context(), catalog.PublicFilter{Category: category, Page: request.Page(c), PerPage: 24})
	if err != nil {
		return err
	}
	heading := "All products"
	if category != "" {
		heading = catalog.CategoryName(category)
	}
	return s.render(c, http.StatusOK, "catalogue", Page{Title: heading, Data: cataloguePage{
		Heading: heading, Category: category, Categories: catalog.Categories,
		Products: productViews(page.Items), Pager: newPager(c, page),
	}})
}

type productPageData struct {
	Product productView
	Preview bool      // the owner looking at a product shoppers cannot see
	More    []hitView // "more in this colour"
}

func (s *Server) productPage(c echo.Context) error {
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
	data := productPageData{Product: newProductView(p), Preview: preview}
	if !preview {
		data.More = s.moreInColour(ctx, p.ID)
	}
	return s.render(c, http.StatusOK, "product", Page{Title: p.Title, Data: data})
}

type shopPageData struct {
	Shop     catalog.Shop
	Products []productView
	Pager    pager
}

func (s *Server) shopPage(c echo.Context) error {
	ctx := c.Request().Context()
	shop, err := s.deps.Catalog.Shops.ShopBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	page, err := s.deps.Catalog.Products.PublicProducts(ctx, catalog.PublicFilter{ShopSlug: shop.Slug, Page: request.Page(c), PerPage: 24})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "shop", Page{Title: shop.Name, Data: shopPageData{Shop: shop, Products: productViews(page.Items), Pager: newPager(c, page)}})
}
