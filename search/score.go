package search

import (
	"container/heap"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/warna/warna/imaging"
)

// The one scorer. Both backends only generate candidates; Rank makes the
// final ranking, so the same catalogue ranks the same way on either.
//
// Colour coverage of query colour c by a palette is
//
//	cov(c) = Σ share(s) · K(ΔE00(c, s))
//
// with the smooth, compactly supported kernel K(d) = (1 − (d/2t)²)² for
// d < 2t (t = tolerance), so a swatch at ΔE t counts 56 %, one at 2t nothing.
//
//   - match=any: colour score = max over c of cov(c); a product needs
//     cov ≥ MinCoverage for at least one colour.
//   - match=all: every colour needs cov ≥ MinCoverage; colour score =
//     min(1, Σ cov) · agreement, where agreement = 1 − ½ Σ |cov(c)/Σcov − w(c)|
//     (one minus the total-variation distance between the palette's
//     proportions and the requested weights).
//   - not=: exclusion coverage x = cov(n); a product with x ≥ ExcludeShare is
//     dropped, a smaller x scales the score by (1 − x).
//   - blend: with colour and text 0.65·colour + 0.25·text + 0.10·popularity;
//     colour only 0.9·colour + 0.1·popularity; text only 0.9·text +
//     0.1·popularity; neither: popularity. Text is the share of query terms
//     found (textMatcher), popularity log(1+p)/log(1+PopularityScale) capped
//     at 1; both are in 0..1 whatever the query.
//   - ties: score, then product id ascending. Other sorts (price, newest,
//     popular) order the filtered set by their key, then score, then id.
const (
	MinCoverage     = 0.05
	ExcludeShare    = 0.10
	PopularityScale = 10000
)

// Hit is one ranked product.
type Hit struct {
	Doc    *Document
	Score  float64
	Colour float64
	Text   float64
	Why    []Why
}

// Why explains how one query colour matched (or, for Exclude, how close the
// product came to an excluded colour).
type Why struct {
	Query     string  `json:"query"`
	QueryHex  string  `json:"query_hex"`
	SwatchHex string  `json:"swatch_hex"`
	Name      string  `json:"name"`
	DeltaE    float64 `json:"delta_e"`
	Share     float64 `json:"share"`
	Coverage  float64 `json:"coverage"`
	Exclude   bool    `json:"exclude,omitempty"`
}

// kernel is K above.
func kernel(deltaE, tol float64) float64 {
	r := deltaE / (2 * tol)
	if r >= 1 {
		return 0
	}
	k := 1 - r*r
	return k * k
}

// MatchRadius is the ΔE00 beyond which a swatch no longer counts.
func MatchRadius(tol float64) float64 { return 2 * tol }

// ranker scores documents for one query.
type ranker struct {
	q    Query
	text textMatcher
	// colours and nots are the grid cells within reach of each query
	// colour: a swatch outside them is farther than MatchRadius
	// (TestCellsCoverMatches), so its ΔE00 need not be computed.
	colours, nots []*cellEntry
}

func newRanker(q Query) *ranker {
	r := &ranker{q: q, text: newTextMatcher(q.Text)}
	radius := MatchRadius(q.Tolerance)
	for i, c := range q.Colours {
		if i < len(q.cells) && q.cells[i] != nil {
			r.colours = append(r.colours, q.cells[i])
		} else {
			r.colours = append(r.colours, newCellEntry(CellsWithin(c.Lab, radius)))
		}
	}
	for i, c := range q.Not {
		if i < len(q.notCells) && q.notCells[i] != nil {
			r.nots = append(r.nots, q.notCells[i])
		} else {
			r.nots = append(r.nots, newCellEntry(CellsWithin(c.Lab, radius)))
		}
	}
	return r
}

// coverage of colour c by the document's palette. When the swatches in
// reach hold less than floor of the product, coverage cannot reach floor
// and no ΔE00 is computed.
func (r *ranker) coverage(c imaging.Lab, reach *cellEntry, d *Document, floor float64) float64 {
	points := d.colourPoints()
	var inReach float64
	for _, p := range points {
		if reach.has(p.cell) {
			inReach += p.share
		}
	}
	if inReach == 0 || inReach < floor {
		return 0
	}
	var cov float64
	radius := MatchRadius(r.q.Tolerance)
	for _, p := range points {
		if reach.has(p.cell) && !beyondByLightness(c, p.lab, radius) {
			cov += p.share * kernel(imaging.DeltaE00(c, p.lab), r.q.Tolerance)
		}
	}
	return cov
}

