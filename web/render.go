package web

import (
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/dashboard"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templateFuncs are the helpers the templates of language lang may call:
// t and tn translate ({{t "Cart"}}, {{t "Hello, {{.Name}}" "Name" .User.Name}},
// {{tn .N "{{.Count}} product" "{{.Count}} products"}}, tHTML, and family,
// category and text for English texts that arrive as data); money, number,
// date, datetime and zoned write in lang's format.
func templateFuncs(lang locale.Lang, cat *locale.Catalog) template.FuncMap {
	text := func(s string) string { // a text that reaches the page as data
		if s == "" {
			return ""
		}
		return cat.Text(lang, s, nil)
	}
	return template.FuncMap{
		"t": func(text string, kv ...any) (string, error) {
			data, err := dict(kv...)
			return cat.Text(lang, text, data), err
		},
		"tn": func(n any, one, other string, kv ...any) (string, error) {
			count, err := toInt64(n)
			if err != nil {
				return "", err
			}
			data, err := dict(kv...)
			return cat.Plural(lang, int(count), one, other, data), err
		},
		// tHTML is t for a text that carries its own markup (<em>, <strong>):
		// the English and its translation are the site's, never a user's.
		"tHTML": func(text string) template.HTML { return template.HTML(cat.Text(lang, text, nil)) },
		// family is a colour family's name in lang ("gray" reads grey, abu-abu);
		// category a category's English display name in lang.
		"family":   func(f string) string { return text(site.FamilyWord(f)) },
		"category": text,
		// text is an English text that reaches the page as data (a stored
		// reason): in lang when the catalogue has it, and noted as missing
		// when not (the page tests read the missing ones).
		"text":      text,
		"lang":      func() locale.Lang { return lang },
		"languages": func() []locale.Lang { return locale.All },
		"money":     func(minor int64, currency string) string { return locale.Money(lang, minor, currency) },
		"number": func(n any) (string, error) {
			v, err := toInt64(n)
			return locale.Number(lang, v), err
		},
		"date":     func(t time.Time) string { return locale.Date(lang, t) },
		"datetime": func(t time.Time) string { return locale.DateTime(lang, t) },
		// zoned writes a time with its zone ("… 21.05 WIB"): merchant pages
		// put times in the shop's zone.
		"zoned":     func(t time.Time) string { return locale.DateTimeZone(lang, t) },
		"percentBp": func(bps int) string { return percentBp(lang, bps) },
		"add":       func(a, b int) int { return a + b },
		"sub":       func(a, b int) int { return a - b },
		"lower":     strings.ToLower,
		"title":     titleCase,
		"safeCSS":   func(s string) template.CSS { return template.CSS(s) },
		"dict":      dict,
		"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"prose":     prose,
	}
}

// newViews parses the embedded templates: the one template set (one per
// language) every page package renders with.
func newViews(cat *locale.Catalog) (*site.Views, error) {
	return site.NewViews(templateFS, cat, func(l locale.Lang) template.FuncMap { return templateFuncs(l, cat) })
}

// sitePages renders the site's pages for the handlers of other web
// packages (the dashboards).
type sitePages struct{ s *Server }

var _ dashboard.Pages = sitePages{}

func (p sitePages) Render(c echo.Context, status int, template, title string, data any) error {
	return p.s.views.Render(c, status, template, site.Page{Title: title, Data: data})
}

func (p sitePages) Flash(c echo.Context, msg string) { site.SetFlash(c, msg) }

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

// toInt64 reads the counts templates pass (int, int64…) as one type.
func toInt64(n any) (int64, error) {
	switch v := n.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case *int64:
		if v == nil {
			return 0, nil
		}
		return *v, nil
	case int32:
		return int64(v), nil
	case uint:
		return int64(v), nil
	case uint64:
		return int64(v), nil
	}
	return 0, fmt.Errorf("not a whole number: %T", n)
}

// percentBp writes basis points as a percentage with lang's decimal mark:
// 1050 is "10,50%" in Indonesian, "10.50%" in English.
func percentBp(lang locale.Lang, bps int) string {
	mark := "."
	if lang == locale.Indonesian {
		mark = ","
	}
	return fmt.Sprintf("%d%s%02d%%", bps/100, mark, bps%100)
}
