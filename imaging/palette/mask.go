package palette

import (
	"math"
	"slices"

	"github.com/warna/warna/imaging/colour"
)

// Foreground parameters, chosen with the synthetic evaluation.
const (
	// ringWidthDiv makes the border ring 1/32 of the short side wide.
	ringWidthDiv = 32
	// maxRingSamples caps the ring pixels examined.
	maxRingSamples = 1024
	// cutoutTransparent: a ring at least this transparent means a cut-out
	// product, whose alpha is the mask.
	cutoutTransparent = 0.3
	// cutoutOpaque: in a cut-out, pixels less opaque than this are edges
	// (damped like edges) or, when dark and grey, a drop shadow (dropped).
	cutoutOpaque = 0.9
	// plainCoverage: the background is plain when this share of the ring
	// lies within the threshold of the backdrop model.
	plainCoverage = 0.6
	// minBgShare and secondBgShare: without a field that fits, a ring
	// colour must hold this share of the ring to count as background; a
	// second colour (stripes, a floor and a wall) needs secondBgShare.
	minBgShare    = 0.3
	secondBgShare = 0.2
	// fieldMedianDistance: a smooth field is the backdrop only when half
	// the ring lies this close to it (ΔE00). Studio backdrops, however lit,
	// stay under 1; the smooth blur of a lifestyle shot's background does
	// not, and goes on to the tests for one or two colours and for a busy
	// background.
	fieldMedianDistance = 1.5
	// bgThresholdMin and bgThresholdMax clamp the CIEDE2000 threshold,
	// which otherwise follows the noise of the background around the
	// model; a background too noisy for bgThresholdMax is not plain.
	bgThresholdMin = 4.0
	bgThresholdMax = 10.0
	// relitMin and relitMax bound how much darker (shadows, vignetting) or
	// lighter (hot spots) than the model the backdrop may be: the ratio of
	// L+16, which for a change of light alone is the cube root of the
	// light's ratio, and which scales a and b alike. relitChroma is the
	// extra a, b tolerance for the tint of shadows (skylight is bluish).
	relitMin    = 0.6
	relitMax    = 2.5
	relitChroma = 3.0
	// Relit pixels belong to the backdrop only when the flood reaches them
	// through steps smaller than relitStep × threshold (at least
	// minRelitStep): shadows and light fall off smoothly, product edges do
	// not.
	relitStep    = 0.5
	minRelitStep = 2.5
	// fringePasses and fringeReach: see peelFringe.
	fringePasses = 2
	fringeReach  = 2.0
	// minForeground is the share of the image (counting only pixels inside
	// a kept region) the product must keep; below it the mask is retried
	// with stricter thresholds (white on white), and failing that a smaller
	// product is kept only if it holds smallProduct.
	minForeground = 0.01
	smallProduct  = 0.002
	// edgeWeight damps product pixels next to the background, which are
	// blends of both.
	edgeWeight = 0.3
	// centreSigma is the spread of the centre weighting for busy
	// backgrounds, relative to the image size.
	centreSigma = 0.25
	// busyBgWeight damps pixels that match a frequent ring colour of a
	// busy background.
	busyBgWeight   = 0.2
	busyBgShare    = 0.1
	busySeenShare  = 0.005
	busySeenWeight = 0.05
	busyUnseenMin  = 0.15
)

// strictnessLadder scales the threshold when the product all but vanished.
var strictnessLadder = [...]float64{0.4, 0.15}

// foreground is the weight of each working pixel in the palette.
type foreground struct {
	weight      []float64
	bgUncertain bool
}

// backdrop is a plain background: a smooth field (or, when none fits, one
// or two constant colours) and the CIEDE2000 threshold within which a pixel
// belongs to it.
type backdrop struct {
	predicted []colour.Lab // the field at each pixel; nil without a field
	colours   []colour.Lab
	threshold float64
}

