package shop

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// Routes registers the cart, the checkout and the shopper's page of the
// orders a checkout placed.
func (s *Cart) Routes(e *echo.Echo) {
	e.GET("/cart", s.cart)
	e.POST("/cart/add", s.addToCart)
	e.POST("/cart/update", s.updateCart)
	e.POST("/cart/remove", s.removeFromCart)
	e.GET("/checkout", s.checkoutForm)
	e.POST("/checkout", s.checkout)
	e.GET("/orders/:token", s.placedOrders)
}

func (s *Cart) cartItems(c echo.Context) []orders.CartItem {
	ck, err := c.Cookie(orders.CartCookie)
	if err != nil {
		return nil
	}
	return s.deps.Carts.DecodeCart(ck.Value)
}

func (s *Cart) saveCart(c echo.Context, items []orders.CartItem) {
	ck := &http.Cookie{Name: orders.CartCookie, Path: "/", HttpOnly: true, Secure: site.SecureCookies(c, s.deps.BaseURL), SameSite: http.SameSiteLaxMode}
	if len(items) == 0 {
		ck.MaxAge = -1
	} else {
		ck.Value, ck.MaxAge = s.deps.Carts.EncodeCart(items), 30*24*3600
	}
	c.SetCookie(ck)
}

// cartPage is a priced cart and the cover photos of its products.
type cartPage struct {
	Cart   orders.CartView
	Covers map[int64]*site.ImageView // by product id; a product without a photo is left out
}

// newCartPage adds the products' cover photos to a priced cart.
func (s *Cart) newCartPage(c echo.Context, view orders.CartView) (cartPage, error) {
	page := cartPage{Cart: view, Covers: map[int64]*site.ImageView{}}
	if s.deps.Catalog == nil || view.Empty() {
		return page, nil
	}
	var ids []int64
	for _, sc := range view.Shops {
		for _, l := range sc.Lines {
			ids = append(ids, l.Product.ID)
		}
	}
	products, err := s.deps.Catalog.Products.PublicProductsByID(c.Request().Context(), ids)
	if err != nil {
		return page, err
	}
	for id, p := range products {
		if len(p.Images) > 0 {
			v := site.NewImageView(p.Images[0])
			page.Covers[id] = &v
		}
	}
	return page, nil
}

func (s *Cart) cart(c echo.Context) error {
	view, err := s.deps.Carts.Cart(c.Request().Context(), s.cartItems(c))
	if err != nil && !fault.Is(err, fault.Conflict) && !fault.Is(err, fault.Invalid) {
		return err
	}
	data, cerr := s.newCartPage(c, view)
	if cerr != nil {
		return cerr
	}
	page := site.Page{Title: site.T(c, "Your cart"), Data: data}
	if err != nil {
		page.Errors = map[string]string{"_form": s.deps.Views.Message(c, err)}
	}
	return s.deps.Views.Render(c, http.StatusOK, "cart", page)
}

func (s *Cart) addToCart(c echo.Context) error {
	qty, err := strconv.Atoi(c.FormValue("quantity"))
	if err != nil {
		qty = 1
	}
	items, err := s.deps.Carts.AddToCart(c.Request().Context(), s.cartItems(c), request.FormID(c, "product_id"), qty)
	if err != nil {
		return site.FlashBack(c, err, "/cart")
	}
	s.saveCart(c, items)
	site.SetFlash(c, site.T(c, "Added to your cart."))
	return c.Redirect(http.StatusSeeOther, "/cart")
}

// updateCart sets one line's quantity (0 removes it).
func (s *Cart) updateCart(c echo.Context) error {
	qty, err := strconv.Atoi(c.FormValue("quantity"))
	if err != nil {
		qty = -1 // refused by SetQuantity with the range to choose from
	}
	items, err := orders.SetQuantity(s.cartItems(c), request.FormID(c, "product_id"), qty)
	if err != nil {
		return site.FlashBack(c, err, "/cart")
	}
	s.saveCart(c, items)
	return c.Redirect(http.StatusSeeOther, "/cart")
}

func (s *Cart) removeFromCart(c echo.Context) error {
	s.saveCart(c, orders.RemoveFromCart(s.cartItems(c), request.FormID(c, "product_id")))
	return c.Redirect(http.StatusSeeOther, "/cart")
}
