package web

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/api"
	"github.com/warna/warna/web/site"
)

// apiDeps are the services the JSON API calls.
func apiDeps(deps Deps) api.Deps {
	d := api.Deps{Catalog: deps.Catalog, Bulk: deps.Bulk, Orders: deps.Orders, Webhooks: deps.Webhooks, Search: deps.Search}
	if deps.Idempotency != nil { // a nil *Store in the interface would not read as nil
		d.Idempotency = deps.Idempotency
	}
	return d
}

// apiDocs is the readable reference of /api/v1 (/api/docs), rendered from
// the same OpenAPI description the API serves, with the site's own
// templates: no scripts, no fonts or styles from elsewhere.
func (s *Server) apiDocs(c echo.Context) error {
	ref, err := api.NewReference()
	if err != nil {
		return err
	}
	return s.views.Render(c, http.StatusOK, "api-docs", site.Page{Title: site.T(c, "API reference"), Data: ref})
}

var (
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	strongSpan = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emSpan     = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
)

// prose renders the description's text: paragraphs split by blank lines,
// fenced code blocks, and `code`, **strong** and *emphasis* inline. The
// text is escaped first; only these few tags are made.
func prose(text string) template.HTML {
	var b strings.Builder
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "```"):
			flush()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				code = append(code, lines[i])
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return template.HTML(b.String())
}

func inline(s string) string {
	s = html.EscapeString(s)
	s = codeSpan.ReplaceAllString(s, "<code>$1</code>")
	s = strongSpan.ReplaceAllString(s, "<strong>$1</strong>")
	return emSpan.ReplaceAllString(s, "<em>$1</em>")
}