// findForeground weighs the working pixels. A cut-out (transparent ring)
// is weighed by its alpha. Otherwise the backdrop is modelled from the
// border ring and removed: flood-filled from the edge through pixels that
// match it or are the same backdrop in more or less light (shadows,
// vignettes, reached only through smooth steps), plus enclosed holes that
// match it. A busy backdrop instead gets a centre weighting. If the product
// all but disappears (white on white), the threshold is tightened and,
// failing that, the whole image is centre weighted; either way the palette
// is flagged bg_uncertain.
func findForeground(s *paletteSample) foreground {
	ring := borderRing(s)
	if transparentShare(s, ring) >= cutoutTransparent {
		return foreground{weight: cutoutWeights(s)}
	}
	bg, ringColours, plain := plainBackdrop(s, ring)
	if !plain {
		return foreground{weight: centreWeights(s, ring, ringColours, max(bgThresholdMin, bg.threshold))}
	}
	weight := withoutBackdrop(s, bg, bg.threshold, true)
	share := interiorShare(s, weight)
	if share >= minForeground {
		return foreground{weight: weight}
	}
	for _, scale := range strictnessLadder {
		strict := withoutBackdrop(s, bg, max(1, bg.threshold*scale), false)
		if interiorShare(s, strict) >= minForeground {
			return foreground{weight: strict, bgUncertain: true}
		}
	}
	if share >= smallProduct {
		return foreground{weight: weight}
	}
	return foreground{weight: centreWeights(s, nil, nil, 0), bgUncertain: true}
}

// borderRing lists up to maxRingSamples pixels, evenly spread, of the band
// along the image edge.
func borderRing(s *paletteSample) []int {
	width := max(1, min(s.w, s.h)/ringWidthDiv)
	var ring []int
	for y := range s.h {
		for x := range s.w {
			if x < width || y < width || x >= s.w-width || y >= s.h-width {
				ring = append(ring, y*s.w+x)
			}
		}
	}
	if len(ring) <= maxRingSamples {
		return ring
	}
	sampled := make([]int, maxRingSamples)
	for i := range sampled {
		sampled[i] = ring[i*len(ring)/maxRingSamples]
	}
	return sampled
}

func transparentShare(s *paletteSample, ring []int) float64 {
	n := 0
	for _, i := range ring {
		if s.alpha[i] < 0.5 {
			n++
		}
	}
	return float64(n) / float64(max(1, len(ring)))
}

// cutoutWeights weighs a cut-out by alpha. Partly transparent pixels are
// edges, blends of product and nothing, and are damped like edges; dark
// grey ones are a drop shadow drawn into the alpha channel and count for
// nothing.
func cutoutWeights(s *paletteSample) []float64 {
	weight := slices.Clone(s.alpha)
	for i, a := range weight {
		if a >= cutoutOpaque || a == 0 {
			continue
		}
		if c := s.labOf(i); c.L < 35 && c.Chroma() < 10 {
			weight[i] = 0
		} else {
			weight[i] = a * edgeWeight
		}
	}
	return weight
}

// plainBackdrop decides whether the ring is a plain backdrop: first as a
// smooth field, then, when none explains the ring, as one or two constant
// colours (stripes, a floor and a wall). For a busy backdrop it returns the
// ring's colour clusters, and in the threshold how far around them the
// centre weighting damps.
func plainBackdrop(s *paletteSample, ring []int) (backdrop, []colourCluster, bool) {
	var opaque []int
	for _, i := range ring {
		if s.alpha[i] >= 0.5 {
			opaque = append(opaque, i)
		}
	}
	if len(opaque) == 0 {
		return backdrop{}, nil, false
	}
	dist := make([]float64, len(opaque))
	if field, ok := fitField(s, opaque); ok {
		for k, i := range opaque {
			dist[k] = colour.DeltaE00(s.labOf(i), field.at(i%s.w, i/s.w))
		}
		if t, plain := ringThreshold(dist); plain && dist[len(dist)/2] <= fieldMedianDistance {
			return backdrop{predicted: field.predictions(s.w, s.h), threshold: t}, nil, true
		}
	}
	clusters := ringClusters(s, opaque)
	total := 0.0
	for _, c := range clusters {
		total += c.weight
	}
	var bg backdrop
	for i, c := range clusters {
		if i == 0 && c.weight >= minBgShare*total || i == 1 && c.weight >= secondBgShare*total {
			bg.colours = append(bg.colours, c.lab)
		}
	}
	if len(bg.colours) == 0 {
		return backdrop{threshold: bgThresholdMin}, clusters, false
	}
	for k, i := range opaque {
		dist[k] = nearestDeltaE00(s.labOf(i), bg.colours)
	}
	t, plain := ringThreshold(dist)
	bg.threshold = t
	return bg, clusters, plain
}

// ringThreshold sorts the ring's CIEDE2000 distances from a backdrop model
// and returns the threshold they call for (following the backdrop's own
// noise) and whether the model explains enough of the ring.
func ringThreshold(dist []float64) (float64, bool) {
	slices.Sort(dist)
	spread := dist[len(dist)/4] // the backdrop's own noise, ignoring the product
	t := 3 + 3*spread
	threshold := min(bgThresholdMax, max(bgThresholdMin, t))
	covered, _ := slices.BinarySearch(dist, threshold)
	return threshold, t <= bgThresholdMax && float64(covered) >= plainCoverage*float64(len(dist))
}

