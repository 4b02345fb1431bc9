package palette

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

// drawScene paints a w×h image: bg everywhere, then fg where inside(x, y).
func drawScene(w, h int, bg, fg color.NRGBA, inside func(x, y int) bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := bg
			if inside(x, y) {
				c = fg
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func hexColour(t testing.TB, hex string) color.NRGBA {
	t.Helper()
	r, g, b, err := colour.ParseHexRGB(hex)
	if err != nil {
		t.Fatal(err)
	}
	return color.NRGBA{r, g, b, 0xff}
}

func inRect(x0, y0, x1, y1 int) func(x, y int) bool {
	return func(x, y int) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 }
}

func inDisc(cx, cy, r float64) func(x, y int) bool {
	return func(x, y int) bool { return sqr(float64(x)+0.5-cx)+sqr(float64(y)+0.5-cy) <= r*r }
}

func extract(t *testing.T, img image.Image, opts Options) Palette {
	t.Helper()
	p, err := Extract(img, opts)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	checkPaletteInvariants(t, p)
	return p
}

// checkPaletteInvariants checks what every palette must satisfy.
func checkPaletteInvariants(t *testing.T, p Palette) {
	t.Helper()
	if n := len(p.Swatches); n == 0 || n > MaxColors {
		t.Fatalf("palette has %d swatches, want 1..%d", n, MaxColors)
	}
	units := 0
	for i, s := range p.Swatches {
		units += int(math.Round(s.Share * shareUnits))
		if s.Share <= 0 || math.Abs(s.Share*shareUnits-math.Round(s.Share*shareUnits)) > 1e-6 {
			t.Errorf("swatch %d share %v is not a positive multiple of 0.0001", i, s.Share)
		}
		if i > 0 {
			prev := p.Swatches[i-1]
			if prev.Share < s.Share || prev.Share == s.Share && prev.Hex > s.Hex {
				t.Errorf("swatches %d and %d out of order: %v then %v", i-1, i, prev, s)
			}
		}
		if colour.FamilyIndex(s.Family) < 0 {
			t.Errorf("swatch %d family %q is not one of Families", i, s.Family)
		}
		sum := 0.0
		for f, share := range s.FamilyP {
			sum += share
			if colour.FamilyIndex(f) < 0 || share < colour.MinMembership || share > s.FamilyP[s.Family] {
				t.Errorf("swatch %d family_p %v: %s %v is not a family of at least %v under its family %s", i, s.FamilyP, f, share, colour.MinMembership, s.Family)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("swatch %d family_p %v sums to %v, want 1", i, s.FamilyP, sum)
		}
		lab := swatchLab(s)
		if lab.Hex() != s.Hex {
			t.Errorf("swatch %d hex %s does not match its lab %v (%s)", i, s.Hex, s.Lab, lab.Hex())
		}
	}
	if units != shareUnits {
		t.Errorf("shares sum to %d/10000, want exactly 10000", units)
	}
}

func TestExtractPaletteSingleProduct(t *testing.T) {
	tests := []struct {
		name, bg, fg string
		family       colour.Family
	}{
		{"red on white", "#ffffff", "#c8102e", colour.Red},
		{"navy on light grey", "#e6e6e6", "#1f2a44", colour.Blue},
		{"black on white", "#ffffff", "#141414", colour.Black},
		{"yellow on black", "#000000", "#ffd700", colour.Yellow},
		{"pale yellow on white", "#ffffff", "#fff176", colour.Yellow}, // a light product prominentcolor's own mask would eat
		{"beige on white", "#fdfdfd", "#d8c3a5", colour.Beige},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := drawScene(200, 160, hexColour(t, tc.bg), hexColour(t, tc.fg), inDisc(100, 80, 55))
			for _, engine := range []string{EngineLabKMeans, EngineProminentColor} {
				p := extract(t, img, Options{Engine: engine})
				want, _ := colour.LabFromHex(tc.fg)
				top := p.Swatches[0]
				if d := colour.DeltaE00(swatchLab(top), want); d > 3 || top.Family != tc.family || top.Share < 0.9 {
					t.Errorf("%s: top swatch %+v (ΔE %.1f from %s), want family %s with share ≥ 0.9", engine, top, d, tc.fg, tc.family)
				}
				if p.BgUncertain {
					t.Errorf("%s: bg_uncertain set for a clear product", engine)
				}
				if p.Engine != engine || p.Version != Version {
					t.Errorf("engine, version = %q, %d; want %q, %d", p.Engine, p.Version, engine, Version)
				}
			}
		})
	}
}

