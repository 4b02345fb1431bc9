// Package api is Warna's JSON API under /api/v1: merchants' products and
// photos (with an API key or a session), the public catalogue and search,
// and the order calls of merchants who sell elsewhere (conversions, refunds,
// the webhook). Handlers return domain errors; the web server's one error
// mapper answers them as {"error": {"code", "message", "field"}}.
package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/auth"
)

// Deps are the services the API calls; a nil one leaves its routes out.
type Deps struct {
	Catalog  *catalog.Catalog
	Orders   *orders.Service
	Webhooks *orders.Webhooks
	Search   *search.Service
}

// API answers the /api/v1 routes.
type API struct {
	baseURL string
	deps    Deps
}

// New builds the API; baseURL makes the absolute links in its answers.
func New(baseURL string, deps Deps) *API { return &API{baseURL: baseURL, deps: deps} }

// Routes registers the API on its group (/api/v1).
func (a *API) Routes(api *echo.Group) {
	api.GET("/me", a.me, auth.RequireRole(auth.RoleMerchant, auth.RoleInfluencer))
	if a.deps.Catalog != nil {
		a.productRoutes(api)
	}
	if a.deps.Orders != nil {
		a.conversionRoutes(api)
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
