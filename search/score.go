package search

import (
	"container/heap"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/warna/warna/imaging/colour"
)

// The one scorer. Both backends only generate candidates; Rank makes the
// final ranking, so the same catalogue ranks the same way on either.
//
// Coverage of a query colour c by a product depends on the kind of colour:
//
//   - a family word (red, merah) is a region: cov(c) = Σ share(s) · p_s(F),
//     each swatch counting by its membership p_s of the family F (the
//     palette's family_p), which is the document's FamilyShare[F] (or the
//     merchant's override);
//
//   - a fine name (burgundy, tosca) or a hex code is a point:
//
//     cov(c) = Σ share(s) · K(ΔE00(c, s))
//
//     with the smooth, compactly supported kernel K(d) = (1 − (d/2t)²)² for
//     d < 2t, where t is the name's own tolerance or, for a hex code, the
//     query's tol: a swatch at ΔE t counts 56 %, one at 2t nothing.
//
//   - match=any: colour score = max over c of cov(c); a product needs
//     cov ≥ MinCoverage for at least one colour.
//
//   - match=all: every colour needs cov ≥ MinCoverage; colour score =
//     min(1, Σ cov) · agreement, where agreement = 1 − ½ Σ |cov(c)/Σcov − w(c)|
//     (one minus the total-variation distance between the palette's
//     proportions and the requested weights). A swatch is one colour of the
//     product: among the points of the query it counts only for the one it
//     matches best, so a black between "black" and "charcoal" does not look
//     like a product of both.
//
//   - not= and negated colour words: exclusion coverage x = cov(n), by the
//     same rules; a product with x ≥ ExcludeShare is dropped, a smaller x
//     scales the score by (1 − x). A "-word" of q drops the products with
//     that word.
//
//   - blend: with colour and text 0.65·colour + 0.25·text + 0.10·popularity;
//     colour only 0.9·colour + 0.1·popularity; text only 0.9·text +
//     0.1·popularity; neither: popularity. Text is the share of query terms
//     found (textMatcher), popularity log(1+p)/log(1+PopularityScale) capped
//     at 1; both are in 0..1 whatever the query.
//
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
// product came to an excluded colour): the swatch that contributed most,
// its ΔE00 from the query colour (for a family, from the colour the family
// is shown with), its share and family membership, and the coverage.
type Why struct {
	Query      string          `json:"query"`
	QueryHex   string          `json:"query_hex"`
	Kind       colour.TermKind `json:"kind"`
	Tolerance  float64         `json:"tolerance,omitempty"`
	SwatchHex  string          `json:"swatch_hex"`
	Name       string          `json:"name"`
	Family     string          `json:"family"`
	DeltaE     float64         `json:"delta_e"`
	Share      float64         `json:"share"`
	Membership float64         `json:"membership"`
	Coverage   float64         `json:"coverage"`
	Exclude    bool            `json:"exclude,omitempty"`
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
	q             Query
	text          textMatcher
	colours, nots []term
	notText       []string
	minCover      float64
	// points says some colour of the query is a point (its coverage reads
	// the colour points).
	points bool
}

// term is one query colour as the ranker reads it.
type term struct {
	// family is the index of a family word's family in facetFamilies, -1
	// for a point.
	family int
	lab    colour.Lab
	tol    float64
	// reach is the grid cells within reach of a point: a swatch outside
	// them is farther than MatchRadius (TestCellsCoverMatches), so its
	// ΔE00 need not be computed.
	reach *cellEntry
}

func newTerm(c Colour, q Query, cached *cellEntry) term {
	if c.IsFamily() {
		return term{family: familyIndex(string(c.Family)), lab: c.Lab}
	}
	t := term{family: -1, lab: c.Lab, tol: c.ToleranceIn(q), reach: cached}
	if t.reach == nil {
		t.reach = newCellEntry(CellsWithin(c.Lab, MatchRadius(t.tol)))
	}
	return t
}

func newRanker(q Query) *ranker {
	r := &ranker{q: q, text: newTextMatcher(q.Text), notText: q.NotText, minCover: MinCoverage}
	if q.minCover > 0 {
		r.minCover = q.minCover
	}
	for i, c := range q.Colours {
		var cached *cellEntry
		if i < len(q.cells) {
			cached = q.cells[i]
		}
		r.colours = append(r.colours, newTerm(c, q, cached))
	}
	for i, c := range q.Not {
		var cached *cellEntry
		if i < len(q.notCells) {
			cached = q.notCells[i]
		}
		r.nots = append(r.nots, newTerm(c, q, cached))
	}
	for _, t := range slices.Concat(r.colours, r.nots) {
		r.points = r.points || t.family < 0
	}
	return r
}

// cover is the coverage of term t by the document.
func (r *ranker) cover(t *term, d *Document, floor float64) float64 {
	if t.family >= 0 {
		return d.familyCover(t.family)
	}
	return coverage(t, d, floor)
}

