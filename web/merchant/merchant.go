// Package merchant serves the merchant area's pages: the shop and its
// settings, products and their photos, catalogue imports and exports,
// orders, commissions and payouts, API keys and the order webhook with its
// delivery log. Package web mounts them under /merchant (the dashboards are
// package dashboard's).
package merchant

import (
	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// Deps are the site's templates and the services the merchant pages call.
// Catalog (with Bulk) and Affiliates (with Ledger, Orders and Webhooks) may
// be nil when the pages that need them are not mounted.
type Deps struct {
	Views      *site.Views
	Auth       *auth.Service
	Catalog    *catalog.Catalog
	Bulk       *bulk.Service
	Affiliates *affiliates.Service
	Ledger     *affiliates.Ledger
	Orders     *orders.Service
	Webhooks   *orders.Webhooks
}

// Pages are the merchant area's pages, by concern.
type Pages struct {
	Shop      *Shop      // the shop, its orders and its commissions
	Products  *Products  // products and their photos
	Imports   *Imports   // catalogue imports and the CSV export
	Developer *Developer // API keys and the order webhook
}

// New builds the merchant pages over the services.
func New(deps Deps) Pages {
	return Pages{Shop: &Shop{deps: deps}, Products: &Products{deps: deps}, Imports: &Imports{deps: deps}, Developer: &Developer{deps: deps}}
}

// Shop serves the merchant's home (the product list), the shop's settings,
// its orders and the commissions it owes.
type Shop struct{ deps Deps }

// Products serves the product forms and their photos.
type Products struct{ deps Deps }

// Imports serves catalogue imports and the CSV export.
type Imports struct{ deps Deps }

// Developer serves the API keys and the order webhook with its delivery log.
type Developer struct{ deps Deps }

// Routes registers the API keys page and, with the affiliate services, the
// webhook's settings.
func (s *Developer) Routes(merchant *echo.Group) {
	merchant.GET("/api-keys", s.apiKeys)
	merchant.POST("/api-keys", s.createAPIKey)
	merchant.POST("/api-keys/:id/revoke", s.revokeAPIKey)
	if s.deps.Affiliates != nil {
		merchant.POST("/webhook", s.setWebhook)
		merchant.POST("/webhook/remove", s.removeWebhook)
	}
}
