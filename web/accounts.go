package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

func (s *Server) accountRoutes(e *echo.Echo) {
	limit := s.loginLimiter()
	e.GET("/signup", s.signupForm)
	e.POST("/signup", s.signup, limit)
	e.GET("/login", s.loginForm)
	e.POST("/login", s.login, limit)
	e.POST("/logout", s.logout)
}

// loginLimiter limits log-in and sign-up attempts per client IP, where the IP
// comes from the server's IPExtractor (the socket unless a trusted proxy).
func (s *Server) loginLimiter() echo.MiddlewareFunc {
	r, burst := s.cfg.LoginRate, s.cfg.LoginBurst
	if r <= 0 {
		r = 1.0 / 6
	}
	if burst <= 0 {
		burst = 10
	}
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(r), Burst: burst, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return &fault.Error{Kind: fault.RateLimited, Message: "too many attempts from your network; wait a minute and try again"}
		},
	})
}

func (s *Server) signupForm(c echo.Context) error {
	if u, ok := auth.CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	role := c.QueryParam("role")
	if role != string(auth.RoleInfluencer) {
		role = string(auth.RoleMerchant)
	}
	return s.render(c, http.StatusOK, "signup", Page{Title: "Create your account", Form: map[string]string{"role": role}})
}

func (s *Server) signup(c echo.Context) error {
	in := auth.SignUpInput{
		Email:    c.FormValue("email"),
		Name:     c.FormValue("name"),
		Password: c.FormValue("password"),
		Role:     auth.Role(c.FormValue("role")),
	}
	ctx := c.Request().Context()
	user, err := s.deps.Auth.SignUp(ctx, in)
	if err != nil {
		return s.formError(c, "signup", "Create your account", err, map[string]string{"email": in.Email, "name": in.Name, "role": string(in.Role)})
	}
	token, err := s.deps.Auth.OpenSession(ctx, user.ID)
	if err != nil {
		return err
	}
	auth.SetSessionCookie(c, token, s.secureCookies(c))
	setFlash(c, "Welcome to Warna, "+user.Name+"!")
	return c.Redirect(http.StatusSeeOther, homeFor(user))
}

func (s *Server) loginForm(c echo.Context) error {
	if u, ok := auth.CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	return s.render(c, http.StatusOK, "login", Page{Title: "Log in", Form: map[string]string{"next": safeNext(c.QueryParam("next"))}})
}

func (s *Server) login(c echo.Context) error {
	email, next := c.FormValue("email"), safeNext(c.FormValue("next"))
	user, token, err := s.deps.Auth.LogIn(c.Request().Context(), email, c.FormValue("password"))
	if err != nil {
		return s.formError(c, "login", "Log in", err, map[string]string{"email": email, "next": next})
	}
	auth.SetSessionCookie(c, token, s.secureCookies(c))
	if next == "" {
		next = homeFor(user)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	if err := s.deps.Auth.LogOut(c.Request().Context(), auth.SessionToken(c)); err != nil {
		return err
	}
	auth.ClearSessionCookie(c, s.secureCookies(c))
	setFlash(c, "You are logged out.")
	return c.Redirect(http.StatusSeeOther, "/")
}

// formError re-renders a form with the error next to its field (or on top)
// for user mistakes, and hands anything else to the error handler.
func (s *Server) formError(c echo.Context, page, title string, err error, form map[string]string) error {
	kind := fault.KindOf(err)
	switch kind {
	case fault.Invalid, fault.Conflict, fault.Unauthorized, fault.Forbidden, fault.NotFound, fault.TooLarge:
	default:
		return err
	}
	errs := map[string]string{}
	field := fault.FieldOf(err)
	if field == "" {
		field = "_form"
	}
	errs[field] = fault.MessageOf(err)
	status := statusOf(kind)
	if kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, page, Page{Title: title, Form: form, Errors: errs})
}

// homeFor is where a user lands after logging in.
func homeFor(u auth.User) string {
	if u.Role == auth.RoleInfluencer {
		return "/influencer"
	}
	return "/merchant"
}

// safeNext accepts only a local path, so the login form is no open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}
