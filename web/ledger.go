package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (s *Server) ledgerRoutes(merchant *echo.Group) {
	merchant.GET("/commissions", s.commissions)
	merchant.POST("/payouts", s.createPayout)
}

type commissionsPage struct {
	Balances []affiliates.InfluencerBalance
	Entries  []affiliates.LedgerEntry
}

func (s *Server) commissions(c echo.Context) error {
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
	return s.render(c, http.StatusOK, "commissions", Page{Title: "Commissions", Data: commissionsPage{Balances: balances, Entries: entries}})
}

func (s *Server) createPayout(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	p, err := s.deps.Ledger.CreatePayout(c.Request().Context(), user.ID, request.FormID(c, "influencer_id"))
	if err != nil {
		return s.flashBack(c, err, "/merchant/commissions")
	}
	setFlash(c, "Payout "+money.Format(p.AmountMinor, p.Currency)+" recorded.")
	return c.Redirect(http.StatusSeeOther, "/merchant/commissions")
}
