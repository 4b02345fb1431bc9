package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

// affiliateRoutes registers the influencer area, links and their redirect,
// storefronts, cart and checkout, and the merchant's orders and
// commissions (package api has the conversion API).
func (s *Server) affiliateRoutes(e *echo.Echo, influencer, merchant *echo.Group) {
	influencer.GET("", s.influencerHome)
	if s.deps.Affiliates == nil {
		return
	}
	e.GET("/r/:code", s.followLink)
	influencer.POST("/profile", s.updateProfile)
	influencer.POST("/avatar", s.uploadAvatar)
	influencer.POST("/links", s.createLink)
	influencer.POST("/links/:id/disable", s.setLinkDisabled(true))
	influencer.POST("/links/:id/enable", s.setLinkDisabled(false))
	influencer.GET("/links/:id/qr.png", s.linkQR)
	s.storefrontRoutes(e, influencer)
	s.cartRoutes(e)
	s.merchantOrderRoutes(merchant)
	s.ledgerRoutes(merchant)
}

type influencerPage struct {
	Profile    affiliates.Influencer
	Links      []affiliates.LinkStats
	Orders     []orders.Order
	Balances   []affiliates.Balance
	Entries    []affiliates.LedgerEntry
	Storefront affiliates.Storefront
	BaseURL    string
}

func (s *Server) influencerHome(c echo.Context) error {
	if s.deps.Affiliates == nil {
		return s.render(c, http.StatusOK, "influencer", Page{Title: "Influencer area"})
	}
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	inf, err := s.deps.Influencers.EnsureInfluencer(ctx, accountOf(user))
	if err != nil {
		return err
	}
	data := influencerPage{Profile: inf, BaseURL: s.cfg.BaseURL}
	if data.Links, err = s.deps.Affiliates.LinksOf(ctx, user.ID); err != nil {
		return err
	}
	if data.Orders, err = s.deps.Orders.OrdersOfInfluencer(ctx, user.ID, 50); err != nil {
		return err
	}
	if data.Balances, err = s.deps.Ledger.Balances(ctx, user.ID, 0); err != nil {
		return err
	}
	if data.Entries, err = s.deps.Ledger.EntriesOfInfluencer(ctx, user.ID, 50); err != nil {
		return err
	}
	if data.Storefront, err = s.deps.Influencers.StorefrontOf(ctx, user.ID); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "influencer", Page{Title: "Your links", Data: data})
}

// uploadAvatar sets the profile photo shown on the storefront.
func (s *Server) uploadAvatar(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	const back = "/influencer#avatar"
	files, closeAll, err := request.Files(c, "avatar")
	defer closeAll()
	if err != nil {
		return s.flashBack(c, err, back)
	}
	if len(files) == 0 {
		return s.flashBack(c, fault.FieldInvalidf("avatar", "choose a photo to upload"), back)
	}
	if _, err := s.deps.Influencers.SetAvatar(c.Request().Context(), user.ID, files[0]); err != nil {
		return s.flashBack(c, err, back)
	}
	setFlash(c, "Profile photo saved.")
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) updateProfile(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	in := affiliates.ProfileInput{Handle: c.FormValue("handle"), Bio: c.FormValue("bio")}
	if err := s.deps.Influencers.UpdateProfile(c.Request().Context(), user.ID, in); err != nil {
		return s.flashBack(c, err, "/influencer#profile")
	}
	setFlash(c, "Profile saved.")
	return c.Redirect(http.StatusSeeOther, "/influencer#profile")
}
