package search

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/money"
)

// Sort orders of results. Every order is applied after filtering; colour and
// text relevance break ties of the other orders, then the product id.
const (
	SortRelevance = "relevance"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortNewest    = "newest"
	SortPopular   = "popular"
)

// Query limits and defaults.
const (
	DefaultTolerance = 12.0 // ΔE00
	MinTolerance     = 2.0
	MaxTolerance     = 40.0
	DefaultPerPage   = 24
	MaxPerPage       = 60
	MaxColours       = 5
	maxPage          = 1000
)

// Colour is one colour clause of a query: a family word (a region), a fine
// name or a hex code (points); see colour.TermKind and score.go.
type Colour struct {
	Lab colour.Lab
	// Weight is the requested proportion; the weights of a query sum to 1.
	Weight float64
	// Label is what the shopper asked for: a name or a hex code.
	Label string
	// Kind is how the colour matches; the zero value is a point with the
	// query's tolerance, like a hex code.
	Kind colour.TermKind
	// Family is the family a family word names, or the one a point belongs
	// to most.
	Family colour.Family
	// Tolerance is a name's own (ΔE00); 0 takes the query's.
	Tolerance float64
}

// Hex is the colour as #rrggbb (for a family, the colour it is shown with).
func (c Colour) Hex() string { return c.Lab.Hex() }

// IsFamily reports whether the colour is a whole family.
func (c Colour) IsFamily() bool { return c.Kind == colour.TermFamily }

// ToleranceIn is the tolerance the colour matches with in query q.
func (c Colour) ToleranceIn(q Query) float64 {
	if c.Kind == colour.TermName && c.Tolerance > 0 {
		return c.Tolerance
	}
	return q.Tolerance
}

// colourOf is a query colour for a colour term.
func colourOf(t colour.ColourTerm, label string) Colour {
	return Colour{Lab: t.Lab, Label: label, Kind: t.Kind, Family: t.Family, Tolerance: t.Tolerance}
}

// Query is a parsed search. The zero value (after Normalise) lists every
// visible product by popularity.
type Query struct {
	// Text is the free text with the colour words taken out; Raw is q as typed.
	Text    string
	Raw     string
	Colours []Colour
	// MatchAll asks for every colour (in its proportion) instead of any.
	MatchAll bool
	Not      []Colour
	// NotText are analysed words a product must not have ("-batik").
	NotText []string
	// Tolerance is the ΔE00 at which a swatch counts about half as matching.
	Tolerance float64
	Families  []string
	Category  string
	Shop      string
	// Currency, PriceMin and PriceMax (minor units) filter by price; a price
	// filter only keeps products in Currency.
	Currency string
	PriceMin *int64
	PriceMax *int64
	InStock  bool
	Sort     string
	Page     int
	PerPage  int
	// ExcludeID leaves one product out ("more in this colour").
	ExcludeID int64
	// Similar, when set, also asks for products whose dominant colour is
	// near this OKLab colour (kNN where the backend has it).
	Similar *[3]float64
	// minCover, when set, replaces MinCoverage ("more in this colour").
	minCover float64
	// textColours and textNots count the Colours and Not read from q (they
	// come last), which Values leaves in q.
	textColours, textNots int
	// cells and notCells cache the grid cells of Colours and Not.
	cells, notCells []*cellEntry
}

// HasColour reports whether the query asks for or excludes colours.
func (q Query) HasColour() bool { return len(q.Colours) > 0 || len(q.Not) > 0 }

