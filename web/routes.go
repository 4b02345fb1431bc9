package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/api"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/dashboard"
)

// routes registers every route. Each resource registers its own group in its
// file; this is the table of contents.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/version", s.version)
	e.GET("/metrics", s.metrics())
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg") })
	e.GET("/static/*", s.static())

	e.GET("/", s.home)
	s.accountRoutes(e)

	merchant := e.Group("/merchant", auth.RequireRole(auth.RoleMerchant))
	merchant.GET("", s.merchantHome)
	merchant.GET("/api-keys", s.apiKeys)
	merchant.POST("/api-keys", s.createAPIKey)
	merchant.POST("/api-keys/:id/revoke", s.revokeAPIKey)
	if s.deps.Affiliates != nil {
		merchant.POST("/webhook", s.setWebhook)
		merchant.POST("/webhook/remove", s.removeWebhook)
	}

	influencer := e.Group("/influencer", auth.RequireRole(auth.RoleInfluencer))

	s.catalogRoutes(e, merchant)
	s.affiliateRoutes(e, influencer, merchant)
	if s.deps.Stats != nil && s.deps.Affiliates != nil {
		deps := dashboard.Deps{Stats: s.deps.Stats, Ledger: s.deps.Ledger, Orders: s.deps.Orders}
		dashboard.New(sitePages{s}, deps, s.logger).Routes(merchant, influencer)
	}
	s.searchRoutes(e)
	api.New(s.cfg.BaseURL, api.Deps{Catalog: s.deps.Catalog, Orders: s.deps.Orders, Webhooks: s.deps.Webhooks, Search: s.deps.Search}).
		Routes(e.Group("/api/v1"))
}
