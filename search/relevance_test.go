package search_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/warna/warna/search/indexing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
)

// The relevance evaluation: a generated catalogue of products whose colours
// are known (one or two colours each, drawn on several kinds of backdrop)
// goes through the real pipeline (catalog, image processing, outbox,
// indexer, embedded index) and is searched through the Service. Graded
// judgments come from the known colours only, never from the pipeline:
//
//   - hex queries: nDCG@10. A product's gain for a colour h is
//     Σ share(c)·w(ΔE00(h, c)) over its true colours c, w = 1 within ΔE 4,
//     0.6 within 8, 0.3 within 12; graded 3 from 0.6, 2 from 0.35, 1 from 0.15.
//   - family words: precision@10, a product being relevant when its true
//     colours of that family cover at least a quarter of it. The families
//     are labelled by hand with the base colours (relevanceBases), not by
//     the classifier.
//   - exclusions (colors=A&not=B, families and points): a violation is a
//     product in the top 10 with at least a quarter of family B.
//   - two-colour products: how often one is in the top 3 for its own two
//     colours (match=all).
//
// Tuning looked only at the catalogue of relevanceTuningSeed; the test
// checks the one of relevanceCheckSeed, which is never used to choose a
// parameter. WARNA_RELEVANCE_SEED picks another (the tuning seed, or any
// number, to see that the figures hold); WARNA_RELEVANCE_DEBUG=1 logs the
// hex queries under nDCG 0.9 and the two-colour products missed, with
// their extracted palettes.
const (
	relevanceTuningSeed = 7
	relevanceCheckSeed  = 31415926
	relevanceProducts   = 250
)

// Thresholds of issue 14.
const (
	minHexNDCG       = 0.95
	minFamilyP10     = 0.97
	maxViolations    = 0
	minTwoColourTop3 = 0.95
)

// relevanceBase is a product colour with the family a shop would file it
// under, chosen by hand in the middle of the family.
type relevanceBase struct {
	hex    string
	family colour.Family
}

// owner is the merchant user id of the test shop.
const owner = 42

var relevanceBases = []relevanceBase{
	{"#c41e2a", colour.Red}, {"#a3162a", colour.Red}, {"#7a1628", colour.Red}, {"#d63a2f", colour.Red},
	{"#ee7a1e", colour.Orange}, {"#d9601a", colour.Orange}, {"#f39237", colour.Orange},
	{"#f2cf1d", colour.Yellow}, {"#e3b505", colour.Yellow}, {"#f6de55", colour.Yellow},
	{"#2f8f46", colour.Green}, {"#5a7d2a", colour.Green}, {"#8fbf7a", colour.Green}, {"#1e5631", colour.Green},
	{"#178f8f", colour.Teal}, {"#26b5a3", colour.Teal}, {"#0e5e63", colour.Teal},
	{"#2456c6", colour.Blue}, {"#1b2f5e", colour.Blue}, {"#6fa8dc", colour.Blue}, {"#3e6fa0", colour.Blue},
	{"#6b3fa0", colour.Purple}, {"#4b2170", colour.Purple}, {"#a784d4", colour.Purple},
	{"#e05a8c", colour.Pink}, {"#f2a7c3", colour.Pink}, {"#c2306b", colour.Pink},
	{"#6b4428", colour.Brown}, {"#8b5a3c", colour.Brown}, {"#4a2f1d", colour.Brown},
	{"#d8c6a4", colour.Beige}, {"#e6d8bd", colour.Beige}, {"#c9b38c", colour.Beige},
	{"#151515", colour.Black}, {"#262626", colour.Black},
	{"#f7f7f4", colour.White}, {"#fbfbfb", colour.White},
	{"#7f7f7f", colour.Gray}, {"#a5a5a5", colour.Gray}, {"#4d4d4d", colour.Gray},
}

// trueColour is one colour of a generated product.
type trueColour struct {
	lab    colour.Lab
	family colour.Family
	share  float64
}