// matches reports whether pixel i is within t of the backdrop model.
func (bg *backdrop) matches(s *paletteSample, i int, t float64) bool {
	if bg.predicted != nil {
		return withinDeltaE00(s.labOf(i), bg.predicted[i], t)
	}
	return withinAnyDeltaE00(s.labOf(i), bg.colours, t)
}

// relit reports whether pixel i looks like the backdrop in more or less
// light: L+16, a and b scaled by one factor within relitMin..relitMax.
func (bg *backdrop) relit(s *paletteSample, i int, t float64) bool {
	c := s.labOf(i)
	if bg.predicted != nil {
		return relitOf(c, bg.predicted[i], t)
	}
	for _, k := range bg.colours {
		if relitOf(c, k, t) {
			return true
		}
	}
	return false
}

func relitOf(c, bg colour.Lab, t float64) bool {
	k := (c.L + 16) / (bg.L + 16)
	if k < relitMin || k > relitMax {
		return false
	}
	return math.Hypot(c.A-k*bg.A, c.B-k*bg.B) < t+relitChroma
}

func nearestDeltaE00(c colour.Lab, colours []colour.Lab) float64 {
	best := math.Inf(1)
	for _, k := range colours {
		best = min(best, colour.DeltaE00(c, k))
	}
	return best
}

// ringClusters clusters the ring pixels, heaviest first.
func ringClusters(s *paletteSample, ring []int) []colourCluster {
	pixels := func(yield func(int, float64) bool) {
		for _, i := range ring {
			if !yield(i, 1) {
				return
			}
		}
	}
	clusters := mergeClose(kmeansLab(binPixels(s, pixels), 4))
	sortClusters(clusters)
	return clusters
}

// withoutBackdrop returns the alpha weights with the backdrop removed:
// flood-filled from the edge through pixels that match the model within t,
// or (with relight) that are the backdrop in other light and continue
// smoothly from a filled neighbour; plus every pixel not reached that still
// matches (holes such as the inside of a mug handle). Product pixels
// touching the backdrop are damped as blends. The stricter retries for white
// on white do without relight: a white product is the white backdrop in
// other light.
func withoutBackdrop(s *paletteSample, bg backdrop, t float64, relight bool) []float64 {
	n := len(s.colour)
	matches := make([]bool, n)
	if bg.predicted != nil {
		for i := range matches {
			matches[i] = s.alpha[i] < 0.5 || bg.matches(s, i, t)
		}
	} else {
		matches = s.pixelsWhere(func(c colour.Lab) bool { return withinAnyDeltaE00(c, bg.colours, t) })
		for i, a := range s.alpha {
			matches[i] = matches[i] || a < 0.5
		}
	}
	removed := floodBackdrop(s, bg, matches, t, relight)
	for i := range n {
		removed[i] = removed[i] || matches[i]
	}
	for range fringePasses {
		peelFringe(s, bg, removed, fringeReach*t)
	}
	weight := slices.Clone(s.alpha)
	for i, r := range removed {
		if r {
			weight[i] = 0
		}
	}
	dampEdges(s, weight)
	return weight
}

// peelFringe moves to the backdrop the kept pixels along its edge that
// look more like the backdrop next to them than like the product next to
// them, and are still within reach of the model (as it is, or relit): the
// fringe of noise and compression ringing along a product's edge, and
// specks. Next to each pixel, the backdrop is its nearest removed
// neighbour and the product its kept neighbour furthest from that. Each
// pass decides from the mask as it was, so the result does not depend on
// the scanning order.
func peelFringe(s *paletteSample, bg backdrop, removed []bool, reach float64) {
	var drop []int
	for y := range s.h {
		for x := range s.w {
			i := y*s.w + x
			if removed[i] {
				continue
			}
			c := s.labOf(i)
			toBackdrop, toProduct := math.Inf(1), -1.0
			var backdrop colour.Lab
			var kept []int
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if dx == 0 && dy == 0 || xx < 0 || yy < 0 || xx >= s.w || yy >= s.h {
						continue
					}
					j := yy*s.w + xx
					if !removed[j] {
						kept = append(kept, j)
					} else if d := colour.DeltaE00(c, s.labOf(j)); d < toBackdrop {
						toBackdrop, backdrop = d, s.labOf(j)
					}
				}
			}
			if math.IsInf(toBackdrop, 1) {
				continue
			}
			farthest := -1.0
			for _, j := range kept {
				if d := colour.DeltaE00(backdrop, s.labOf(j)); d > farthest {
					farthest, toProduct = d, colour.DeltaE00(c, s.labOf(j))
				}
			}
			if (len(kept) == 0 || toBackdrop < toProduct) && (bg.matches(s, i, reach) || bg.relit(s, i, reach)) {
				drop = append(drop, i)
			}
		}
	}
	for _, i := range drop {
		removed[i] = true
	}
}

