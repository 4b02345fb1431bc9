package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (a *API) conversionRoutes(api *echo.Group) {
	merchantOnly := auth.RequireRole(auth.RoleMerchant)
	limit := merchantRateLimit(20, 200)
	api.POST("/conversions", a.apiConversion, merchantOnly, limit)
	api.POST("/orders/:id/refunds", a.apiRefund, merchantOnly, limit)
	api.PUT("/webhook", a.apiSetWebhook, merchantOnly)
}

type webhookRequest struct {
	URL string `json:"url"`
}

type webhookResponse struct {
	URL       string `json:"url"`
	Secret    string `json:"secret"`
	Signature string `json:"signature"`
}

// apiSetWebhook sets the shop's webhook URL (order.created, order.refunded)
// and returns a new signing secret, shown only here.
func (a *API) apiSetWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var in webhookRequest
	if err := c.Bind(&in); err != nil {
		return fault.Invalidf("send a JSON body: {\"url\": \"https://…\"}")
	}
	hook, err := a.deps.Webhooks.SetWebhook(c.Request().Context(), user.ID, in.URL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookResponse{URL: hook.URL, Secret: hook.Secret,
		Signature: "X-Warna-Signature: t=UNIX,v1=hex(HMAC-SHA256(secret, UNIX + \".\" + body))"})
}

// merchantRateLimit limits each merchant account's order calls to perSecond
// sustained with bursts of burst (a back-fill of many orders is fine; a
// runaway loop is stopped with 429 and Retry-After).
func merchantRateLimit(perSecond float64, burst int) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(perSecond), Burst: burst, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			user, _ := auth.CurrentUser(c)
			return strconv.FormatInt(user.ID, 10), nil
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return &fault.Error{Kind: fault.RateLimited, Message: "too many order calls; slow down and retry after a minute"}
		},
	})
}

type apiOrderLine struct {
	ID            int64  `json:"id"`
	ProductID     *int64 `json:"product_id,omitempty"`
	Title         string `json:"title"`
	UnitMinor     int64  `json:"unit_price_minor"`
	Quantity      int    `json:"quantity"`
	AmountMinor   int64  `json:"amount_minor"`
	RefundedMinor int64  `json:"refunded_minor"`
	RefundedQty   int    `json:"refunded_quantity"`
}

type apiAttribution struct {
	Outcome      string  `json:"outcome"`
	Reason       string  `json:"reason,omitempty"`
	Rule         string  `json:"rule"`
	ClickID      *string `json:"click_id,omitempty"`
	LinkID       *int64  `json:"link_id,omitempty"`
	InfluencerID *int64  `json:"influencer_id,omitempty"`
	AgeSeconds   *int64  `json:"click_age_seconds,omitempty"`
	WindowDays   int     `json:"window_days"`
}

type apiOrder struct {
	ID          int64          `json:"id"`
	ExternalID  *string        `json:"order_id,omitempty"`
	Currency    string         `json:"currency"`
	TotalMinor  int64          `json:"total_minor"`
	PlacedAt    string         `json:"placed_at"`
	Lines       []apiOrderLine `json:"lines"`
	Attribution apiAttribution `json:"attribution"`
}

func toAPIOrder(o orders.Order) apiOrder {
	out := apiOrder{ID: o.ID, ExternalID: o.ExternalID, Currency: o.Currency, TotalMinor: o.TotalMinor, PlacedAt: o.PlacedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Attribution: apiAttribution{Outcome: o.AttrOutcome, Reason: o.AttrReason, Rule: o.AttrRule, ClickID: o.AttrClickID,
			LinkID: o.AttrLinkID, InfluencerID: o.AttrInfluencerID, AgeSeconds: o.AttrAgeSeconds, WindowDays: o.AttrWindowDays}}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, apiOrderLine{ID: l.ID, ProductID: l.ProductID, Title: l.Title, UnitMinor: l.UnitMinor,
			Quantity: l.Quantity, AmountMinor: l.AmountMinor, RefundedMinor: l.RefundedMinor, RefundedQty: l.RefundedQty})
	}
	return out
}

// apiConversion records an off-site sale: 201 the first time, 200 with the
// same order when the same order_id is sent again.
func (a *API) apiConversion(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var in orders.ConversionInput
	if err := c.Bind(&in); err != nil {
		return fault.Invalidf("send a JSON body: {\"order_id\": …, \"lines\": [{\"unit_price_minor\": …, \"quantity\": …}]}")
	}
	order, created, err := a.deps.Orders.RecordConversion(c.Request().Context(), user.ID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toAPIOrder(order))
}

// apiRefund refunds one line (by amount or quantity), or the whole order when
// no line is given.
func (a *API) apiRefund(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var in orders.RefundInput
	if err := c.Bind(&in); err != nil {
		return fault.Invalidf("send a JSON body: {\"line_id\": …, \"amount_minor\": … or \"quantity\": …}")
	}
	ctx := c.Request().Context()
	var order orders.Order
	var err error
	if in.LineID == 0 {
		order, err = a.deps.Orders.RefundOrder(ctx, user.ID, request.PathID(c, "id"))
	} else {
		order, err = a.deps.Orders.Refund(ctx, user.ID, request.PathID(c, "id"), in)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIOrder(order))
}
