package account

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// Routes registers sign-up, log-in and log-out.
func (s *Pages) Routes(e *echo.Echo) {
	limit := loginLimiter(s.deps)
	e.GET("/signup", s.signupForm)
	e.GET("/signup/checkout", s.checkoutSignupForm)
	e.POST("/signup", s.signup, limit)
	e.GET("/login", s.loginForm)
	e.POST("/login", s.login, limit)
	e.POST("/logout", s.logout)
}

func (s *Pages) signupForm(c echo.Context) error {
	if u, ok := auth.CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	role := auth.Role(c.QueryParam("role"))
	if !role.Valid() {
		role = auth.RoleMerchant
	}
	return s.deps.Views.Render(c, http.StatusOK, "signup", site.Page{Title: site.T(c, "Create your account"),
		Form: map[string]string{"role": string(role), "email": c.QueryParam("email")}})
}

// checkoutSignupForm is where the order confirmation sends a guest:
// /signup/checkout?email=… offers a shopper account for the email the order
// was placed with (the mailed link proves the address before the orders
// show).
func (s *Pages) checkoutSignupForm(c echo.Context) error {
	if u, ok := auth.CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	return s.deps.Views.Render(c, http.StatusOK, "signup", site.Page{Title: site.T(c, "Save your details"),
		Data: signupPage{FromCheckout: true}, Form: map[string]string{"role": string(auth.RoleShopper), "email": c.QueryParam("email")}})
}

// signupPage says which sign-up form to show: the full one, or the
// shopper's after checkout.
type signupPage struct{ FromCheckout bool }

func (s *Pages) signup(c echo.Context) error {
	in := auth.SignUpInput{
		Email:    c.FormValue("email"),
		Name:     c.FormValue("name"),
		Password: c.FormValue("password"),
		Role:     auth.Role(c.FormValue("role")),
	}
	user, err := s.deps.Auth.SignUp(c.Request().Context(), in)
	var sent bool
	switch {
	case fault.Is(err, fault.Conflict):
		// The email has an account. The answer below is the one a new
		// account gets, so the form does not tell strangers who has an
		// account here; the owner reads on the log-in page, and in the
		// mail sent instead of a verification link, that nothing changed.
		// (SignUp hashed the password first, so the time taken is the same
		// too.)
		s.deps.Logger.Info("sign-up with the email of an existing account; nothing changed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		sent = s.deps.mailTaken(c, in.Email)
	case err != nil:
		return s.deps.Views.FormError(c, "signup", site.T(c, "Create your account"), err, map[string]string{"email": in.Email, "name": in.Name, "role": string(in.Role)})
	default:
		sent = s.deps.mailVerification(c, user.ID)
	}
	note := site.T(c, "Your account is ready: log in with your email and the password you just chose. "+
		"If this email already had an account, nothing has changed: log in with that account's password.")
	if sent {
		note += " " + site.T(c, "We sent an email to %s.", strings.ToLower(strings.TrimSpace(in.Email)))
	} else {
		note += " " + site.T(c, "We could not send the email that confirms your address: log in and choose “Send again”.")
	}
	// Signing up never logs in (new email or not), since that would tell
	// whether the email was free.
	site.SetFlash(c, note)
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Pages) loginForm(c echo.Context) error {
	if u, ok := auth.CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	return s.deps.Views.Render(c, http.StatusOK, "login", site.Page{Title: site.T(c, "Log in"), Form: map[string]string{"next": safeNext(c.QueryParam("next"))}})
}

func (s *Pages) login(c echo.Context) error {
	email, next := c.FormValue("email"), safeNext(c.FormValue("next"))
	user, token, err := s.deps.Auth.LogIn(c.Request().Context(), email, c.FormValue("password"))
	if err != nil {
		return s.deps.Views.FormError(c, "login", site.T(c, "Log in"), err, map[string]string{"email": email, "next": next})
	}
	auth.SetSessionCookie(c, token, site.SecureCookies(c, s.deps.BaseURL))
	if next == "" {
		next = homeFor(user)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Pages) logout(c echo.Context) error {
	if err := s.deps.Auth.LogOut(c.Request().Context(), auth.SessionToken(c)); err != nil {
		return err
	}
	auth.ClearSessionCookie(c, site.SecureCookies(c, s.deps.BaseURL))
	site.SetFlash(c, site.T(c, "You are logged out."))
	return c.Redirect(http.StatusSeeOther, "/")
}

// homeFor is where a user lands after logging in.
func homeFor(u auth.User) string {
	switch u.Role {
	case auth.RoleInfluencer:
		return "/influencer"
	case auth.RoleShopper:
		return "/account"
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
