package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (a *conversionsAPI) conversionRoutes(api *echo.Group) {
	merchantOnly := auth.RequireRole(auth.RoleMerchant)
	limit := merchantRateLimit(a.cfg.OrderRate, a.cfg.OrderBurst)
	api.POST("/conversions", a.apiConversion, merchantOnly, limit, a.idempotent)
	api.POST("/orders/:id/refunds", a.apiRefund, merchantOnly, limit, a.idempotent)
}

// apiConversion records an off-site sale: 201 the first time, 200 with the
// same order when the same order_id is sent again.
func (a *conversionsAPI) apiConversion(c echo.Context) error {
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
	return c.JSON(status, orders.NewOrderData(order))
}

// apiRefund refunds one line (by amount or quantity), or the whole order when
// no line is given.
func (a *conversionsAPI) apiRefund(c echo.Context) error {
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
	return c.JSON(http.StatusCreated, orders.NewOrderData(order))
}
