package site

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/locale"
)

const langKey = "warna.lang"
const catalogKey = "warna.catalog"

// Languages is the middleware that picks each request's language
// (locale.Negotiate, def when nothing says) and keeps the catalogue at hand
// for the handlers' messages. Answers vary by the language cookie and
// Accept-Language, which it tells caches.
func Languages(catalog *locale.Catalog, def locale.Lang) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(langKey, locale.Negotiate(c.Request(), def))
			c.Set(catalogKey, catalog)
			c.Response().Header().Add("Vary", "Accept-Language, Cookie")
			return next(c)
		}
	}
}

// Language is the language of c's answer.
func Language(c echo.Context) locale.Lang {
	if l, ok := c.Get(langKey).(locale.Lang); ok {
		return l
	}
	return locale.Indonesian
}

// T is the English format of a message in c's language, filled with args
// as fmt.Sprintf does. Handlers pass the format as a literal, so that the
// catalogue test finds it.
func T(c echo.Context, format string, args ...any) string {
	if format == "" {
		return ""
	}
	if cat, ok := c.Get(catalogKey).(*locale.Catalog); ok {
		format = cat.Text(Language(c), format, nil)
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Message is what a user reads of err in c's language: a domain error's
// message translated from its format, a generic apology for anything else.
func (v *Views) Message(c echo.Context, err error) string { return message(c, err) }

// Message is what a user reads of err in c's language (Views.Message for
// code that has no Views at hand).
func Message(c echo.Context, err error) string { return message(c, err) }

func message(c echo.Context, err error) string {
	format, args := fault.FormatOf(err)
	if s, ok := passedOn(format, args); ok { // a message made elsewhere: it is the text
		return sentence(T(c, s))
	}
	return sentence(T(c, format, args...))
}

// passedOn reports a message passed on whole (fault.NotFoundf("%s", msg)),
// and gives it: its own text is the catalogue's key.
func passedOn(format string, args []any) (string, bool) {
	if format != "%s" || len(args) != 1 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

// sentence starts a message with a capital letter: domain messages are
// written to follow a colon ("price: must be positive"), pages show them
// on their own.
func sentence(s string) string {
	if s == "" {
		return s
	}
	first := strings.ToUpper(s[:1])
	return first + s[1:]
}

// SetLanguage is GET /language?to=en&next=/path: it remembers the choice
// for a year and goes back to the page the visitor was on (a local path
// only). A plain link, so the switcher works without JavaScript.
func SetLanguage(baseURL string) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, ok := locale.Parse(c.QueryParam("to"))
		if !ok {
			return fault.FieldInvalidf("to", "choose a language: id or en")
		}
		c.SetCookie(&http.Cookie{Name: locale.CookieName, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: SecureCookies(c, baseURL)})
		next := c.QueryParam("next")
		if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
			next = "/"
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
}
