package shop

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

func (s *Cart) checkoutForm(c echo.Context) error {
	view, err := s.deps.Carts.Cart(c.Request().Context(), s.cartItems(c))
	if err != nil {
		return site.FlashBack(c, err, "/cart")
	}
	if view.Empty() {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	form := map[string]string{}
	if u, ok := auth.CurrentUser(c); ok {
		form["email"], form["ship_name"] = u.Email, u.Name
	}
	data, err := s.newCartPage(c, view)
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "checkout", site.Page{Title: site.T(c, "Checkout"), Data: data, Form: form})
}

// checkout places the cart's orders, one per shop: payment (simulated),
// orders, stock, attribution and commission in one go; a declined payment
// writes nothing. Success answers 303 to the orders' page, so that
// reloading it places nothing again (post/redirect/get).
func (s *Cart) checkout(c echo.Context) error {
	in := orders.CheckoutInput{
		Items: s.cartItems(c), Email: c.FormValue("email"), ShipName: c.FormValue("ship_name"),
		ShipAddress: c.FormValue("ship_address"), Card: c.FormValue("card"),
	}
	if ck, err := c.Cookie(affiliates.RefCookie); err == nil {
		in.Ref = ck.Value
	}
	if u, ok := auth.CurrentUser(c); ok {
		in.BuyerUserID = &u.ID
	}
	ctx := c.Request().Context()
	placed, err := s.deps.Orders.Checkout(ctx, in)
	if err != nil {
		kind := fault.KindOf(err)
		if kind != fault.Invalid && kind != fault.Conflict && kind != fault.NotFound {
			return err
		}
		view, verr := s.deps.Carts.Cart(ctx, in.Items)
		if verr != nil {
			return site.FlashBack(c, verr, "/cart")
		}
		if view.Empty() { // placed already, or emptied in another tab
			return site.FlashBack(c, err, "/cart")
		}
		data, derr := s.newCartPage(c, view)
		if derr != nil {
			return derr
		}
		field := fault.FieldOf(err)
		if field == "" {
			field = "_form"
		}
		status := http.StatusUnprocessableEntity
		if kind != fault.Invalid {
			status = site.StatusOf(kind)
		}
		return s.deps.Views.Render(c, status, "checkout", site.Page{Title: site.T(c, "Checkout"), Data: data,
			Form:   map[string]string{"email": in.Email, "ship_name": in.ShipName, "ship_address": in.ShipAddress},
			Errors: map[string]string{field: s.deps.Views.Message(c, err)}})
	}
	s.saveCart(c, nil)
	site.SetFlash(c, site.T(c, "Thank you! Your order is placed."))
	return c.Redirect(http.StatusSeeOther, "/orders/"+placed[0].Token)
}

// placedOrders is the shopper's page of the orders one checkout placed:
// their status, tracking and dates. Its address is the checkout's
// unguessable token, so it is neither cached nor sent on as a referrer to
// another site. (Not "no-referrer": with it, a browser posts the page's
// forms — log out, for one — with "Origin: null", which CSRF refuses.)
func (s *Cart) placedOrders(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	placed, err := s.deps.Orders.CheckoutOrders(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "orders-placed", site.Page{Title: site.T(c, "Your order"), Data: placed})
}
