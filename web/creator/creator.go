// Package creator serves the influencer area: the profile and its photo,
// tracked links and their QR codes, and the storefront's collections.
// Package web mounts it under /influencer (the dashboard is package
// dashboard's, the public storefront package shop's).
package creator

import (
	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// Deps are the site's templates and address and the services the influencer
// pages call; Affiliates nil leaves all but the home page out.
type Deps struct {
	Views       *site.Views
	BaseURL     string
	Affiliates  *affiliates.Service
	Influencers *affiliates.Influencers
	Ledger      *affiliates.Ledger
	Orders      *orders.Service
	// Search, when set, lets the influencer pick products to link to by
	// words and colours.
	Search *search.Service
}

// Pages serves the influencer area.
type Pages struct{ deps Deps }

// New builds the influencer pages over the services.
func New(deps Deps) *Pages { return &Pages{deps: deps} }

// Routes registers the influencer's actions: profile, photo, links and
// collections (Home is mounted on its own, with or without them).
func (s *Pages) Routes(influencer *echo.Group) {
	influencer.POST("/profile", s.updateProfile)
	influencer.POST("/avatar", s.uploadAvatar)
	influencer.POST("/links", s.createLink)
	influencer.POST("/payout-account", s.savePayoutAccount)
	influencer.POST("/links/:id/disable", s.setLinkDisabled(true))
	influencer.POST("/links/:id/enable", s.setLinkDisabled(false))
	influencer.GET("/links/:id/qr.png", s.linkQR)
	influencer.POST("/collections", s.createCollection)
	influencer.POST("/collections/:id/items", s.addToCollection)
	influencer.POST("/collections/:id/items/:pid/remove", s.removeFromCollection)
}

func accountOf(u auth.User) affiliates.Account {
	return affiliates.Account{ID: u.ID, Name: u.Name, Email: u.Email}
}
