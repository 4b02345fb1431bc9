package merchant

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// LedgerRoutes registers the commissions owed and their payouts.
func (s *Shop) LedgerRoutes(merchant *echo.Group) {
	merchant.GET("/commissions", s.commissions)
	merchant.POST("/payouts", s.createPayout)
}

type commissionsPage struct {
	Balances []affiliates.InfluencerBalance
	Entries  []affiliates.LedgerEntry
}

func (s *Shop) commissions(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	balances, err := s.deps.Ledger.ShopBalances(ctx, user.ID)
	if err != nil {
		return err
	}
	entries, err := s.deps.Ledger.EntriesOfShop(ctx, user.ID, 200)
	if err != nil {
		return err
	}
	if s.deps.Catalog != nil { // days as the shop counts them
		if shop, err := s.deps.Catalog.Shops.ShopOf(ctx, user.ID); err == nil {
			zone := stats.LoadZone(shop.TimeZone)
			for i := range entries {
				entries[i].CreatedAt = entries[i].CreatedAt.In(zone)
			}
		}
	}
	return s.deps.Views.Render(c, http.StatusOK, "commissions", site.Page{Title: site.T(c, "Commissions"), Data: commissionsPage{Balances: balances, Entries: entries}})
}

func (s *Shop) createPayout(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	p, err := s.deps.Ledger.CreatePayout(c.Request().Context(), user.ID, request.FormID(c, "influencer_id"))
	if err != nil {
		return site.FlashBack(c, err, "/merchant/commissions")
	}
	site.SetFlash(c, site.T(c, "Payout of %s recorded.", locale.Money(site.Language(c), p.AmountMinor, p.Currency)))
	return c.Redirect(http.StatusSeeOther, "/merchant/commissions")
}
