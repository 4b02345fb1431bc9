package account

import (
	"math"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// Mails per address and hour: reset links asked for, and verification
// links sent again.
const (
	resetsPerHour  = 3
	resendsPerHour = 3
)

// Recovery serves the mailed links: "forgot password", the reset form,
// email verification and "send again".
type Recovery struct{ deps Deps }

// NewRecovery builds the pages of the mailed links.
func NewRecovery(deps Deps) *Recovery { return &Recovery{deps: deps} }

// Routes registers the pages.
func (s *Recovery) Routes(e *echo.Echo) {
	limit := loginLimiter(s.deps)
	e.GET("/password/forgot", s.forgotForm)
	e.POST("/password/forgot", s.forgot, limit)
	e.GET("/password/reset", s.resetForm)
	e.POST("/password/reset", s.reset, limit)
	e.GET("/verify", s.verify)
	e.POST("/verify/resend", s.resend, auth.RequireRole(auth.RoleShopper, auth.RoleMerchant, auth.RoleInfluencer))
}

func (s *Recovery) forgotForm(c echo.Context) error {
	return s.deps.Views.Render(c, http.StatusOK, "password-forgot", site.Page{Title: site.T(c, "Forgot your password?"),
		Form: map[string]string{"email": c.QueryParam("email")}})
}

// forgot mails a reset link when the email has an account. The answer is
// the same whether or not it has: only the mailbox's owner learns.
func (s *Recovery) forgot(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	form := map[string]string{"email": email}
	title := site.T(c, "Forgot your password?")
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return s.deps.Views.FormError(c, "password-forgot", title, fault.FieldInvalidf("email", "enter a valid email address, like name@example.com"), form)
	}
	// Counted before the account is looked up, so the limit answers the
	// same for every address too.
	allowed, retry, err := s.deps.Auth.TakeAttempt(ctx, "reset:"+email, resetsPerHour, time.Hour)
	if err != nil {
		s.deps.Logger.Warn("reset request not counted", "err", err)
	} else if !allowed {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		return s.deps.Views.Render(c, http.StatusTooManyRequests, "password-forgot", site.Page{Title: title, Form: form,
			Errors: map[string]string{"email": site.T(c, "We already sent several links for this address in the last hour: use the latest one, or ask again later.")}})
	}
	user, token, found, err := s.deps.Recovery.RequestReset(ctx, email)
	if err != nil {
		return err
	}
	if found {
		link := s.deps.link(c, "/password/reset", url.Values{"token": {token}})
		text := site.T(c, "Hello %s,\n\nSomeone, hopefully you, asked to reset the password of your Warna account. "+
			"Open this link within an hour to choose a new password (it works once):\n\n%s\n\n"+
			"If you did not ask, ignore this email: your password stays as it is.", user.Name, link) + signature(c)
		if !s.deps.send(c, user.Email, site.T(c, "Choose a new Warna password"), text) {
			return s.deps.Views.Render(c, http.StatusServiceUnavailable, "password-forgot", site.Page{Title: title, Form: form,
				Data: forgotPage{Failed: true}, Errors: map[string]string{"_form": site.T(c, "We could not send the email just now. Try again in a moment.")}})
		}
	}
	site.SetFlash(c, site.T(c, "If %s has a Warna account, we sent it a link to choose a new password. It works for an hour.", email))
	return c.Redirect(http.StatusSeeOther, "/login")
}

// forgotPage says the last send failed (the button reads "Send again").
type forgotPage struct{ Failed bool }

// noReferrer keeps a page's token out of the Referer of what it leads to on
// other sites. Not "no-referrer": with it, a browser posts the page's form
// (the new password) with "Origin: null", which CSRF refuses.
func noReferrer(c echo.Context) { c.Response().Header().Set("Referrer-Policy", "same-origin") }

func (s *Recovery) resetForm(c echo.Context) error {
	noReferrer(c)
	token := c.QueryParam("token")
	if err := s.deps.Recovery.CheckReset(c.Request().Context(), token); err != nil {
		return s.badLink(c, err)
	}
	return s.deps.Views.Render(c, http.StatusOK, "password-reset", site.Page{Title: site.T(c, "Choose a new password"),
		Form: map[string]string{"token": token}})
}

// badLink answers a reset link that does not work with a way to ask for
// another.
func (s *Recovery) badLink(c echo.Context, err error) error {
	if !fault.Is(err, fault.Invalid) {
		return err
	}
	return s.deps.Views.Render(c, http.StatusBadRequest, "password-reset", site.Page{Title: site.T(c, "Choose a new password"),
		Data: resetPage{Bad: true}, Errors: map[string]string{"_form": s.deps.Views.Message(c, err)}})
}