type generated struct {
	id       int64
	colours  []trueColour
	backdrop string
}

func (g generated) familyShare(f colour.Family) float64 {
	var s float64
	for _, c := range g.colours {
		if c.family == f {
			s += c.share
		}
	}
	return s
}

var backdrops = []string{"white", "grey", "warm", "cool", "gradient", "vignette", "shadow", "mid grey", "stone"}

// generateCatalogue picks each product's colours, shares and backdrop: 60 %
// one colour, 40 % two of different families in 50/50, 60/40 or 70/30.
// Every colour of the product stands out from its backdrop by at least
// minContrast (ΔE00) wherever the backdrop is: a white shirt on a white or
// near-white sweep is a photo a person cannot read either.
func generateCatalogue(seed uint64, n int) []generated {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func() (colour.Lab, colour.Family) {
		b := relevanceBases[rng.IntN(len(relevanceBases))]
		lab, err := colour.LabFromHex(b.hex)
		if err != nil {
			panic(err)
		}
		lab = colour.Lab{L: lab.L + (rng.Float64()*2-1)*3, A: lab.A + (rng.Float64()*2-1)*3, B: lab.B + (rng.Float64()*2-1)*3}
		lab, _ = colour.LabFromHex(lab.Hex()) // an sRGB colour
		return lab, b.family
	}
	out := make([]generated, 0, n)
	for len(out) < n {
		g := generated{id: int64(len(out) + 1)}
		a, fa := pick()
		if rng.IntN(10) < 6 {
			g.colours = []trueColour{{a, fa, 1}}
		} else {
			b, fb := pick()
			for fb == fa {
				b, fb = pick()
			}
			share := []float64{0.5, 0.6, 0.7}[rng.IntN(3)]
			g.colours = []trueColour{{a, fa, share}, {b, fb, 1 - share}}
		}
		var fit []string
		for _, bd := range backdrops {
			if g.backdrop = bd; contrast(g) >= minContrast {
				fit = append(fit, bd)
			}
		}
		if len(fit) == 0 {
			continue // no backdrop sets these colours off: draw others
		}
		g.backdrop = fit[rng.IntN(len(fit))]
		out = append(out, g)
	}
	return out
}

// photo draws the product: a shirt-like shape (body and sleeves) with a
// little shading, the first colour above the second in the proportions of
// the product's area, on its backdrop; JPEG for half of them.
const photoSize = 240

