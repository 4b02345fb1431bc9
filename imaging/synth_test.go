package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The synthetic evaluation: product photos drawn at test time with known
// truth (the product's colours and their shares), covering every family,
// several silhouettes, shading, highlights, noise and JPEG re-encoding, on
// plain, shadowed, coloured, striped, busy and transparent backgrounds, off
// centre, and white on white. The generator is deterministic (fixed seeds).

const synthScenes = 520

// synthBackgrounds are the background kinds, cycled through scene by scene.
var synthBackgrounds = []string{"white", "white+shadow", "grey", "coloured", "stripes", "busy", "transparent", "white-on-white"}

// synthShapes are the product silhouettes.
var synthShapes = []string{"shirt", "mug", "shoe", "bag", "rectangle", "ellipse"}

// synthBackdropColours are the colours of coloured backgrounds and stripes.
var synthBackdropColours = []string{"#f2d7d5", "#d6eaf8", "#d5f5e3", "#fcf3cf", "#e8daef", "#2c3e50", "#7f8c8d", "#c0392b", "#16a085", "#f39c12", "#bdc3c7", "#34495e"}

// synthScene is one generated photo and its truth.
type synthScene struct {
	index      int
	background string
	shape      string
	img        image.Image
	family     Family // the main colour's family
	colours    []Lab  // main colour first, then the secondary colour if any
	shares     []float64
}

func (s synthScene) String() string {
	return fmt.Sprintf("#%d %s %s on %s (%s)", s.index, s.family, s.shape, s.background, s.colours[0].Hex())
}

// sceneRender holds the random choices for one scene.
type sceneRender struct {
	w, h           int
	cx, cy, sx, sy float64 // product centre and half-size in pixels
	shape          string
	main, second   [3]float64 // sRGB 0..255
	twoTone        bool
	lightU, lightV float64
	highlights     [][3]float64 // u, v, radius in product coordinates
	background     string
	backdrop       [2][3]float64
	stripeWidth    float64
	stripeAngle    float64
	busySeed       uint64
	shadow         bool
	rng            *rand.Rand
}

