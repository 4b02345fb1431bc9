package merchant

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// OrderRoutes registers the shop's orders, refunds and approvals.
func (s *Shop) OrderRoutes(merchant *echo.Group) {
	merchant.GET("/orders", s.merchantOrders)
	merchant.GET("/orders/:id", s.merchantOrder)
	merchant.POST("/orders/:id/refund", s.refundOrderForm)
	merchant.POST("/orders/:id/approve", s.approveOrder)
	merchant.POST("/orders/:id/hold", s.holdOrder(true))
	merchant.POST("/orders/:id/release", s.holdOrder(false))
	merchant.POST("/orders/:id/ship", s.shipOrder)
	merchant.POST("/orders/:id/deliver", s.deliverOrder)
}

func (s *Shop) merchantOrders(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	list, err := s.deps.Orders.OrdersOfShop(ctx, user.ID, 100)
	if err != nil {
		return err
	}
	shop, err := shopOf(ctx, s.deps, user.ID)
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "merchant-orders", site.Page{Title: site.T(c, "Orders"),
		Data: merchantOrdersPage{Orders: list, Zone: stats.LoadZone(shop.TimeZone)}})
}

type merchantOrdersPage struct {
	Orders []orders.Order
	Zone   *time.Location // the shop's: every time on the page is in it
}

type merchantOrderPage struct {
	Order orders.Order
	Shop  catalog.Shop
	Zone  *time.Location // the shop's: every time on the page is in it
	// DueAt is when the commission comes due for approval: the shop's
	// return window after delivery (zero until delivered).
	DueAt time.Time
}

// shopOf is the merchant's shop, or the defaults of a new one (UTC) where
// the catalogue is not wired in.
func shopOf(ctx context.Context, deps Deps, ownerID int64) (catalog.Shop, error) {
	if deps.Catalog == nil {
		return catalog.Shop{TimeZone: "UTC"}, nil
	}
	return deps.Catalog.Shops.ShopOf(ctx, ownerID)
}

func (s *Shop) merchantOrder(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	order, err := s.deps.Orders.OrderForMerchant(c.Request().Context(), user.ID, request.PathID(c, "id"))
	if err != nil {
		return err
	}
	return s.renderOrder(c, http.StatusOK, order, site.Page{})
}

// renderOrder shows the order page, with p's form values and errors.
func (s *Shop) renderOrder(c echo.Context, status int, order orders.Order, p site.Page) error {
	user, _ := auth.CurrentUser(c)
	shop, err := shopOf(c.Request().Context(), s.deps, user.ID)
	if err != nil {
		return err
	}
	data := merchantOrderPage{Order: order, Shop: shop, Zone: stats.LoadZone(shop.TimeZone)}
	if order.DeliveredAt != nil {
		data.DueAt = order.DeliveredAt.AddDate(0, 0, shop.ReturnWindowDays)
	}
	p.Title, p.Data = site.T(c, "Order %d", order.ID), data
	return s.deps.Views.Render(c, status, "merchant-order", p)
}

// shipOrder marks the order shipped with its tracking number; a missing
// number or an order that cannot be shipped comes back on the order page
// with the reason.
func (s *Shop) shipOrder(c echo.Context) error {
	in := orders.ShipInput{TrackingNumber: c.FormValue("tracking_number"), Carrier: c.FormValue("carrier")}
	return s.fulfilOrder(c, map[string]string{"tracking_number": in.TrackingNumber, "carrier": in.Carrier},
		func(ctx context.Context, merchantID, id int64) error {
			_, err := s.deps.Orders.Ship(ctx, merchantID, id, in)
			return err
		}, "Order marked shipped.")
}

// deliverOrder marks the shipped order delivered: its return window starts.
func (s *Shop) deliverOrder(c echo.Context) error {
	return s.fulfilOrder(c, nil, func(ctx context.Context, merchantID, id int64) error {
		_, err := s.deps.Orders.Deliver(ctx, merchantID, id)
		return err
	}, "Order marked delivered; the return window starts today.")
}

func (s *Shop) fulfilOrder(c echo.Context, form map[string]string, step func(ctx context.Context, merchantID, id int64) error, done string) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	id := request.PathID(c, "id")
	err := step(ctx, user.ID, id)
	switch kind := fault.KindOf(err); {
	case err == nil:
		site.SetFlash(c, site.T(c, done))
		return c.Redirect(http.StatusSeeOther, "/merchant/orders/"+strconv.FormatInt(id, 10))
	case kind == fault.Invalid || kind == fault.Conflict:
		order, oerr := s.deps.Orders.OrderForMerchant(ctx, user.ID, id)
		if oerr != nil {
			return oerr
		}
		field, status := fault.FieldOf(err), site.StatusOf(kind)
		if field == "" {
			field = "_form"
		}
		if kind == fault.Invalid {
			status = http.StatusUnprocessableEntity
		}
		return s.renderOrder(c, status, order, site.Page{Form: form, Errors: map[string]string{field: s.deps.Views.Message(c, err)}})
	default:
		return err
	}
}

// refundOrderForm refunds the whole order (scope=order) or one line by amount
// or quantity.
func (s *Shop) refundOrderForm(c echo.Context) error {
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
				return site.FlashBack(c, fault.FieldInvalidf("amount",
					"%q is not an amount to refund: write it in %s, such as %s", v, order.Currency, money.Plain(order.TotalMinor, order.Currency)), back)
			}
		}
		_, err = s.deps.Orders.Refund(ctx, user.ID, id, orders.RefundInput{LineID: request.FormID(c, "line_id"), AmountMinor: amount, Quantity: qty})
	}
	if err != nil {
		return site.FlashBack(c, err, back)
	}
	site.SetFlash(c, site.T(c, "Refund recorded; commission adjusted."))
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Shop) approveOrder(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id := request.PathID(c, "id")
	if err := s.deps.Ledger.ApproveOrder(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "Commission approved."))
	return c.Redirect(http.StatusSeeOther, "/merchant/orders/"+strconv.FormatInt(id, 10))
}

func (s *Shop) holdOrder(held bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		id := request.PathID(c, "id")
		if err := s.deps.Orders.SetHold(c.Request().Context(), user.ID, id, held); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/merchant/orders/"+strconv.FormatInt(id, 10))
	}
}
