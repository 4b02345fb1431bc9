package search

import (
	"context"
	"fmt"
	"math/bits"
	"sort"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
)

// Backend is an index that stores documents and generates candidates. It
// does not rank: Service ranks every backend's candidates with Rank.
type Backend interface {
	// Upsert adds or replaces documents; Delete removes ids (missing ids are
	// not an error). Both are visible to the next Candidates call.
	Upsert(ctx context.Context, docs []Document) error
	Delete(ctx context.Context, ids []int64) error
	// Candidates returns up to window documents that match q's text (any
	// term), filters and colours (a swatch in the cells within MatchRadius of
	// one colour, or of every colour with match=all), most promising first,
	// and how many matched in all. Exclusions and ExcludeID are left to Rank.
	Candidates(ctx context.Context, q Query, window int) (Candidates, error)
	// Get returns one document.
	Get(ctx context.Context, id int64) (Document, bool, error)
	// Rebuild builds a fresh index from what fill puts and swaps it in
	// atomically; searches use the old index until then.
	Rebuild(ctx context.Context, fill func(put func([]Document) error) error) error
	Ping(ctx context.Context) error
	Close() error
}

// Candidates is a backend's answer.
type Candidates struct {
	Docs  []*Document
	Total int
	// Facets are the backend's aggregations over every match, if it has
	// them; used when the matches overflow the scorer's window.
	Facets *Facets
}

// Options tune a Service.
type Options struct {
	// Window is how many candidates the scorer ranks (default 1000).
	Window int
	// Currency is the currency of price filters and facets when the query
	// names none (default IDR).
	Currency string
}

// Service answers searches. Construct it with NewService.
type Service struct {
	backend  Backend
	window   int
	currency string
	cells    cellCache
}

// NewService builds the search service over a backend.
func NewService(b Backend, opts Options) *Service {
	if opts.Window <= 0 {
		opts.Window = 1000
	}
	if opts.Currency == "" {
		opts.Currency = "IDR"
	}
	return &Service{backend: b, window: opts.Window, currency: opts.Currency}
}

// DefaultCurrency is the currency of price filters when a query names none.
func (s *Service) DefaultCurrency() string { return s.currency }

// Result is one page of results.
type Result struct {
	Query Query
	// Total counts every match; Approximate says the backend matched more
	// than the scorer's window, so Total and Facets are estimates.
	Total       int
	Approximate bool
	Hits        []Hit
	Facets      Facets
}

// Pages is the number of pages of results.
func (r Result) Pages() int {
	if r.Query.PerPage <= 0 {
		return 0
	}
	return (r.Total + r.Query.PerPage - 1) / r.Query.PerPage
}

// Search runs q and returns the requested page.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if q.Currency == "" {
		q.Currency = s.currency
	}
	if q.PerPage <= 0 {
		q.PerPage = DefaultPerPage
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.Tolerance == 0 {
		q.Tolerance = DefaultTolerance
	}
	q.cells, q.notCells = make([]*cellEntry, len(q.Colours)), make([]*cellEntry, len(q.Not))
	for i, c := range q.Colours {
		q.cells[i] = s.cells.within(c.Lab, MatchRadius(q.Tolerance))
	}
	for i, c := range q.Not {
		q.notCells[i] = s.cells.within(c.Lab, MatchRadius(q.Tolerance))
	}
	cands, err := s.backend.Candidates(ctx, q, s.window)
	if err != nil {
		return Result{}, fault.Unavailablef(err, "search is unavailable right now; please try again in a minute")
	}
	from := (q.Page - 1) * q.PerPage
	page, matches := Rank(q, cands.Docs, from, q.PerPage)
	res := Result{Query: q, Total: len(matches), Hits: page, Facets: facetsOf(matches, q.Currency)}
	if cands.Total > len(cands.Docs) {
		res.Approximate = true
		res.Total += cands.Total - len(cands.Docs)
		if cands.Facets != nil {
			res.Facets = *cands.Facets
		}
	}
	return res, nil
}

// MoreInColour lists up to n other products in the colours of a product
// (its two largest swatches), for the strip on the product page. A product
// that is not indexed or has no palette gives none.
func (s *Service) MoreInColour(ctx context.Context, productID int64, n int) ([]Hit, error) {
	d, ok, err := s.backend.Get(ctx, productID)
	if err != nil {
		return nil, fault.Unavailablef(err, "search is unavailable right now")
	}
	if !ok || len(d.Palette) == 0 {
		return nil, nil
	}
	q := Query{Tolerance: DefaultTolerance, Sort: SortRelevance, Page: 1, PerPage: n, ExcludeID: productID, Currency: s.currency, Similar: &d.Dominant}
	for _, sw := range d.Palette[:min(2, len(d.Palette))] {
		if sw.Share >= 0.2 || len(q.Colours) == 0 {
			q.Colours = append(q.Colours, Colour{Lab: sw.Lab(), Label: sw.Hex, Weight: sw.Share})
		}
	}
	normaliseWeights(q.Colours)
	res, err := s.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return res.Hits, nil
}

// Ping checks the backend.
func (s *Service) Ping(ctx context.Context) error { return s.backend.Ping(ctx) }

