package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
)

type checkoutPage struct {
	Cart  orders.CartView
	Order *orders.Order
}

func (s *Server) checkoutForm(c echo.Context) error {
	view, err := s.deps.Carts.Cart(c.Request().Context(), s.cartItems(c))
	if err != nil {
		return s.flashBack(c, err, "/cart")
	}
	if len(view.Lines) == 0 {
		return c.Redirect(http.StatusSeeOther, "/cart")
	}
	form := map[string]string{}
	if u, ok := auth.CurrentUser(c); ok {
		form["email"], form["ship_name"] = u.Email, u.Name
	}
	return s.render(c, http.StatusOK, "checkout", Page{Title: "Checkout", Data: checkoutPage{Cart: view}, Form: form})
}

// checkout places the order: payment (simulated), order, stock, attribution
// and commission in one go; a declined payment writes nothing.
func (s *Server) checkout(c echo.Context) error {
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
	order, err := s.deps.Orders.Checkout(ctx, in)
	if err != nil {
		kind := fault.KindOf(err)
		if kind != fault.Invalid && kind != fault.Conflict && kind != fault.NotFound {
			return err
		}
		view, verr := s.deps.Carts.Cart(ctx, in.Items)
		if verr != nil {
			return s.flashBack(c, verr, "/cart")
		}
		field := fault.FieldOf(err)
		if field == "" {
			field = "_form"
		}
		status := http.StatusUnprocessableEntity
		if kind != fault.Invalid {
			status = statusOf(kind)
		}
		return s.render(c, status, "checkout", Page{Title: "Checkout", Data: checkoutPage{Cart: view},
			Form:   map[string]string{"email": in.Email, "ship_name": in.ShipName, "ship_address": in.ShipAddress},
			Errors: map[string]string{field: fault.MessageOf(err)}})
	}
	s.saveCart(c, nil)
	return s.render(c, http.StatusCreated, "checkout", Page{Title: "Thank you", Data: checkoutPage{Order: &order}})
}