func TestExtractPaletteTwoColours(t *testing.T) {
	blue, yellow := hexColour(t, "#1f3a93"), hexColour(t, "#ffd700")
	img := drawScene(240, 240, hexColour(t, "#ffffff"), blue, inRect(40, 40, 200, 200))
	for y := 40; y < 200; y++ {
		for x := 40; x < 88; x++ { // 48 of 160 columns: 30 %
			img.SetNRGBA(x, y, yellow)
		}
	}
	p := extract(t, img, Options{})
	if len(p.Swatches) != 2 {
		t.Fatalf("got %d swatches %+v, want 2", len(p.Swatches), p.Swatches)
	}
	wantShares := []float64{0.7, 0.3}
	wantFamilies := []colour.Family{colour.Blue, colour.Yellow}
	for i, s := range p.Swatches {
		if s.Family != wantFamilies[i] || math.Abs(s.Share-wantShares[i]) > 0.03 {
			t.Errorf("swatch %d = %s %.4f, want %s %.2f±0.03", i, s.Family, s.Share, wantFamilies[i], wantShares[i])
		}
	}
}

func TestMaskRemovesEnclosedBackground(t *testing.T) {
	// A blue ring (a mug handle seen face-on) whose hole shows the white
	// background, which is not connected to the border.
	white, blue := hexColour(t, "#fafafa"), hexColour(t, "#2255cc")
	ring := func(x, y int) bool {
		d := math.Hypot(float64(x)+0.5-120, float64(y)+0.5-120)
		return d <= 90 && d >= 45
	}
	img := drawScene(240, 240, white, blue, ring)
	s, err := newPaletteSample(img)
	if err != nil {
		t.Fatal(err)
	}
	fg := findForeground(s)
	if w := fg.weight[120*s.w+120]; w != 0 {
		t.Errorf("weight in the enclosed hole = %v, want 0", w)
	}
	if w := fg.weight[120*s.w+120+70]; w != 1 {
		t.Errorf("weight on the ring = %v, want 1", w)
	}
	p := extract(t, img, Options{})
	for _, sw := range p.Swatches {
		if sw.Family == colour.White {
			t.Errorf("the hole came back as a swatch: %+v", sw)
		}
	}
}

func TestMaskFollowsSoftShadow(t *testing.T) {
	// A red box on white with a wide soft grey shadow fading into the
	// background: the shadow is background, not a gray swatch.
	img := drawScene(256, 256, hexColour(t, "#ffffff"), hexColour(t, "#c8102e"), inRect(78, 60, 178, 160))
	for y := range 256 {
		for x := range 256 {
			if inRect(78, 60, 178, 160)(x, y) {
				continue
			}
			d := math.Hypot(float64(x)-140, float64(y)-175) / 60
			v := uint8(255 * (1 - 0.2*math.Exp(-d*d)))
			img.SetNRGBA(x, y, color.NRGBA{v, v, v, 0xff})
		}
	}
	p := extract(t, img, Options{})
	for _, sw := range p.Swatches {
		if sw.Family != colour.Red {
			t.Errorf("shadow leaked into the palette: %+v", sw)
		}
	}
}

func TestWhiteOnWhiteKeepsTheProduct(t *testing.T) {
	img := drawScene(220, 220, hexColour(t, "#ffffff"), hexColour(t, "#f1f1ef"), inRect(50, 40, 170, 180))
	p := extract(t, img, Options{})
	if !p.BgUncertain {
		t.Errorf("bg_uncertain = false for white on white")
	}
	if top := p.Swatches[0]; top.Family != colour.White {
		t.Errorf("top swatch = %+v, want white", top)
	}
}

