package palette

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/warna/warna/imaging/colour"
)

// Palette engines.
const (
	// EngineLabKMeans is the deterministic weighted k-means in CIELAB.
	EngineLabKMeans = "lab-kmeans"
	// EngineProminentColor wraps github.com/EdlinOrg/prominentcolor.
	EngineProminentColor = "prominentcolor"
	// DefaultEngine is the engine chosen by the evaluation in synth_test.go:
	// lab-kmeans names the family as often as prominentcolor (both share
	// the mask), lands closer to the true colours and shares, and is the
	// only one whose output is byte-identical from run to run.
	DefaultEngine = EngineLabKMeans
	// Version is the extractor version stored with every palette;
	// bump it whenever the output for the same image changes.
	Version = 3
)

// Palette limits.
const (
	// MaxColors is the most swatches a palette holds.
	MaxColors = 6
	// WorkingSide is the long side of the working image the palette is
	// computed on; smaller images are used as they are.
	WorkingSide = 256
	// maxBlockSamples caps the source pixels averaged per axis for each
	// working pixel, which bounds the cost on very large images.
	maxBlockSamples = 3
)

// ErrNoColour is returned by ExtractPalette for an image with no pixels or
// with every pixel fully transparent.
var ErrNoColour = errors.New("image has no visible pixels")

// Swatch is one colour of a palette.
type Swatch struct {
	Hex     string            `json:"hex"`
	Lab     [3]float64        `json:"lab"`      // L, a, b rounded to 2 decimals
	Share   float64           `json:"share"`    // of the product's area, 4 decimals
	Family  colour.Family     `json:"family"`   // one of Families: the one with the largest FamilyP
	FamilyP colour.Membership `json:"family_p"` // soft membership of each family, 3 decimals, sums to 1
	Name    string            `json:"name"`     // nearest XKCD survey name
}

// FamilyConfidence is the membership of the swatch's own (hard) family.
func (s Swatch) FamilyConfidence() float64 { return s.FamilyP[s.Family] }

