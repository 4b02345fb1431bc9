package account

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// historyLimit is how many of the latest orders the account page lists.
const historyLimit = 50

// Shopper serves a shopper's own pages: the orders placed with their
// (confirmed) email, re-order, and the wishlist.
type Shopper struct{ deps Deps }

// NewShopper builds the shopper's pages.
func NewShopper(deps Deps) *Shopper { return &Shopper{deps: deps} }

// Routes registers the pages on g, the shoppers' area (/account).
func (s *Shopper) Routes(g *echo.Group) {
	g.GET("", s.home)
	g.POST("/orders/:id/reorder", s.reorder)
	g.POST("/wishlist", s.save)
	g.POST("/wishlist/remove", s.remove)
}

// accountPage is what the account page shows.
type accountPage struct {
	// Verified says whether the orders are listed: only a confirmed email
	// proves they are the shopper's.
	Verified bool
	Orders   []orderView
	Wishlist []wishView
}

type orderView struct {
	orders.Order
	// Status is the order's state in the shopper's words.
	Status  string
	Reorder bool
}

type wishView struct {
	Product site.ProductView
	Colour  string
}

func (s *Shopper) home(c echo.Context) error {
	ctx := c.Request().Context()
	user, _ := auth.CurrentUser(c)
	page := accountPage{Verified: user.Verified()}
	if page.Verified {
		list, err := s.deps.History.OfEmail(ctx, user.Email, historyLimit)
		if err != nil {
			return err
		}
		for _, o := range list {
			page.Orders = append(page.Orders, orderView{Order: o, Status: orderStatus(c, o), Reorder: hasProducts(o)})
		}
	}
	items, err := s.deps.Wishlists.List(ctx, user.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ProductID
	}
	products, err := s.deps.Products.PublicProductsByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		if p, ok := products[it.ProductID]; ok { // one no longer on sale drops out
			page.Wishlist = append(page.Wishlist, wishView{Product: site.NewProductView(p), Colour: it.Colour})
		}
	}
	return s.deps.Views.Render(c, http.StatusOK, "account", site.Page{Title: site.T(c, "My account"), Data: page})
}

// orderStatus says where an order stands: placed, shipped, delivered or
// refunded (in part or in full).
func orderStatus(c echo.Context, o orders.Order) string {
	switch o.Status() {
	case orders.StatusRefunded:
		return site.T(c, "Refunded in full")
	case orders.StatusDelivered:
		return site.T(c, "Delivered")
	case orders.StatusShipped:
		return site.T(c, "Shipped")
	}
	for _, l := range o.Lines {
		if l.RefundedQty > 0 {
			return site.T(c, "Partly refunded")
		}
	}
	return site.T(c, "Order placed")
}

func hasProducts(o orders.Order) bool {
	for _, l := range o.Lines {
		if l.ProductID != nil {
			return true
		}
	}
	return false
}

// reorder puts the lines of one of the shopper's orders back in the cart,
// those still on sale, and goes to the cart.
func (s *Shopper) reorder(c echo.Context) error {
	ctx := c.Request().Context()
	user, _ := auth.CurrentUser(c)
	if !user.Verified() {
		return site.FlashBack(c, fault.Forbiddenf("confirm your email address first: the link is in the email we sent you"), "/account")
	}
	id, err := request.ID(c, "id", "no such order")
	if err != nil {
		return err
	}
	order, err := s.deps.History.OneOfEmail(ctx, user.Email, id)
	if err != nil {
		return site.FlashBack(c, err, "/account")
	}
	items := s.cartItems(c)
	missing := 0
	for _, l := range order.Lines {
		if l.ProductID == nil {
			continue
		}
		next, err := s.deps.Carts.AddToCart(ctx, items, *l.ProductID, l.Quantity)
		switch {
		case fault.Is(err, fault.NotFound):
			missing++
			continue
		case err != nil:
			return site.FlashBack(c, err, "/account")
		}
		items = next
	}
	s.saveCart(c, items)
	if missing > 0 {
		site.SetFlash(c, site.T(c, "The order is back in your cart, except what is no longer on sale (%d products).", missing))
	} else {
		site.SetFlash(c, site.T(c, "The order is back in your cart."))
	}
	return c.Redirect(http.StatusSeeOther, "/cart")
}

// cartItems and saveCart read and write the cart cookie as the cart pages do.
func (s *Shopper) cartItems(c echo.Context) []orders.CartItem {
	ck, err := c.Cookie(orders.CartCookie)
	if err != nil {
		return nil
	}
	return s.deps.Carts.DecodeCart(ck.Value)
}

func (s *Shopper) saveCart(c echo.Context, items []orders.CartItem) {
	c.SetCookie(&http.Cookie{Name: orders.CartCookie, Value: s.deps.Carts.EncodeCart(items), MaxAge: 30 * 24 * 3600,
		Path: "/", HttpOnly: true, Secure: site.SecureCookies(c, s.deps.BaseURL), SameSite: http.SameSiteLaxMode})
}

// save puts a product, with the colour picked, on the wishlist.
func (s *Shopper) save(c echo.Context) error {
	ctx := c.Request().Context()
	user, _ := auth.CurrentUser(c)
	back := safeNext(c.FormValue("next"))
	if back == "" {
		back = "/account"
	}
	id := request.FormID(c, "product_id")
	if _, err := s.deps.Products.PublicProduct(ctx, id); err != nil {
		return site.FlashBack(c, err, back)
	}
	if err := s.deps.Wishlists.Save(ctx, user.ID, id, c.FormValue("colour")); err != nil {
		return site.FlashBack(c, err, back)
	}
	site.SetFlash(c, site.T(c, "Saved to your wishlist."))
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Shopper) remove(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	if err := s.deps.Wishlists.Remove(c.Request().Context(), user.ID, request.FormID(c, "product_id")); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "Removed from your wishlist."))
	return c.Redirect(http.StatusSeeOther, "/account")
}