func TestBusyBackgroundIsCentreWeighted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	img := image.NewNRGBA(image.Rect(0, 0, 240, 240))
	for y := range 240 {
		for x := range 240 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff})
		}
	}
	green := hexColour(t, "#228b22")
	for y := 70; y < 170; y++ {
		for x := 70; x < 170; x++ {
			img.SetNRGBA(x, y, green)
		}
	}
	s, _ := newPaletteSample(img)
	fg := findForeground(s)
	if centre, corner := fg.weight[120*240+120], fg.weight[5*240+5]; !(centre > 10*corner) {
		t.Errorf("centre weight %v, corner weight %v: want the centre weighted far more", centre, corner)
	}
	p := extract(t, img, Options{})
	if top := p.Swatches[0]; top.Family != colour.Green {
		t.Errorf("top swatch = %+v, want green", top)
	}
}

func TestAlphaIsAWeight(t *testing.T) {
	// A cut-out product: transparent background full of random colours,
	// a red disc, and a semi-transparent halo.
	rng := rand.New(rand.NewPCG(5, 6))
	img := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	for y := range 200 {
		for x := range 200 {
			c := color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0}
			switch d := math.Hypot(float64(x)-100, float64(y)-100); {
			case d <= 60:
				c = color.NRGBA{0xc8, 0x10, 0x2e, 0xff}
			case d <= 70:
				c.A = 40
			}
			img.SetNRGBA(x, y, c)
		}
	}
	p := extract(t, img, Options{})
	want, _ := colour.LabFromHex("#c8102e")
	if len(p.Swatches) != 1 || colour.DeltaE00(swatchLab(p.Swatches[0]), want) > 2 {
		t.Errorf("palette %+v, want only #c8102e", p.Swatches)
	}
}

func TestPremultipliedInputIsUnpremultiplied(t *testing.T) {
	// image.RGBA stores premultiplied colour: (100, 0, 0, 128) is a
	// half-transparent #c70000, not a dark red.
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{100, 0, 0, 128})
	}
	p := extract(t, img, Options{})
	want := colour.LabFromRGB(199, 0, 0)
	if d := colour.DeltaE00(swatchLab(p.Swatches[0]), want); d > 1 {
		t.Errorf("top swatch %s is ΔE %.1f from #c70000", p.Swatches[0].Hex, d)
	}
}

func TestImageTypesAgree(t *testing.T) {
	base := drawScene(300, 200, hexColour(t, "#ffffff"), hexColour(t, "#1e90ff"), inRect(80, 40, 220, 160))
	want := extract(t, base, Options{})
	rgba := image.NewRGBA(base.Rect)
	paletted := image.NewPaletted(base.Rect, color.Palette{color.White, color.NRGBA{0x1e, 0x90, 0xff, 0xff}})
	n64 := image.NewNRGBA64(base.Rect)
	for y := range 200 {
		for x := range 300 {
			c := base.NRGBAAt(x, y)
			rgba.Set(x, y, c)
			paletted.Set(x, y, c)
			n64.Set(x, y, c)
		}
	}
	for name, img := range map[string]image.Image{"RGBA": rgba, "Paletted": paletted, "NRGBA64": n64, "offset SubImage": base.SubImage(image.Rect(10, 10, 290, 190))} {
		got := extract(t, img, Options{})
		if d := colour.DeltaE00(swatchLab(got.Swatches[0]), swatchLab(want.Swatches[0])); d > 0.5 {
			t.Errorf("%s: top swatch %s, want %s as for NRGBA", name, got.Swatches[0].Hex, want.Swatches[0].Hex)
		}
	}
}

func TestLargeImageIsAveragedDown(t *testing.T) {
	img := drawScene(3000, 2000, hexColour(t, "#ffffff"), hexColour(t, "#228b22"), inDisc(1500, 1000, 700))
	s, err := newPaletteSample(img)
	if err != nil {
		t.Fatal(err)
	}
	if s.w != 256 || s.h != 171 {
		t.Errorf("working image %d×%d, want 256×171", s.w, s.h)
	}
	p := extract(t, img, Options{})
	if p.Swatches[0].Family != colour.Green {
		t.Errorf("top swatch %+v, want green", p.Swatches[0])
	}
}

