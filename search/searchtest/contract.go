package searchtest

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

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
// 12.4 (blue–sky), 0.624 at 11.0 (white–off-white). The sellers' burgundy
// (#7c1c34, imaging/words_id.go) is 6.6 from the survey's burgundy swatch
// (0.855), 13.1 from crimson (0.491) and 20.7 from red (0.066). A family
// word counts each swatch by its membership of the family; the
// catalogue's swatches belong wholly to one (catalogue.go), so colors=red
// covers a product by its red, crimson and burgundy.
var Cases = []Case{
	// single colour by hex: red share .9, crimson .9·.795, .7, crimson .8·.795, .6, .5, .3, .2
	{"hex red", "colors=%23cc1f1f", []int64{1, 8, 15, 4, 2, 14, 3, 16}, 8},
	// a family word is the region: red, crimson and burgundy by share (.9, .9,
	// .8, .8, .7, .7, .6, .6, .5, .3, .3, .2), ties by id
	{"family word red", "colors=red", []int64{1, 8, 4, 41, 5, 15, 2, 6, 14, 3, 7, 16}, 12},
	{"family word merah", "colors=merah", []int64{1, 8, 4, 41, 5, 15, 2, 6, 14, 3, 7, 16}, 12},
	{"family word in the text", "q=merah", []int64{1, 8, 4, 41, 5, 15, 2, 6, 14, 3, 7, 16}, 12},
	{"hex without #", "colors=cc1f1f", []int64{1, 8, 15, 4, 2, 14, 3, 16}, 8},
	// blue 1, .7, .5, .5 (tie by id), sky .8·.537, .3, .2
	{"hex blue", "colors=%231e90ff", []int64{10, 3, 11, 14, 12, 15, 16}, 7},
	{"exclude white", "colors=%231e90ff&not=white", []int64{10, 3, 14, 15}, 4},
	{"exclude putih", "colors=%231e90ff&not=putih", []int64{10, 3, 14, 15}, 4},
	{"tight tolerance drops crimson", "colors=%23cc1f1f&tol=4", []int64{1, 15, 2, 14, 3, 16}, 6},
	// all, equal weights: 14 is 50/50 (1.0); 3 and 15 are 70/30 (0.8, tie by id); 16 covers .4
	{"all equal weights", "colors=%23cc1f1f,%231e90ff&match=all", []int64{14, 3, 15, 16}, 4},
	// all, 70/30: 15 exact (1.0), 14 (.8), 3 reversed (.6), 16 (.4·.8)
	{"all weighted 70/30", "colors=%23cc1f1f:70,%231e90ff:30&match=all", []int64{15, 14, 3, 16}, 4},
	{"all weighted 30/70", "colors=%23cc1f1f:30,%231e90ff:70&match=all", []int64{3, 14, 15, 16}, 4},
	// any: best single coverage
	{"any two colours", "colors=%23cc1f1f,%231e90ff", []int64{10, 1, 8, 3, 15, 4, 2, 11, 14, 12, 16}, 11},
	{"any weighted", "colors=%23cc1f1f:70,%231e90ff:30", []int64{10, 1, 8, 3, 15, 4, 2, 11, 14, 12, 16}, 11},
	// a fine name in the text: burgundy .7·.855, crimson .9·.491, burgundy
	// .3·.855, red .9·.066; the skirt and the kemeja are not dresses
	{"colour word burgundy dress", "q=burgundy+dress", []int64{5, 8, 7, 1}, 4},
	// "red dress": every dress of the red family, by its red
	{"colour word red dress", "q=red+dress", []int64{1, 8, 5, 7}, 4},
	// off white .85; beige .9·.624; white .2·.624
	{"colour word off-white linen", "q=off-white+linen", []int64{17, 18, 12}, 3},
	// black .4 and .2 drop the skirt and the belt
	{"burgundy not black", "colors=burgundy&not=black", []int64{41, 5, 8, 7, 1}, 5},
	// negation in the text, every form: linen without white leaves the blue
	// shirt and the beige shorts (the sky shirt is .2 white, the trousers
	// .85 off-white, a white)
	{"not in the text", "q=linen+not+white", []int64{10, 18}, 2},
	{"no in the text", "q=linen,+no+white", []int64{10, 18}, 2},
	{"without in the text", "q=without+white+linen", []int64{10, 18}, 2},
	{"minus in the text", "q=linen+-white", []int64{10, 18}, 2},
	{"bukan in the text", "q=linen+bukan+putih", []int64{10, 18}, 2},
	{"tanpa in the text", "q=linen+tanpa+warna+putih", []int64{10, 18}, 2},
	{"selain in the text", "q=linen+selain+putih", []int64{10, 18}, 2},
	{"kecuali in the text", "q=linen+kecuali+putih", []int64{10, 18}, 2},
	// an exclusion reaches colours joined to it: no blue, and no white either
	{"exclusion joined by or", "q=linen+no+blue+or+white", []int64{18}, 1},
	{"exclusion joined by dan", "q=linen+tanpa+biru+dan+putih", []int64{18}, 1},
	// "and" asks for both (any of them): the best of red and white is .7,
	// .5, .6 and .6, and the blouse and the tee say "top" only in their
	// description (text .5)
	{"and asks for both", "q=red+and+white+top", []int64{15, 14, 2, 16}, 4},
	{"dan asks for both", "q=merah+dan+putih+top", []int64{15, 14, 2, 16}, 4},
	// "mug not black" is a mug, black left out; a word after a minus goes too
	{"minus a word", "q=shirt+-batik", []int64{10, 11, 12, 42}, 4},
	// either language finds the other's listings (kemeja is shirt)
	{"kemeja merah", "q=kemeja+merah", []int64{41}, 1},
	{"red shirt finds kemeja", "q=red+shirt", []int64{41}, 1},
	{"kemeja merah bukan hitam", "q=kemeja+merah+bukan+hitam", []int64{41}, 1},
	{"kemeja bukan hitam", "q=kemeja+bukan+hitam", []int64{10, 11, 12, 41}, 4},
	{"trousers finds celana", "q=trousers", []int64{17, 18, 44}, 3},
	{"celana finds trousers", "q=celana", []int64{17, 18, 44}, 3},
	{"kaos is a t-shirt, kaos kaki socks", "q=kaos", []int64{16}, 1},
	{"hijab finds jilbab", "q=hijab+tosca", []int64{47}, 1},
	// Indonesian stems: rajutan, anyaman and berbordir meet rajut, dianyam, bordiran
	{"stem rajut", "q=rajut", []int64{44}, 1},
	{"stem dianyam", "q=dianyam", []int64{45}, 1},
	{"stem bordiran", "q=bordiran", []int64{46}, 1},
	// any word matches; the bag with both words comes first, then the bags
	{"stem and synonym", "q=tas+dianyam", []int64{45, 32, 30, 31, 33}, 5},
	// text only: equal text relevance, then popularity, then id
	{"text linen", "q=linen", []int64{10, 12, 17, 18}, 4},
	{"text dress", "q=dress", []int64{1, 5, 7, 8, 46}, 5},
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
	{"family filter", "family=red", []int64{1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 41}, 12},
	{"two families", "family=red&family=blue", []int64{1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 41}, 16},
	{"colour and category", "colors=%231e90ff&category=shirt", []int64{10, 11, 12}, 3},
	{"colour and family", "colors=%231e90ff&family=white", []int64{11, 12, 16}, 3},
	{"in stock", "colors=%231e90ff&category=shirt&in_stock=true", []int64{10, 11, 12}, 3},
	// paging through the hex red ranking
	{"page 2", "colors=%23cc1f1f&per_page=3&page=2", []int64{4, 2, 14}, 8},
	{"page 3", "colors=%23cc1f1f&per_page=3&page=3", []int64{3, 16}, 8},
	{"page past the end", "colors=%23cc1f1f&per_page=3&page=4", []int64{}, 8},
	// nothing asked: everything by popularity (tote bags, then fillers by their popularity)
	{"everything by popularity", "per_page=5", []int64{32, 30, 31, 140, 139}, 68},
}

