package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/imaging"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/dashboard"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every template receives: the layout's needs plus the page's
// own Data, form values and per-field errors for inline validation messages.
type Page struct {
	Title  string
	User   *auth.User
	CSRF   string
	Path   string
	Flash  string
	Data   any
	Form   map[string]string
	Errors map[string]string
}

// renderer holds one parsed template set per page, parsed once at start-up.
type renderer struct {
	pages map[string]*template.Template
}

// templateFuncs are the helpers templates may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"money":     money.Format,
		"percentBp": func(bps int) string { return fmt.Sprintf("%d.%02d%%", bps/100, bps%100) },
		"add":       func(a, b int) int { return a + b },
		"sub":       func(a, b int) int { return a - b },
		"lower":     strings.ToLower,
		"title":     titleCase,
		"safeCSS":   func(s string) template.CSS { return template.CSS(s) },
		"dict":      dict,
		"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"swatches":  familySwatches,
	}
}

// familySwatches are the families' display colours, in the alphabetical
// order of their names that the home page's row has always had.
func familySwatches() []string {
	families := slices.Clone(imaging.Families)
	slices.Sort(families)
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.Swatch()
	}
	return out
}

func newRenderer() (*renderer, error) {
	r := &renderer{pages: map[string]*template.Template{}}
	base := template.New("layout").Funcs(templateFuncs())
	base, err := base.ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		r.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return r, nil
}

// render writes a full page. Rendering into a buffer first means a template
// error becomes a clean 500 page instead of half a page.
func (s *Server) render(c echo.Context, status int, name string, p Page) error {
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	if u, ok := auth.CurrentUser(c); ok {
		p.User = &u
	}
	p.CSRF = csrfToken(c)
	p.Path = c.Request().URL.Path
	if p.Flash == "" {
		p.Flash = takeFlash(c)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// sitePages renders the site's pages for the handlers of other web
// packages (the dashboards).
type sitePages struct{ s *Server }

var _ dashboard.Pages = sitePages{}

func (p sitePages) Render(c echo.Context, status int, template, title string, data any) error {
	return p.s.render(c, status, template, Page{Title: title, Data: data})
}

func (p sitePages) Flash(c echo.Context, msg string) { setFlash(c, msg) }

func csrfToken(c echo.Context) string {
	tok, _ := c.Get("csrf").(string)
	return tok
}

// setFlash leaves a one-time message for the next page the browser loads.
func setFlash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: "warna_flash", Value: encodeFlash(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(c echo.Context) string {
	cookie, err := c.Cookie("warna_flash")
	if err != nil || cookie.Value == "" {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: "warna_flash", Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return decodeFlash(cookie.Value)
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