func photo(g generated, rng *rand.Rand) ([]byte, error) {
	const size = photoSize
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	inside := func(x, y float64) bool {
		body := x >= 72 && x <= 168 && y >= 50 && y <= 205
		sleeve := y >= 50 && y <= 110 && ((x >= 35 && x < 72 && y-50 >= (72-x)*0.8) || (x > 168 && x <= 205 && y-50 >= (x-168)*0.8))
		return body || sleeve
	}
	// the row where the first colour gives way to the second
	var area []float64
	total := 0.0
	for y := range size {
		row := 0.0
		for x := range size {
			if inside(float64(x), float64(y)) {
				row++
			}
		}
		total += row
		area = append(area, total)
	}
	split := size
	if len(g.colours) == 2 {
		for y, a := range area {
			if a >= g.colours[0].share*total {
				split = y
				break
			}
		}
	}
	for y := range size {
		for x := range size {
			var c color.NRGBA
			if inside(float64(x), float64(y)) {
				lab := g.colours[0].lab
				if y >= split {
					lab = g.colours[1].lab
				}
				shade := 1 + 0.04*(float64(x)-120)/120 // light from one side
				c = nrgba(colour.Lab{L: lab.L * shade, A: lab.A, B: lab.B})
			} else {
				c = backdropAt(g.backdrop, x, y, size)
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	var err error
	if rng.IntN(2) == 0 {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&buf, img)
	}
	return buf.Bytes(), err
}

// minContrast is the least ΔE00 between a product colour and its backdrop.
const minContrast = 8

// contrast is the least ΔE00 between the product's colours and its
// backdrop, sampled on a grid.
func contrast(g generated) float64 {
	least := math.Inf(1)
	for y := 0; y < photoSize; y += 12 {
		for x := 0; x < photoSize; x += 12 {
			c := backdropAt(g.backdrop, x, y, photoSize)
			bg := colour.LabFromRGB(c.R, c.G, c.B)
			for _, pc := range g.colours {
				least = math.Min(least, colour.DeltaE00(bg, pc.lab))
			}
		}
	}
	return least
}

func nrgba(lab colour.Lab) color.NRGBA {
	r, g, b := lab.RGB()
	return color.NRGBA{r, g, b, 255}
}

func backdropAt(kind string, x, y, size int) color.NRGBA {
	grey := func(v float64) color.NRGBA { u := uint8(math.Round(v)); return color.NRGBA{u, u, u, 255} }
	fx, fy := float64(x)/float64(size), float64(y)/float64(size)
	switch kind {
	case "grey":
		return grey(232)
	case "mid grey":
		return grey(196)
	case "stone":
		return color.NRGBA{206, 198, 186, 255}
	case "warm":
		return color.NRGBA{245, 238, 226, 255}
	case "cool":
		return color.NRGBA{228, 236, 243, 255}
	case "gradient":
		return grey(248 - 36*fy)
	case "vignette":
		d := math.Hypot(fx-0.5, fy-0.5) / math.Sqrt2 * 2
		return grey(246 - 40*d*d)
	case "shadow":
		d := math.Hypot((fx-0.52)/0.38, (fy-0.9)/0.06)
		if d < 1 {
			return grey(255 - 45*(1-d))
		}
	}
	return grey(255)
}

// relevanceSite is the generated catalogue in a real catalogue and index.
type relevanceSite struct {
	svc      *search.Service
	index    *embedded.Index
	ids      map[int64]int64 // catalogue product id by generated id
	products []generated
	byID     map[int64]generated // by catalogue product id
}

func buildRelevanceSite(t *testing.T, seed uint64) *relevanceSite {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, append(jobs.Migrations(), catalog.Migrations()...)...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, store, queue, catalog.Options{})
	catalog.AddWorkers(workers, cat) // the queue is not started: the test runs the processing itself
	if _, err := cat.Shops.CreateShop(ctx, owner, catalog.ShopInput{Name: "Toko Warna", Slug: "toko-warna", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7}); err != nil {
		t.Fatal(err)
	}
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	site := &relevanceSite{products: generateCatalogue(seed, relevanceProducts), byID: map[int64]generated{}, ids: map[int64]int64{}, index: idx}
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, g := range site.products {
		p, err := cat.Products.CreateProduct(ctx, owner, catalog.ProductInput{Title: fmt.Sprintf("Product %d", g.id),
			SKU: "G-" + strconv.FormatInt(g.id, 10), Category: "top", Price: "100000", Stock: 5, Status: catalog.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		data, err := photo(g, rng)
		if err != nil {
			t.Fatal(err)
		}
		im, err := cat.Images.AddImage(ctx, owner, p.ID, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.Pipeline.ProcessImage(ctx, im.ID); err != nil {
			t.Fatalf("process product %d: %v", g.id, err)
		}
		site.byID[p.ID] = g
		site.ids[g.id] = p.ID
	}
	// A new follower's first step builds the index from the database.
	follower := indexing.NewFollower(db, idx, indexing.FollowerOptions{Batch: 500})
	for {
		n, err := follower.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if idx.Len() != len(site.products) {
		t.Fatalf("indexed %d of %d products", idx.Len(), len(site.products))
	}
	site.svc = search.NewService(idx, search.Options{Currency: "IDR"})
	return site
}

func (s *relevanceSite) top(t *testing.T, raw string, n int) []generated {
	t.Helper()
	v, err := url.ParseQuery(raw + "&per_page=" + strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	q, err := search.ParseQuery(v, "IDR")
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	res, err := s.svc.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]generated, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = s.byID[h.Doc.ID]
	}
	return out
}

// hexGrade is the graded judgment of a product for a hex query.
func hexGrade(g generated, h colour.Lab) int {
	var gain float64
	for _, c := range g.colours {
		switch d := colour.DeltaE00(h, c.lab); {
		case d <= 4:
			gain += c.share
		case d <= 8:
			gain += 0.6 * c.share
		case d <= 12:
			gain += 0.3 * c.share
		}
	}
	switch {
	case gain >= 0.6:
		return 3
	case gain >= 0.35:
		return 2
	case gain >= 0.15:
		return 1
	}
	return 0
}

func dcg(grades []int) float64 {
	var sum float64
	for i, g := range grades {
		sum += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
	}
	return sum
}

// relevanceFigures are what the evaluation measures.
type relevanceFigures struct {
	hexNDCG, familyP10, twoColourTop3 float64
	violations, exclusionSlots        int
	hexQueries, familyQueries         int
	twoColour                         int
}

func evaluate(t *testing.T, s *relevanceSite, seed uint64) relevanceFigures {
	var f relevanceFigures
	rng := rand.New(rand.NewPCG(seed, 2))

	// hex queries: a product's own colour, nudged by up to 1.5 units
	var ndcgSum float64
	for range 40 {
		g := s.products[rng.IntN(len(s.products))]
		c := g.colours[rng.IntN(len(g.colours))].lab
		h := colour.Lab{L: c.L + (rng.Float64()*2-1)*1.5, A: c.A + (rng.Float64()*2-1)*1.5, B: c.B + (rng.Float64()*2-1)*1.5}
		h, _ = colour.LabFromHex(h.Hex())
		var got, all []int
		for _, p := range s.top(t, "colors="+url.QueryEscape(h.Hex()), 10) {
			got = append(got, hexGrade(p, h))
		}
		for _, p := range s.products {
			all = append(all, hexGrade(p, h))
		}
		slices.SortFunc(all, func(a, b int) int { return b - a })
		ideal := dcg(all[:min(10, len(all))])
		if ideal == 0 {
			continue
		}
		ndcgSum += dcg(got) / ideal
		f.hexQueries++
		if os.Getenv("WARNA_RELEVANCE_DEBUG") != "" && dcg(got)/ideal < 0.9 {
			t.Logf("HEX %s nDCG %.3f got %v ideal %v", h.Hex(), dcg(got)/ideal, got, all[:10])
		}
	}
	f.hexNDCG = ndcgSum / float64(f.hexQueries)

	// family words, in English and Indonesian
	words := map[colour.Family][2]string{
		colour.Red: {"red", "merah"}, colour.Orange: {"orange", "oranye"}, colour.Yellow: {"yellow", "kuning"},
		colour.Green: {"green", "hijau"}, colour.Teal: {"teal", "teal"}, colour.Blue: {"blue", "biru"},
		colour.Purple: {"purple", "ungu"}, colour.Pink: {"pink", "merah muda"}, colour.Brown: {"brown", "coklat"},
		colour.Beige: {"beige", "krem"}, colour.Black: {"black", "hitam"}, colour.White: {"white", "putih"},
		colour.Gray: {"grey", "abu-abu"},
	}
	var precisionSum float64
	for _, family := range colour.Families {
		relevant := 0
		for _, p := range s.products {
			if p.familyShare(family) >= 0.25 {
				relevant++
			}
		}
		for _, word := range words[family] {
			hits := s.top(t, "colors="+url.QueryEscape(word), 10)
			good := 0
			for _, p := range hits {
				if p.familyShare(family) >= 0.25 {
					good++
				}
			}
			precisionSum += float64(good) / float64(min(10, relevant))
			f.familyQueries++
			if good < min(10, relevant) {
				t.Logf("colors=%s: %d of %d relevant in the top 10", word, good, min(10, relevant))
			}
		}
	}
	f.familyP10 = precisionSum / float64(f.familyQueries)

	// exclusions: a family or a product's own colour, without another family
	for range 20 {
		a := colour.Families[rng.IntN(len(colour.Families))]
		b := colour.Families[rng.IntN(len(colour.Families))]
		for b == a {
			b = colour.Families[rng.IntN(len(colour.Families))]
		}
		ask := string(a)
		if rng.IntN(2) == 0 {
			g := s.products[rng.IntN(len(s.products))]
			ask = g.colours[0].lab.Hex()
			if g.colours[0].family == b {
				continue
			}
		}
		for _, p := range s.top(t, "colors="+url.QueryEscape(ask)+"&not="+string(b), 10) {
			f.exclusionSlots++
			if p.familyShare(b) >= 0.25 {
				f.violations++
				t.Logf("colors=%s&not=%s: product %d has %.0f %% %s", ask, b, p.id, 100*p.familyShare(b), b)
			}
		}
	}

	// two-colour products in the top 3 for their own two colours
	inTop3 := 0
	for _, g := range s.products {
		if len(g.colours) != 2 {
			continue
		}
		f.twoColour++
		raw := fmt.Sprintf("match=all&colors=%s:%d,%s:%d", url.QueryEscape(g.colours[0].lab.Hex()), int(100*g.colours[0].share),
			url.QueryEscape(g.colours[1].lab.Hex()), int(100*g.colours[1].share+0.5))
		top := s.top(t, raw, 3)
		found := false
		for _, p := range top {
			if p.id == g.id {
				inTop3++
				found = true
				break
			}
		}
		if !found && os.Getenv("WARNA_RELEVANCE_DEBUG") != "" {
			d, _, _ := s.index.Get(context.Background(), s.ids[g.id])
			t.Logf("MISS %d %s %v: palette %v; top %v", g.id, g.backdrop, g.colours, d.Palette, top)
		}
	}
	f.twoColourTop3 = float64(inTop3) / float64(f.twoColour)
	return f
}

// TestRelevance runs the evaluation and holds it to issue 14's thresholds.
// Run it with -v to see the figures.
func TestRelevance(t *testing.T) {
	if testing.Short() {
		t.Skip("the relevance evaluation processes 250 photos")
	}
	seed := uint64(relevanceCheckSeed)
	if s := os.Getenv("WARNA_RELEVANCE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("WARNA_RELEVANCE_SEED=%q: want a number", s)
		}
		seed = n
	}
	site := buildRelevanceSite(t, seed)
	f := evaluate(t, site, seed)
	t.Logf("relevance on %d generated products (seed %d; tuned on seed %d):", len(site.products), seed, relevanceTuningSeed)
	t.Logf("  hex queries:        nDCG@10 %.3f over %d queries (want ≥ %.2f)", f.hexNDCG, f.hexQueries, minHexNDCG)
	t.Logf("  family words:       precision@10 %.3f over %d queries (want ≥ %.2f)", f.familyP10, f.familyQueries, minFamilyP10)
	t.Logf("  exclusions:         %d violations in %d top-10 slots (want %d)", f.violations, f.exclusionSlots, maxViolations)
	t.Logf("  two-colour top 3:   %.3f of %d products (want ≥ %.2f)", f.twoColourTop3, f.twoColour, minTwoColourTop3)
	if f.hexNDCG < minHexNDCG || f.familyP10 < minFamilyP10 || f.violations > maxViolations || f.twoColourTop3 < minTwoColourTop3 {
		t.Errorf("below the thresholds: nDCG@10 %.3f, P@10 %.3f, %d violations, top-3 %.3f", f.hexNDCG, f.familyP10, f.violations, f.twoColourTop3)
	}
}