// Open returns an empty backend for one test.
type Open func(t *testing.T) search.Backend

// RunContract loads the contract catalogue into a fresh backend and checks
// every case, the facets, the explanations, deletion and rebuild.
func RunContract(t *testing.T, open Open) {
	ctx := context.Background()
	backend := open(t)
	docs := Documents()
	if len(docs) < 68 {
		t.Fatalf("contract catalogue has %d products, want at least 68", len(docs))
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
		hits, _, err := svc.MoreInColour(ctx, 1, 3)
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
	t.Run("larger than the window", func(t *testing.T) { CheckLargerThanWindow(t, open) })
	t.Run("text in both languages", func(t *testing.T) { checkText(t, open) })
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

// CheckLargerThanWindow loads a catalogue larger than the scorer's window
// into a fresh backend and checks that every page of every order is that
// of the whole catalogue: a backend must take the window in the order
// asked for (Elasticsearch took its best-scored products and sorted only
// those), and the pages past the window come from the backend in that
// order (they were empty). Prices, popularity and dates are all distinct,
// so each order is one list.
func CheckLargerThanWindow(t *testing.T, open Open) {
	ctx := context.Background()
	backend := open(t)
	const n, window, perPage = 150, 40, 20
	base := Documents()
	docs := make([]search.Document, n)
	for i := range docs {
		d := base[i%len(base)]
		d.ID = int64(5000 + i)
		d.Title = fmt.Sprintf("Kaos katun nomor %d", i)
		d.PriceMinor = 100_000 + int64(i*37%n)*1_000
		d.Currency = "IDR"
		d.Popularity = int64(i*53%n) * 10
		d.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i*67%n) * time.Hour)
		d.InStock = true
		docs[i] = d
	}
	if err := backend.Upsert(ctx, docs); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	svc := search.NewService(backend, search.Options{Currency: "IDR", Window: window})
	for _, c := range []struct {
		sort string
		less func(a, b search.Document) bool
	}{
		{"", func(a, b search.Document) bool { return a.Popularity > b.Popularity }},
		{search.SortPopular, func(a, b search.Document) bool { return a.Popularity > b.Popularity }},
		{search.SortPriceAsc, func(a, b search.Document) bool { return a.PriceMinor < b.PriceMinor }},
		{search.SortPriceDesc, func(a, b search.Document) bool { return a.PriceMinor > b.PriceMinor }},
		{search.SortNewest, func(a, b search.Document) bool { return a.CreatedAt.After(b.CreatedAt) }},
	} {
		want := slices.Clone(docs)
		slices.SortFunc(want, func(a, b search.Document) int {
			if c.less(a, b) {
				return -1
			}
			if c.less(b, a) {
				return 1
			}
			return 0
		})
		pages := (n + perPage - 1) / perPage
		for page := 1; page <= pages; page++ {
			res := run(t, svc, fmt.Sprintf("sort=%s&per_page=%d&page=%d", c.sort, perPage, page))
			var wantIDs []int64
			for _, d := range want[(page-1)*perPage : min(page*perPage, n)] {
				wantIDs = append(wantIDs, d.ID)
			}
			if got := ids(res.Hits); !slices.Equal(got, wantIDs) {
				t.Errorf("sort %q page %d: got %v, want %v", c.sort, page, got, wantIDs)
			}
			if res.Total != n || res.Approximate {
				t.Errorf("sort %q: total %d (approximate %v), want exactly %d", c.sort, res.Total, res.Approximate, n)
			}
			if res.Pages() != pages {
				t.Errorf("sort %q: %d pages, want %d", c.sort, res.Pages(), pages)
			}
		}
	}
	// A colour query over more products than the window: the total is the
	// exact count of the scorer's matches, or, labelled approximate ("more
	// than"), a lower bound that the pages reach in full.
	q, err := search.ParseQuery(url.Values{"colors": {"red"}, "per_page": {"20"}}, "IDR")
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]*search.Document, len(docs))
	for i := range docs {
		ptrs[i] = &docs[i]
	}
	_, exact := search.Rank(q, ptrs, 0, 1)
	res, err := svc.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(exact) == 0 || len(exact) == len(docs) || !q.HasColour():
		t.Fatalf("%d of %d products are red: the check says nothing", len(exact), len(docs))
	case !res.Approximate && res.Total != len(exact):
		t.Errorf("colour red: total %d, want exactly %d", res.Total, len(exact))
	case res.Approximate && (res.Total > len(exact) || res.Total == 0 || res.Reachable() != res.Total):
		t.Errorf("colour red: total %d (more than) and %d reachable, want a lower bound of %d that the pages reach", res.Total, res.Reachable(), len(exact))
	}
}

