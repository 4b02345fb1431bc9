// Package account serves what an account does for itself: sign-up, log-in
// and log-out, the mailed links (password reset, email verification) and a
// shopper's own pages (order history, re-order, wishlist).
package account

import (
	"context"
	"log/slog"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/mail"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// Deps are the site's templates and address and the account services.
type Deps struct {
	Views   *site.Views
	BaseURL string
	Auth    *auth.Service
	// Recovery issues and redeems the mailed links; Mail sends them (nil:
	// every send fails, and the pages say so).
	Recovery *auth.Recovery
	Mail     mail.Outbox
	Logger   *slog.Logger
	// LoginRate is the sustained rate of log-in and sign-up attempts allowed
	// per client IP (burst LoginBurst); zero means 1 every 6 s, burst 10.
	LoginRate  float64
	LoginBurst int

	// The shopper's pages (ShopperRoutes) need these four.
	Wishlists *auth.Wishlists
	History   OrderHistory
	Carts     Carts
	Products  Products
}

// OrderHistory reads the orders placed with an email (orders.History).
type OrderHistory interface {
	OfEmail(ctx context.Context, email string, limit int) ([]orders.Order, error)
	OneOfEmail(ctx context.Context, email string, orderID int64) (orders.Order, error)
}

// Carts is the cart service the shop's cart page uses (orders.Carts).
type Carts interface {
	DecodeCart(v string) []orders.CartItem
	EncodeCart(items []orders.CartItem) string
	AddToCart(ctx context.Context, items []orders.CartItem, productID int64, qty int) ([]orders.CartItem, error)
}

// Products reads the products shoppers may buy (catalog.Products).
type Products interface {
	PublicProduct(ctx context.Context, productID int64) (catalog.Product, error)
	PublicProductsByID(ctx context.Context, ids []int64) (map[int64]catalog.Product, error)
}

// Pages serves sign-up, log-in and log-out.
type Pages struct{ deps Deps }

// New builds the account pages.
func New(deps Deps) *Pages { return &Pages{deps: deps} }
