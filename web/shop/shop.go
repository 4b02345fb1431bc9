// Package shop serves the shopper's pages: the front page, the catalogue,
// product and shop pages, search by words and colours, "shop the look",
// influencers' public storefronts, the cart and the checkout.
package shop

import (
	"log/slog"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/site"
)

// Deps are the site's templates and address and the services the shopper's
// pages call. Package web mounts only the routes whose services are there.
type Deps struct {
	Views       *site.Views
	BaseURL     string
	Catalog     *catalog.Catalog
	Search      *search.Service
	Influencers *affiliates.Influencers
	Carts       *orders.Carts
	Orders      *orders.Service
	Logger      *slog.Logger
}

// Pages serves the pages a shopper browses.
type Pages struct{ deps Deps }

// New builds the shopper's pages over the services.
func New(deps Deps) *Pages { return &Pages{deps: deps} }

// Cart serves the cart (kept in a cookie) and the checkout.
type Cart struct{ deps Deps }

// NewCart builds the cart and checkout pages over the services.
func NewCart(deps Deps) *Cart { return &Cart{deps: deps} }