// Facets count the matching products by family, category and price range.
type Facets struct {
	Families    []FamilyCount   `json:"families"`
	Categories  []CategoryCount `json:"categories"`
	PriceRanges []PriceRange    `json:"price_ranges"`
}

// FamilyCount is one colour-family facet.
type FamilyCount struct {
	Family string `json:"family"`
	Count  int    `json:"count"`
}

// CategoryCount is one category facet.
type CategoryCount struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
}

// PriceRange is one price facet in minor units; To is 0 for the open top.
type PriceRange struct {
	From     int64  `json:"from"`
	To       int64  `json:"to,omitempty"`
	Currency string `json:"currency"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
}

// PriceEdges are the price facet boundaries in minor units for a currency.
func PriceEdges(currency string) []int64 {
	if money.MinorDigits(currency) == 0 {
		return []int64{100_000, 250_000, 500_000, 1_000_000}
	}
	return []int64{25_00, 50_00, 100_00, 250_00}
}

// facetsOf counts the matches' colour families, categories and price
// ranges. Large match lists are counted in parts on every CPU, as they are
// scored: a broad colour query matches a fifth of the catalogue.
func facetsOf(hits []Hit, currency string) Facets {
	edges := PriceEdges(currency)
	counts := inParts(len(hits), func(lo, hi int) facetCounts { return countFacets(hits[lo:hi], currency, edges) })
	total := counts[0]
	for _, c := range counts[1:] {
		total.add(c)
	}
	families := total.other
	for k, n := range total.families {
		if n > 0 {
			families[facetFamilies[k]] += n
		}
	}
	var f Facets
	for _, kv := range sortedCounts(families) {
		f.Families = append(f.Families, FamilyCount{Family: kv.key, Count: kv.n})
	}
	for _, kv := range sortedCounts(total.categories) {
		f.Categories = append(f.Categories, CategoryCount{Category: kv.key, Count: kv.n})
	}
	for i, n := range total.prices {
		if n == 0 {
			continue
		}
		r := PriceRange{Currency: currency, Count: n}
		if i > 0 {
			r.From = edges[i-1]
		}
		if i < len(edges) {
			r.To = edges[i]
		}
		r.Label = PriceLabel(r.From, r.To, currency)
		f.PriceRanges = append(f.PriceRanges, r)
	}
	return f
}

// facetCounts are the counts behind Facets for one part of the matches.
type facetCounts struct {
	families   [len(facetFamilies)]int
	other      map[string]int // families outside facetFamilies
	categories map[string]int
	prices     []int // by PriceEdges bucket
}

func countFacets(hits []Hit, currency string, edges []int64) facetCounts {
	c := facetCounts{other: map[string]int{}, categories: map[string]int{}, prices: make([]int, len(edges)+1)}
	lastCategory, lastCount := "", 0
	for i := range hits {
		d := hits[i].Doc
		if mask, ok := d.familyMask(); ok {
			for ; mask != 0; mask &= mask - 1 {
				c.families[bits.TrailingZeros16(mask)]++
			}
		} else {
			for _, f := range d.Families {
				if k := familyIndex(f); k >= 0 {
					c.families[k]++
				} else {
					c.other[f]++
				}
			}
		}
		if d.Category != "" {
			// runs of one category are common after a category filter
			if d.Category != lastCategory {
				if lastCount > 0 {
					c.categories[lastCategory] += lastCount
				}
				lastCategory, lastCount = d.Category, 0
			}
			lastCount++
		}
		if d.Currency == currency {
			k := 0
			for k < len(edges) && edges[k] <= d.PriceMinor {
				k++
			}
			c.prices[k]++
		}
	}
	if lastCount > 0 {
		c.categories[lastCategory] += lastCount
	}
	return c
}

func (c *facetCounts) add(o facetCounts) {
	for k, n := range o.families {
		c.families[k] += n
	}
	for f, n := range o.other {
		c.other[f] += n
	}
	for cat, n := range o.categories {
		c.categories[cat] += n
	}
	for k, n := range o.prices {
		c.prices[k] += n
	}
}

type keyCount struct {
	key string
	n   int
}

func sortedCounts(m map[string]int) []keyCount {
	out := make([]keyCount, 0, len(m))
	for k, n := range m {
		out = append(out, keyCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].key < out[j].key
	})
	return out
}

// PriceLabel names a price range for people; to is 0 for the open top.
func PriceLabel(from, to int64, currency string) string {
	switch {
	case from == 0:
		return "under " + money.Format(to, currency)
	case to == 0:
		return money.Format(from, currency) + " and up"
	}
	return fmt.Sprintf("%s – %s", money.Format(from, currency), money.Format(to, currency))
}

// facetFamilies are the family names counted without a map lookup.
// (at most 16: a document keeps the ones it has as a bit mask).
var facetFamilies = [...]string{"black", "white", "gray", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "beige", "multicolour"}

func familyIndex(f string) int {
	switch f {
	case "black":
		return 0
	case "white":
		return 1
	case "gray":
		return 2
	case "red":
		return 3
	case "orange":
		return 4
	case "yellow":
		return 5
	case "green":
		return 6
	case "teal":
		return 7
	case "blue":
		return 8
	case "purple":
		return 9
	case "pink":
		return 10
	case "brown":
		return 11
	case "beige":
		return 12
	case "multicolour":
		return 13
	}
	return -1
}
