package site

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/money"
)

// ImageView is a product photo as pages show it: thumbnails for srcset once
// processed, a placeholder before.
type ImageView struct {
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

// NewImageView is the view of a photo.
func NewImageView(img catalog.Image) ImageView {
	v := ImageView{
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

// ProductView is a product for cards and pages.
type ProductView struct {
	ID          int64
	Title       string
	Description string
	SKU         string
	Category    string
	CategoryURL string
	Price       string // English marks; pages write PriceMinor with money
	PricePlain  string
	PriceMinor  int64
	Currency    string
	Stock       int
	Status      string
	Color       string
	Commission  string
	ShopName    string
	ShopSlug    string
	Images      []ImageView
	Cover       *ImageView
	Swatches    []catalog.Swatch
	UpdatedAt   string
}

// NewProductView is the view of a product with its photos.
func NewProductView(p catalog.Product) ProductView {
	v := ProductView{
		ID: p.ID, Title: p.Title, Description: p.Description, SKU: p.SKU,
		Category: catalog.CategoryName(p.Category), CategoryURL: "/catalogue/" + p.Category,
		Price: money.Format(p.PriceMinor, p.Currency), PricePlain: money.Plain(p.PriceMinor, p.Currency), PriceMinor: p.PriceMinor,
		Currency: p.Currency, Stock: p.Stock, Status: string(p.Status), Color: p.DeclaredColor,
		ShopName: p.Shop.Name, ShopSlug: p.Shop.Slug, UpdatedAt: p.UpdatedAt.Format("2 Jan 2006 15:04"),
	}
	if p.CommissionBps != nil {
		v.Commission = catalog.FormatPercentBps(*p.CommissionBps)
	}
	for _, img := range p.Images {
		v.Images = append(v.Images, NewImageView(img))
	}
	if len(v.Images) > 0 {
		v.Cover = &v.Images[0]
		v.Swatches = v.Images[0].Swatches
	}
	return v
}

// ProductViews are the views of a list of products.
func ProductViews(items []catalog.Product) []ProductView {
	views := make([]ProductView, 0, len(items))
	for _, p := range items {
		views = append(views, NewProductView(p))
	}
	return views
}

// Pager is the previous/next navigation of a list.
type Pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

// NewPager is the navigation of page, linking to the request's own address
// with the page number changed.
func NewPager(c echo.Context, page catalog.ProductPage) Pager {
	pg := Pager{Page: page.Page, Pages: page.Pages(), Total: page.Total}
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
