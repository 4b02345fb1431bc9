package creator

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

func (s *Pages) createCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	if _, err := s.deps.Influencers.EnsureInfluencer(ctx, accountOf(user)); err != nil {
		return err
	}
	if _, err := s.deps.Influencers.CreateCollection(ctx, user.ID, c.FormValue("title")); err != nil {
		return site.FlashBack(c, err, "/influencer#storefront")
	}
	site.SetFlash(c, site.T(c, "Collection created. Add products to it by their number, or from a product page."))
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}

func (s *Pages) addToCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	err := s.deps.Influencers.AddToCollection(c.Request().Context(), user.ID, request.PathID(c, "id"), request.FormID(c, "product_id"))
	if err != nil {
		return site.FlashBack(c, err, "/influencer#storefront")
	}
	site.SetFlash(c, site.T(c, "Added to your storefront."))
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}

func (s *Pages) removeFromCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	err := s.deps.Influencers.RemoveFromCollection(c.Request().Context(), user.ID, request.PathID(c, "id"), request.PathID(c, "pid"))
	if err != nil {
		return site.FlashBack(c, err, "/influencer#storefront")
	}
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}
