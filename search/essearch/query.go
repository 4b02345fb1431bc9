package essearch

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	essearch "github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/childscoremode"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/fieldvaluefactormodifier"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/functionboostmode"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/functionscoremode"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search"
)

// CandidateRequest is the search body for q: the text as a multi_match
// over title and body (analysed as search.Analyse does), filters, and per
// query colour either a rank_feature on the family's share (a family word)
// or nested Lab range boxes covering the grid cells within reach of a
// point (cellsQuery: the cells themselves, merged into boxes, not one box
// around them all), scored by the share of the swatches inside; words to
// leave out as a must_not; kNN on the dominant colour for "similar
// colour" queries as a should inside the bool (it ranks, it does not add
// matches); and aggregations for the facets. A family to leave out is a
// must_not on excluding_families, the scorer's own rule written at
// indexing (search.ExcludingFamilies), so totals and facets leave those
// products out too; a hex colour to leave out stays the scorer's (its
// ΔE00 coverage has no field to test).
//
// The order is the one the scorer sorts by, so that the window holds the
// first products of every order and not the best-scored 1000: price,
// newest and popular sort on their field, a browse (no text, colour or
// similar) on popularity, and a relevance search on the score with
// popularity added (field_value_factor, log1p, as the scorer's 0.1 ·
// log(1+p) / log(1+PopularityScale)); ties by id.
func CandidateRequest(q search.Query, window int) *essearch.Request {
	var must, filter, mustNot []types.Query
	if len(search.Terms(q.Text)) > 0 {
		must = append(must, types.Query{MultiMatch: &types.MultiMatchQuery{Query: q.Text, Fields: []string{"title", "body"}}})
	}
	if len(q.NotText) > 0 {
		mustNot = append(mustNot, termsQuery("title", q.NotText), termsQuery("body", q.NotText))
	}
	var notFamilies []string
	for _, c := range q.Not {
		if c.IsFamily() {
			notFamilies = append(notFamilies, string(c.Family))
		}
	}
	if len(notFamilies) > 0 {
		mustNot = append(mustNot, termsQuery("excluding_families", notFamilies))
	}
	if len(q.Families) > 0 {
		filter = append(filter, termsQuery("families", q.Families))
	}
	if q.Category != "" {
		filter = append(filter, termQuery("category", q.Category))
	}
	if q.Shop != "" {
		filter = append(filter, termQuery("shop_slug", q.Shop))
	}
	if q.PriceMin != nil || q.PriceMax != nil {
		filter = append(filter, termQuery("currency", q.Currency))
		r := types.NumberRangeQuery{}
		if q.PriceMin != nil {
			v := types.Float64(*q.PriceMin)
			r.Gte = &v
		}
		if q.PriceMax != nil {
			v := types.Float64(*q.PriceMax)
			r.Lte = &v
		}
		filter = append(filter, types.Query{Range: map[string]types.RangeQuery{"price_minor": r}})
	}
	if q.InStock {
		filter = append(filter, types.Query{Term: map[string]types.TermQuery{"in_stock": {Value: true}}})
	}
	if len(q.Colours) > 0 {
		boxes := make([]types.Query, len(q.Colours))
		for i, c := range q.Colours {
			if c.IsFamily() {
				boxes[i] = types.Query{RankFeature: &types.RankFeatureQuery{Field: "family_share." + string(c.Family), Linear: &types.RankFeatureFunctionLinear{}}}
				continue
			}
			boxes[i] = cellsQuery(q.ColourCells(i))
		}
		if q.MatchAll {
			must = append(must, boxes...)
		} else {
			must = append(must, types.Query{Bool: &types.BoolQuery{Should: boxes, MinimumShouldMatch: 1}})
		}
	}
	var should []types.Query
	if q.Similar != nil {
		candidates := min(MaxWindow, 2*window)
		vec := make([]float32, 3)
		for i, v := range q.Similar {
			vec[i] = float32(v)
		}
		should = append(should, types.Query{Knn: &types.KnnQuery{Field: "dominant", QueryVector: vec, NumCandidates: &candidates, Filter: filter}})
	}
	size, track := min(window, MaxWindow), true
	browse := len(must) == 0 && q.Similar == nil
	query := &types.Query{Bool: &types.BoolQuery{Must: must, Filter: filter, MustNot: mustNot, Should: should}}
	if len(must) == 0 && len(filter) == 0 && len(mustNot) == 0 && len(should) == 0 {
		query = &types.Query{MatchAll: types.NewMatchAllQuery()}
	}
	sort := []types.SortCombinations{"_score"}
	switch {
	case q.Sort == search.SortPriceAsc:
		sort = []types.SortCombinations{fieldSort("price_minor", sortorder.Asc), "_score"}
	case q.Sort == search.SortPriceDesc:
		sort = []types.SortCombinations{fieldSort("price_minor", sortorder.Desc), "_score"}
	case q.Sort == search.SortNewest:
		sort = []types.SortCombinations{fieldSort("created_at", sortorder.Desc), "_score"}
	case q.Sort == search.SortPopular || browse:
		sort = []types.SortCombinations{fieldSort("popularity", sortorder.Desc), "_score"}
	case q.Similar != nil:
		// a knn query stays a plain clause of the bool: not wrapped in a
		// function_score, which Elasticsearch documents no knn under
	default:
		query = withPopularity(query)
	}
	req := &essearch.Request{
		Query:          query,
		Size:           &size,
		TrackTotalHits: track,
		Sort:           append(sort, fieldSort("id", sortorder.Asc)),
		Aggregations:   aggregations(q.Currency),
	}
	return req
}