// floodBackdrop fills from every edge pixel through 4-connected pixels that
// match the backdrop, or that are relit backdrop continuing smoothly from
// the filled neighbour. Which neighbour fills a pixel first depends on the
// visiting order, which is fixed (a stack from the edges in order), so the
// result is deterministic.
func floodBackdrop(s *paletteSample, bg backdrop, matches []bool, t float64, relight bool) []bool {
	step := max(minRelitStep, relitStep*t)
	removed := make([]bool, len(matches))
	parent := make([]int32, len(matches)) // the filled pixel each was reached from
	var stack []int32
	push := func(i, from int) {
		if !removed[i] {
			removed[i] = true
			parent[i] = int32(from)
			stack = append(stack, int32(i))
		}
	}
	edge := func(i int) {
		if matches[i] || relight && bg.relit(s, i, t) {
			push(i, i)
		}
	}
	for x := range s.w {
		edge(x)
		edge((s.h-1)*s.w + x)
	}
	for y := range s.h {
		edge(y * s.w)
		edge(y*s.w + s.w - 1)
	}
	for len(stack) > 0 {
		i := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		for _, j := range neighbours4(s, i%s.w, i/s.w) {
			if j < 0 || removed[j] {
				continue
			}
			if matches[j] || relight && bg.relit(s, j, t) && smoothFrom(s, j, i, int(parent[i]), step) {
				push(j, i)
			}
		}
	}
	return removed
}

// smoothFrom reports whether pixel j continues smoothly from its filled
// neighbour i and i's own parent p: within step of i and within 1.5 steps
// of p, so that an edge blurred over two pixels (a product's silhouette
// meeting its shadow) is still an edge.
func smoothFrom(s *paletteSample, j, i, p int, step float64) bool {
	c := s.labOf(j)
	return withinDeltaE00(c, s.labOf(i), step) && withinDeltaE00(c, s.labOf(p), 1.5*step)
}

// neighbours4 returns the indexes of the 4-neighbours of (x, y), -1 where
// the image ends.
func neighbours4(s *paletteSample, x, y int) [4]int {
	n := [4]int{-1, -1, -1, -1}
	i := y*s.w + x
	if x > 0 {
		n[0] = i - 1
	}
	if x < s.w-1 {
		n[1] = i + 1
	}
	if y > 0 {
		n[2] = i - s.w
	}
	if y < s.h-1 {
		n[3] = i + s.w
	}
	return n
}

// dampEdges multiplies by edgeWeight the weight of kept pixels with a
// removed 4-neighbour.
func dampEdges(s *paletteSample, weight []float64) {
	edge := make([]bool, len(weight))
	for i, w := range weight {
		if w == 0 {
			continue
		}
		for _, j := range neighbours4(s, i%s.w, i/s.w) {
			if j >= 0 && weight[j] == 0 {
				edge[i] = true
				break
			}
		}
	}
	for i, e := range edge {
		if e {
			weight[i] *= edgeWeight
		}
	}
}

// interiorShare is the share of the image kept with all four neighbours
// kept: a product, unlike specks of noise, has an inside.
func interiorShare(s *paletteSample, weight []float64) float64 {
	n := 0
	for i, w := range weight {
		if w == 0 {
			continue
		}
		inside := true
		for _, j := range neighbours4(s, i%s.w, i/s.w) {
			if j < 0 || weight[j] == 0 {
				inside = false
				break
			}
		}
		if inside {
			n++
		}
	}
	return float64(n) / float64(max(1, len(weight)))
}

