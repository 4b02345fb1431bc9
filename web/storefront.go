package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

func (s *Server) storefrontRoutes(e *echo.Echo, influencer *echo.Group) {
	e.GET("/@:handle", s.storefront)
	e.GET("/@:handle/c/:id", s.storefront)
	influencer.POST("/collections", s.createCollection)
	influencer.POST("/collections/:id/items", s.addToCollection)
	influencer.POST("/collections/:id/items/:pid/remove", s.removeFromCollection)
}

type storefrontPage struct {
	affiliates.Storefront
	Only int64 // a single collection, when the link named one
}

// storefront is an influencer's public page: their collections of picks, each
// card carrying the influencer's tracked link.
func (s *Server) storefront(c echo.Context) error {
	ctx := c.Request().Context()
	inf, err := s.deps.Affiliates.InfluencerByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	sf, err := s.deps.Affiliates.StorefrontOf(ctx, inf.UserID)
	if err != nil {
		return err
	}
	data := storefrontPage{Storefront: sf}
	if id := c.Param("id"); id != "" {
		data.Only, _ = strconv.ParseInt(id, 10, 64)
		found := false
		for _, col := range sf.Collections {
			found = found || col.Collection.ID == data.Only
		}
		if !found {
			return fault.NotFoundf("@%s has no such collection", inf.Handle)
		}
	}
	return s.render(c, http.StatusOK, "storefront", Page{Title: inf.Name + " (@" + inf.Handle + ")", Data: data})
}

func (s *Server) createCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	if _, err := s.deps.Affiliates.EnsureInfluencer(ctx, accountOf(user)); err != nil {
		return err
	}
	if _, err := s.deps.Affiliates.CreateCollection(ctx, user.ID, c.FormValue("title")); err != nil {
		return s.flashBack(c, err, "/influencer#storefront")
	}
	setFlash(c, "Collection created. Add products to it by their number, or from a product page.")
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}

func (s *Server) addToCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	err := s.deps.Affiliates.AddToCollection(c.Request().Context(), user.ID, pathID(c, "id"), formID(c, "product_id"))
	if err != nil {
		return s.flashBack(c, err, "/influencer#storefront")
	}
	setFlash(c, "Added to your storefront.")
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}

func (s *Server) removeFromCollection(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	err := s.deps.Affiliates.RemoveFromCollection(c.Request().Context(), user.ID, pathID(c, "id"), pathID(c, "pid"))
	if err != nil {
		return s.flashBack(c, err, "/influencer#storefront")
	}
	return c.Redirect(http.StatusSeeOther, "/influencer#storefront")
}
