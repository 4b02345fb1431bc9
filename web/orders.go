package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (s *Server) merchantOrderRoutes(merchant *echo.Group) {
	merchant.GET("/orders", s.merchantOrders)
	merchant.GET("/orders/:id", s.merchantOrder)
	merchant.POST("/orders/:id/refund", s.refundOrderForm)
	merchant.POST("/orders/:id/approve", s.approveOrder)
	merchant.POST("/orders/:id/hold", s.holdOrder(true))
	merchant.POST("/orders/:id/release", s.holdOrder(false))
}

func (s *Server) merchantOrders(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	orders, err := s.deps.Orders.OrdersOfShop(c.Request().Context(), user.ID, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "merchant-orders", Page{Title: "Orders", Data: orders})
}

type merchantOrderPage struct {
	Order orders.Order
}

func (s *Server) merchantOrder(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	order, err := s.deps.Orders.OrderForMerchant(c.Request().Context(), user.ID, request.PathID(c, "id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "merchant-order", Page{Title: "Order " + strconv.FormatInt(order.ID, 10), Data: merchantOrderPage{Order: order}})
}

// refundOrderForm refunds the whole order (scope=order) or one line by amount
// or quantity.
func (s *Server) refundOrderForm(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	id := request.PathID(c, "id")
	back := "/merchant/orders/" + strconv.FormatInt(id, 10)
	var err error
	if c.FormValue("scope") == "order" {
		_, err = s.deps.Orders.RefundOrder(ctx, user.ID, id)
	} else {
		qty, _ := strconv.Atoi(c.FormValue("quantity"))
		var amount int64
		if v := strings.TrimSpace(c.FormValue("amount")); v != "" {
			order, oerr := s.deps.Orders.OrderForMerchant(ctx, user.ID, id)
			if oerr != nil {
				return oerr
			}
			if amount, err = money.Parse(v, order.Currency, ""); err != nil || amount <= 0 {
				return s.flashBack(c, fault.FieldInvalidf("amount",
					"%q is not an amount to refund: write it in %s, such as %s", v, order.Currency, money.Plain(order.TotalMinor, order.Currency)), back)
			}
		}
		_, err = s.deps.Orders.Refund(ctx, user.ID, id, orders.RefundInput{LineID: request.FormID(c, "line_id"), AmountMinor: amount, Quantity: qty})
	}
	if err != nil {
		return s.flashBack(c, err, back)
	}
	setFlash(c, "Refund recorded; commission adjusted.")
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) approveOrder(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id := request.PathID(c, "id")
	if err := s.deps.Ledger.ApproveOrder(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	setFlash(c, "Commission approved.")
	return c.Redirect(http.StatusSeeOther, "/merchant/orders/"+strconv.FormatInt(id, 10))
}

func (s *Server) holdOrder(held bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		id := request.PathID(c, "id")
		if err := s.deps.Orders.SetHold(c.Request().Context(), user.ID, id, held); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/merchant/orders/"+strconv.FormatInt(id, 10))
	}
}
