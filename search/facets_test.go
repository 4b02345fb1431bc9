package search

import (
	"reflect"
	"runtime"
	"testing"
)

// TestFacetsCountEveryMatchOnce counts facets as Search does (while
// scoring) over enough matches to be split across CPUs and blocks, with
// prepared documents (family bit masks) and unprepared ones, and a family
// outside the known ones, against a count made here one document at a time.
func TestFacetsCountEveryMatchOnce(t *testing.T) {
	families := [][]string{{"red"}, {"red", "white"}, {"blue", "mauve"}, {}, {"black", "gray", "beige"}}
	categories := []string{"dresses", "dresses", "tops", "", "shoes", "bags", "tops"}
	var hits []Hit
	for i := range 3*parallelFrom + 7 {
		d := &Document{ID: int64(i + 1), Title: "Linen shirt", Category: categories[i%len(categories)],
			PriceMinor: int64(i%9) * 90_000, Currency: "IDR", Families: families[i%len(families)]}
		if i%5 == 0 {
			d.Currency = "USD"
		}
		if i%3 != 0 {
			d.Prepare()
		}
		hits = append(hits, Hit{Doc: d})
	}

	wantFamilies, wantCategories, wantPrices := map[string]int{}, map[string]int{}, map[int64]int{}
	edges := PriceEdges("IDR")
	for _, h := range hits {
		for _, f := range h.Doc.Families {
			wantFamilies[f]++
		}
		if h.Doc.Category != "" {
			wantCategories[h.Doc.Category]++
		}
		if h.Doc.Currency == "IDR" {
			from := int64(0)
			for _, e := range edges {
				if h.Doc.PriceMinor >= e {
					from = e
				}
			}
			wantPrices[from]++
		}
	}

	count := func(procs int) Facets {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		// As Search counts them: while scoring, block by block. An empty
		// query matches every document.
		docs := make([]*Document, len(hits))
		for i := range hits {
			docs[i] = hits[i].Doc
		}
		_, matches, facets := rankInto(Query{}, docs, 0, 1, nil, newFacetCounter("IDR"))
		if len(matches) != len(docs) {
			t.Fatalf("%d of %d documents matched the empty query", len(matches), len(docs))
		}
		return facets
	}
	one := count(1)
	for _, f := range []Facets{one, count(4)} {
		gotFamilies, gotCategories, gotPrices := map[string]int{}, map[string]int{}, map[int64]int{}
		for _, fc := range f.Families {
			gotFamilies[fc.Family] = fc.Count
		}
		for _, cc := range f.Categories {
			gotCategories[cc.Category] = cc.Count
		}
		for _, pr := range f.PriceRanges {
			gotPrices[pr.From] = pr.Count
		}
		if !reflect.DeepEqual(gotFamilies, wantFamilies) {
			t.Errorf("families %v, want %v", gotFamilies, wantFamilies)
		}
		if !reflect.DeepEqual(gotCategories, wantCategories) {
			t.Errorf("categories %v, want %v", gotCategories, wantCategories)
		}
		if !reflect.DeepEqual(gotPrices, wantPrices) {
			t.Errorf("price ranges %v, want %v", gotPrices, wantPrices)
		}
	}
	if four := count(4); !reflect.DeepEqual(one, four) {
		t.Errorf("facets differ between one CPU and four:\n%+v\n%+v", one, four)
	}
}
