package auth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
)

// CookieName is the session cookie.
const CookieName = "warna_session"

const userKey = "auth.user"

// Identify is middleware that puts the caller's user on the context when the
// request carries a live session cookie or (under /api) an API key. It never
// rejects; RequireRole does.
func (s *Service) Identify() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			if key, ok := bearer(c.Request()); ok {
				user, err := s.UserByAPIKey(ctx, key)
				if err != nil {
					return err
				}
				c.Set(userKey, user)
				c.Set("auth.apikey", true)
				return next(c)
			}
			if cookie, err := c.Cookie(CookieName); err == nil && cookie.Value != "" {
				if user, err := s.UserBySession(ctx, cookie.Value); err == nil {
					c.Set(userKey, user)
				} else if !fault.Is(err, fault.Unauthorized) {
					return err
				}
			}
			return next(c)
		}
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get(echo.HeaderAuthorization)
	if after, ok := strings.CutPrefix(h, "Bearer "); ok && strings.HasPrefix(after, "wk_") {
		return strings.TrimSpace(after), true
	}
	return "", false
}

// ViaAPIKey reports whether the request was authenticated by an API key
// (such requests carry no cookie and so need no CSRF token).
func ViaAPIKey(c echo.Context) bool {
	v, _ := c.Get("auth.apikey").(bool)
	return v
}

// HasBearer reports whether the request presents an API key.
func HasBearer(c echo.Context) bool {
	_, ok := bearer(c.Request())
	return ok
}

// CurrentUser returns the authenticated user, if any.
func CurrentUser(c echo.Context) (User, bool) {
	u, ok := c.Get(userKey).(User)
	return u, ok
}

// RequireRole refuses callers who are not logged in (a redirect to the login
// page for pages, 401 for the API) or who have another role (403).
func RequireRole(roles ...Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			user, ok := CurrentUser(c)
			if !ok {
				if isAPI(c) || c.Request().Method != http.MethodGet {
					return fault.Unauthorizedf("log in to continue")
				}
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			for _, r := range roles {
				if user.Role == r {
					return next(c)
				}
			}
			return fault.Forbiddenf("this page is for %s accounts", joinRoles(roles))
		}
	}
}

func joinRoles(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// SetSessionCookie stores the session token in an HttpOnly, SameSite=Lax
// cookie, Secure when the site is served over TLS.
func SetSessionCookie(c echo.Context, token string, secure bool) {
	c.SetCookie(&http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(SessionTTL / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(c echo.Context, secure bool) {
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// SessionToken returns the raw session token from the request, if any.
func SessionToken(c echo.Context) string {
	if cookie, err := c.Cookie(CookieName); err == nil {
		return cookie.Value
	}
	return ""
}
