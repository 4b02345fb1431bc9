package creator

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

func (s *Pages) createLink(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	in := affiliates.LinkInput{
		Kind:         affiliates.TargetKind(c.FormValue("kind")),
		ProductID:    request.FormID(c, "product_id"),
		CollectionID: request.FormID(c, "collection_id"),
		Campaign:     c.FormValue("campaign"),
	}
	ctx := c.Request().Context()
	if _, err := s.deps.Influencers.EnsureInfluencer(ctx, accountOf(user)); err != nil {
		return err
	}
	link, err := s.deps.Affiliates.CreateLink(ctx, user.ID, in)
	if err != nil {
		if fault.KindOf(err) == fault.Invalid || fault.KindOf(err) == fault.NotFound {
			site.SetErrorFlash(c, site.T(c, "Could not make the link: %s", s.deps.Views.Message(c, err)))
			return c.Redirect(http.StatusSeeOther, "/influencer#links")
		}
		return err
	}
	if link.Reused {
		site.SetFlash(c, site.T(c, "You already have a link for this; here it is."))
	} else {
		site.SetFlash(c, site.T(c, "Your link is ready: %s", s.linkURL(link.Code)))
	}
	return c.Redirect(http.StatusSeeOther, "/influencer?link="+strconv.FormatInt(link.ID, 10)+"#made")
}

func (s *Pages) setLinkDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		if err := s.deps.Affiliates.SetLinkDisabled(c.Request().Context(), user.ID, request.PathID(c, "id"), disabled); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/influencer#links")
	}
}

// linkQR serves a PNG QR code of a link's short URL.
func (s *Pages) linkQR(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	link, err := s.deps.Affiliates.LinkFor(c.Request().Context(), user.ID, request.PathID(c, "id"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(s.linkURL(link.Code), qrcode.Medium, 256)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}

// linkURL is the absolute short URL of a link code.
func (s *Pages) linkURL(code string) string { return s.deps.BaseURL + "/r/" + code }
