package creator

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// payoutForm is "Where we pay you": the saved account (masked) and the
// providers to choose from, banks and e-wallets apart.
type payoutForm struct {
	Account  affiliates.PayoutAccount
	Saved    bool
	Banks    []affiliates.PayoutProvider
	EWallets []affiliates.PayoutProvider
	// Open shows the form even when an account is saved ("Change", or an
	// error to correct).
	Open bool
}

func newPayoutForm(acct affiliates.PayoutAccount, saved bool) payoutForm {
	f := payoutForm{Account: acct, Saved: saved}
	for _, p := range affiliates.PayoutProviders() {
		if p.Kind == affiliates.PayoutBank {
			f.Banks = append(f.Banks, p)
		} else {
			f.EWallets = append(f.EWallets, p)
		}
	}
	return f
}

// savePayoutAccount keeps where the influencer is paid; a mistake
// re-renders the page with the reason next to its field.
func (s *Pages) savePayoutAccount(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	if _, err := s.deps.Influencers.EnsureInfluencer(ctx, accountOf(user)); err != nil {
		return err
	}
	in := affiliates.PayoutAccountInput{Provider: c.FormValue("provider"), Number: c.FormValue("number"), Holder: c.FormValue("holder")}
	acct, err := s.deps.Influencers.SetPayoutAccount(ctx, user.ID, in)
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			return err
		}
		field := fault.FieldOf(err)
		if field == "" {
			field = "_payout"
		}
		form := map[string]string{"provider": in.Provider, "number": in.Number, "holder": in.Holder}
		return s.home(c, http.StatusUnprocessableEntity, form, map[string]string{field: s.deps.Views.Message(c, err)})
	}
	site.SetFlash(c, site.T(c, "We will pay you at %s.", acct.Masked()))
	return c.Redirect(http.StatusSeeOther, "/influencer#payout")
}
