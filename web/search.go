package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/money"
	"github.com/warna/warna/search"
)

func (s *Server) searchRoutes(e *echo.Echo) {
	if s.deps.Search == nil {
		return
	}
	e.GET("/search", s.searchPage)
	e.GET("/search/look", s.lookPage)
	e.POST("/search/look", s.look)
}

// searchValues merges the page's picker rows (pick=#hex with pick_w=0..100,
// a weight of 0 meaning the row is unused) into colors=, so the picker and
// the query language stay one parser.
func searchValues(v url.Values) url.Values {
	picks, weights := v["pick"], v["pick_w"]
	if len(picks) == 0 {
		return v
	}
	out := url.Values{}
	for k, vs := range v {
		if k != "pick" && k != "pick_w" {
			out[k] = append([]string(nil), vs...)
		}
	}
	var rows []string
	total := 0
	for i, hex := range picks {
		w := 0
		if i < len(weights) {
			w, _ = strconv.Atoi(weights[i])
		}
		if w > 0 && strings.TrimSpace(hex) != "" {
			rows = append(rows, fmt.Sprintf("%s:%d", strings.TrimSpace(hex), w))
			total += w
		}
	}
	if len(rows) == 0 {
		return out
	}
	// Chips ticked beside the sliders join with the sliders' mean weight,
	// since a list must weigh every colour or none.
	mean := max(1, total/len(rows))
	for _, c := range strings.Split(strings.Join(v["colors"], ","), ",") {
		if c = strings.TrimSpace(c); c != "" && !strings.Contains(c, ":") {
			rows = append(rows, fmt.Sprintf("%s:%d", c, mean))
		}
	}
	out.Set("colors", strings.Join(rows, ","))
	return out
}

// swatchView is one colour chip.
type swatchView struct {
	Hex   string
	Name  string
	Share float64
}

// hitView is one result card.
type hitView struct {
	ID       int64
	Title    string
	URL      string
	Thumb    string
	Price    string
	ShopName string
	ShopSlug string
	Swatches []swatchView
	Why      []string
	Score    float64
}

type facetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
	Hex    string
}

type familyChip struct {
	Family  string
	Hex     string
	Checked bool
	Not     bool
}

type pickRow struct {
	Hex    string
	Weight int
}

type searchPageData struct {
	Query      search.Query
	Result     search.Result
	Hits       []hitView
	Families   []facetLink
	Categories []facetLink
	Prices     []facetLink
	Chips      []familyChip
	Picks      []pickRow
	Prev, Next string
	Error      string
}

func (s *Server) searchPage(c echo.Context) error {
	values := searchValues(c.QueryParams())
	q, err := search.ParseQuery(values, s.deps.Search.DefaultCurrency())
	data := searchPageData{}
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			return err
		}
		data.Error = fault.MessageOf(err)
		data.Chips, data.Picks = pickerState(values, search.Query{})
		return s.render(c, http.StatusBadRequest, "search", Page{Title: "Search", Data: data,
			Form: map[string]string{"q": values.Get("q")}, Errors: map[string]string{fault.FieldOf(err): data.Error}})
	}
	res, err := s.deps.Search.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	data = searchPageData{Query: q, Result: res, Hits: hitViews(res.Hits)}
	data.Chips, data.Picks = pickerState(values, q)
	data.Families, data.Categories, data.Prices = facetLinks(q, res.Facets)
	data.Prev, data.Next = pageLinks(q, res)
	title := "Search"
	if q.Raw != "" {
		title = "Search: " + q.Raw
	}
	return s.render(c, http.StatusOK, "search", Page{Title: title, Data: data, Form: map[string]string{"q": q.Raw}})
}

func hitViews(hits []search.Hit) []hitView {
	out := make([]hitView, len(hits))
	for i, h := range hits {
		d := h.Doc
		v := hitView{ID: d.ID, Title: d.Title, URL: productURL(d.ID), Price: money.Format(d.PriceMinor, d.Currency),
			ShopName: d.ShopName, ShopSlug: d.ShopSlug, Score: h.Score}
		if d.Thumb != "" {
			v.Thumb = "/media/" + d.Thumb
		}
		for _, sw := range d.Palette {
			v.Swatches = append(v.Swatches, swatchView{Hex: sw.Hex, Name: sw.Name, Share: sw.Share})
		}
		for _, w := range h.Why {
			v.Why = append(v.Why, whyText(w))
		}
		out[i] = v
	}
	return out
}

func productURL(id int64) string { return "/products/" + strconv.FormatInt(id, 10) }

func whyText(w search.Why) string {
	name := w.Name
	if name == "" {
		name = w.SwatchHex
	}
	if w.Exclude {
		return fmt.Sprintf("a little %s (%s, ΔE %.1f from %s) — %.0f%% of it", name, w.SwatchHex, w.DeltaE, w.Query, w.Share*100)
	}
	return fmt.Sprintf("%s matches %s (%s, ΔE %.1f), %.0f%% of the product", w.Query, name, w.SwatchHex, w.DeltaE, w.Share*100)
}