func fieldSort(field string, order sortorder.SortOrder) types.SortCombinations {
	return types.SortOptions{SortOptions: map[string]types.FieldSort{field: {Order: &order}}}
}

// popularityWeight scales log10(1+popularity) as the scorer's
// 0.1 · ln(1+p) / ln(1+PopularityScale) does (the ratio of logarithms is
// the same in any base).
var popularityWeight = 0.1 / math.Log10(1+search.PopularityScale)

// withPopularity adds the popularity to a relevance query's score.
func withPopularity(q *types.Query) *types.Query {
	log1p := fieldvaluefactormodifier.Log1p
	sum := functionscoremode.Sum
	boost := functionboostmode.Sum
	missing, weight := types.Float64(0), types.Float64(popularityWeight)
	return &types.Query{FunctionScore: &types.FunctionScoreQuery{
		Query: q,
		Functions: []types.FunctionScore{{
			FieldValueFactor: &types.FieldValueFactorScoreFunction{Field: "popularity", Modifier: &log1p, Missing: &missing},
			Weight:           &weight,
		}},
		ScoreMode: &sum,
		BoostMode: &boost,
	}}
}

// cellsQuery matches products with a swatch inside one of the cells,
// scoring by the sum of those swatches' shares. The cells are merged into
// as few boxes as runs allow (along b, then a), each a filter of three
// ranges; a bounding box around all of them took in up to four times the
// products.
func cellsQuery(cells []search.Cell) types.Query {
	rng := func(lo, hi float64) types.RangeQuery {
		l, h := types.Float64(lo), types.Float64(hi)
		return types.NumberRangeQuery{Gte: &l, Lte: &h}
	}
	boxes := mergeCells(cells)
	should := make([]types.Query, len(boxes))
	for i, b := range boxes {
		should[i] = types.Query{Bool: &types.BoolQuery{Filter: []types.Query{
			{Range: map[string]types.RangeQuery{"palette.L": rng(b.Min.L, b.Max.L)}},
			{Range: map[string]types.RangeQuery{"palette.a": rng(b.Min.A, b.Max.A)}},
			{Range: map[string]types.RangeQuery{"palette.b": rng(b.Min.B, b.Max.B)}},
		}}}
	}
	inside := types.Query{Bool: &types.BoolQuery{Should: should, MinimumShouldMatch: 1}}
	if len(should) == 1 {
		inside = should[0]
	}
	sum := childscoremode.Sum
	replace := functionboostmode.Replace
	share := "palette.share"
	return types.Query{Nested: &types.NestedQuery{
		Path:      "palette",
		ScoreMode: &sum,
		Query: types.Query{FunctionScore: &types.FunctionScoreQuery{
			Query:     &inside,
			Functions: []types.FunctionScore{{FieldValueFactor: &types.FieldValueFactorScoreFunction{Field: share}}},
			BoostMode: &replace,
		}},
	}}
}

