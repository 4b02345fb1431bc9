package shop

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/money"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

// SearchRoutes registers search by words and colours and "shop the look".
func (s *Pages) SearchRoutes(e *echo.Echo) {
	e.GET("/search", s.searchPage)
	e.GET("/search/look", s.lookPage)
	e.POST("/search/look", s.look)
}

// searchValues merges the page's picker rows (pick=#hex with pick_w=0..100,
// a weight of 0 meaning the row is unused) into colors=, so the picker and
// the query language stay one parser. A share that is not a whole number
// from 0 to 100 is refused, naming pick_w.
func searchValues(v url.Values) (url.Values, error) {
	picks, weights := v["pick"], v["pick_w"]
	if len(picks) == 0 {
		return v, nil
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
		if i < len(weights) && strings.TrimSpace(weights[i]) != "" {
			var err error
			if w, err = strconv.Atoi(strings.TrimSpace(weights[i])); err != nil || w < 0 || w > 100 {
				return nil, fault.FieldInvalidf("pick_w", "the share of a picked colour is a whole number from 0 to 100")
			}
		}
		if w > 0 && strings.TrimSpace(hex) != "" {
			rows = append(rows, fmt.Sprintf("%s:%d", strings.TrimSpace(hex), w))
			total += w
		}
	}
	if len(rows) == 0 {
		return out, nil
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
	return out, nil
}

// swatchView is one colour chip; Name is in plain words (shadeWords).
type swatchView struct {
	Hex   string
	Name  string
	Share float64
}

// hitView is one result card.
type hitView struct {
	ID         int64
	Title      string
	URL        string
	Thumb      string
	PriceMinor int64
	Currency   string
	ShopName   string
	ShopSlug   string
	Swatches   []swatchView
	Why        []string
	Score      float64
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
	Name    string // the family in the page's language
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
	// Asked and Not are the query's colours and those to leave out, as
	// the result line names them.
	Asked, Not []askedColour
}

// askedColour is a colour of the query as the page names it: a family in
// the page's language, a name or code as the shopper wrote it.
type askedColour struct{ Label, Hex string }

func askedColours(c echo.Context, colours []search.Colour) []askedColour {
	out := make([]askedColour, len(colours))
	for i, col := range colours {
		out[i] = askedColour{Label: col.Label, Hex: col.Hex()}
		if col.IsFamily() {
			out[i].Label = site.Family(c, string(col.Family))
		}
	}
	return out
}

func (s *Pages) searchPage(c echo.Context) error {
	values, err := searchValues(c.QueryParams())
	var q search.Query
	if err == nil {
		q, err = search.ParseQuery(values, s.deps.Search.DefaultCurrency())
	} else {
		values = c.QueryParams()
	}
	data := searchPageData{}
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			return err
		}
		data.Error = s.deps.Views.Message(c, err)
		data.Chips, data.Picks = pickerState(c, values, search.Query{})
		return s.deps.Views.Render(c, http.StatusBadRequest, "search", site.Page{Title: site.T(c, "Search"), Data: data,
			Form: map[string]string{"q": values.Get("q")}, Errors: map[string]string{fault.FieldOf(err): data.Error}})
	}
	res, err := s.deps.Search.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	data = searchPageData{Query: q, Result: res, Hits: hitViews(c, res.Hits)}
	data.Chips, data.Picks = pickerState(c, values, q)
	data.Families, data.Categories, data.Prices = facetLinks(c, q, res.Facets)
	data.Prev, data.Next = pageLinks(q, res)
	data.Asked, data.Not = askedColours(c, q.Colours), askedColours(c, q.Not)
	title := site.T(c, "Search")
	if q.Raw != "" {
		title = site.T(c, "Search: %s", q.Raw)
	}
	return s.deps.Views.Render(c, http.StatusOK, "search", site.Page{Title: title, Data: data, Form: map[string]string{"q": q.Raw}})
}

func hitViews(c echo.Context, hits []search.Hit) []hitView {
	out := make([]hitView, len(hits))
	for i, h := range hits {
		d := h.Doc
		v := hitView{ID: d.ID, Title: d.Title, URL: productURL(d.ID), PriceMinor: d.PriceMinor, Currency: d.Currency,
			ShopName: d.ShopName, ShopSlug: d.ShopSlug, Score: h.Score}
		if d.Thumb != "" {
			v.Thumb = "/media/" + d.Thumb
		}
		for _, sw := range d.Palette {
			v.Swatches = append(v.Swatches, swatchView{Hex: sw.Hex, Name: shadeWords(c, sw.Hex, sw.Family), Share: sw.Share})
		}
		for _, w := range h.Why {
			v.Why = append(v.Why, whyText(c, w))
		}
		out[i] = v
	}
	return out
}

func productURL(id int64) string { return "/products/" + strconv.FormatInt(id, 10) }