// ParseQuery reads the query language from URL parameters. defaultCurrency
// is used for price filters when no currency is given. Every error names its
// parameter (fault.FieldInvalidf).
func ParseQuery(v url.Values, defaultCurrency string) (Query, error) {
	q := Query{Raw: strings.TrimSpace(v.Get("q")), Tolerance: DefaultTolerance, Sort: SortRelevance, Page: 1, PerPage: DefaultPerPage}
	if len(q.Raw) > 200 {
		return Query{}, fault.FieldInvalidf("q", "the search text is too long (at most 200 characters)")
	}
	var err error
	if q.Colours, err = parseColourList("colors", joined(v, "colors"), true); err != nil {
		return Query{}, err
	}
	if q.Not, err = parseColourList("not", joined(v, "not"), false); err != nil {
		return Query{}, err
	}
	words := parseWords(q.Raw)
	q.Text, q.NotText = words.rest, words.notText
	q.Colours, q.Not = append(q.Colours, words.colours...), append(q.Not, words.not...)
	q.textColours, q.textNots = len(words.colours), len(words.not)
	if len(q.Colours) > MaxColours {
		return Query{}, fault.FieldInvalidf("colors", "at most %d colours at a time", MaxColours)
	}
	if len(q.Not) > MaxColours {
		return Query{}, fault.FieldInvalidf("not", "at most %d colours to leave out at a time", MaxColours)
	}
	normaliseWeights(q.Colours)
	switch m := v.Get("match"); m {
	case "", "any":
	case "all":
		q.MatchAll = true
	default:
		return Query{}, fault.FieldInvalidf("match", "match must be any or all, not %q", m)
	}
	if s := v.Get("tol"); s != "" {
		t, ok := parseFinite(s)
		if !ok || t < MinTolerance || t > MaxTolerance {
			return Query{}, fault.FieldInvalidf("tol", "tol is a colour tolerance in ΔE: a number from %g to %g", MinTolerance, MaxTolerance)
		}
		q.Tolerance = t
	}
	if q.Families, err = ParseFamilies(v["family"]); err != nil {
		return Query{}, err
	}
	q.Category = strings.ToLower(strings.TrimSpace(v.Get("category")))
	q.Shop = strings.ToLower(strings.TrimSpace(v.Get("shop")))
	if err := q.parsePrice(v, defaultCurrency); err != nil {
		return Query{}, err
	}
	if s := v.Get("in_stock"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Query{}, fault.FieldInvalidf("in_stock", "in_stock must be true or false")
		}
		q.InStock = b
	}
	switch s := v.Get("sort"); s {
	case "":
	case SortRelevance, SortPriceAsc, SortPriceDesc, SortNewest, SortPopular:
		q.Sort = s
	default:
		return Query{}, fault.FieldInvalidf("sort", "sort must be relevance, price_asc, price_desc, newest or popular")
	}
	if q.Page, err = parseInt(v, "page", 1, 1, maxPage); err != nil {
		return Query{}, err
	}
	if q.PerPage, err = parseInt(v, "per_page", DefaultPerPage, 1, MaxPerPage); err != nil {
		return Query{}, err
	}
	return q, nil
}

// parseColourList reads "red:70,#1e90ff:30". Weights are allowed only where
// they mean something (colors, not not=); all or none must have one.
func parseColourList(field, s string, weighted bool) ([]Colour, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxColours {
		return nil, fault.FieldInvalidf(field, "at most %d colours at a time", MaxColours)
	}
	out := make([]Colour, 0, len(parts))
	withWeight := 0
	for _, part := range parts {
		part = strings.TrimSpace(part)
		name, weightText, hasWeight := strings.Cut(part, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fault.FieldInvalidf(field, "an empty colour in %q; separate colours with commas, like red:70,#1e90ff:30", s)
		}
		term, err := colour.LookupColour(name)
		if err != nil {
			return nil, fault.FieldInvalidf(field, "%q is neither a hex code like #1e90ff nor a colour name like navy, merah or burgundy", name)
		}
		c := colourOf(term, strings.ToLower(name))
		if hasWeight {
			if !weighted {
				return nil, fault.FieldInvalidf(field, "colours to leave out take no proportion: %q", part)
			}
			w, ok := parseFinite(weightText)
			if !ok || w <= 0 || w > 100 {
				return nil, fault.FieldInvalidf(field, "the proportion of %q must be a number from 1 to 100", name)
			}
			c.Weight = w
			withWeight++
		}
		out = append(out, c)
	}
	if withWeight != 0 && withWeight != len(out) {
		return nil, fault.FieldInvalidf(field, "give a proportion to every colour or to none, like red:70,#1e90ff:30")
	}
	return out, nil
}

// normaliseWeights makes weights sum to 1. Colours without a weight (all of
// them, or colour words from the text added to weighted colours) get the
// mean weight of the others, or an equal share.
func normaliseWeights(cs []Colour) {
	var sum float64
	n := 0
	for _, c := range cs {
		if c.Weight > 0 {
			sum += c.Weight
			n++
		}
	}
	mean := 1.0
	if n > 0 {
		mean = sum / float64(n)
	}
	sum = 0
	for i := range cs {
		if cs[i].Weight == 0 {
			cs[i].Weight = mean
		}
		sum += cs[i].Weight
	}
	for i := range cs {
		cs[i].Weight /= sum
	}
}