func TestExtractPaletteErrors(t *testing.T) {
	transparent := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	opaque := drawScene(32, 32, hexColour(t, "#ffffff"), hexColour(t, "#ff0000"), inRect(8, 8, 24, 24))
	tests := []struct {
		name    string
		img     image.Image
		opts    Options
		wantErr error // nil: any error
	}{
		{"fully transparent", transparent, Options{}, ErrNoColour},
		{"fully transparent, prominentcolor", transparent, Options{Engine: EngineProminentColor}, ErrNoColour},
		{"empty", image.NewNRGBA(image.Rect(0, 0, 0, 0)), Options{}, ErrNoColour},
		{"unknown engine", opaque, Options{Engine: "octree"}, nil},
	}
	for _, tc := range tests {
		_, err := Extract(tc.img, tc.opts)
		if err == nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.wantErr)
		}
	}
}

func TestMaxColors(t *testing.T) {
	// A product of eight stripes on white.
	colours := []string{"#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6"}
	img := drawScene(256, 256, hexColour(t, "#ffffff"), color.NRGBA{}, func(int, int) bool { return false })
	for y := 40; y < 216; y++ {
		for x := 40; x < 216; x++ {
			img.SetNRGBA(x, y, hexColour(t, colours[(x-40)/22]))
		}
	}
	tests := []struct{ maxColors, want int }{{0, 6}, {2, 2}, {6, 6}, {10, 6}}
	for _, tc := range tests {
		p := extract(t, img, Options{MaxColors: tc.maxColors})
		if len(p.Swatches) != tc.want {
			t.Errorf("MaxColors %d: %d swatches, want %d", tc.maxColors, len(p.Swatches), tc.want)
		}
	}
}

func TestSwatchesOfRounding(t *testing.T) {
	red, _ := colour.LabFromHex("#ff0000")
	green, _ := colour.LabFromHex("#00ff00")
	blue, _ := colour.LabFromHex("#0000ff")
	tests := []struct {
		name       string
		clusters   []colourCluster
		wantHex    []string
		wantShares []float64
	}{
		{"thirds: remainder to the largest", []colourCluster{{blue, 1}, {green, 1}, {red, 1}},
			[]string{"#0000ff", "#00ff00", "#ff0000"}, []float64{0.3334, 0.3333, 0.3333}},
		{"sevenths", []colourCluster{{red, 3}, {green, 2}, {blue, 2}},
			[]string{"#ff0000", "#0000ff", "#00ff00"}, []float64{0.4286, 0.2857, 0.2857}},
		{"one", []colourCluster{{green, 0.25}}, []string{"#00ff00"}, []float64{1}},
	}
	for _, tc := range tests {
		sortClusters(tc.clusters)
		got := swatchesOf(tc.clusters)
		var hexes []string
		var shares []float64
		sum := 0.0
		for _, s := range got {
			hexes, shares = append(hexes, s.Hex), append(shares, s.Share)
			sum += s.Share
		}
		if !slices.Equal(hexes, tc.wantHex) || !slices.Equal(shares, tc.wantShares) {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, hexes, shares, tc.wantHex, tc.wantShares)
		}
		if math.Abs(sum-1) > 1e-9 || fmt.Sprintf("%.4f", sum) != "1.0000" {
			t.Errorf("%s: shares sum to %v", tc.name, sum)
		}
	}
}

