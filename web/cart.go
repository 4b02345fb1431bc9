package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
)

func (s *Server) cartRoutes(e *echo.Echo) {
	e.GET("/cart", s.cart)
	e.POST("/cart/add", s.addToCart)
	e.POST("/cart/remove", s.removeFromCart)
	e.GET("/checkout", s.checkoutForm)
	e.POST("/checkout", s.checkout)
}

func (s *Server) cartItems(c echo.Context) []affiliates.CartItem {
	ck, err := c.Cookie(affiliates.CartCookie)
	if err != nil {
		return nil
	}
	return s.deps.Affiliates.DecodeCart(ck.Value)
}

func (s *Server) saveCart(c echo.Context, items []affiliates.CartItem) {
	ck := &http.Cookie{Name: affiliates.CartCookie, Path: "/", HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode}
	if len(items) == 0 {
		ck.MaxAge = -1
	} else {
		ck.Value, ck.MaxAge = s.deps.Affiliates.EncodeCart(items), 30*24*3600
	}
	c.SetCookie(ck)
}

func (s *Server) cart(c echo.Context) error {
	view, err := s.deps.Affiliates.Cart(c.Request().Context(), s.cartItems(c))
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
	items, err := s.deps.Affiliates.AddToCart(c.Request().Context(), s.cartItems(c), formID(c, "product_id"), qty)
	if err != nil {
		return s.flashBack(c, err, "/cart")
	}
	s.saveCart(c, items)
	setFlash(c, "Added to your cart.")
	return c.Redirect(http.StatusSeeOther, "/cart")
}

func (s *Server) removeFromCart(c echo.Context) error {
	s.saveCart(c, affiliates.RemoveFromCart(s.cartItems(c), formID(c, "product_id")))
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