// joined reads a list parameter given once with commas or repeated (as
// checkboxes send it).
func joined(v url.Values, name string) string {
	var parts []string
	for _, s := range v[name] {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ",")
}

// ParseFamilies reads family names given as repeated or comma-separated
// values ("grey" is gray), refusing any that is not a colour family.
func ParseFamilies(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			if f == "grey" {
				f = "gray"
			}
			if !knownFamily(f) {
				return nil, fault.FieldInvalidf("family", "%q is not a colour family; use one of %s", f, familyList())
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func knownFamily(f string) bool {
	for _, k := range colour.Families {
		if string(k) == f {
			return true
		}
	}
	return f == string(colour.Multicolour)
}

func familyList() string {
	names := make([]string, len(colour.Families))
	for i, f := range colour.Families {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func (q *Query) parsePrice(v url.Values, defaultCurrency string) error {
	q.Currency = strings.ToUpper(strings.TrimSpace(v.Get("currency")))
	if q.Currency == "" {
		q.Currency = defaultCurrency
	} else if !money.ValidCurrency(q.Currency) {
		return fault.FieldInvalidf("currency", "%q is not a supported currency", q.Currency)
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"price_min", &q.PriceMin}, {"price_max", &q.PriceMax}} {
		s := strings.TrimSpace(v.Get(f.name))
		if s == "" {
			continue
		}
		// Query strings use "." for decimals, as HTML number inputs send them.
		minor, err := money.Parse(s, q.Currency, "en")
		if err != nil || minor < 0 {
			return fault.FieldInvalidf(f.name, "%s must be an amount like 150000 or 19.99", f.name)
		}
		*f.dst = &minor
	}
	if q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax {
		return fault.FieldInvalidf("price_max", "price_max is below price_min")
	}
	return nil
}

// parseFinite reads a decimal number, refusing what ParseFloat also
// accepts but no range check can catch: NaN compares false with every
// bound, and infinities and overflows are not amounts of anything.
func parseFinite(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func parseInt(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fault.FieldInvalidf(name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// Values renders the query back to URL parameters (for paging and facet
// links); page is left out.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.Raw != "" {
		v.Set("q", q.Raw)
	}
	if given := q.Colours[:len(q.Colours)-q.textColours]; len(given) > 0 {
		v.Set("colors", ColourParam(given))
	}
	if q.MatchAll {
		v.Set("match", "all")
	}
	if given := q.Not[:len(q.Not)-q.textNots]; len(given) > 0 {
		parts := make([]string, len(given))
		for i, c := range given {
			parts[i] = c.Label
		}
		v.Set("not", strings.Join(parts, ","))
	}
	if q.Tolerance != DefaultTolerance {
		v.Set("tol", strconv.FormatFloat(q.Tolerance, 'f', -1, 64))
	}
	for _, f := range q.Families {
		v.Add("family", f)
	}
	setIf(v, "category", q.Category)
	setIf(v, "shop", q.Shop)
	if q.PriceMin != nil || q.PriceMax != nil {
		v.Set("currency", q.Currency)
	}
	if q.PriceMin != nil {
		v.Set("price_min", money.Plain(*q.PriceMin, q.Currency))
	}
	if q.PriceMax != nil {
		v.Set("price_max", money.Plain(*q.PriceMax, q.Currency))
	}
	if q.InStock {
		v.Set("in_stock", "true")
	}
	if q.Sort != SortRelevance && q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.PerPage != DefaultPerPage && q.PerPage != 0 {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	return v
}

// ColourParam renders colours as a colors= value with whole-percent weights
// when they are not all equal.
func ColourParam(cs []Colour) string {
	equal := true
	for _, c := range cs {
		if diff := c.Weight - cs[0].Weight; diff > 1e-9 || diff < -1e-9 {
			equal = false
		}
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		label := c.Label
		if label == "" {
			label = c.Hex()
		}
		if equal {
			parts[i] = label
			continue
		}
		// At least 1: colors= takes proportions from 1 to 100, and a tiny
		// share rounded to 0 would make the link refused.
		parts[i] = fmt.Sprintf("%s:%d", label, max(1, int(c.Weight*100+0.5)))
	}
	return strings.Join(parts, ",")
}

func setIf(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}
