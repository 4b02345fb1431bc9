package search

import (
	"context"
	"fmt"
	"math/bits"
	"sort"
	"sync"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
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
	// Window is how many candidates the scorer ranks (default 1000, at
	// most MaxWindow).
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

// MaxWindow bounds Options.Window: Elasticsearch answers at most 10,000
// hits a search (index.max_result_window) and kNN takes at most 10,000
// candidates.
const MaxWindow = 10000

// NewService builds the search service over a backend.
func NewService(b Backend, opts Options) *Service {
	if opts.Window <= 0 {
		opts.Window = 1000
	}
	opts.Window = min(opts.Window, MaxWindow)
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
	// Total counts every match. Approximate says the backend matched more
	// than the scorer's window for a query with colours, whose matches the
	// scorer narrows beyond what the backend can tell: Total is then the
	// matches the scorer confirmed, a lower bound ("more than N"), and the
	// Facets are the backend's counts of its wider set. Without colours the
	// backend's count is the answer.
	Total       int
	Approximate bool
	Hits        []Hit
	Facets      Facets
	// reachable, when not zero, is how many matches the pages can show:
	// those the scorer ranked (the backend matched more than its window).
	reachable int
}

// Pages is the number of pages of results; when the matches overflow the
// scorer's window, only the pages of the matches it ranked.
func (r Result) Pages() int {
	if r.Query.PerPage <= 0 {
		return 0
	}
	n := r.Total
	if r.reachable > 0 {
		n = min(n, r.reachable)
	}
	return (n + r.Query.PerPage - 1) / r.Query.PerPage
}

// Reachable is how many of the matches the pages can show: all of them,
// or when they overflow what can be ranked (the scorer's window, or
// Elasticsearch's 10,000 for a sort on a field) the first that many.
// Pages say so when it is fewer than Total.
func (r Result) Reachable() int {
	if r.reachable > 0 {
		return min(r.Total, r.reachable)
	}
	return r.Total
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
		if !c.IsFamily() {
			q.cells[i] = s.cells.within(c.Lab, MatchRadius(c.ToleranceIn(q)))
		}
	}
	for i, c := range q.Not {
		if !c.IsFamily() {
			q.notCells[i] = s.cells.within(c.Lab, MatchRadius(c.ToleranceIn(q)))
		}
	}
	cands, err := s.backend.Candidates(ctx, q, s.window)
	if err != nil {
		return Result{}, fault.Unavailablef(err, "search is unavailable right now; please try again in a minute")
	}
	from := (q.Page - 1) * q.PerPage
	buf, _ := hitBuffers.Get().(*[]Hit)
	if buf == nil {
		buf = new([]Hit)
	}
	page, matches, facets := rankInto(q, cands.Docs, from, q.PerPage, *buf, newFacetCounter(q.Currency))
	res := Result{Query: q, Total: len(matches), Hits: page, Facets: facets}
	clear(matches) // let go of the documents
	*buf = matches[:0]
	hitBuffers.Put(buf)
	if cands.Total > len(cands.Docs) {
		res.Approximate = q.HasColour()
		res.reachable = max(len(matches), 1)
		if !res.Approximate {
			res.Total += cands.Total - len(cands.Docs)
		}
		if cands.Facets != nil {
			res.Facets = *cands.Facets
		}
		if pb, ok := s.backend.(pagedBackend); ok && backendOrdered(q) {
			// past the window the backend's own order is the answer
			res.reachable = min(cands.Total, MaxWindow)
			if from+q.PerPage > len(matches) {
				res.Hits = nil
				if from < res.reachable {
					docs, err := pb.CandidatePage(ctx, q, from, min(q.PerPage, res.reachable-from))
					if err != nil {
						return Result{}, fault.Unavailablef(err, "search is unavailable right now; please try again in a minute")
					}
					res.Hits, _ = Rank(q, docs, 0, q.PerPage)
				}
			}
		}
	}
	return res, nil
}

// hitBuffers recycles the lists of matches between searches (see rankInto).
var hitBuffers sync.Pool // of *[]Hit

