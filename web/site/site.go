// Package site holds what the web's page packages share: the Page every
// template receives, the parsed templates (Views), one-time flash messages,
// the answers to a form's user mistakes, and the views of products and
// photos that several pages show. It knows no routes: package web mounts
// the page packages (shop, merchant, creator, account, dashboard) and hands
// each the one template set it parsed.
package site

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

// Page is what every template receives: the layout's needs plus the page's
// own Data, form values and per-field errors for inline validation messages.
type Page struct {
	Title string
	// Lang is the language the page is written in (site.Language).
	Lang  locale.Lang
	User  *auth.User
	CSRF  string
	Path  string
	Flash string
	// FlashError says Flash reports a problem (SetErrorFlash): the layout
	// shows it in the error style, announced as an alert.
	FlashError bool
	Data       any
	Form       map[string]string
	Errors     map[string]string
}

// Views holds one parsed template set per page and language, parsed once
// at start-up: a language's set calls that language's functions ({{t}},
// money, dates), so templates never pass the language around.
type Views struct {
	pages map[locale.Lang]map[string]*template.Template
	// Catalog translates the texts of pages and messages.
	Catalog *locale.Catalog
}

// NewViews parses templates/layout.html and templates/partials/*.html of
// fsys as the layout of every page in templates/pages/*.html, once per
// language with funcs(lang).
func NewViews(fsys fs.FS, catalog *locale.Catalog, funcs func(locale.Lang) template.FuncMap) (*Views, error) {
	v := &Views{pages: map[locale.Lang]map[string]*template.Template{}, Catalog: catalog}
	pages, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range locale.All {
		base := template.New("layout").Funcs(funcs(lang))
		base, err := base.ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("parse layout: %w", err)
		}
		v.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", p, err)
			}
			v.pages[lang][strings.TrimSuffix(path.Base(p), ".html")] = t
		}
	}
	return v, nil
}

// Templates are the parsed page templates of lang by name (for the tests
// that check every text of every page has its translation).
func (v *Views) Templates(lang locale.Lang) map[string]*template.Template { return v.pages[lang] }

// Render writes a full page. Rendering into a buffer first means a template
// error becomes a clean 500 page instead of half a page.
func (v *Views) Render(c echo.Context, status int, name string, p Page) error {
	p.Lang = Language(c)
	t, ok := v.pages[p.Lang][name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	if u, ok := auth.CurrentUser(c); ok {
		p.User = &u
	}
	p.CSRF = csrfToken(c)
	p.Path = c.Request().URL.Path
	if p.Flash == "" {
		p.Flash, p.FlashError = takeFlash(c)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func csrfToken(c echo.Context) string {
	tok, _ := c.Get(auth.CSRFContextKey).(string)
	return tok
}

// SetFlash leaves a one-time message for the next page the browser loads.
func SetFlash(c echo.Context, msg string) { setFlash(c, flashOK, msg) }

// SetErrorFlash leaves a one-time message about something that went wrong,
// which the next page shows in the error style.
func SetErrorFlash(c echo.Context, msg string) { setFlash(c, flashError, msg) }

// The flash cookie's value is its kind, a colon, then the message.
const (
	flashOK    = "ok"
	flashError = "error"
)

func setFlash(c echo.Context, kind, msg string) {
	c.SetCookie(&http.Cookie{Name: "warna_flash", Value: encodeFlash(kind + ":" + msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(c echo.Context) (msg string, isError bool) {
	cookie, err := c.Cookie("warna_flash")
	if err != nil || cookie.Value == "" {
		return "", false
	}
	c.SetCookie(&http.Cookie{Name: "warna_flash", Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	kind, msg, ok := strings.Cut(decodeFlash(cookie.Value), ":")
	if !ok {
		return "", false
	}
	return msg, kind == flashError
}

func encodeFlash(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeFlash(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}

// SecureCookies reports whether cookies set on c's answer must be Secure: the
// request came over TLS or the site's address (baseURL) is https.
func SecureCookies(c echo.Context, baseURL string) bool {
	return c.IsTLS() || strings.HasPrefix(baseURL, "https://")
}

// StatusOf maps a domain error kind to an HTTP status. This is the only place
// where that mapping lives.
func StatusOf(kind fault.Kind) int {
	switch kind {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// FlashBack shows a user error as a flash message on the page the form came
// from; other errors go to the error handler.
func FlashBack(c echo.Context, err error, to string) error {
	switch fault.KindOf(err) {
	case fault.Invalid, fault.TooLarge, fault.Conflict, fault.NotFound, fault.Forbidden:
		SetErrorFlash(c, message(c, err))
		return c.Redirect(http.StatusSeeOther, to)
	}
	return err
}

// FormError re-renders a form with the error next to its field (or on top)
// for user mistakes, and hands anything else to the error handler.
func (v *Views) FormError(c echo.Context, page, title string, err error, form map[string]string) error {
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
	errs[field] = v.Message(c, err)
	status := StatusOf(kind)
	if kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
	}
	return v.Render(c, status, page, Page{Title: title, Form: form, Errors: errs})
}
