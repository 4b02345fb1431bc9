package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/account"
	"github.com/warna/warna/web/api"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/creator"
	"github.com/warna/warna/web/dashboard"
	"github.com/warna/warna/web/merchant"
	"github.com/warna/warna/web/shop"
)

// routes registers every route: the server's own (health, metrics, static
// files, media, the tracked redirect, the API reference) and, by audience,
// the page packages' (shop, account, merchant, creator, dashboard) and the
// JSON API. A package's routes are mounted only when the services they need
// are wired in. This is the table of contents.
func (s *Server) routes() {
	e, d := s.echo, s.deps
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/version", s.version)
	e.GET("/language", s.setLanguage)
	if !s.cfg.MetricsElsewhere {
		e.GET("/metrics", echo.WrapHandler(s.MetricsHandler()))
	}
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg") })
	e.GET("/static/*", s.static())

	shopDeps := shop.Deps{Views: s.views, BaseURL: s.cfg.BaseURL, Catalog: d.Catalog, Search: d.Search,
		Influencers: d.Influencers, Carts: d.Carts, Orders: d.Orders, Logger: s.logger}
	shopper := shop.New(shopDeps)
	e.GET("/", shopper.Home)
	accountDeps := account.Deps{Views: s.views, BaseURL: s.cfg.BaseURL, Auth: d.Auth, Recovery: d.Recovery, Mail: d.Mail,
		Logger: s.logger, LoginRate: s.cfg.LoginRate, LoginBurst: s.cfg.LoginBurst}
	account.New(accountDeps).Routes(e)
	if d.Recovery != nil {
		account.NewRecovery(accountDeps).Routes(e)
	}
	if d.Wishlists != nil && d.History != nil && d.Catalog != nil && d.Carts != nil {
		accountDeps.Wishlists, accountDeps.History, accountDeps.Carts, accountDeps.Products = d.Wishlists, d.History, d.Carts, d.Catalog.Products
		account.NewShopper(accountDeps).Routes(e.Group("/account", auth.RequireRole(auth.RoleShopper)))
	}

	merchantArea := e.Group("/merchant", auth.RequireRole(auth.RoleMerchant))
	m := merchant.New(merchant.Deps{Views: s.views, Auth: d.Auth, Catalog: d.Catalog, Bulk: d.Bulk,
		Affiliates: d.Affiliates, Ledger: d.Ledger, Orders: d.Orders, Webhooks: d.Webhooks})
	merchantArea.GET("", m.Shop.Home)
	m.Developer.Routes(merchantArea)
	if d.Webhooks != nil {
		m.Developer.DeliveryRoutes(merchantArea)
	}

	influencerArea := e.Group("/influencer", auth.RequireRole(auth.RoleInfluencer))

	if d.Catalog != nil {
		e.GET("/media/:key", s.mediaFile)
		e.HEAD("/media/:key", s.mediaFile)
		m.Shop.ShopRoutes(merchantArea)
		m.Products.Routes(merchantArea)
		m.Imports.Routes(merchantArea)
		shopper.CatalogueRoutes(e)
	}
	influencer := creator.New(creator.Deps{Views: s.views, BaseURL: s.cfg.BaseURL, Affiliates: d.Affiliates,
		Influencers: d.Influencers, Ledger: d.Ledger, Orders: d.Orders, Search: d.Search})
	influencerArea.GET("", influencer.Home)
	if d.Affiliates != nil {
		e.GET("/r/:code", s.followLink)
		influencer.Routes(influencerArea)
		if d.Catalog != nil { // the storefronts show the picks' photos from the catalogue
			shopper.StorefrontRoutes(e)
		}
		shop.NewCart(shopDeps).Routes(e)
		m.Shop.OrderRoutes(merchantArea)
		m.Shop.LedgerRoutes(merchantArea)
	}
	if d.Stats != nil && d.Affiliates != nil {
		deps := dashboard.Deps{Stats: d.Stats, Ledger: d.Ledger, Orders: d.Orders, ClickLag: d.Affiliates.ClickLag}
		dashboard.New(sitePages{s}, deps, s.logger).Routes(merchantArea, influencerArea)
	}
	if d.Search != nil {
		shopper.SearchRoutes(e)
	}
	api.New(api.Config{BaseURL: s.cfg.BaseURL, OrderRate: s.cfg.OrderRate, OrderBurst: s.cfg.OrderBurst}, apiDeps(d)).
		Routes(e.Group("/api/v1"))
	e.GET("/api/docs", s.apiDocs)
}
