package creator

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/site"
)

// pickerPerPage is how many products the link picker lists.
const pickerPerPage = 12

// picker is the "Make a link" product search: words and colour families
// (a GET form, so it works without JavaScript), and what it found with the
// rate the influencer would earn on each.
type picker struct {
	Find     string
	Chips    []pickerChip
	Searched bool
	Total    int
	Hits     []pickerHit
	Error    string
}

// pickerChip is one colour family to filter by, named in the page's
// language.
type pickerChip struct {
	Family, Name, Hex string
	Checked           bool
}

// pickerHit is one product the influencer can link to.
type pickerHit struct {
	ID         int64
	Title      string
	Thumb      string
	PriceMinor int64
	Currency   string
	ShopName   string
	RateBps    int
}

// pick runs the picker's search from the page's find= and family=
// parameters; without them it lists nothing.
func (s *Pages) pick(c echo.Context) (picker, error) {
	find := strings.TrimSpace(c.QueryParam("find"))
	families := c.QueryParams()["family"]
	chosen := map[string]bool{}
	for _, f := range families {
		chosen[f] = true
	}
	p := picker{Find: find}
	for _, f := range colour.Families {
		p.Chips = append(p.Chips, pickerChip{Family: string(f), Name: site.Family(c, string(f)), Hex: f.Swatch(), Checked: chosen[string(f)]})
	}
	if s.deps.Search == nil || (find == "" && len(families) == 0) {
		return p, nil
	}
	p.Searched = true
	v := url.Values{"q": {find}, "family": families, "per_page": {strconv.Itoa(pickerPerPage)}}
	q, err := search.ParseQuery(v, s.deps.Search.DefaultCurrency())
	if err == nil {
		var res search.Result
		if res, err = s.deps.Search.Search(c.Request().Context(), q); err == nil {
			p.Total = res.Total
			err = s.pickerHits(c, &p, res.Hits)
		}
	}
	if fault.Is(err, fault.Invalid) {
		p.Error = s.deps.Views.Message(c, err)
		return p, nil
	}
	return p, err
}

func (s *Pages) pickerHits(c echo.Context, p *picker, hits []search.Hit) error {
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.Doc.ID
	}
	rates, err := s.deps.Affiliates.RatesOf(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for _, h := range hits {
		d := h.Doc
		rate, ok := rates[d.ID]
		if !ok { // gone from the catalogue since it was indexed
			continue
		}
		hit := pickerHit{ID: d.ID, Title: d.Title, PriceMinor: d.PriceMinor, Currency: d.Currency, ShopName: d.ShopName, RateBps: rate}
		if d.Thumb != "" {
			hit.Thumb = "/media/" + d.Thumb
		}
		p.Hits = append(p.Hits, hit)
	}
	return nil
}
