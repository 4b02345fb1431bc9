package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

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
	ip := c.RealIP()
	if ok, _ := s.clicks.Allow(ip); !ok {
		return s.followUnrecorded(c)
	}
	f, err := s.deps.Affiliates.Follow(r.Context(), affiliates.FollowInput{
		Code: c.Param("code"), IP: ip, UserAgent: r.UserAgent(), PrevRef: prev,
	})
	if fault.Is(err, fault.NotFound) {
		return s.linkMissing(c)
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

// followUnrecorded answers a client over the click rate limit: a flood from
// one address must not fill the clicks table, but a shopper behind a shared
// address (mobile carriers put many behind one) still reaches the page. No
// click is stored and no attribution cookie set; the metric counts them.
func (s *Server) followUnrecorded(c echo.Context) error {
	loc, err := s.deps.Affiliates.Destination(c.Request().Context(), c.Param("code"))
	if fault.Is(err, fault.NotFound) {
		return s.linkMissing(c)
	}
	if err != nil {
		return err
	}
	s.limited.Inc()
	return c.Redirect(http.StatusFound, loc)
}

func (s *Server) linkMissing(c echo.Context) error {
	return s.secure(func(c echo.Context) error {
		return s.render(c, http.StatusNotFound, "link-missing", Page{Title: "Link not found"})
	})(c)
}

// clickLimiter is the per-IP limit on recorded clicks and its counter.
func clickLimiter(cfg Config) (*middleware.RateLimiterMemoryStore, prometheus.Counter) {
	r, burst := cfg.ClickRate, cfg.ClickBurst
	if r <= 0 {
		r = 5
	}
	if burst <= 0 {
		burst = 60
	}
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(r), Burst: burst, ExpiresIn: 10 * time.Minute,
	})
	limited := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "warna_clicks_rate_limited_total",
		Help: "Tracked-link redirects over the per-IP click limit: redirected, not recorded.",
	})
	return store, limited
}

// isRedirect reports whether the request is for the tracked redirect, which
// is on every shared link's hot path: it needs no session, sets no CSRF
// token, is not logged line by line (the click itself is the record) and its
// bodiless 302 carries no page security headers. Measured with
// bench/redirect.sh, those headers and the request id cost the redirect a
// tenth of its throughput, mostly in writing and parsing header bytes.
func isRedirect(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/r/") }

// notOnRedirect runs mw for every request except the tracked redirect.
func notOnRedirect(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		wrapped := mw(next)
		return func(c echo.Context) error {
			if isRedirect(c) {
				return next(c)
			}
			return wrapped(c)
		}
	}
}