// pickerState is what the colour picker shows as chosen.
func pickerState(c echo.Context, v url.Values, q search.Query) ([]familyChip, []pickRow) {
	chosen, excluded := map[string]bool{}, map[string]bool{}
	for _, c := range strings.Split(strings.Join(v["colors"], ","), ",") {
		name, _, _ := strings.Cut(c, ":")
		chosen[strings.ToLower(strings.TrimSpace(name))] = true
	}
	for _, c := range strings.Split(strings.Join(v["not"], ","), ",") {
		excluded[strings.ToLower(strings.TrimSpace(c))] = true
	}
	chips := make([]familyChip, 0, len(colour.Families))
	for _, f := range colour.Families {
		chips = append(chips, familyChip{Family: string(f), Name: site.Family(c, string(f)), Hex: f.Swatch(), Checked: chosen[string(f)], Not: excluded[string(f)]})
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

func facetLinks(c echo.Context, q search.Query, f search.Facets) (families, categories, prices []facetLink) {
	active := map[string]bool{}
	for _, fam := range q.Families {
		active[fam] = true
	}
	for _, fc := range f.Families {
		fam := fc.Family
		families = append(families, facetLink{Label: site.Family(c, fam), Count: fc.Count, Active: active[fam], Hex: colour.Family(fam).Swatch(),
			URL: withValues(q, func(v url.Values) { toggle(v, "family", fam) })})
	}
	for _, cc := range f.Categories {
		cat := cc.Category
		categories = append(categories, facetLink{Label: categoryLabel(c, cat), Count: cc.Count, Active: q.Category == cat,
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
		prices = append(prices, facetLink{Label: priceLabel(c, pr.From, pr.To, pr.Currency), Count: pr.Count,
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

// categoryLabel names a category facet in c's language (an unknown one as
// the index has it).
func categoryLabel(c echo.Context, cat string) string {
	if name := catalog.CategoryName(cat); name != "" {
		return site.Category(c, name)
	}
	return cat
}

// priceLabel names a price range in c's language; to is 0 for the open top.
func priceLabel(c echo.Context, from, to int64, currency string) string {
	l := site.Language(c)
	switch {
	case from == 0:
		return site.T(c, "under %s", locale.Money(l, to, currency))
	case to == 0:
		return site.T(c, "%s and up", locale.Money(l, from, currency))
	}
	return locale.Money(l, from, currency) + " – " + locale.Money(l, to, currency)
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

func (s *Pages) lookPage(c echo.Context) error {
	return s.deps.Views.Render(c, http.StatusOK, "search-look", site.Page{Title: site.T(c, "Shop this look")})
}

// look turns an uploaded photo's palette into a colour search.
func (s *Pages) look(c echo.Context) error {
	fh, err := c.FormFile("photo")
	if err != nil {
		return s.deps.Views.Render(c, http.StatusBadRequest, "search-look", site.Page{Title: site.T(c, "Shop this look"),
			Errors: map[string]string{"photo": site.T(c, "Choose a photo to take the colours from.")}})
	}
	if fh.Size > maxLookBytes {
		return s.deps.Views.Render(c, http.StatusRequestEntityTooLarge, "search-look", site.Page{Title: site.T(c, "Shop this look"),
			Errors: map[string]string{"photo": site.T(c, "This photo is too large; use one under 15 MB.")}})
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
			return s.deps.Views.Render(c, http.StatusBadRequest, "search-look", site.Page{Title: site.T(c, "Shop this look"),
				Errors: map[string]string{"photo": s.deps.Views.Message(c, err)}})
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

// moreView is the "more in this colour" strip of a product page
// ({{template "search-more" .More}}): the product's dominant colour in
// words and the products close to it, or an empty state.
type moreView struct {
	Shown  bool // search is on and the product has a colour
	Colour string
	Hex    string
	Hits   []hitView
}

// moreInColour fills the strip; it is not shown when search is off or
// fails, because the product page must not fail with it.
func (s *Pages) moreInColour(c echo.Context, productID int64) moreView {
	ctx := c.Request().Context()
	if s.deps.Search == nil {
		return moreView{}
	}
	hits, dominant, err := s.deps.Search.MoreInColour(ctx, productID, 6)
	if err != nil {
		s.deps.Logger.Warn("more in this colour", "product", productID, "err", err)
		return moreView{}
	}
	if dominant == nil {
		return moreView{}
	}
	views := hitViews(c, hits)
	for i, h := range hits {
		views[i].Why = nil
		for _, w := range h.Why {
			w.Query, w.Kind = site.T(c, "this product's colour"), colour.TermName // not a colour the shopper picked
			views[i].Why = append(views[i].Why, whyText(c, w))
		}
	}
	return moreView{Shown: true, Colour: shadeWords(c, dominant.Hex, dominant.Family), Hex: dominant.Hex, Hits: views}
}
