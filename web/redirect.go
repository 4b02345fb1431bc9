package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
)

// followLink answers /r/{code}: a 302 to the on-site page the link names,
// with the signed attribution cookie. The click is recorded off the request
// path; the location comes from the stored link, never from the request.
func (s *Server) followLink(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	prev := ""
	if ck, err := c.Cookie(affiliates.RefCookie); err == nil {
		prev = ck.Value
	}
	r := c.Request()
	f, err := s.deps.Affiliates.Follow(r.Context(), affiliates.FollowInput{
		Code: c.Param("code"), IP: c.RealIP(), UserAgent: r.UserAgent(), PrevRef: prev,
	})
	if fault.Is(err, fault.NotFound) {
		return s.render(c, http.StatusNotFound, "link-missing", Page{Title: "Link not found"})
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: affiliates.RefCookie, Value: f.Ref, Path: "/", MaxAge: int(f.MaxAge / time.Second),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusFound, f.Location)
}
