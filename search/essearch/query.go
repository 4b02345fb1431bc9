package essearch

import (
	"strconv"

	essearch "github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/childscoremode"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/functionboostmode"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"

	"github.com/warna/warna/search"
)

// CandidateRequest is the search body for q: the text as a multi_match
// over title and body, filters, and per query colour a nested Lab range box
// around the grid cells within reach (search.BoxOf), scored by the share of
// the swatches inside; plus kNN on the dominant colour for "similar colour"
// queries, and aggregations for the facets.
func CandidateRequest(q search.Query, window int) *essearch.Request {
	var must, filter []types.Query
	if len(search.Terms(q.Text)) > 0 {
		must = append(must, types.Query{MultiMatch: &types.MultiMatchQuery{Query: q.Text, Fields: []string{"title", "body"}}})
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
		for i := range q.Colours {
			boxes[i] = boxQuery(search.BoxOf(q.ColourCells(i)))
		}
		if q.MatchAll {
			must = append(must, boxes...)
		} else {
			must = append(must, types.Query{Bool: &types.BoolQuery{Should: boxes, MinimumShouldMatch: 1}})
		}
	}
	size, track := window, true
	req := &essearch.Request{
		Query:          &types.Query{Bool: &types.BoolQuery{Must: must, Filter: filter}},
		Size:           &size,
		TrackTotalHits: track,
		Sort:           []types.SortCombinations{"_score", types.SortOptions{SortOptions: map[string]types.FieldSort{"id": {Order: &sortorder.Asc}}}},
		Aggregations:   aggregations(q.Currency),
	}
	if len(must) == 0 && len(filter) == 0 {
		req.Query = &types.Query{MatchAll: types.NewMatchAllQuery()}
	}
	if q.Similar != nil {
		k, candidates := window, min(10000, 2*window)
		vec := make([]float32, 3)
		for i, v := range q.Similar {
			vec[i] = float32(v)
		}
		req.Knn = []types.KnnSearch{{Field: "dominant", QueryVector: vec, K: &k, NumCandidates: &candidates, Filter: filter}}
	}
	return req
}

// boxQuery matches products with a swatch inside the box, scoring by the
// sum of those swatches' shares.
func boxQuery(b search.Box) types.Query {
	rng := func(lo, hi float64) types.RangeQuery {
		l, h := types.Float64(lo), types.Float64(hi)
		return types.NumberRangeQuery{Gte: &l, Lte: &h}
	}
	sum := childscoremode.Sum
	replace := functionboostmode.Replace
	share := "palette.share"
	return types.Query{Nested: &types.NestedQuery{
		Path:      "palette",
		ScoreMode: &sum,
		Query: types.Query{FunctionScore: &types.FunctionScoreQuery{
			Query: &types.Query{Bool: &types.BoolQuery{Filter: []types.Query{
				{Range: map[string]types.RangeQuery{"palette.L": rng(b.Min.L, b.Max.L)}},
				{Range: map[string]types.RangeQuery{"palette.a": rng(b.Min.A, b.Max.A)}},
				{Range: map[string]types.RangeQuery{"palette.b": rng(b.Min.B, b.Max.B)}},
			}}},
			Functions: []types.FunctionScore{{FieldValueFactor: &types.FieldValueFactorScoreFunction{Field: share}}},
			BoostMode: &replace,
		}},
	}}
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
	size := 50
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
		"categories": {Terms: &types.TermsAggregation{Field: &categories, Size: &size}},
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