// beyondByLightness is a cheap exact test that ΔE00 ≥ radius: the
// lightness term alone, |ΔL|/SL, already reaches it (the chroma and hue
// terms, rotation included, only add to ΔE00²).
func beyondByLightness(c, s imaging.Lab, radius float64) bool {
	dl := c.L - s.L
	lbar := (c.L+s.L)/2 - 50
	sl := 1 + 0.015*lbar*lbar/math.Sqrt(20+lbar*lbar)
	return dl*dl >= radius*radius*sl*sl
}

// explainCoverage is the swatch that contributed most to the coverage of c.
func explainCoverage(c imaging.Lab, palette []Swatch, tol float64) Why {
	var cov, best float64
	why := Why{DeltaE: math.Inf(1)}
	for _, s := range palette {
		d := imaging.DeltaE00(c, s.Lab())
		contrib := s.Share * kernel(d, tol)
		cov += contrib
		if contrib > best || (best == 0 && d < why.DeltaE) {
			best = contrib
			why = Why{SwatchHex: s.Hex, Name: s.Name, DeltaE: round2(d), Share: round3(s.Share)}
		}
	}
	why.Coverage = round3(cov)
	return why
}

// Rank scores docs for q, keeps the matches, and returns the page of n hits
// from offset from in order (with explanations) and every match (for
// facets, unordered and unexplained).
func Rank(q Query, docs []*Document, from, n int) (page, matches []Hit) {
	r := newRanker(q)
	matches = r.scoreAll(docs)
	page = topHits(matches, q.Sort, from+n)
	if from < len(page) {
		page = page[from:]
	} else {
		page = nil
	}
	for i := range page {
		r.explain(&page[i])
	}
	return page, matches
}

// parallelFrom is the item count from which scoring and facet counting are
// split across the CPUs.
const parallelFrom = 4096

// inParts runs fn over [0, n) in consecutive parts, one per CPU from
// parallelFrom items (in this goroutine below it), and returns the parts'
// results in order.
func inParts[T any](n int, fn func(lo, hi int) T) []T {
	if n < parallelFrom {
		return []T{fn(0, n)}
	}
	parts := runtime.GOMAXPROCS(0)
	out := make([]T, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { out[p] = fn(p*n/parts, (p+1)*n/parts) })
	}
	wg.Wait()
	return out
}

// scoreAll scores every document, keeping the matches in document order.
func (r *ranker) scoreAll(docs []*Document) []Hit {
	chunks := inParts(len(docs), func(lo, hi int) []Hit {
		out := make([]Hit, 0, (hi-lo)/2)
		for _, d := range docs[lo:hi] {
			if d.ID == r.q.ExcludeID {
				continue
			}
			if h, ok := r.score(d); ok {
				out = append(out, h)
			}
		}
		return out
	})
	return slices.Concat(chunks...)
}

func (r *ranker) score(d *Document) (Hit, bool) {
	q := r.q
	h := Hit{Doc: d}
	if len(q.Colours) > 0 {
		colour, ok := r.colourScore(d)
		if !ok {
			return Hit{}, false
		}
		h.Colour = colour
	}
	penalty := 1.0
	for i, n := range q.Not {
		x := r.coverage(n.Lab, r.nots[i], d, 0)
		if x >= ExcludeShare {
			return Hit{}, false
		}
		penalty *= 1 - x
	}
	if !r.text.empty() {
		h.Text = r.text.score(d)
	}
	pop := math.Min(1, math.Log1p(float64(max(d.Popularity, 0)))/math.Log1p(PopularityScale))
	hasColour, hasText := len(q.Colours) > 0, !r.text.empty()
	switch {
	case hasColour && hasText:
		h.Score = 0.65*h.Colour + 0.25*h.Text + 0.10*pop
	case hasColour:
		h.Score = 0.9*h.Colour + 0.1*pop
	case hasText:
		h.Score = 0.9*h.Text + 0.1*pop
	default:
		h.Score = pop
	}
	h.Score = round6(h.Score * penalty)
	return h, true
}

