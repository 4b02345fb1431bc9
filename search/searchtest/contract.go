package searchtest

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/warna/warna/search"
)

// Case is one contract query with the ranking reasoned from the catalogue
// (see the ΔE table in catalogue.go and the kernel in search/score.go).
type Case struct {
	Name  string
	Query string
	Want  []int64
	// Total, when not zero, is the expected total (for paged cases).
	Total int
}

// Cases are the contract queries. Coverage of a swatch at ΔE d with
// tolerance 12 is share·(1−(d/24)²)²: 0.795 at 7.9 (red–crimson), 0.537 at
// 12.4 (blue–sky), 0.624 at 11.0 (white–off-white), 0.875 at 6.1 (XKCD
// red–red), 0.442 at 13.9 (XKCD red–crimson), 0.168 at 18.4
// (burgundy–crimson).
var Cases = []Case{
	// single colour by hex: red share .9, crimson .9·.795, .7, crimson .8·.795, .6, .5, .3, .2
	{"hex red", "colors=%23cc1f1f", []int64{1, 8, 15, 4, 2, 14, 3, 16}, 8},
	// the XKCD name "red" is #e50000: red swatches ·.875, crimson ·.442
	{"named red", "colors=red", []int64{1, 15, 2, 14, 8, 4, 3, 16}, 8},
	{"hex without #", "colors=cc1f1f", []int64{1, 8, 15, 4, 2, 14, 3, 16}, 8},
	// blue 1, .7, .5, .5 (tie by id), sky .8·.537, .3, .2
	{"hex blue", "colors=%231e90ff", []int64{10, 3, 11, 14, 12, 15, 16}, 7},
	{"exclude white", "colors=%231e90ff&not=white", []int64{10, 3, 14, 15}, 4},
	{"tight tolerance drops crimson", "colors=%23cc1f1f&tol=4", []int64{1, 15, 2, 14, 3, 16}, 6},
	// all, equal weights: 14 is 50/50 (1.0); 3 and 15 are 70/30 (0.8, tie by id); 16 covers .4
	{"all equal weights", "colors=%23cc1f1f,%231e90ff&match=all", []int64{14, 3, 15, 16}, 4},
	// all, 70/30: 15 exact (1.0), 14 (.8), 3 reversed (.6), 16 (.4·.8)
	{"all weighted 70/30", "colors=%23cc1f1f:70,%231e90ff:30&match=all", []int64{15, 14, 3, 16}, 4},
	{"all weighted 30/70", "colors=%23cc1f1f:30,%231e90ff:70&match=all", []int64{3, 14, 15, 16}, 4},
	// any: best single coverage
	{"any two colours", "colors=%23cc1f1f,%231e90ff", []int64{10, 1, 8, 3, 15, 4, 2, 11, 14, 12, 16}, 11},
	{"any weighted", "colors=%23cc1f1f:70,%231e90ff:30", []int64{10, 1, 8, 3, 15, 4, 2, 11, 14, 12, 16}, 11},
	// colour word in the text: burgundy .7, .3, crimson .9·.168; the skirt has no "dress"
	{"colour word burgundy dress", "q=burgundy+dress", []int64{5, 7, 8}, 3},
	{"colour word red dress", "q=red+dress", []int64{1, 8}, 2},
	// off white .85; beige .9·.624; white .2·.624
	{"colour word off-white linen", "q=off-white+linen", []int64{17, 18, 12}, 3},
	{"burgundy not black", "colors=burgundy&not=black", []int64{5, 7, 8}, 3},
	// text only: equal text relevance, then popularity, then id
	{"text linen", "q=linen", []int64{10, 12, 17, 18}, 4},
	{"text dress", "q=dress", []int64{1, 5, 7, 8}, 4},
	{"text tote by popularity", "q=tote", []int64{32, 30, 31, 33}, 4},
	{"sort price ascending", "q=tote&sort=price_asc", []int64{32, 30, 33, 31}, 4},
	{"sort price descending", "q=tote&sort=price_desc", []int64{31, 33, 30, 32}, 4},
	{"sort newest", "q=tote&sort=newest", []int64{33, 31, 32, 30}, 4},
	{"sort popular", "q=tote&sort=popular", []int64{32, 30, 31, 33}, 4},
	{"colour sorted by price", "colors=%23cc1f1f&sort=price_asc", []int64{16, 4, 2, 15, 1, 14, 3, 8}, 8},
	{"colour sorted by newest", "colors=%231e90ff&sort=newest", []int64{12, 10, 11, 3, 14, 15, 16}, 7},
	// filters
	{"category filter", "colors=%23cc1f1f&category=top", []int64{15, 2, 14, 16}, 4},
	{"shop filter", "colors=%23cc1f1f&shop=kopi-co", []int64{8, 4, 14, 3, 16}, 5},
	{"price filter", "colors=%23cc1f1f&price_min=150000&price_max=300000", []int64{1, 15, 2, 14}, 4},
	{"price filter in major units with decimals", "colors=%23cc1f1f&price_min=150000.00&currency=IDR", []int64{1, 8, 15, 2, 14, 3}, 6},
	{"family filter", "family=red", []int64{1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16}, 11},
	{"two families", "family=red&family=blue", []int64{1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16}, 15},
	{"colour and category", "colors=%231e90ff&category=shirt", []int64{10, 11, 12}, 3},
	{"colour and family", "colors=%231e90ff&family=white", []int64{11, 12, 16}, 3},
	{"in stock", "colors=%231e90ff&category=shirt&in_stock=true", []int64{10, 11, 12}, 3},
	// paging through the hex red ranking
	{"page 2", "colors=%23cc1f1f&per_page=3&page=2", []int64{4, 2, 14}, 8},
	{"page 3", "colors=%23cc1f1f&per_page=3&page=3", []int64{3, 16}, 8},
	{"page past the end", "colors=%23cc1f1f&per_page=3&page=4", []int64{}, 8},
	// nothing asked: everything by popularity (tote bags, then fillers by their popularity)
	{"everything by popularity", "per_page=5", []int64{32, 30, 31, 140, 139}, 61},
}

