package search

import (
	"math"
	"sort"

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
	Doc    Document
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

// coverage of one colour by a palette, with the swatch that contributed most.
func coverage(c imaging.Lab, palette []Swatch, tol float64) (float64, Why) {
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
	return cov, why
}

// Rank scores, filters and orders candidates for q.
func Rank(q Query, docs []Document) []Hit {
	text := newTextMatcher(q.Text)
	hits := make([]Hit, 0, len(docs))
	for i := range docs {
		if docs[i].ID == q.ExcludeID {
			continue
		}
		if h, ok := scoreDoc(q, text, docs[i]); ok {
			hits = append(hits, h)
		}
	}
	sortHits(hits, q.Sort)
	return hits
}

func scoreDoc(q Query, text textMatcher, d Document) (Hit, bool) {
	h := Hit{Doc: d}
	if len(q.Colours) > 0 {
		colour, why, ok := colourScore(q, d.Palette)
		if !ok {
			return Hit{}, false
		}
		h.Colour, h.Why = colour, why
	}
	penalty := 1.0
	for _, n := range q.Not {
		x, why := coverage(n.Lab, d.Palette, q.Tolerance)
		if x >= ExcludeShare {
			return Hit{}, false
		}
		penalty *= 1 - x
		if x > 0 {
			why.Query, why.QueryHex, why.Exclude = n.Label, n.Hex(), true
			h.Why = append(h.Why, why)
		}
	}
	if !text.empty() {
		h.Text = text.score(&d)
	}
	pop := math.Min(1, math.Log1p(float64(max(d.Popularity, 0)))/math.Log1p(PopularityScale))
	hasColour, hasText := len(q.Colours) > 0, !text.empty()
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

func colourScore(q Query, palette []Swatch) (float64, []Why, bool) {
	covs := make([]float64, len(q.Colours))
	whys := make([]Why, len(q.Colours))
	var sum, best float64
	for i, c := range q.Colours {
		covs[i], whys[i] = coverage(c.Lab, palette, q.Tolerance)
		whys[i].Query, whys[i].QueryHex = c.Label, c.Hex()
		sum += covs[i]
		best = math.Max(best, covs[i])
	}
	if !q.MatchAll {
		return best, whys, best >= MinCoverage
	}
	for _, cov := range covs {
		if cov < MinCoverage {
			return 0, nil, false
		}
	}
	var tv float64
	for i, c := range q.Colours {
		tv += math.Abs(covs[i]/sum - c.Weight)
	}
	return math.Min(1, sum) * (1 - tv/2), whys, true
}

func sortHits(hits []Hit, order string) {
	byScore := func(a, b *Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Doc.ID < b.Doc.ID:
			return -1
		case a.Doc.ID > b.Doc.ID:
			return 1
		}
		return 0
	}
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
	sort.SliceStable(hits, func(i, j int) bool {
		if c := key(&hits[i], &hits[j]); c != 0 {
			return c < 0
		}
		return byScore(&hits[i], &hits[j]) < 0
	})
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