func newSynthScene(i int) synthScene {
	rng := rand.New(rand.NewPCG(0x5eed, uint64(i)))
	family := Families[i%len(Families)]
	bg := synthBackgrounds[(i/len(Families))%len(synthBackgrounds)]
	if bg == "white-on-white" {
		family = White
	}
	r := sceneRender{rng: rng, background: bg, shape: synthShapes[rng.IntN(len(synthShapes))]}
	r.w = 240 + 16*rng.IntN(6)
	r.h = r.w * []int{4, 5, 3}[rng.IntN(3)] / 4
	short := float64(min(r.w, r.h))
	r.sx = short * (0.22 + 0.14*rng.Float64())
	r.sy = r.sx * (0.9 + 0.3*rng.Float64())
	r.cx, r.cy = float64(r.w)/2, float64(r.h)/2
	if i%3 == 0 { // off centre
		r.cx += (rng.Float64()*2 - 1) * (float64(r.w)/2 - r.sx) * 0.8
		r.cy += (rng.Float64()*2 - 1) * (float64(r.h)/2 - r.sy) * 0.8
	}
	mainHex := pick(rng, exemplarColours[family])
	r.main = rgbOfHex(mainHex)
	if i%5 < 2 && bg != "white-on-white" { // two-tone product
		r.twoTone = true
		other := Families[(i%len(Families)+1+rng.IntN(len(Families)-1))%len(Families)]
		r.second = rgbOfHex(pick(rng, exemplarColours[other]))
	}
	angle := rng.Float64() * 2 * math.Pi
	r.lightU, r.lightV = math.Cos(angle), math.Sin(angle)
	for range 1 + rng.IntN(2) {
		r.highlights = append(r.highlights, [3]float64{rng.Float64()*1.0 - 0.5, rng.Float64()*1.0 - 0.5, 0.06 + 0.06*rng.Float64()})
	}
	r.chooseBackdrop(labOfRGB(r.main))
	img, areas := r.draw()
	scene := synthScene{index: i, background: bg, shape: r.shape, img: img, family: family}
	scene.colours = []Lab{labOfRGB(r.main)}
	if r.twoTone && areas[1] > 0 {
		scene.colours = append(scene.colours, labOfRGB(r.second))
	}
	total := areas[0] + areas[1]
	for k := range scene.colours {
		scene.shares = append(scene.shares, areas[k]/total)
	}
	return scene
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

func rgbOfHex(hex string) [3]float64 {
	r, g, b, err := parseHexRGB(hex)
	if err != nil {
		panic(err)
	}
	return [3]float64{float64(r), float64(g), float64(b)}
}

func labOfRGB(c [3]float64) Lab {
	return LabFromRGB(uint8(math.Round(c[0])), uint8(math.Round(c[1])), uint8(math.Round(c[2])))
}

// chooseBackdrop picks the background colours, far enough from the product
// for a shopper to tell them apart.
func (r *sceneRender) chooseBackdrop(product Lab) {
	switch r.background {
	case "white", "white+shadow", "white-on-white", "transparent":
		v := 250 + float64(r.rng.IntN(6))
		r.backdrop[0] = [3]float64{v, v, v}
		r.shadow = r.background == "white+shadow"
	case "grey":
		v := 150 + float64(r.rng.IntN(70))
		for DeltaE00(labOfRGB([3]float64{v, v, v}), product) < 15 {
			v = 150 + float64(r.rng.IntN(70))
		}
		r.backdrop[0] = [3]float64{v, v, v}
		r.shadow = r.rng.IntN(2) == 0
	default:
		var far []string
		for _, hex := range synthBackdropColours {
			if DeltaE00(labOfRGB(rgbOfHex(hex)), product) > 25 {
				far = append(far, hex)
			}
		}
		r.backdrop[0] = rgbOfHex(pick(r.rng, far))
		r.backdrop[1] = rgbOfHex(pick(r.rng, far))
		for r.backdrop[1] == r.backdrop[0] {
			r.backdrop[1] = rgbOfHex(pick(r.rng, far))
		}
		r.stripeWidth = 8 + float64(r.rng.IntN(20))
		r.stripeAngle = float64(r.rng.IntN(4)) * math.Pi / 4
		r.busySeed = r.rng.Uint64()
	}
}

// part says which part of the product covers product coordinates (u, v),
// both -1..1 over the product's box: 0 none, 1 main colour, 2 second colour.
func (r *sceneRender) part(u, v float64) int {
	in, band := false, false
	switch r.shape {
	case "shirt":
		body := math.Abs(u) <= 0.55 && v >= -0.75 && v <= 1
		sleeves := math.Abs(u) <= 1 && v >= -0.75 && v <= -0.25+0.25*(1-math.Abs(u))
		neck := sqr(u/0.2)+sqr((v+0.78)/0.14) <= 1
		in = (body || sleeves) && !neck
		band = v >= 0.15 && v <= 0.45
	case "mug":
		body := math.Abs(u) <= 0.62 && math.Abs(v) <= 0.85
		d := math.Sqrt(sqr((u-0.62)/0.36) + sqr(v/0.5))
		handle := u > 0.62 && d <= 1 && d >= 0.55
		in = body || handle
		band = v >= -0.25 && v <= 0.15 && !handle
	case "shoe":
		upper := sqr((u+0.05)/0.95)+sqr((v-0.45)/0.75) <= 1 && v <= 0.6
		ankle := u >= -0.95 && u <= -0.2 && v >= -0.55 && v <= 0.6
		sole := math.Abs(u) <= 1 && v > 0.6 && v <= 0.85
		in = upper || ankle || sole
		band = sole
	case "bag":
		body := v >= -0.2 && v <= 1 && math.Abs(u) <= 0.65+0.2*(v+0.2)/1.2
		d := math.Sqrt(sqr(u/0.5) + sqr((v+0.2)/0.75))
		handle := v < -0.2 && d <= 1 && d >= 0.78
		in = body || handle
		band = handle || v >= -0.2 && v <= 0.2
	case "rectangle":
		in = math.Abs(u) <= 1 && math.Abs(v) <= 1
		band = v >= 0.2 && v <= 0.55
	case "ellipse":
		in = u*u+v*v <= 1
		band = v >= 0.2 && v <= 0.55
	}
	switch {
	case !in:
		return 0
	case band && r.twoTone:
		return 2
	}
	return 1
}

// productColour is the shaded, highlighted colour of a part at (u, v).
func (r *sceneRender) productColour(part int, u, v float64) [3]float64 {
	base := r.main
	if part == 2 {
		base = r.second
	}
	shade := 1 + 0.1*(r.lightU*u+r.lightV*v)
	if r.shape == "mug" && math.Abs(u) <= 0.62 {
		shade *= 1 - 0.12*(u*u-0.13)
	}
	glint := 0.0
	for _, h := range r.highlights {
		glint = max(glint, 0.75*math.Exp(-(sqr(u-h[0])+sqr(v-h[1]))/(2*h[2]*h[2])))
	}
	var c [3]float64
	for k := range c {
		shaded := min(255, base[k]*shade)
		c[k] = shaded + (255-shaded)*glint
	}
	return c
}

// backdropColour is the background at pixel (x, y), before the product.
func (r *sceneRender) backdropColour(x, y float64) [3]float64 {
	var c [3]float64
	switch r.background {
	case "stripes":
		t := x*math.Cos(r.stripeAngle) + y*math.Sin(r.stripeAngle)
		c = r.backdrop[int(math.Floor(t/r.stripeWidth))&1]
	case "busy":
		n := valueNoise(r.busySeed, x/24, y/24)
		for k := range c {
			c[k] = r.backdrop[0][k]*(1-n) + r.backdrop[1][k]*n
		}
	default:
		c = r.backdrop[0]
		// a gentle vignette, as from studio lighting
		d := sqr((x-float64(r.w)/2)/float64(r.w)) + sqr((y-float64(r.h)/2)/float64(r.h))
		for k := range c {
			c[k] *= 1 - 0.06*d
		}
	}
	if r.shadow {
		u, v := (x-r.cx-0.15*r.sx)/(1.1*r.sx), (y-r.cy-0.25*r.sy)/(1.05*r.sy)
		s := 0.22 * math.Exp(-(u*u+v*v)/0.6)
		for k := range c {
			c[k] *= 1 - s
		}
	}
	return c
}

// valueNoise is smooth noise in 0..1: bilinear interpolation of hashed
// lattice values.
func valueNoise(seed uint64, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	at := func(i, j float64) float64 {
		h := seed ^ uint64(int64(i))*0x9e3779b97f4a7c15 ^ uint64(int64(j))*0xc2b2ae3d27d4eb4f
		h ^= h >> 31
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 29
		return float64(h>>11) / (1 << 53)
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bottom := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bottom*fy
}

// draw renders the scene, supersampling 2×2 where a pixel straddles an
// edge, and returns the image and the area (in pixels) of the main and second
// parts.
func (r *sceneRender) draw() (image.Image, [2]float64) {
	img := image.NewNRGBA(image.Rect(0, 0, r.w, r.h))
	var areas [2]float64
	for y := range r.h {
		for x := range r.w {
			var parts [4]int
			for s := range parts {
				parts[s] = r.part((subpixel(x, s&1)-r.cx)/r.sx, (subpixel(y, s>>1)-r.cy)/r.sy)
			}
			var sum [3]float64
			visible := 0.0
			if p := parts[0]; parts == [4]int{p, p, p, p} {
				c, ok := r.sample(p, float64(x)+0.5, float64(y)+0.5)
				for k := range c {
					sum[k] = 4 * c[k]
				}
				if ok {
					visible = 4
				}
			} else {
				for s, p := range parts {
					c, ok := r.sample(p, subpixel(x, s&1), subpixel(y, s>>1))
					for k := range c {
						sum[k] += c[k]
					}
					if ok {
						visible++
					}
				}
			}
			for _, p := range parts {
				if p > 0 {
					areas[p-1] += 0.25
				}
			}
			r.setPixel(img, x, y, sum, visible)
		}
	}
	if r.background == "transparent" {
		return img, areas
	}
	// Opaque: the same bytes as RGBA, which image/jpeg encodes without a
	// per-pixel interface call.
	return reencodeJPEG(&image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}), areas
}

func subpixel(v, half int) float64 { return float64(v) + 0.25 + 0.5*float64(half) }

// sample is the colour at (px, py) of part p (0 = background), and whether
// anything is visible there.
func (r *sceneRender) sample(p int, px, py float64) ([3]float64, bool) {
	switch {
	case p > 0:
		return r.productColour(p, (px-r.cx)/r.sx, (py-r.cy)/r.sy), true
	case r.background == "transparent":
		return [3]float64{}, false
	}
	return r.backdropColour(px, py), true
}

// setPixel stores the average of the visible samples with sensor noise; on
// a transparent background coverage becomes alpha, and fully transparent
// pixels get a random colour that must never count.
func (r *sceneRender) setPixel(img *image.NRGBA, x, y int, sum [3]float64, visible float64) {
	o := img.PixOffset(x, y)
	n, alpha := 4.0, 255.0
	if r.background == "transparent" {
		n, alpha = visible, 255*visible/4
	}
	if n == 0 {
		img.Pix[o], img.Pix[o+1], img.Pix[o+2] = uint8(r.rng.IntN(256)), uint8(r.rng.IntN(256)), uint8(r.rng.IntN(256))
		return
	}
	for k := range 3 {
		img.Pix[o+k] = uint8(max(0, min(255, math.Round(sum[k]/n+r.rng.NormFloat64()*2))))
	}
	img.Pix[o+3] = uint8(alpha)
}

func reencodeJPEG(img image.Image) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		panic(err)
	}
	return out
}