// pagedBackend is a backend that can list its matches of q from an offset,
// in q's order (Elasticsearch: from and size, up to MaxWindow).
type pagedBackend interface {
	CandidatePage(ctx context.Context, q Query, from, size int) ([]*Document, error)
}

// backendOrdered reports whether a backend's matches and order are the
// scorer's for q, so that pages past the window can come from the backend:
// no colours (the scorer narrows those matches), no similar colour, and a
// sort on a field, or a browse (by popularity). Ties of the field may
// fall on either side of a page boundary.
func backendOrdered(q Query) bool {
	if q.HasColour() || q.Similar != nil || q.ExcludeID != 0 || q.minCover > 0 {
		return false
	}
	switch q.Sort {
	case SortPriceAsc, SortPriceDesc, SortNewest, SortPopular:
		return true
	}
	return len(Terms(q.Text)) == 0
}

// Similar products must cover at least moreMinCover of themselves with the
// dominant colour (within its reach of twice the tolerance) to be "more in
// this colour".
const moreMinCover = 0.25

// MoreInColour lists up to n other products in the colour of a product,
// for the strip on the product page: its dominant colour (the largest
// swatch) as a point with the default tolerance, so nothing beyond twice
// the tolerance counts, among the products of its dominant family, each
// covering at least a quarter of itself with that colour. None when
// nothing is that close, when the product is not indexed or has no
// palette. The dominant swatch is returned too, to name the colour.
func (s *Service) MoreInColour(ctx context.Context, productID int64, n int) ([]Hit, *Swatch, error) {
	d, ok, err := s.backend.Get(ctx, productID)
	if err != nil {
		return nil, nil, fault.Unavailablef(err, "search is unavailable right now")
	}
	if !ok || len(d.Palette) == 0 {
		return nil, nil, nil
	}
	dominant := d.Palette[0]
	q := Query{Tolerance: DefaultTolerance, Sort: SortRelevance, Page: 1, PerPage: n, ExcludeID: productID, Currency: s.currency,
		Similar: &d.Dominant, minCover: moreMinCover,
		Colours: []Colour{{Lab: dominant.Lab(), Label: dominant.Hex, Weight: 1, Kind: colour.TermHex, Family: colour.Family(dominant.Family)}}}
	if dominant.Family != "" {
		q.Families = []string{dominant.Family}
	}
	res, err := s.Search(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return res.Hits, &dominant, nil
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

// facetCounter counts facets in one currency's price ranges.
type facetCounter struct {
	currency string
	edges    []int64
}

func newFacetCounter(currency string) *facetCounter {
	return &facetCounter{currency: currency, edges: PriceEdges(currency)}
}

// facetCounts are the counts behind Facets for one part of the matches.
type facetCounts struct {
	families   [len(facetFamilies)]int
	other      map[string]int // families outside facetFamilies
	categories map[string]int
	prices     []int // by PriceEdges bucket
}

func (fc *facetCounter) zero() facetCounts {
	return facetCounts{other: map[string]int{}, categories: map[string]int{}, prices: make([]int, len(fc.edges)+1)}
}

// facets adds up the parts' counts into Facets.
func (fc *facetCounter) facets(parts []facetCounts) Facets {
	total := parts[0]
	for _, c := range parts[1:] {
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
		r := PriceRange{Currency: fc.currency, Count: n}
		if i > 0 {
			r.From = fc.edges[i-1]
		}
		if i < len(fc.edges) {
			r.To = fc.edges[i]
		}
		r.Label = PriceLabel(r.From, r.To, fc.currency)
		f.PriceRanges = append(f.PriceRanges, r)
	}
	return f
}

// count adds the hits to c.
func (fc *facetCounter) count(c *facetCounts, hits []Hit) {
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
		if d.Currency == fc.currency {
			k := 0
			for k < len(fc.edges) && fc.edges[k] <= d.PriceMinor {
				k++
			}
			c.prices[k]++
		}
	}
	if lastCount > 0 {
		c.categories[lastCategory] += lastCount
	}
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