func (r *ranker) colourScore(d *Document) (float64, bool) {
	q := r.q
	var covs [MaxColours]float64
	var sum, best float64
	floor := 0.0
	if q.MatchAll || len(q.Colours) == 1 {
		floor = MinCoverage // below it the product is out anyway
	}
	for i, c := range q.Colours {
		covs[i] = r.coverage(c.Lab, r.colours[i], d, floor)
		sum += covs[i]
		best = math.Max(best, covs[i])
	}
	if !q.MatchAll {
		return best, best >= MinCoverage
	}
	for i := range q.Colours {
		if covs[i] < MinCoverage {
			return 0, false
		}
	}
	var tv float64
	for i, c := range q.Colours {
		tv += math.Abs(covs[i]/sum - c.Weight)
	}
	return math.Min(1, sum) * (1 - tv/2), true
}

// explain fills in why a hit matched.
func (r *ranker) explain(h *Hit) {
	for _, c := range r.q.Colours {
		why := explainCoverage(c.Lab, h.Doc.Palette, r.q.Tolerance)
		why.Query, why.QueryHex = c.Label, c.Hex()
		h.Why = append(h.Why, why)
	}
	for _, n := range r.q.Not {
		why := explainCoverage(n.Lab, h.Doc.Palette, r.q.Tolerance)
		if why.Coverage > 0 {
			why.Query, why.QueryHex, why.Exclude = n.Label, n.Hex(), true
			h.Why = append(h.Why, why)
		}
	}
}

// hitOrder compares hits for a sort order: the order's key, then score,
// then product id.
func hitOrder(order string) func(a, b *Hit) int {
	key := func(a, b *Hit) int { return 0 }
	switch order {
	case SortPriceAsc:
		key = func(a, b *Hit) int { return cmpInt(a.Doc.PriceMinor, b.Doc.PriceMinor) }
	case SortPriceDesc:
		key = func(a, b *Hit) int { return cmpInt(b.Doc.PriceMinor, a.Doc.PriceMinor) }
	case SortNewest:
		key = func(a, b *Hit) int { return b.Doc.CreatedAt.Compare(a.Doc.CreatedAt) }
	case SortPopular:
		key = func(a, b *Hit) int { return cmpInt(b.Doc.Popularity, a.Doc.Popularity) }
	}
	return func(a, b *Hit) int {
		if c := key(a, b); c != 0 {
			return c
		}
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return cmpInt(a.Doc.ID, b.Doc.ID)
	}
}

// topHits returns the first k hits in order without sorting all of them:
// a bounded heap keeps the k best seen so far.
func topHits(hits []Hit, order string, k int) []Hit {
	cmp := hitOrder(order)
	if k >= len(hits)/4 {
		out := slices.Clone(hits)
		slices.SortFunc(out, func(a, b Hit) int { return cmp(&a, &b) })
		return out[:min(k, len(out))]
	}
	h := &hitHeap{cmp: cmp}
	for i := range hits {
		if len(h.hits) < k {
			heap.Push(h, hits[i])
		} else if cmp(&hits[i], &h.hits[0]) < 0 {
			h.hits[0] = hits[i]
			heap.Fix(h, 0)
		}
	}
	out := h.hits
	slices.SortFunc(out, func(a, b Hit) int { return cmp(&a, &b) })
	return out
}

// hitHeap keeps the worst of the best k at the top.
type hitHeap struct {
	hits []Hit
	cmp  func(a, b *Hit) int
}

func (h *hitHeap) Len() int           { return len(h.hits) }
func (h *hitHeap) Less(i, j int) bool { return h.cmp(&h.hits[i], &h.hits[j]) > 0 }
func (h *hitHeap) Swap(i, j int)      { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *hitHeap) Push(x any)         { h.hits = append(h.hits, x.(Hit)) }
func (h *hitHeap) Pop() any {
	last := h.hits[len(h.hits)-1]
	h.hits = h.hits[:len(h.hits)-1]
	return last
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Scores are rounded so that float noise (summing in another order) cannot
// reorder equal products; ties then fall to the product id.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
func round3(x float64) float64 { return math.Round(x*1e3) / 1e3 }
func round2(x float64) float64 { return math.Round(x*1e2) / 1e2 }