// pickerState is what the colour picker shows as chosen.
func pickerState(v url.Values, q search.Query) ([]familyChip, []pickRow) {
	chosen, excluded := map[string]bool{}, map[string]bool{}
	for _, c := range strings.Split(strings.Join(v["colors"], ","), ",") {
		name, _, _ := strings.Cut(c, ":")
		chosen[strings.ToLower(strings.TrimSpace(name))] = true
	}
	for _, c := range strings.Split(strings.Join(v["not"], ","), ",") {
		excluded[strings.ToLower(strings.TrimSpace(c))] = true
	}
	chips := make([]familyChip, 0, len(imaging.Families))
	for _, f := range imaging.Families {
		chips = append(chips, familyChip{Family: string(f), Hex: f.Swatch(), Checked: chosen[string(f)], Not: excluded[string(f)]})
	}
	var picks []pickRow
	for _, c := range q.Colours {
		if strings.HasPrefix(c.Label, "#") && len(picks) < 3 {
			picks = append(picks, pickRow{Hex: c.Hex(), Weight: int(c.Weight*100 + 0.5)})
		}
	}
	for len(picks) < 3 {
		picks = append(picks, pickRow{Hex: "#888888"})
	}
	return chips, picks
}

func withValues(q search.Query, edit func(v url.Values)) string {
	v := q.Values()
	edit(v)
	return "/search?" + v.Encode()
}

func facetLinks(q search.Query, f search.Facets) (families, categories, prices []facetLink) {
	active := map[string]bool{}
	for _, fam := range q.Families {
		active[fam] = true
	}
	for _, fc := range f.Families {
		fam := fc.Family
		families = append(families, facetLink{Label: fam, Count: fc.Count, Active: active[fam], Hex: imaging.Family(fam).Swatch(),
			URL: withValues(q, func(v url.Values) { toggle(v, "family", fam) })})
	}
	for _, cc := range f.Categories {
		cat := cc.Category
		categories = append(categories, facetLink{Label: cat, Count: cc.Count, Active: q.Category == cat,
			URL: withValues(q, func(v url.Values) {
				if q.Category == cat {
					v.Del("category")
				} else {
					v.Set("category", cat)
				}
			})})
	}
	for _, pr := range f.PriceRanges {
		pr := pr
		prices = append(prices, facetLink{Label: pr.Label, Count: pr.Count,
			URL: withValues(q, func(v url.Values) {
				v.Set("currency", pr.Currency)
				v.Del("price_min")
				v.Del("price_max")
				if pr.From > 0 {
					v.Set("price_min", money.Plain(pr.From, pr.Currency))
				}
				if pr.To > 0 {
					v.Set("price_max", money.Plain(pr.To-1, pr.Currency))
				}
			})})
	}
	return families, categories, prices
}

func toggle(v url.Values, key, value string) {
	var kept []string
	found := false
	for _, x := range v[key] {
		if x == value {
			found = true
			continue
		}
		kept = append(kept, x)
	}
	if !found {
		kept = append(kept, value)
	}
	v[key] = kept
}

func pageLinks(q search.Query, res search.Result) (prev, next string) {
	at := func(page int) string {
		return withValues(q, func(v url.Values) { v.Set("page", strconv.Itoa(page)) })
	}
	if q.Page > 1 {
		prev = at(q.Page - 1)
	}
	if q.Page < res.Pages() {
		next = at(q.Page + 1)
	}
	return prev, next
}

// maxLookBytes bounds a "shop this look" upload.
const maxLookBytes = 15 << 20

func (s *Server) lookPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "search-look", Page{Title: "Shop this look"})
}

// look turns an uploaded photo's palette into a colour search.
func (s *Server) look(c echo.Context) error {
	fh, err := c.FormFile("photo")
	if err != nil {
		return s.render(c, http.StatusBadRequest, "search-look", Page{Title: "Shop this look",
			Errors: map[string]string{"photo": "choose a photo to take the colours from"}})
	}
	if fh.Size > maxLookBytes {
		return s.render(c, http.StatusRequestEntityTooLarge, "search-look", Page{Title: "Shop this look",
			Errors: map[string]string{"photo": "this photo is too large; use one under 15 MB"}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(f, maxLookBytes)); err != nil {
		return err
	}
	colours, err := search.LookColours(buf.Bytes())
	if err != nil {
		if fault.Is(err, fault.Invalid) || fault.Is(err, fault.TooLarge) {
			return s.render(c, http.StatusBadRequest, "search-look", Page{Title: "Shop this look",
				Errors: map[string]string{"photo": fault.MessageOf(err)}})
		}
		return err
	}
	v := url.Values{}
	v.Set("colors", search.ColourParam(colours))
	if len(colours) > 1 {
		v.Set("match", "all")
	}
	return c.Redirect(http.StatusSeeOther, "/search?"+v.Encode())
}

// moreInColour is the data of the "more in this colour" strip of a product
// page ({{template "search-more" .More}}); it is empty when search is off or
// fails, because the product page must not fail with it.
func (s *Server) moreInColour(ctx context.Context, productID int64) []hitView {
	if s.deps.Search == nil {
		return nil
	}
	hits, err := s.deps.Search.MoreInColour(ctx, productID, 6)
	if err != nil {
		s.logger.Warn("more in this colour", "product", productID, "err", err)
		return nil
	}
	return hitViews(hits)
}