// UnmarshalJSON reads a swatch, including those stored before version 3,
// whose family_p was a number: the confidence in the hard family, not a
// membership. Until such a palette is reprocessed, its swatch belongs wholly
// to its family, which is how everything read it then.
func (s *Swatch) UnmarshalJSON(data []byte) error {
	type plain Swatch
	var raw struct {
		plain
		FamilyP json.RawMessage `json:"family_p"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*s = Swatch(raw.plain)
	s.FamilyP = nil
	if p := bytes.TrimSpace(raw.FamilyP); len(p) > 0 && p[0] == '{' {
		if err := json.Unmarshal(p, &s.FamilyP); err != nil {
			return fmt.Errorf("swatch family_p: %w", err)
		}
	} else if len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		var old float64
		if err := json.Unmarshal(p, &old); err != nil {
			return fmt.Errorf("swatch family_p: want an object of family shares or a number: %w", err)
		}
	}
	if len(s.FamilyP) == 0 && s.Family != "" {
		s.FamilyP = colour.Membership{s.Family: 1}
	}
	return nil
}

// Palette is the colour summary of one product photo.
type Palette struct {
	Engine      string   `json:"engine"`
	Version     int      `json:"version"`
	BgUncertain bool     `json:"bg_uncertain"` // background and product could not be told apart well
	Swatches    []Swatch `json:"swatches"`     // ≤ 6, by share descending, ties by hex; shares sum to 1
}

// Options selects the engine and the number of colours. The zero
// value means DefaultEngine and MaxPaletteColors.
type Options struct {
	Engine    string
	MaxColors int
}

// Extract finds the colours of the product in img: it averages img
// down to a working image of at most 256 px, separates the product from a
// plain background (or weights the centre when the background is busy),
// clusters the product's pixels and names each colour. With the default
// engine the result depends only on the pixels, never on timing, scheduling
// or the process.
func Extract(img image.Image, opts Options) (Palette, error) {
	engine, maxColors, err := opts.resolve()
	if err != nil {
		return Palette{}, err
	}
	sample, err := newPaletteSample(img)
	if err != nil {
		return Palette{}, fmt.Errorf("extract palette: %w", err)
	}
	fg := findForeground(sample)
	var clusters []colourCluster
	switch engine {
	case EngineLabKMeans:
		clusters = labKMeans(sample, fg.weight, maxColors)
	case EngineProminentColor:
		clusters, err = prominentClusters(sample, fg.weight, maxColors)
		if err != nil {
			return Palette{}, fmt.Errorf("extract palette: %w", err)
		}
	}
	if len(clusters) == 0 {
		return Palette{}, fmt.Errorf("extract palette: %w", ErrNoColour)
	}
	return Palette{
		Engine:      engine,
		Version:     Version,
		BgUncertain: fg.bgUncertain,
		Swatches:    swatchesOf(clusters),
	}, nil
}

func (o Options) resolve() (engine string, maxColors int, err error) {
	engine, maxColors = cmp.Or(o.Engine, DefaultEngine), o.MaxColors
	if maxColors <= 0 || maxColors > MaxColors {
		maxColors = MaxColors
	}
	if engine != EngineLabKMeans && engine != EngineProminentColor {
		return "", 0, fmt.Errorf("palette engine %q: want %q or %q", o.Engine, EngineLabKMeans, EngineProminentColor)
	}
	return engine, maxColors, nil
}

// Families sums the swatch shares of each family.
func (p Palette) Families() map[colour.Family]float64 {
	shares := make(map[colour.Family]float64, len(p.Swatches))
	for _, s := range p.Swatches {
		shares[s.Family] += s.Share
	}
	return shares
}

// Categorisation thresholds. A product is multicolour when no family holds
// half of it and at least three families hold 15 % each (a striped top in
// navy, white and red; not a blue shirt with white buttons). A declared
// colour mismatches when its family holds less than 15 % of the product.
const (
	multicolourMaxDominant = 0.5
	multicolourMinFamilies = 3
	multicolourFamilyShare = 0.15
	declaredMinShare       = 0.15
)

// Category is a product's colour categorisation over all its photos.
type Category struct {
	Families    map[colour.Family]float64 // share of each family, averaged over the photos; sums to 1
	Dominant    colour.Family             // the family with the largest share, or colour.Multicolour
	Multicolour bool
	Mismatch    bool // the merchant's declared colour is not among the product's colours
}

// Categorise combines the palettes of a product's photos, each photo
// counting equally, and checks the colour the merchant declared ("navy",
// "#1e90ff", "burgundy / cream", "multicolour"; empty or unreadable
// declarations never mismatch).
func Categorise(palettes []Palette, declared string) Category {
	shares := make([]float64, len(colour.Families))
	photos := 0
	for _, p := range palettes {
		if len(p.Swatches) == 0 {
			continue
		}
		photos++
		for _, s := range p.Swatches {
			if i := colour.FamilyIndex(s.Family); i >= 0 {
				shares[i] += s.Share
			}
		}
	}
	c := Category{Families: map[colour.Family]float64{}}
	if photos == 0 {
		return c
	}
	top, strong := 0, 0
	for i, share := range shares {
		shares[i] = share / float64(photos)
		if shares[i] > 0 {
			c.Families[colour.Families[i]] = shares[i]
		}
		if shares[i] > shares[top] {
			top = i
		}
		if shares[i] >= multicolourFamilyShare {
			strong++
		}
	}
	c.Dominant = colour.Families[top]
	if shares[top] < multicolourMaxDominant && strong >= multicolourMinFamilies {
		c.Dominant, c.Multicolour = colour.Multicolour, true
	}
	c.Mismatch = declaredMismatch(declared, c)
	return c
}

// declaredMismatch reports whether a declared colour names a family the
// photos do not show.
func declaredMismatch(declared string, c Category) bool {
	if isMulticolourWord(declared) {
		return !c.Multicolour
	}
	for _, family := range declaredFamilies(declared) {
		if c.Families[family] < declaredMinShare {
			return true
		}
	}
	return false
}

// declaredFamilies reads the families of a declared colour: one colour
// (ParseColor) or several in free text (ColorWords).
func declaredFamilies(declared string) []colour.Family {
	var colours []colour.Lab
	if lab, err := colour.ParseColor(declared); err == nil {
		colours = []colour.Lab{lab}
	} else {
		colours, _, _ = colour.ColorWords(declared)
	}
	families := make([]colour.Family, 0, len(colours))
	for _, lab := range colours {
		family, _, _ := colour.Name(lab)
		families = append(families, family)
	}
	return families
}

func isMulticolourWord(s string) bool {
	switch strings.Join(colour.NameWords(s), "") {
	case "multicolour", "multicolor", "multicoloured", "multicolored", "multi", "mixed", "assorted":
		return true
	}
	return false
}

// shareUnits is the resolution shares are rounded to (4 decimals).
const shareUnits = 10000

// swatchesOf turns clusters (sorted by weight, heaviest first) into
// swatches whose shares, rounded to 4 decimals, sum to exactly 1: the
// rounding remainder goes to the largest.
func swatchesOf(clusters []colourCluster) []Swatch {
	total := 0.0
	for _, c := range clusters {
		total += c.weight
	}
	units := make([]int, len(clusters))
	sum := 0
	for i, c := range clusters {
		units[i] = int(math.Round(c.weight / total * shareUnits))
		sum += units[i]
	}
	units[0] += shareUnits - sum
	swatches := make([]Swatch, 0, len(clusters))
	for i, c := range clusters {
		if units[i] <= 0 {
			continue
		}
		// Hex, family and name come from the rounded Lab, so that anyone
		// recomputing them from the JSON gets the same answers.
		lab := colour.Lab{L: roundTo(c.lab.L, 2), A: roundTo(c.lab.A, 2), B: roundTo(c.lab.B, 2)}
		family, familyP, name := colour.Describe(lab)
		swatches = append(swatches, Swatch{
			Hex:     lab.Hex(),
			Lab:     [3]float64{lab.L, lab.A, lab.B},
			Share:   float64(units[i]) / shareUnits,
			Family:  family,
			FamilyP: familyP,
			Name:    name,
		})
	}
	slices.SortStableFunc(swatches, func(a, b Swatch) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), cmp.Compare(a.Hex, b.Hex))
	})
	return swatches
}

// roundTo rounds to the given decimals and turns -0 into 0, so JSON never
// shows "-0".
func roundTo(v float64, decimals int) float64 {
	scale := math.Pow(10, float64(decimals))
	r := math.Round(v*scale) / scale
	if r == 0 {
		return 0
	}
	return r
}

// paletteSample is the working image: at most paletteSide pixels on the long
// side, box-averaged from the original in premultiplied form and then
// un-premultiplied, with each pixel in 8-bit sRGB and in Lab. Product photos
// repeat colours a lot, so per-colour work (Lab conversion, background tests)
// is done once per distinct colour.
type paletteSample struct {
	w, h    int
	rgb     [][3]uint8
	alpha   []float64    // 0 (transparent) to 1 (opaque)
	colour  []int32      // index of each pixel's colour in colours
	colours []colour.Lab // the distinct colours, in order of first appearance
}

// labOf is the Lab colour of pixel i.
func (s *paletteSample) labOf(i int) colour.Lab { return s.colours[s.colour[i]] }

// newPaletteSample averages img down to the working image.
func newPaletteSample(img image.Image) (*paletteSample, error) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, ErrNoColour
	}
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > WorkingSide {
		w = max(1, int(math.Round(float64(w)*WorkingSide/float64(long))))
		h = max(1, int(math.Round(float64(h)*WorkingSide/float64(long))))
	}
	s := &paletteSample{
		w: w, h: h,
		rgb:   make([][3]uint8, w*h),
		alpha: make([]float64, w*h),
	}
	read := nrgbaReader(img)
	xs, ys := blockSamples(b.Min.X, b.Dx(), w), blockSamples(b.Min.Y, b.Dy(), h)
	for y := range h {
		for x := range w {
			s.setAverage(y*w+x, read, xs[x], ys[y])
		}
	}
	s.indexColours()
	return s, nil
}

// blockSamples lists, for each of n output pixels along an axis of length
// size starting at origin, the source coordinates averaged into it: the
// whole block, or maxBlockSamples evenly spread through it.
func blockSamples(origin, size, n int) [][]int {
	samples := make([][]int, n)
	for i := range n {
		lo, hi := i*size/n, (i+1)*size/n
		if hi <= lo {
			hi = lo + 1
		}
		count := min(hi-lo, maxBlockSamples)
		for j := range count {
			samples[i] = append(samples[i], origin+lo+(2*j+1)*(hi-lo)/(2*count))
		}
	}
	return samples
}

// setAverage stores the average of the source pixels xs × ys at index i.
// Colours are averaged weighted by alpha (premultiplied), so transparent
// pixels contribute nothing, whatever colour they carry.
func (s *paletteSample) setAverage(i int, read func(x, y int) color.NRGBA, xs, ys []int) {
	if len(xs) == 1 && len(ys) == 1 {
		c := read(xs[0], ys[0])
		s.alpha[i] = float64(c.A) / 255
		if c.A > 0 {
			s.rgb[i] = [3]uint8{c.R, c.G, c.B}
		}
		return
	}
	var sumR, sumG, sumB, sumA uint64
	for _, y := range ys {
		for _, x := range xs {
			c := read(x, y)
			a := uint64(c.A)
			sumR += uint64(c.R) * a
			sumG += uint64(c.G) * a
			sumB += uint64(c.B) * a
			sumA += a
		}
	}
	s.alpha[i] = float64(sumA) / float64(255*uint64(len(xs)*len(ys)))
	if sumA > 0 {
		s.rgb[i] = [3]uint8{
			uint8((sumR + sumA/2) / sumA),
			uint8((sumG + sumA/2) / sumA),
			uint8((sumB + sumA/2) / sumA),
		}
	}
}

// indexColours finds the distinct colours with an open-addressing hash
// table (linear probing) and converts each to Lab once.
func (s *paletteSample) indexColours() {
	size := 1
	for size < 2*len(s.rgb) {
		size <<= 1
	}
	table := make([]int32, size) // 1 + the index of the pixel that brought the colour; 0 = empty
	s.colour = make([]int32, len(s.rgb))
	for i, c := range s.rgb {
		key := uint64(c[0])<<16 | uint64(c[1])<<8 | uint64(c[2])
		slot := int((key * 0x9e3779b97f4a7c15) >> 40 & uint64(size-1))
		for table[slot] != 0 && s.rgb[table[slot]-1] != c {
			slot = (slot + 1) & (size - 1)
		}
		if table[slot] == 0 {
			table[slot] = int32(i + 1)
			s.colour[i] = int32(len(s.colours))
			s.colours = append(s.colours, colour.LabFromRGB(c[0], c[1], c[2]))
			continue
		}
		s.colour[i] = s.colour[table[slot]-1]
	}
}

// colourMemo evaluates a test of colours lazily, once per distinct colour.
type colourMemo struct {
	s     *paletteSample
	test  func(colour.Lab) bool
	state []int8 // per distinct colour: 0 unknown, 1 false, 2 true
}

func newColourMemo(s *paletteSample, test func(colour.Lab) bool) *colourMemo {
	return &colourMemo{s: s, test: test, state: make([]int8, len(s.colours))}
}

// pixel reports the test's result for pixel i.
func (m *colourMemo) pixel(i int) bool {
	k := m.s.colour[i]
	if m.state[k] == 0 {
		m.state[k] = 1
		if m.test(m.s.colours[k]) {
			m.state[k] = 2
		}
	}
	return m.state[k] == 2
}

// pixelsWhere evaluates pred once per distinct colour and returns its
// result for every pixel.
func (s *paletteSample) pixelsWhere(pred func(colour.Lab) bool) []bool {
	byColour := make([]bool, len(s.colours))
	for k, lab := range s.colours {
		byColour[k] = pred(lab)
	}
	out := make([]bool, len(s.colour))
	for i, k := range s.colour {
		out[i] = byColour[k]
	}
	return out
}

// nrgbaReader returns a function reading un-premultiplied 8-bit pixels of
// img, with fast paths for the types decoders produce.
func nrgbaReader(img image.Image) func(x, y int) color.NRGBA {
	switch m := img.(type) {
	case *image.NRGBA:
		return func(x, y int) color.NRGBA {
			p := m.Pix[m.PixOffset(x, y):]
			return color.NRGBA{p[0], p[1], p[2], p[3]}
		}
	case *image.RGBA:
		return func(x, y int) color.NRGBA {
			p := m.Pix[m.PixOffset(x, y):]
			return unpremultiplied8(p[0], p[1], p[2], p[3])
		}
	case *image.YCbCr:
		return func(x, y int) color.NRGBA {
			r, g, b := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)])
			return color.NRGBA{r, g, b, 0xff}
		}
	case *image.Gray:
		return func(x, y int) color.NRGBA {
			v := m.Pix[m.PixOffset(x, y)]
			return color.NRGBA{v, v, v, 0xff}
		}
	}
	return func(x, y int) color.NRGBA {
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
}

// unpremultiplied8 converts a premultiplied 8-bit pixel to straight alpha.
func unpremultiplied8(r, g, b, a uint8) color.NRGBA {
	switch a {
	case 0xff:
		return color.NRGBA{r, g, b, a}
	case 0:
		return color.NRGBA{}
	}
	div := func(v uint8) uint8 { return uint8(min(255, (uint32(v)*255+uint32(a)/2)/uint32(a))) }
	return color.NRGBA{div(r), div(g), div(b), a}
}