// generateScenes builds n scenes on all cores; each depends only on its index.
func generateScenes(n int) []synthScene {
	scenes := make([]synthScene, n)
	parallelFor(n, func(i int) { scenes[i] = newSynthScene(i) })
	return scenes
}

func parallelFor(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// sceneScore is how one palette did on one scene.
type sceneScore struct {
	familyOK   bool
	deltaE     float64 // dominant swatch vs the main colour
	shareError float64 // mean over the true colours of |found share - true share|
}

func scoreScene(scene synthScene, p Palette) sceneScore {
	if len(p.Swatches) == 0 {
		return sceneScore{deltaE: 100, shareError: 1}
	}
	top := p.Swatches[0]
	score := sceneScore{
		familyOK: top.Family == scene.family,
		deltaE:   DeltaE00(swatchLab(top), scene.colours[0]),
	}
	found := make([]float64, len(scene.colours))
	for _, s := range p.Swatches {
		best, bestDist := -1, 15.0 // further than this from every true colour counts for none
		for k, c := range scene.colours {
			if d := DeltaE00(swatchLab(s), c); d < bestDist {
				best, bestDist = k, d
			}
		}
		if best >= 0 {
			found[best] += s.Share
		}
	}
	for k := range found {
		score.shareError += math.Abs(found[k]-scene.shares[k]) / float64(len(found))
	}
	return score
}

func swatchLab(s Swatch) Lab { return Lab{s.Lab[0], s.Lab[1], s.Lab[2]} }

// engineReport aggregates scores.
type engineReport struct {
	n                      int
	accuracy               float64
	medianDE, p90DE, share float64
}

func reportOf(scores []sceneScore) engineReport {
	var r engineReport
	var deltas []float64
	for _, s := range scores {
		r.n++
		if s.familyOK {
			r.accuracy++
		}
		deltas = append(deltas, s.deltaE)
		r.share += s.shareError
	}
	if r.n == 0 {
		return r
	}
	slices.Sort(deltas)
	r.accuracy /= float64(r.n)
	r.share /= float64(r.n)
	r.medianDE = deltas[len(deltas)/2]
	r.p90DE = deltas[len(deltas)*9/10]
	return r
}

func (r engineReport) row(label string) string {
	return fmt.Sprintf("%-16s %5d  %6.3f  %7.2f  %7.2f  %7.3f", label, r.n, r.accuracy, r.medianDE, r.p90DE, r.share)
}

const reportHeader = "                     n  top-1   med ΔE   p90 ΔE  |share|"

// TestSyntheticEvaluation runs both engines over the generated scenes,
// reports a table per engine and holds the default engine to its bar.
func TestSyntheticEvaluation(t *testing.T) {
	scenes := generateScenes(synthScenes)
	reports := map[string]engineReport{}
	for _, engine := range []string{EngineLabKMeans, EngineProminentColor} {
		scores := make([]sceneScore, len(scenes))
		parallelFor(len(scenes), func(i int) {
			p, err := ExtractPalette(scenes[i].img, PaletteOptions{Engine: engine})
			if err != nil {
				t.Errorf("%s: %v: %v", engine, scenes[i], err)
				return
			}
			scores[i] = scoreScene(scenes[i], p)
		})
		var lines []string
		lines = append(lines, fmt.Sprintf("engine %s: %d scenes (top-1 = dominant swatch's family; ΔE = CIEDE2000 of the dominant swatch to the main colour)", engine, len(scenes)), reportHeader)
		all := reportOf(scores)
		reports[engine] = all
		lines = append(lines, all.row("all"))
		for _, bg := range synthBackgrounds {
			lines = append(lines, reportOf(filterScores(scenes, scores, func(s synthScene) bool { return s.background == bg })).row(bg))
		}
		for _, f := range Families {
			lines = append(lines, reportOf(filterScores(scenes, scores, func(s synthScene) bool { return s.family == f })).row(string(f)))
		}
		t.Log("\n" + strings.Join(lines, "\n"))
		if testing.Verbose() {
			logWorst(t, scenes, scores, 8)
		}
	}
	def := reports[DefaultEngine]
	if def.accuracy < 0.95 {
		t.Errorf("default engine %s: top-1 family accuracy = %.3f, want ≥ 0.95", DefaultEngine, def.accuracy)
	}
	if def.medianDE > 3 {
		t.Errorf("default engine %s: median dominant ΔE00 = %.2f, want ≤ 3", DefaultEngine, def.medianDE)
	}
	// The default must stay the better engine: a rival more accurate by a
	// clear margin (prominentcolor's own figures move from run to run) or
	// closer to the truth on the median would mean DefaultEngine is wrong.
	for engine, r := range reports {
		if engine != DefaultEngine && (r.accuracy > def.accuracy+0.01 || r.medianDE < def.medianDE) {
			t.Errorf("engine %s beats the default %s (accuracy %.3f vs %.3f, median ΔE %.2f vs %.2f): reconsider DefaultEngine",
				engine, DefaultEngine, r.accuracy, def.accuracy, r.medianDE, def.medianDE)
		}
	}
}

func filterScores(scenes []synthScene, scores []sceneScore, keep func(synthScene) bool) []sceneScore {
	var out []sceneScore
	for i, s := range scenes {
		if keep(s) {
			out = append(out, scores[i])
		}
	}
	return out
}

func logWorst(t *testing.T, scenes []synthScene, scores []sceneScore, n int) {
	t.Helper()
	order := make([]int, len(scenes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return int(math.Copysign(1, scores[b].deltaE-scores[a].deltaE))
	})
	for _, i := range order[:n] {
		t.Logf("worst: %v: ΔE %.1f family ok %v share error %.2f", scenes[i], scores[i].deltaE, scores[i].familyOK, scores[i].shareError)
	}
}

// TestSyntheticGeneratorIsDeterministic guards the evaluation itself: the
// same index must give the same pixels.
func TestSyntheticGeneratorIsDeterministic(t *testing.T) {
	for _, i := range []int{0, 7, 51, 100} {
		a, b := newSynthScene(i), newSynthScene(i)
		if !samePixels(a.img, b.img) {
			t.Errorf("scene %d differs between two generations", i)
		}
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.NRGBAModel.Convert(a.At(x, y)) != color.NRGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}
