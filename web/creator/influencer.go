package creator

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

type influencerPage struct {
	Profile affiliates.Influencer
	Links   []linkView
	// Made is the link just made or found again (?link=ID), shown with its
	// share tools at the top of "Make a link".
	Made       *linkView
	Picker     picker
	Payout     payoutForm
	Orders     []orders.Order
	Balances   []affiliates.Balance
	Entries    []affiliates.LedgerEntry
	Storefront affiliates.Storefront
	BaseURL    string
}

// Home is the influencer area: profile, links, storefront, orders and
// earnings.
func (s *Pages) Home(c echo.Context) error { return s.home(c, http.StatusOK, nil, nil) }

// home renders the influencer area with a form's values and errors (the
// payout account's, when it was refused).
func (s *Pages) home(c echo.Context, status int, form, errs map[string]string) error {
	if s.deps.Affiliates == nil {
		return s.deps.Views.Render(c, http.StatusOK, "influencer", site.Page{Title: site.T(c, "Influencer area")})
	}
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	inf, err := s.deps.Influencers.EnsureInfluencer(ctx, accountOf(user))
	if err != nil {
		return err
	}
	data := influencerPage{Profile: inf, BaseURL: s.deps.BaseURL}
	links, err := s.deps.Affiliates.LinksOf(ctx, user.ID)
	if err != nil {
		return err
	}
	data.Links = s.linkViews(c, links)
	if made := queryID(c, "link"); made != 0 {
		for i := range data.Links {
			if data.Links[i].ID == made {
				data.Made = &data.Links[i]
			}
		}
	}
	if data.Picker, err = s.pick(c); err != nil {
		return err
	}
	acct, saved, err := s.deps.Influencers.PayoutAccountOf(ctx, user.ID)
	if err != nil {
		return err
	}
	data.Payout = newPayoutForm(acct, saved)
	data.Payout.Open = !saved || len(errs) > 0 || c.QueryParam("change") == "payout"
	if data.Orders, err = s.deps.Orders.OrdersOfInfluencer(ctx, user.ID, 50); err != nil {
		return err
	}
	for i := range data.Orders { // from shops anywhere: shown in Jakarta's time, labelled WIB
		data.Orders[i].PlacedAt = data.Orders[i].PlacedAt.In(locale.Jakarta)
	}
	if data.Balances, err = s.deps.Ledger.Balances(ctx, user.ID, 0); err != nil {
		return err
	}
	if data.Entries, err = s.deps.Ledger.EntriesOfInfluencer(ctx, user.ID, 50); err != nil {
		return err
	}
	for i := range data.Entries { // days as Jakarta counts them, like the orders above
		data.Entries[i].CreatedAt = data.Entries[i].CreatedAt.In(locale.Jakarta)
	}
	if data.Storefront, err = s.deps.Influencers.StorefrontOf(ctx, user.ID); err != nil {
		return err
	}
	return s.deps.Views.Render(c, status, "influencer", site.Page{Title: site.T(c, "Your links"), Data: data, Form: form, Errors: errs})
}

// uploadAvatar sets the profile photo shown on the storefront.
func (s *Pages) uploadAvatar(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	const back = "/influencer#avatar"
	files, closeAll, err := request.Files(c, "avatar")
	defer closeAll()
	if err != nil {
		return site.FlashBack(c, err, back)
	}
	if len(files) == 0 {
		return site.FlashBack(c, fault.FieldInvalidf("avatar", "choose a photo to upload"), back)
	}
	if _, err := s.deps.Influencers.SetAvatar(c.Request().Context(), user.ID, files[0]); err != nil {
		return site.FlashBack(c, err, back)
	}
	site.SetFlash(c, site.T(c, "Profile photo saved."))
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Pages) updateProfile(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	in := affiliates.ProfileInput{Handle: c.FormValue("handle"), Bio: c.FormValue("bio")}
	if err := s.deps.Influencers.UpdateProfile(c.Request().Context(), user.ID, in); err != nil {
		return site.FlashBack(c, err, "/influencer#profile")
	}
	site.SetFlash(c, site.T(c, "Profile saved."))
	return c.Redirect(http.StatusSeeOther, "/influencer#profile")
}