// coverage of point t by the document's palette. When the swatches in
// reach hold less than floor of the product, coverage cannot reach floor
// and no ΔE00 is computed.
func coverage(t *term, d *Document, floor float64) float64 {
	points := d.colourPoints()
	var inReach float64
	for _, p := range points {
		if t.reach.has(p.cell) {
			inReach += p.share
		}
	}
	if inReach == 0 || inReach < floor {
		return 0
	}
	var cov float64
	radius := MatchRadius(t.tol)
	for _, p := range points {
		if t.reach.has(p.cell) && !beyondByLightness(t.lab, p.lab, radius) {
			cov += p.share * kernel(colour.DeltaE00(t.lab, p.lab), t.tol)
		}
	}
	return cov
}

// beyondByLightness is a cheap exact test that ΔE00 ≥ radius: the
// lightness term alone, |ΔL|/SL, already reaches it (the chroma and hue
// terms, rotation included, only add to ΔE00²).
func beyondByLightness(c, s colour.Lab, radius float64) bool {
	dl := c.L - s.L
	lbar := (c.L+s.L)/2 - 50
	sl := 1 + 0.015*lbar*lbar/math.Sqrt(20+lbar*lbar)
	return dl*dl >= radius*radius*sl*sl
}

// explainCoverage is the swatch that contributed most to the coverage of
// colour c.
func explainCoverage(c Colour, t *term, d *Document) Why {
	var cov, best float64
	why := Why{DeltaE: math.Inf(1)}
	for _, s := range d.Palette {
		dE := colour.DeltaE00(t.lab, s.Lab())
		membership := s.Membership(string(c.Family))
		contrib := s.Share * membership
		if t.family < 0 {
			contrib = s.Share * kernel(dE, t.tol)
		}
		cov += contrib
		if contrib > best || (best == 0 && dE < why.DeltaE) {
			best = contrib
			why = Why{SwatchHex: s.Hex, Name: s.Name, Family: s.Family, DeltaE: round2(dE), Share: round3(s.Share), Membership: round3(membership)}
		}
	}
	if t.family >= 0 {
		cov = d.familyCover(t.family) // the override, when the merchant set one
	} else {
		why.Tolerance = t.tol
	}
	why.Query, why.QueryHex, why.Kind, why.Coverage = c.Label, c.Hex(), c.Kind, round3(cov)
	if why.Kind == "" {
		why.Kind = colour.TermHex
	}
	return why
}

// MinCover is the coverage every query colour needs at least for a
// product to match (for match=any, the best-covered colour): a backend may
// leave out products that cover no query colour that much.
func (q Query) MinCover() float64 {
	if q.minCover > 0 {
		return q.minCover
	}
	return MinCoverage
}

// Rank scores docs for q, keeps the matches, and returns the page of n hits
// from offset from in order (with explanations) and every match (for
// facets, unordered and unexplained).
func Rank(q Query, docs []*Document, from, n int) (page, matches []Hit) {
	page, matches, _ = rankInto(q, docs, from, n, nil, nil)
	return page, matches
}

