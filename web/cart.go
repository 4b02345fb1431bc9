package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/request"
)

func (s *Server) cartRoutes(e *echo.Echo) {
	e.GET("/cart", s.cart)
	e.POST("/cart/add", s.addToCart)
	e.POST("/cart/remove", s.removeFromCart)
	e.GET("/checkout", s.checkoutForm)
	e.POST("/checkout", s.checkout)
}

func (s *Server) cartItems(c echo.Context) []orders.CartItem {
	ck, err := c.Cookie(orders.CartCookie)
	if err != nil {
		return nil
	}
	return s.deps.Carts.DecodeCart(ck.Value)
}

func (s *Server) saveCart(c echo.Context, items []orders.CartItem) {
	ck := &http.Cookie{Name: orders.CartCookie, Path: "/", HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode}
	if len(items) == 0 {
		ck.MaxAge = -1
	} else {
		ck.Value, ck.MaxAge = s.deps.Carts.EncodeCart(items), 30*24*3600
	}
	c.SetCookie(ck)
}

func (s *Server) cart(c echo.Context) error {
	view, err := s.deps.Carts.Cart(c.Request().Context(), s.cartItems(c))
	if err != nil && !fault.Is(err, fault.Conflict) && !fault.Is(err, fault.Invalid) {
		return err
	}
	page := Page{Title: "Your cart", Data: view}
	if err != nil {
		page.Errors = map[string]string{"_form": fault.MessageOf(err)}
	}
	return s.render(c, http.StatusOK, "cart", page)
}

func (s *Server) addToCart(c echo.Context) error {
	qty, err := strconv.Atoi(c.FormValue("quantity"))
	if err != nil {
		qty = 1
	}
	items, err := s.deps.Carts.AddToCart(c.Request().Context(), s.cartItems(c), request.FormID(c, "product_id"), qty)
	if err != nil {
		return s.flashBack(c, err, "/cart")
	}
	s.saveCart(c, items)
	setFlash(c, "Added to your cart.")
	return c.Redirect(http.StatusSeeOther, "/cart")
}

func (s *Server) removeFromCart(c echo.Context) error {
	s.saveCart(c, orders.RemoveFromCart(s.cartItems(c), request.FormID(c, "product_id")))
	return c.Redirect(http.StatusSeeOther, "/cart")
}

// flashBack shows a user error as a flash message on the page the form came
// from; other errors go to the error handler.
func (s *Server) flashBack(c echo.Context, err error, to string) error {
	switch fault.KindOf(err) {
	case fault.Invalid, fault.TooLarge, fault.Conflict, fault.NotFound, fault.Forbidden:
		setFlash(c, fault.MessageOf(err))
		return c.Redirect(http.StatusSeeOther, to)
	}
	return err
}