// mergeCells covers exactly the cells with boxes: runs of cells along b
// (same L and a), then runs of those along a with the same b range.
func mergeCells(cells []search.Cell) []search.Box {
	cs := slices.Clone(cells)
	slices.SortFunc(cs, func(x, y search.Cell) int {
		return cmp.Or(cmp.Compare(x.L, y.L), cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})
	cs = slices.Compact(cs)
	type run struct{ l, a0, a1, b0, b1 int }
	var runs []run
	for _, c := range cs {
		if n := len(runs); n > 0 && runs[n-1].l == c.L && runs[n-1].a0 == c.A && runs[n-1].b1 == c.B-1 {
			runs[n-1].b1 = c.B
			continue
		}
		runs = append(runs, run{c.L, c.A, c.A, c.B, c.B})
	}
	slices.SortFunc(runs, func(x, y run) int {
		return cmp.Or(cmp.Compare(x.l, y.l), cmp.Compare(x.b0, y.b0), cmp.Compare(x.b1, y.b1), cmp.Compare(x.a0, y.a0))
	})
	var merged []run
	for _, r := range runs {
		if n := len(merged); n > 0 {
			m := &merged[n-1]
			if m.l == r.l && m.b0 == r.b0 && m.b1 == r.b1 && m.a1 == r.a0-1 {
				m.a1 = r.a1
				continue
			}
		}
		merged = append(merged, r)
	}
	out := make([]search.Box, len(merged))
	for i, r := range merged {
		out[i] = search.Box{
			Min: colour.Lab{L: float64(r.l) * search.CellSize, A: float64(r.a0) * search.CellSize, B: float64(r.b0) * search.CellSize},
			Max: colour.Lab{L: float64(r.l+1) * search.CellSize, A: float64(r.a1+1) * search.CellSize, B: float64(r.b1+1) * search.CellSize},
		}
	}
	return out
}

func termQuery(field, value string) types.Query {
	return types.Query{Term: map[string]types.TermQuery{field: {Value: value}}}
}

func termsQuery(field string, values []string) types.Query {
	vals := make([]types.FieldValue, len(values))
	for i, v := range values {
		vals[i] = v
	}
	return types.Query{Terms: &types.TermsQuery{TermsQuery: map[string]types.TermsQueryField{field: vals}}}
}

// aggregations count families, categories and price ranges (in the
// query's currency) over everything that matched.
func aggregations(currency string) map[string]types.Aggregations {
	families, categories := "families", "category"
	size, categorySize := 50, 1000
	var ranges []types.AggregationRange
	edges := search.PriceEdges(currency)
	for i := 0; i <= len(edges); i++ {
		var r types.AggregationRange
		if i > 0 {
			from := types.Float64(edges[i-1])
			r.From = &from
		}
		if i < len(edges) {
			to := types.Float64(edges[i])
			r.To = &to
		}
		ranges = append(ranges, r)
	}
	price := "price_minor"
	return map[string]types.Aggregations{
		"families":   {Terms: &types.TermsAggregation{Field: &families, Size: &size}},
		"categories": {Terms: &types.TermsAggregation{Field: &categories, Size: &categorySize}},
		"prices": {
			Filter:       &types.Query{Term: map[string]types.TermQuery{"currency": {Value: currency}}},
			Aggregations: map[string]types.Aggregations{"ranges": {Range: &types.RangeAggregation{Field: &price, Ranges: ranges}}},
		},
	}
}

// facetsOf reads the aggregations back.
func facetsOf(aggs map[string]types.Aggregate, currency string) *search.Facets {
	if aggs == nil {
		return nil
	}
	f := &search.Facets{}
	for _, b := range stringBuckets(aggs["families"]) {
		f.Families = append(f.Families, search.FamilyCount{Family: b.key, Count: b.n})
	}
	for _, b := range stringBuckets(aggs["categories"]) {
		f.Categories = append(f.Categories, search.CategoryCount{Category: b.key, Count: b.n})
	}
	if filt, ok := aggs["prices"].(*types.FilterAggregate); ok {
		if r, ok := filt.Aggregations["ranges"].(*types.RangeAggregate); ok {
			buckets, _ := r.Buckets.([]types.RangeBucket)
			for _, b := range buckets {
				if b.DocCount == 0 {
					continue
				}
				pr := search.PriceRange{Currency: currency, Count: int(b.DocCount)}
				if b.From != nil {
					pr.From = int64(*b.From)
				}
				if b.To != nil {
					pr.To = int64(*b.To)
				}
				pr.Label = search.PriceLabel(pr.From, pr.To, currency)
				f.PriceRanges = append(f.PriceRanges, pr)
			}
		}
	}
	return f
}

type bucket struct {
	key string
	n   int
}

func stringBuckets(a types.Aggregate) []bucket {
	terms, ok := a.(*types.StringTermsAggregate)
	if !ok {
		return nil
	}
	raw, _ := terms.Buckets.([]types.StringTermsBucket)
	out := make([]bucket, 0, len(raw))
	for _, b := range raw {
		key := ""
		switch v := b.Key.(type) {
		case string:
			key = v
		case float64:
			key = strconv.FormatFloat(v, 'f', -1, 64)
		}
		out = append(out, bucket{key, int(b.DocCount)})
	}
	return out
}
