package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/site"
)

// followLink answers /r/{code}: a 302 to the on-site page the link names,
// with the signed attribution cookie. The click is appended to the click log
// before the answer (and stored in the database off the request path); the
// location comes from the stored link, never from the request.
func (s *Server) followLink(c echo.Context) error { return s.follow(c, c.Param("code")) }

// redirectFirst answers GET /r/{code} before routing and the middleware
// stack, none of which the tracked redirect uses (see isRedirect): on the
// hot path of every shared link, passing through them cost a tenth of its
// throughput in bench/redirect.sh. It recovers from a panic and reports
// its errors like the stack would, and times itself into
// warna_redirect_duration_seconds (the HTTP metrics leave it out).
// Anything else, /r/{code}/ included, goes on as usual.
func (s *Server) redirectFirst(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		r := c.Request()
		code, ok := strings.CutPrefix(r.URL.Path, "/r/")
		if !ok || code == "" || strings.Contains(code, "/") || r.Method != http.MethodGet || s.deps.Affiliates == nil {
			return next(c)
		}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				perr, ok := p.(error)
				if !ok {
					perr = fmt.Errorf("%v", p)
				}
				s.logger.Error("panic", "err", perr, "stack", string(debug.Stack()))
				err = perr
			}
			if err != nil {
				c.Error(err)
			}
			s.redirectSeconds.Observe(time.Since(start).Seconds())
			err = nil
		}()
		return s.follow(c, code)
	}
}

func (s *Server) follow(c echo.Context, code string) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	prev := ""
	if ck, err := c.Cookie(affiliates.RefCookie); err == nil {
		prev = ck.Value
	}
	r := c.Request()
	ip := c.RealIP()
	if ok, _ := s.clicks.Allow(ip); !ok {
		return s.followUnrecorded(c, code)
	}
	f, err := s.deps.Affiliates.Follow(r.Context(), affiliates.FollowInput{
		Code: code, IP: ip, UserAgent: r.UserAgent(), PrevRef: prev,
	})
	if fault.Is(err, fault.NotFound) {
		return s.linkMissing(c)
	}
	if err != nil {
		return err
	}
	if f.Ref != "" { // empty when the click could not be kept
		c.SetCookie(&http.Cookie{
			Name: affiliates.RefCookie, Value: f.Ref, Path: "/", MaxAge: int(f.MaxAge / time.Second),
			HttpOnly: true, Secure: site.SecureCookies(c, s.cfg.BaseURL), SameSite: http.SameSiteLaxMode,
		})
	}
	return c.Redirect(http.StatusFound, f.Location)
}

// followUnrecorded answers a client over the click rate limit: a flood from
// one address must not fill the clicks table, but a shopper behind a shared
// address (mobile carriers put many behind one) still reaches the page. No
// click is stored and no attribution cookie set; the metric counts them.
func (s *Server) followUnrecorded(c echo.Context, code string) error {
	loc, err := s.deps.Affiliates.Destination(c.Request().Context(), code)
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
	// The redirect's hot path skips the language middleware; this page,
	// for people, picks its language here.
	return site.Languages(s.views.Catalog, s.cfg.Language)(s.secure(func(c echo.Context) error {
		return s.views.Render(c, http.StatusNotFound, "link-missing", site.Page{Title: site.T(c, "Link not found")})
	}))(c)
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