func TestPaletteJSON(t *testing.T) {
	img := drawScene(128, 128, hexColour(t, "#ffffff"), hexColour(t, "#8b4513"), inDisc(64, 64, 40))
	p := extract(t, img, Options{})
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^\{"engine":"lab-kmeans","version":3,"bg_uncertain":false,"swatches":\[\{"hex":"#[0-9a-f]{6}","lab":\[-?\d+(\.\d{1,2})?,-?\d+(\.\d{1,2})?,-?\d+(\.\d{1,2})?\],"share":1,"family":"brown","family_p":\{"brown":(1|0\.\d{1,3})(,"[a-z]+":0\.\d{1,3})*\},"name":"[a-z ]+"\}\]\}$`)
	if !shape.Match(data) {
		t.Errorf("JSON %s does not have the documented shape", data)
	}
	if strings.Contains(string(data), "-0,") || strings.Contains(string(data), "-0]") {
		t.Errorf("JSON %s contains -0", data)
	}
}

func TestPaletteFamilies(t *testing.T) {
	p := Palette{Swatches: []Swatch{{Family: colour.Blue, Share: 0.5}, {Family: colour.White, Share: 0.3}, {Family: colour.Blue, Share: 0.2}}}
	got := p.Families()
	want := map[colour.Family]float64{colour.Blue: 0.7, colour.White: 0.3}
	if len(got) != len(want) || math.Abs(got[colour.Blue]-0.7) > 1e-12 || math.Abs(got[colour.White]-0.3) > 1e-12 {
		t.Errorf("Families() = %v, want %v", got, want)
	}
}

func TestCategorise(t *testing.T) {
	palette := func(pairs ...any) Palette {
		var p Palette
		for i := 0; i < len(pairs); i += 2 {
			p.Swatches = append(p.Swatches, Swatch{Family: pairs[i].(colour.Family), Share: pairs[i+1].(float64)})
		}
		return p
	}
	navyShirt := palette(colour.Blue, 0.9, colour.White, 0.1)
	stripes := palette(colour.Blue, 0.35, colour.White, 0.35, colour.Red, 0.3)
	tests := []struct {
		name         string
		palettes     []Palette
		declared     string
		wantDominant colour.Family
		wantMulti    bool
		wantMismatch bool
		wantBlue     float64
	}{
		{"navy shirt declared navy", []Palette{navyShirt}, "navy", colour.Blue, false, false, 0.9},
		{"navy shirt declared hex", []Palette{navyShirt}, "#1f2a44", colour.Blue, false, false, 0.9},
		{"navy shirt declared red", []Palette{navyShirt}, "Red", colour.Blue, false, true, 0.9},
		{"two photos averaged", []Palette{navyShirt, palette(colour.Blue, 0.5, colour.Gray, 0.5)}, "", colour.Blue, false, false, 0.7},
		{"stripes are multicolour", []Palette{stripes}, "multicolour", colour.Multicolour, true, false, 0.35},
		{"declared multicolour but plain", []Palette{navyShirt}, "Multi-colour", colour.Blue, false, true, 0.9},
		{"declared two colours, both present", []Palette{stripes}, "navy / white", colour.Multicolour, true, false, 0.35},
		{"declared two colours, one absent", []Palette{navyShirt}, "navy and burgundy", colour.Blue, false, true, 0.9},
		{"unreadable declaration never mismatches", []Palette{navyShirt}, "as pictured", colour.Blue, false, false, 0.9},
		{"two strong families are not multicolour", []Palette{palette(colour.Blue, 0.46, colour.White, 0.44, colour.Red, 0.1)}, "", colour.Blue, false, false, 0.46},
		{"dominant half is not multicolour", []Palette{palette(colour.Blue, 0.5, colour.White, 0.25, colour.Red, 0.25)}, "", colour.Blue, false, false, 0.5},
		{"no photos", nil, "red", "", false, false, 0},
	}
	for _, tc := range tests {
		got := Categorise(tc.palettes, tc.declared)
		if got.Dominant != tc.wantDominant || got.Multicolour != tc.wantMulti || got.Mismatch != tc.wantMismatch || math.Abs(got.Families[colour.Blue]-tc.wantBlue) > 1e-9 {
			t.Errorf("%s: got %+v, want dominant %s multicolour %v mismatch %v blue %.2f", tc.name, got, tc.wantDominant, tc.wantMulti, tc.wantMismatch, tc.wantBlue)
		}
	}
}

func TestKMeansLab(t *testing.T) {
	red, _ := colour.LabFromHex("#cc0000")
	blue, _ := colour.LabFromHex("#0000cc")
	var points []colourCluster
	for i := range 10 {
		d := float64(i%3) - 1
		points = append(points, colourCluster{colour.Lab{L: red.L + d, A: red.A, B: red.B - d}, 3}, colourCluster{colour.Lab{L: blue.L - d, A: blue.A + d, B: blue.B}, 1})
	}
	clusters := finishClusters(kmeansLab(points, 8), 6)
	if len(clusters) != 2 {
		t.Fatalf("got %d clusters %v, want 2", len(clusters), clusters)
	}
	if colour.DeltaE00(clusters[0].lab, red) > 1 || clusters[0].weight != 30 || colour.DeltaE00(clusters[1].lab, blue) > 1 || clusters[1].weight != 10 {
		t.Errorf("clusters = %v, want red ×30 then blue ×10", clusters)
	}
	if got := kmeansLab(nil, 4); len(got) != 0 {
		t.Errorf("kmeansLab(nil) = %v, want none", got)
	}
	if got := finishClusters(kmeansLab(points[:1], 8), 6); len(got) != 1 {
		t.Errorf("one point gave %d clusters, want 1", len(got))
	}
}

func TestMergeClose(t *testing.T) {
	tests := []struct {
		name string
		a, b colour.Lab
		want int
	}{
		{"lit and shaded red fabric", colour.Lab{L: 40, A: 60, B: 40}, colour.Lab{L: 50, A: 62, B: 42}, 1},
		{"navy and royal blue", colour.Lab{L: 15, A: 10, B: -40}, colour.Lab{L: 35, A: 25, B: -70}, 2},
		{"black and charcoal", colour.Lab{L: 8, A: 0, B: 0}, colour.Lab{L: 35, A: 0, B: 0}, 2},
		{"white and cream", colour.Lab{L: 97, A: 0, B: 1}, colour.Lab{L: 94, A: 1, B: 14}, 2},
	}
	for _, tc := range tests {
		if got := mergeClose([]colourCluster{{tc.a, 1}, {tc.b, 1}}); len(got) != tc.want {
			t.Errorf("%s: %d clusters after merging, want %d", tc.name, len(got), tc.want)
		}
	}
}

func TestWithinDeltaE00MatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	randomLab := func() colour.Lab {
		r, g, b := uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
		return colour.LabFromRGB(r, g, b)
	}
	for range 20000 {
		p := randomLab()
		q := colour.Lab{L: p.L + rng.NormFloat64()*8, A: p.A + rng.NormFloat64()*8, B: p.B + rng.NormFloat64()*8}
		if rng.IntN(4) == 0 {
			q = randomLab()
		}
		for _, th := range []float64{1, 4, 10, 25} {
			if got, want := withinDeltaE00(p, q, th), colour.DeltaE00(p, q) < th; got != want {
				t.Fatalf("withinDeltaE00(%v, %v, %v) = %v, want %v (ΔE00 %.4f)", p, q, th, got, want, colour.DeltaE00(p, q))
			}
		}
	}
}

// BenchmarkExtractPalette measures the palette step on generated product
// photos (256 to 560 px) and on the committed photos (640 px), including the
// box average to the working size. It should cost a few ms per image.
func BenchmarkExtractPalette(b *testing.B) {
	var scenes []namedImage
	for i := range 18 { // two of each backdrop kind
		s := newSynthScene(i)
		scenes = append(scenes, namedImage{s.String(), s.img})
	}
	sets := []struct {
		name   string
		images []namedImage
	}{{"products", scenes}, {"photos", committedPhotos(b)}}
	for _, set := range sets {
		for _, engine := range []string{EngineLabKMeans, EngineProminentColor} {
			b.Run(set.name+"/"+engine, func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := Extract(set.images[i%len(set.images)].img, Options{Engine: engine}); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/image")
			})
		}
	}
}

// TestSwatchReadsOldFamilyP reads palettes stored before version 3, whose
// family_p was the confidence in the family, and the current shape.
func TestSwatchReadsOldFamilyP(t *testing.T) {
	tests := []struct {
		name, json string
		want       colour.Membership
		wantErr    bool
	}{
		{"version 2 number", `{"hex":"#c80f2d","lab":[42.47,65.97,36.23],"share":1,"family":"red","family_p":0.875,"name":"cherry"}`, colour.Membership{colour.Red: 1}, false},
		{"membership", `{"hex":"#f1e6d1","share":1,"family":"white","family_p":{"white":0.6,"beige":0.4},"name":"off white"}`, colour.Membership{colour.White: 0.6, colour.Beige: 0.4}, false},
		{"missing", `{"hex":"#c80f2d","share":1,"family":"red","name":"cherry"}`, colour.Membership{colour.Red: 1}, false},
		{"null", `{"hex":"#c80f2d","share":1,"family":"red","family_p":null,"name":"cherry"}`, colour.Membership{colour.Red: 1}, false},
		{"a string", `{"hex":"#c80f2d","share":1,"family":"red","family_p":"high","name":"cherry"}`, nil, true},
	}
	for _, tc := range tests {
		var s Swatch
		err := json.Unmarshal([]byte(tc.json), &s)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && (!maps.Equal(s.FamilyP, tc.want) || s.Hex == "" || s.Family == "" || s.Name == "" || s.Share != 1) {
			t.Errorf("%s: got %+v, want family_p %v and the other fields kept", tc.name, s, tc.want)
		}
	}
	var p Palette
	old := `{"engine":"lab-kmeans","version":2,"bg_uncertain":false,"swatches":[{"hex":"#c80f2d","lab":[42.47,65.97,36.23],"share":0.7927,"family":"red","family_p":1,"name":"cherry"},{"hex":"#c9cfda","lab":[83.06,0,-6.25],"share":0.2073,"family":"gray","family_p":0.575,"name":"light blue grey"}]}`
	if err := json.Unmarshal([]byte(old), &p); err != nil || len(p.Swatches) != 2 || p.Swatches[1].FamilyConfidence() != 1 || p.Swatches[1].Lab != [3]float64{83.06, 0, -6.25} {
		t.Errorf("version 2 palette: %+v, %v", p, err)
	}
	again, err := json.Marshal(p.Swatches[0])
	if err != nil || !strings.Contains(string(again), `"family_p":{"red":1}`) {
		t.Errorf("re-encoded %s (%v), want the membership form", again, err)
	}
}

func TestMembershipJSON(t *testing.T) {
	data, err := json.Marshal(colour.Membership{colour.Beige: 0.4, colour.White: 0.6, colour.Gray: 0.05})
	if err != nil || string(data) != `{"white":0.6,"beige":0.4,"gray":0.05}` {
		t.Errorf("got %s (%v), want largest first", data, err)
	}
	data, err = json.Marshal(colour.Membership{colour.Blue: 0.5, colour.Gray: 0.5})
	if err != nil || string(data) != `{"gray":0.5,"blue":0.5}` {
		t.Errorf("got %s (%v), want ties in the order of Families", data, err)
	}
}

// onlyFamilies fails unless every swatch of p is one of families.
func onlyFamilies(t *testing.T, name string, p Palette, families ...colour.Family) {
	t.Helper()
	for _, sw := range p.Swatches {
		if !slices.Contains(families, sw.Family) {
			t.Errorf("%s: swatch %s %s %.4f is not the product's (want only %v)", name, sw.Hex, sw.Family, sw.Share, families)
		}
	}
}

// paint fills img pixel by pixel.
func paint(w, h int, at func(x, y int) color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, at(x, y))
		}
	}
	return img
}

func mixSRGB(a, b color.NRGBA, t float64) color.NRGBA {
	lerp := func(p, q uint8) uint8 {
		return uint8(math.Round(255 * colour.SRGBFromLinear(colour.LinearFromSRGB8(p)*(1-t)+colour.LinearFromSRGB8(q)*t)))
	}
	return color.NRGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), 0xff}
}

// TestMaskStudioGradient is the case from issue 13: a red product on a
// light grey-blue sweep, lighter at the top, used to come out 71 % grey.
func TestMaskStudioGradient(t *testing.T) {
	top, bottom, red := hexColour(t, "#f4f6fa"), hexColour(t, "#8c9bb3"), hexColour(t, "#c8102e")
	product := inRect(100, 160, 220, 420)
	img := paint(320, 480, func(x, y int) color.NRGBA {
		if product(x, y) {
			return red
		}
		return mixSRGB(top, bottom, 1/(1+math.Exp(-(float64(y)-300)/60))) // a sweep's soft horizon
	})
	p := extract(t, img, Options{})
	onlyFamilies(t, "red on a gradient sweep", p, colour.Red)
	if p.BgUncertain {
		t.Errorf("bg_uncertain set for a clear product")
	}
}

// TestMaskVignetteAndContactShadow puts a blue box on a grey backdrop
// darkened towards the corners (cos⁴ falloff) with a soft shadow under it.
func TestMaskVignetteAndContactShadow(t *testing.T) {
	grey, blue := hexColour(t, "#d2d2d2"), hexColour(t, "#1f3a93")
	box := inRect(110, 90, 210, 230)
	img := paint(320, 320, func(x, y int) color.NRGBA {
		if box(x, y) {
			return blue
		}
		r := math.Hypot(float64(x)-160, float64(y)-150) / 200
		c := math.Cos(math.Atan(r))
		light := 1 - 0.8*(1-c*c*c*c)
		shadow := 0.4 * math.Exp(-(sqr((float64(x)-160)/70)+sqr((float64(y)-235)/10))/2)
		return mixSRGB(color.NRGBA{A: 0xff}, grey, light*(1-shadow))
	})
	p := extract(t, img, Options{})
	onlyFamilies(t, "blue on a vignetted grey", p, colour.Blue)
}

// TestMaskCroppedProduct: a product cut by the frame covers part of the
// border ring; the backdrop field must not take its colour.
func TestMaskCroppedProduct(t *testing.T) {
	img := drawScene(300, 300, hexColour(t, "#eeeeee"), hexColour(t, "#2e7d32"), inRect(90, 120, 210, 300))
	s, err := newPaletteSample(img)
	if err != nil {
		t.Fatal(err)
	}
	var opaque []int
	for _, i := range borderRing(s) {
		if s.alpha[i] >= 0.5 {
			opaque = append(opaque, i)
		}
	}
	field, ok := fitField(s, opaque)
	if !ok {
		t.Fatal("no field fitted")
	}
	want, _ := colour.LabFromHex("#eeeeee")
	for _, at := range [][2]int{{s.w / 2, s.h - 1}, {s.w / 2, s.h / 2}, {0, 0}} {
		if d := colour.DeltaE00(field.at(at[0], at[1]), want); d > 1 {
			t.Errorf("field at %v = %v, ΔE %.1f from the backdrop", at, field.at(at[0], at[1]), d)
		}
	}
	onlyFamilies(t, "green cut by the frame", extract(t, img, Options{}), colour.Green)
}

// TestCutoutDropShadow: a cut-out PNG with a semi-transparent black drop
// shadow drawn into the alpha channel; the shadow is not the product.
func TestCutoutDropShadow(t *testing.T) {
	img := paint(240, 240, func(x, y int) color.NRGBA {
		if sqr(float64(x)-120)+sqr(float64(y)-110) <= 70*70 {
			return color.NRGBA{0xff, 0x8c, 0x00, 0xff}
		}
		a := 0.45 * math.Exp(-(sqr((float64(x)-125)/60)+sqr((float64(y)-185)/15))/2)
		return color.NRGBA{0, 0, 0, uint8(math.Round(255 * a))}
	})
	onlyFamilies(t, "orange cut-out with a drop shadow", extract(t, img, Options{}), colour.Orange)
}

// TestMaskLightProductWithShadow: a light grey product standing in its own
// soft shadow on white. The shadow is the backdrop relit; the product,
// though the same colour as the shadow's darkest part, has an edge and
// stays.
func TestMaskLightProductWithShadow(t *testing.T) {
	white, grey := hexColour(t, "#fafafa"), hexColour(t, "#bdbdbd")
	shirt := inRect(100, 60, 220, 220)
	img := paint(320, 300, func(x, y int) color.NRGBA {
		if shirt(x, y) {
			return grey
		}
		shadow := 0.35 * math.Exp(-(sqr((float64(x)-160)/80)+sqr((float64(y)-225)/12))/2)
		return mixSRGB(white, color.NRGBA{A: 0xff}, shadow)
	})
	p := extract(t, img, Options{})
	want, _ := colour.LabFromHex("#bdbdbd")
	if top := p.Swatches[0]; top.Family != colour.Gray || colour.DeltaE00(swatchLab(top), want) > 3 || top.Share < 0.9 {
		t.Errorf("top swatch %+v, want the grey product with share ≥ 0.9", top)
	}
}

// TestFieldPredictionsMatchAt checks the row-wise evaluation of the field
// against the term-by-term one.
func TestFieldPredictionsMatchAt(t *testing.T) {
	f := newLabField(200, 150)
	for c := range f.coef {
		for k := range f.coef[c] {
			f.coef[c][k] = float64((c+1)*(k+3)%7) - 3
		}
	}
	p := f.predictions(200, 150)
	for y := range 150 {
		for x := range 200 {
			if d := colour.DeltaE76Sq(p[y*200+x], f.at(x, y)); d > 1e-18 {
				t.Fatalf("(%d, %d): predictions %v, at %v", x, y, p[y*200+x], f.at(x, y))
			}
		}
	}
}