// checkText loads a few products titled in English and Indonesian into a
// fresh backend and checks which match text with possessives, decimals,
// contractions, plurals, product synonyms across the languages and
// Indonesian affixes (sorted by price, so only the matching is checked).
func checkText(t *testing.T, open Open) {
	ctx := context.Background()
	backend := open(t)
	titles := []string{"Tali kulit 2.5mm", "Tali kulit 3mm", "The women's linen shirt", "Kemeja linen wanita", "Sepatu anak-anak", "Kain tenun Sumba"}
	base := Documents()[0]
	var docs []search.Document
	for i, title := range titles {
		d := base
		d.ID, d.Title, d.Description, d.Category = int64(7001+i), title, "", "misc"
		d.PriceMinor, d.Currency = 100_000+int64(i)*10_000, "IDR"
		docs = append(docs, d)
	}
	if err := backend.Upsert(ctx, docs); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	svc := search.NewService(backend, search.Options{Currency: "IDR"})
	for _, c := range []struct {
		q    string
		want []int64
	}{
		{"2.5mm", []int64{7001}},
		{"tali+3mm", []int64{7001, 7002}},
		{"women%27s", []int64{7003}},
		{"women", []int64{7003}},
		{"kemeja", []int64{7003, 7004}},
		{"shirts", []int64{7003, 7004}},
		{"it%27s+linen", []int64{7003, 7004}},
		{"shoe", []int64{7005}},
		{"sepatu", []int64{7005}},
		{"tenunan", []int64{7006}},
	} {
		if got := ids(run(t, svc, "sort=price_asc&q="+c.q).Hits); !slices.Equal(got, c.want) {
			t.Errorf("q=%s: got %v, want %v", c.q, got, c.want)
		}
	}
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