// centreWeights weighs pixels by alpha and a Gaussian around the centre,
// for photos without a plain background; pixels matching a frequent ring
// colour are damped as probable background.
func centreWeights(s *paletteSample, ring []int, ringColours []colourCluster, t float64) []float64 {
	total := 0.0
	for _, c := range ringColours {
		total += c.weight
	}
	var bgLike []colour.Lab
	for _, c := range ringColours {
		if c.weight >= busyBgShare*total {
			bgLike = append(bgLike, c.lab)
		}
	}
	damped := dampedBins(s, bgLike, t)
	seen := ringSeenBins(s, ring)
	sx, sy := centreSigma*float64(s.w), centreSigma*float64(s.h)
	cx, cy := float64(s.w-1)/2, float64(s.h-1)/2
	gx := make([]float64, s.w)
	for x := range gx {
		gx[x] = sqr((float64(x) - cx) / sx)
	}
	weight := make([]float64, len(s.colour))
	total, unseen := 0.0, 0.0
	for y := range s.h {
		gy := sqr((float64(y) - cy) / sy)
		for x := range s.w {
			i := y*s.w + x
			weight[i] = s.alpha[i] * math.Exp(-(gx[x]+gy)/2)
			total += weight[i]
			if !seen[binKey(s.rgb[i])] {
				unseen += weight[i]
			}
		}
	}
	// When nearly everything near the centre also lies on the border, the
	// subject fills the frame (a close-up): its colours are not background.
	trustSeen := unseen >= busyUnseenMin*total
	for i, c := range s.rgb {
		switch key := binKey(c); {
		case trustSeen && seen[key]:
			weight[i] *= busySeenWeight
		case len(bgLike) > 0 && damped[key]:
			weight[i] *= busyBgWeight
		}
	}
	return weight
}

// ringSeenBins marks the colour bins (8 levels per channel) that hold at
// least busySeenShare of the ring's pixels, and the bins next to them: a
// colour that recurs on the border of a busy photo is background more often
// than product.
func ringSeenBins(s *paletteSample, ring []int) []bool {
	seen := make([]bool, 1<<15)
	counts := map[int]int{}
	for _, i := range ring {
		counts[binKey(s.rgb[i])]++
	}
	min := int(math.Ceil(busySeenShare * float64(len(ring))))
	for key, n := range counts {
		if n < min {
			continue
		}
		r, g, b := key>>10, key>>5&31, key&31
		for dr := -1; dr <= 1; dr++ {
			for dg := -1; dg <= 1; dg++ {
				for db := -1; db <= 1; db++ {
					if rr, gg, bb := r+dr, g+dg, b+db; rr >= 0 && rr < 32 && gg >= 0 && gg < 32 && bb >= 0 && bb < 32 {
						seen[rr<<10|gg<<5|bb] = true
					}
				}
			}
		}
	}
	return seen
}

func weightShare(weight []float64) float64 {
	sum := 0.0
	for _, w := range weight {
		sum += w
	}
	return sum / float64(max(1, len(weight)))
}

func withinAnyDeltaE00(c colour.Lab, colours []colour.Lab, t float64) bool {
	for _, k := range colours {
		if withinDeltaE00(c, k, t) {
			return true
		}
	}
	return false
}

// withinDeltaE00 reports DeltaE00(p, q) < t, skipping the full formula when
// cheap bounds decide: from below, the lightness term alone; from above,
// ΔE00² ≤ ΔL² + 4.2(Δa² + Δb²), since S_L, S_C, S_H ≥ 1, a' stretches a by
// at most 1.5 and the rotation term adds at most 0.866 of the chroma-hue
// part.
func withinDeltaE00(p, q colour.Lab, t float64) bool {
	if colour.DeltaE00LowerBound(p, q) >= t {
		return false
	}
	dl, da, db := p.L-q.L, p.A-q.A, p.B-q.B
	if dl*dl+4.2*(da*da+db*db) < t*t {
		return true
	}
	return colour.DeltaE00(p, q) < t
}

// dampedBins marks the colour bins (8 levels per channel) whose centre is
// within t of a background-like colour. A busy photo has tens of thousands
// of distinct colours; for a soft damping factor the bin is close enough and
// ten times cheaper.
func dampedBins(s *paletteSample, bgLike []colour.Lab, t float64) []bool {
	damped := make([]bool, 1<<15)
	if len(bgLike) == 0 {
		return damped
	}
	seen := make([]bool, 1<<15)
	for _, c := range s.rgb {
		key := binKey(c)
		if !seen[key] {
			seen[key] = true
			damped[key] = withinAnyDeltaE00(colour.LabFromRGB(c[0]|4, c[1]|4, c[2]|4), bgLike, t)
		}
	}
	return damped
}

// binKey is the 15-bit key of a colour's bin of 8 levels per channel.
func binKey(c [3]uint8) int { return int(c[0]>>3)<<10 | int(c[1]>>3)<<5 | int(c[2]>>3) }

func sqr(x float64) float64 { return x * x }
