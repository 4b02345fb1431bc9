package creator

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/web/site"
)

// linkView is a link as the page lists it, with what sharing it needs: the
// full short URL to copy and a WhatsApp message carrying it (Instagram and
// TikTok have no share address; the page says where to paste it).
type linkView struct {
	affiliates.LinkStats
	URL      string
	WhatsApp string
}

func (s *Pages) linkViews(c echo.Context, links []affiliates.LinkStats) []linkView {
	out := make([]linkView, len(links))
	for i, l := range links {
		u := s.linkURL(l.Code)
		text := site.T(c, "Look at this on Warna: %s", l.TargetTitle)
		if l.Kind == affiliates.TargetStorefront {
			text = site.T(c, "My picks on Warna")
		}
		out[i] = linkView{LinkStats: l, URL: u, WhatsApp: "https://wa.me/?text=" + strings.ReplaceAll(url.QueryEscape(text+" "+u), "+", "%20")}
	}
	return out
}

// queryID is a positive id in the query string, 0 when absent or not one.
func queryID(c echo.Context, name string) int64 {
	id, err := strconv.ParseInt(c.QueryParam(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