// Open returns an empty backend for one test.
type Open func(t *testing.T) search.Backend

// RunContract loads the contract catalogue into a fresh backend and checks
// every case, the facets, the explanations, deletion and rebuild.
func RunContract(t *testing.T, open Open) {
	ctx := context.Background()
	backend := open(t)
	docs := Documents()
	if len(docs) < 60 {
		t.Fatalf("contract catalogue has %d products, want at least 60", len(docs))
	}
	half := len(docs) / 2
	if err := backend.Upsert(ctx, docs[:half]); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if err := backend.Upsert(ctx, docs[half:]); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	svc := search.NewService(backend, search.Options{Currency: "IDR"})

	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			res := run(t, svc, c.Query)
			got := ids(res.Hits)
			if c.Want == nil { // cases that only check the query is accepted
				return
			}
			if !slices.Equal(got, c.Want) {
				t.Errorf("%s: got %v, want %v", c.Query, got, c.Want)
			}
			if c.Total != 0 && res.Total != c.Total {
				t.Errorf("%s: total %d, want %d", c.Query, res.Total, c.Total)
			}
		})
	}
	t.Run("facets", func(t *testing.T) { checkFacets(t, svc) })
	t.Run("why", func(t *testing.T) { checkWhy(t, svc) })
	t.Run("more in this colour", func(t *testing.T) {
		hits, err := svc.MoreInColour(ctx, 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(hits), []int64{8, 15, 4}; !slices.Equal(got, want) {
			t.Errorf("more like product 1: got %v, want %v", got, want)
		}
	})
	t.Run("delete and re-add", func(t *testing.T) {
		if err := backend.Delete(ctx, []int64{1, 999}); err != nil {
			t.Fatal(err)
		}
		if got, want := ids(run(t, svc, "colors=%23cc1f1f").Hits), []int64{8, 15, 4, 2, 14, 3, 16}; !slices.Equal(got, want) {
			t.Errorf("after deleting 1: got %v, want %v", got, want)
		}
		if err := backend.Upsert(ctx, docs[:1]); err != nil {
			t.Fatal(err)
		}
		if got, want := ids(run(t, svc, "colors=%23cc1f1f").Hits), Cases[0].Want; !slices.Equal(got, want) {
			t.Errorf("after re-adding 1: got %v, want %v", got, want)
		}
	})
	t.Run("rebuild swaps in a new index", func(t *testing.T) {
		err := backend.Rebuild(ctx, func(put func([]search.Document) error) error {
			// the rebuilt index lacks product 8: searches must see exactly that
			var without []search.Document
			for _, d := range docs {
				if d.ID != 8 {
					without = append(without, d)
				}
			}
			return put(without)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(run(t, svc, "colors=%23cc1f1f").Hits), []int64{1, 15, 4, 2, 14, 3, 16}; !slices.Equal(got, want) {
			t.Errorf("after rebuild: got %v, want %v", got, want)
		}
	})
}

func run(t *testing.T, svc *search.Service, raw string) search.Result {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := search.ParseQuery(v, "IDR")
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	res, err := svc.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", raw, err)
	}
	return res
}

func ids(hits []search.Hit) []int64 {
	out := []int64{}
	for _, h := range hits {
		out = append(out, h.Doc.ID)
	}
	return out
}

func checkFacets(t *testing.T, svc *search.Service) {
	res := run(t, svc, "colors=%23cc1f1f&per_page=2")
	f := res.Facets
	if got, want := fmt.Sprint(f.Families), "[{red 8} {blue 4} {white 2} {black 1}]"; got != want {
		t.Errorf("family facets: got %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(f.Categories), "[{top 4} {dress 2} {accessory 1} {jacket 1}]"; got != want {
		t.Errorf("category facets: got %s, want %s", got, want)
	}
	var ranges []string
	for _, r := range f.PriceRanges {
		ranges = append(ranges, fmt.Sprintf("%d-%d:%d", r.From, r.To, r.Count))
	}
	if got, want := fmt.Sprint(ranges), "[0-100000:1 100000-250000:3 250000-500000:3 500000-1000000:1]"; got != want {
		t.Errorf("price facets: got %s, want %s", got, want)
	}
}

func checkWhy(t *testing.T, svc *search.Service) {
	res := run(t, svc, "colors=%23cc1f1f&per_page=2")
	if len(res.Hits) < 2 {
		t.Fatalf("got %d hits", len(res.Hits))
	}
	w := res.Hits[0].Why
	if len(w) != 1 || w[0].SwatchHex != red || w[0].DeltaE != 0 || w[0].Share != 0.9 || w[0].QueryHex != red {
		t.Errorf("why of product 1: got %+v, want the red swatch, ΔE 0, share 0.9", w)
	}
	w = res.Hits[1].Why // product 8: crimson at ΔE ≈ 7.9
	if len(w) != 1 || w[0].SwatchHex != crimson || w[0].DeltaE < 7.5 || w[0].DeltaE > 8.3 {
		t.Errorf("why of product 8: got %+v, want the crimson swatch at ΔE ≈ 7.9", w)
	}
}