type resetPage struct{ Bad bool }

func (s *Recovery) reset(c echo.Context) error {
	noReferrer(c)
	token := c.FormValue("token")
	user, session, err := s.deps.Recovery.ResetPassword(c.Request().Context(), token, c.FormValue("password"))
	if fault.FieldOf(err) == "password" {
		return s.deps.Views.FormError(c, "password-reset", site.T(c, "Choose a new password"), err, map[string]string{"token": token})
	}
	if err != nil {
		return s.badLink(c, err)
	}
	auth.SetSessionCookie(c, session, site.SecureCookies(c, s.deps.BaseURL))
	site.SetFlash(c, site.T(c, "Your new password is set and you are logged in. Every other session of your account has ended."))
	return c.Redirect(http.StatusSeeOther, homeFor(user))
}

func (s *Recovery) verify(c echo.Context) error {
	noReferrer(c)
	user, err := s.deps.Recovery.Verify(c.Request().Context(), c.QueryParam("token"))
	to := "/login"
	if u, ok := auth.CurrentUser(c); ok {
		to = homeFor(u)
	}
	if err != nil {
		return site.FlashBack(c, err, to)
	}
	site.SetFlash(c, site.T(c, "Thank you: %s is confirmed as your email address.", user.Email))
	return c.Redirect(http.StatusSeeOther, to)
}

// resend mails the logged-in user a new verification link.
func (s *Recovery) resend(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	to := safeNext(c.FormValue("next"))
	if to == "" {
		to = homeFor(user)
	}
	allowed, _, err := s.deps.Auth.TakeAttempt(c.Request().Context(), "verify:"+strconv.FormatInt(user.ID, 10), resendsPerHour, time.Hour)
	switch {
	case err != nil:
		s.deps.Logger.Warn("verification resend not counted", "err", err)
	case !allowed:
		site.SetErrorFlash(c, site.T(c, "We already sent several links in the last hour: use the latest one, or ask again later."))
		return c.Redirect(http.StatusSeeOther, to)
	}
	if s.deps.mailVerification(c, user.ID) {
		site.SetFlash(c, site.T(c, "We sent an email to %s.", user.Email))
	} else {
		site.SetErrorFlash(c, site.T(c, "We could not send the email just now. Try again in a moment."))
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// mailVerification mails a user a link that confirms their address; an
// address already confirmed needs none.
func (d Deps) mailVerification(c echo.Context, userID int64) bool {
	if d.Recovery == nil {
		return false
	}
	user, token, err := d.Recovery.IssueVerification(c.Request().Context(), userID)
	if err != nil {
		d.Logger.Error("verification link not made", "err", err)
		return false
	}
	if token == "" {
		return true
	}
	link := d.link(c, "/verify", url.Values{"token": {token}})
	text := site.T(c, "Hello %s,\n\nPlease confirm that this is your email address by opening this link (it works for 7 days):\n\n%s\n\n"+
		"If you did not create a Warna account, ignore this email.", user.Name, link)
	if user.Role == auth.RoleShopper {
		text += "\n\n" + site.T(c, "Once it is confirmed, your account lists the orders placed with this address.")
	}
	return d.send(c, user.Email, site.T(c, "Confirm your email address for Warna"), text+signature(c))
}

// mailTaken tells the owner of an address that someone tried to sign up
// with it: what a new account's verification mail is to a new address.
// At most resetsPerHour such mails go to one address an hour, so sign-ups
// cannot flood a stranger's inbox; past that the answer stays the same
// (the owner has the earlier mail).
func (d Deps) mailTaken(c echo.Context, email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	allowed, _, err := d.Auth.TakeAttempt(c.Request().Context(), "taken:"+email, resetsPerHour, time.Hour)
	if err == nil && !allowed {
		d.Logger.Info("sign-up mail to an existing account not sent: several this hour")
		return true
	}
	text := site.T(c, "Hello,\n\nSomeone, maybe you, tried to create a new Warna account with this email address. "+
		"It already has an account, so nothing has changed.\n\nLog in: %s\nForgot your password? Choose a new one: %s",
		d.link(c, "/login", nil), d.link(c, "/password/forgot", url.Values{"email": {email}}))
	return d.send(c, email, site.T(c, "Your email address already has a Warna account"), text+signature(c))
}
