// Package api is Warna's JSON API under /api/v1: merchants' products,
// photos and bulk imports (with an API key or a session), the public
// catalogue and search, and the order calls of merchants who sell elsewhere
// (conversions, refunds, the webhook). Handlers return domain errors; the
// web server's one error mapper answers them as
// {"error": {"code", "message", "field"}}.
package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/auth"
)

// Deps are the services the API calls; a nil one leaves its routes out.
type Deps struct {
	Catalog  *catalog.Catalog
	Bulk     *bulk.Service
	Orders   *orders.Service
	Webhooks *orders.Webhooks
	Search   *search.Service
	// Idempotency keeps the answers of calls sent with an Idempotency-Key.
	Idempotency keyStore
}

// Config is what the API needs to know besides its services.
type Config struct {
	// BaseURL makes the absolute links in its answers.
	BaseURL string
	// OrderRate is the sustained rate of conversion and refund calls allowed
	// per merchant account (burst OrderBurst); zero means 20 a second,
	// burst 200.
	OrderRate  float64
	OrderBurst int
}

// API answers the /api/v1 routes: it mounts one type per resource
// (products, imports, conversions, the webhook) and answers the few calls
// of its own (the description, /me, search).
type API struct{ common }

// common is what every resource of the API shares: the configuration, the
// services, and the helpers for cursors and Idempotency-Key.
type common struct {
	baseURL string
	cfg     Config
	deps    Deps
}

// productsAPI answers the merchant's products and photos and the public
// catalogue.
type productsAPI struct{ common }

// importsAPI answers the bulk imports.
type importsAPI struct{ common }

// conversionsAPI answers off-site sales and their refunds.
type conversionsAPI struct{ common }

// webhooksAPI answers the order webhook's settings and delivery log.
type webhooksAPI struct{ common }

// New builds the API.
func New(cfg Config, deps Deps) *API {
	if cfg.OrderRate <= 0 || cfg.OrderBurst <= 0 {
		cfg.OrderRate, cfg.OrderBurst = 20, 200
	}
	return &API{common{baseURL: cfg.BaseURL, cfg: cfg, deps: deps}}
}

// Routes registers the API on its group (/api/v1).
func (a *API) Routes(api *echo.Group) {
	api.GET("/openapi.json", a.apiDescription)
	api.GET("/me", a.me, auth.RequireRole(auth.RoleMerchant, auth.RoleInfluencer))
	if a.deps.Catalog != nil {
		(&productsAPI{a.common}).productRoutes(api)
	}
	if a.deps.Bulk != nil {
		(&importsAPI{a.common}).importRoutes(api)
	}
	if a.deps.Orders != nil {
		(&conversionsAPI{a.common}).conversionRoutes(api)
	}
	if a.deps.Webhooks != nil {
		(&webhooksAPI{a.common}).webhookRoutes(api)
	}
	if a.deps.Search != nil {
		api.GET("/search", a.search)
	}
}

type meResponse struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

func (a *API) me(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	return c.JSON(http.StatusOK, meResponse{ID: user.ID, Email: user.Email, Name: user.Name, Role: string(user.Role)})
}

// timestamp is how the API writes a time: RFC 3339 in UTC, to the second
// ("2026-03-10T12:00:00Z").
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