// rankInto is Rank with the matches written into buf when it is large
// enough (Service recycles it: a broad query matches tens of thousands of
// products, and allocating that list anew for each query made the garbage
// collector the largest cost after scoring), and with the facets of the
// matches counted by fc as they are scored. The page never shares memory
// with the matches.
func rankInto(q Query, docs []*Document, from, n int, buf []Hit, fc *facetCounter) (page, matches []Hit, facets Facets) {
	r := newRanker(q)
	matches, facets = r.scoreAll(docs, buf, fc)
	page = topHits(matches, q.Sort, from+n)
	if from < len(page) {
		page = page[from:]
	} else {
		page = nil
	}
	for i := range page {
		r.explain(&page[i])
	}
	return page, matches, facets
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

// scoreAll scores every document, keeping the matches in document order,
// and counts their facets with fc when it is set.
//
// Each part writes its matches into its own stretch of one list (a part of
// docs[lo:hi] has at most hi−lo matches), then the stretches are moved
// together: no list is allocated per part. Facets are counted block by
// block right after scoring, while the block's documents are still in the
// processor's cache: a second pass over a broad query's matches read them
// all from memory again.
func (r *ranker) scoreAll(docs []*Document, buf []Hit, fc *facetCounter) ([]Hit, Facets) {
	if cap(buf) < len(docs) {
		buf = make([]Hit, len(docs))
	}
	buf = buf[:len(docs)]
	const block = 256
	type stretch struct {
		lo, n   int
		counts  facetCounts
		touched float64 // keeps touch's reads from being optimised away
	}
	parts := inParts(len(docs), func(lo, hi int) stretch {
		st := stretch{lo: lo}
		if fc != nil {
			st.counts = fc.zero()
		}
		for b := lo; b < hi; b += block {
			first := lo + st.n
			st.touched += touch(docs[b:min(b+block, hi)], r.points)
			for _, d := range docs[b:min(b+block, hi)] {
				if r.q.ExcludeID != 0 && d.ID == r.q.ExcludeID {
					continue
				}
				if h, ok := r.score(d); ok {
					buf[lo+st.n] = h
					st.n++
				}
			}
			if fc != nil {
				fc.count(&st.counts, buf[first:lo+st.n])
			}
		}
		return st
	})
	end := 0
	counts := make([]facetCounts, 0, len(parts))
	for _, p := range parts {
		end += copy(buf[end:], buf[p.lo:p.lo+p.n])
		counts = append(counts, p.counts)
	}
	var facets Facets
	if fc != nil {
		facets = fc.facets(counts)
	}
	return buf[:end], facets
}

// touch reads the first word of each document's hot part and of the line
// after it, and with points its first colour point. The loop is so short
// that the processor has the reads of many documents under way at once,
// where scoring, with its long body between one document's reads and the
// next's, waits for memory one document at a time.
func touch(docs []*Document, points bool) float64 {
	var sum float64
	for _, d := range docs {
		sum += d.hot.cover[0] + d.hot.popularity
		if points && len(d.hot.points) > 0 {
			sum += d.hot.points[0].share
		}
	}
	return sum
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
	for i := range r.nots {
		x := r.cover(&r.nots[i], d, 0)
		if x >= ExcludeShare {
			return Hit{}, false
		}
		penalty *= 1 - x
	}
	if len(r.notText) > 0 && d.hasAnyTerm(r.notText) {
		return Hit{}, false
	}
	if !r.text.empty() {
		h.Text = r.text.score(d)
	}
	pop := d.popularityScore()
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
		floor = r.minCover // below it the product is out anyway
	}
	if q.MatchAll && len(r.colours) > 1 {
		if !r.assignedCoverage(d, &covs) {
			return 0, false
		}
	} else {
		for i := range r.colours {
			covs[i] = r.cover(&r.colours[i], d, floor)
		}
	}
	for i := range r.colours {
		sum += covs[i]
		best = math.Max(best, covs[i])
	}
	if !q.MatchAll {
		return best, best >= r.minCover
	}
	for i := range q.Colours {
		if covs[i] < r.minCover {
			return 0, false
		}
	}
	var tv float64
	for i, c := range q.Colours {
		tv += math.Abs(covs[i]/sum - c.Weight)
	}
	return math.Min(1, sum) * (1 - tv/2), true
}

// assignedCoverage fills covs for match=all: family words by their share,
// points by the swatches that match each best. It reports false when some
// colour cannot reach the minimum coverage (no ΔE00 is computed then).
func (r *ranker) assignedCoverage(d *Document, covs *[MaxColours]float64) bool {
	points := d.colourPoints()
	for i := range r.colours {
		t := &r.colours[i]
		if t.family >= 0 {
			covs[i] = d.familyCover(t.family)
			if covs[i] < r.minCover {
				return false
			}
			continue
		}
		var inReach float64
		for _, p := range points {
			if t.reach.has(p.cell) {
				inReach += p.share
			}
		}
		if inReach < r.minCover {
			return false
		}
	}
	for _, p := range points {
		best, bestK := -1, 0.0
		for i := range r.colours {
			t := &r.colours[i]
			if t.family >= 0 || !t.reach.has(p.cell) || beyondByLightness(t.lab, p.lab, MatchRadius(t.tol)) {
				continue
			}
			if k := kernel(colour.DeltaE00(t.lab, p.lab), t.tol); k > bestK {
				best, bestK = i, k
			}
		}
		if best >= 0 {
			covs[best] += p.share * bestK
		}
	}
	return true
}

// ExcludingFamilies are the families whose "not" leaves d out: those that
// cover at least ExcludeShare of it, as score decides. A backend that
// filters before scoring stores them with the document (Elasticsearch's
// must_not), so that its totals and facets agree with the scorer.
func ExcludingFamilies(d *Document) []string {
	var out []string
	for k, f := range facetFamilies {
		if d.familyCover(k) >= ExcludeShare {
			out = append(out, f)
		}
	}
	return out
}

// explain fills in why a hit matched.
func (r *ranker) explain(h *Hit) {
	for i, c := range r.q.Colours {
		h.Why = append(h.Why, explainCoverage(c, &r.colours[i], h.Doc))
	}
	for i, n := range r.q.Not {
		if why := explainCoverage(n, &r.nots[i], h.Doc); why.Coverage > 0 {
			why.Exclude = true
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

// popularity is the popularity term of the blend: log(1+p)/log(1+PopularityScale), at most 1.
func popularity(p int64) float64 {
	return math.Min(1, math.Log1p(float64(max(p, 0)))/math.Log1p(PopularityScale))
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
