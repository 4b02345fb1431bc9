package imaging

import (
	"math"
	"slices"
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
	// plainCoverage: the background is plain when this share of the ring
	// lies within the threshold of one or two ring colours.
	plainCoverage = 0.6
	// minBgShare and secondBgShare: the ring colour must hold this share of
	// the ring to count as background; a second colour (stripes, a floor
	// and a wall) needs secondBgShare.
	minBgShare    = 0.3
	secondBgShare = 0.2
	// bgThresholdMin and bgThresholdMax clamp the CIEDE2000 threshold,
	// which otherwise follows the noise of the background; a background too
	// noisy for bgThresholdMax is not plain.
	bgThresholdMin = 4.0
	bgThresholdMax = 10.0
	// gradientReach lets the flood fill follow smooth gradients (soft
	// shadows, vignetting) out to threshold + gradientReach from the
	// background colour, one small step (gradientStep × threshold) at a time.
	gradientReach = 12.0
	gradientStep  = 0.35
	// minForeground is the share of the image the product must keep; below
	// it the mask is retried with stricter thresholds (white on white).
	minForeground = 0.04
	// edgeWeight damps product pixels next to the background, which are
	// blends of both.
	edgeWeight = 0.3
	// centreSigma is the spread of the centre weighting for busy
	// backgrounds, relative to the image size.
	centreSigma = 0.25
	// busyBgWeight damps pixels that match a frequent ring colour of a
	// busy background.
	busyBgWeight = 0.2
	busyBgShare  = 0.1
)

// strictnessLadder scales the threshold when the product all but vanished.
var strictnessLadder = [...]float64{1, 0.4, 0.15}

// foreground is the weight of each working pixel in the palette.
type foreground struct {
	weight      []float64
	bgUncertain bool
}

// background is a plain background: its colours and the CIEDE2000
// threshold within which a pixel belongs to it.
type background struct {
	colours   []Lab
	threshold float64
}

// findForeground weighs the working pixels: alpha always; then a plain
// background found on the border ring is removed (flood fill from the edge
// plus enclosed holes of the same colour); a busy background instead gets a
// centre weighting. If the product all but disappears (white on white), the
// threshold is tightened and, failing that, the whole image is centre
// weighted; either way the palette is flagged bg_uncertain.
func findForeground(s *paletteSample) foreground {
	ring := borderRing(s)
	if transparentShare(s, ring) >= cutoutTransparent {
		return foreground{weight: slices.Clone(s.alpha)}
	}
	ringColours := ringClusters(s, ring)
	bg, plain := plainBackground(s, ring, ringColours)
	if !plain {
		return foreground{weight: centreWeights(s, ringColours, bg.threshold)}
	}
	for step, scale := range strictnessLadder {
		t := max(1, bg.threshold*scale)
		weight := withoutBackground(s, bg.colours, t)
		if weightShare(weight) >= minForeground {
			return foreground{weight: weight, bgUncertain: step > 0}
		}
	}
	return foreground{weight: centreWeights(s, nil, 0), bgUncertain: true}
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

// ringClusters clusters the opaque ring pixels, heaviest first.
func ringClusters(s *paletteSample, ring []int) []colourCluster {
	opaque := func(yield func(int, float64) bool) {
		for _, i := range ring {
			if s.alpha[i] >= 0.5 && !yield(i, 1) {
				return
			}
		}
	}
	clusters := mergeClose(kmeansLab(binPixels(s, opaque), 4))
	sortClusters(clusters)
	return clusters
}

// plainBackground decides whether the ring is a plain background of one or
// two colours, and how far from them a pixel may be and still belong: the
// threshold follows the spread of the ring around those colours.
func plainBackground(s *paletteSample, ring []int, clusters []colourCluster) (background, bool) {
	total := 0.0
	for _, c := range clusters {
		total += c.weight
	}
	var bg background
	for i, c := range clusters {
		if i == 0 && c.weight >= minBgShare*total || i == 1 && c.weight >= secondBgShare*total {
			bg.colours = append(bg.colours, c.lab)
		}
	}
	if len(bg.colours) == 0 {
		return background{threshold: bgThresholdMin}, false
	}
	var dist []float64
	for _, i := range ring {
		if s.alpha[i] >= 0.5 {
			dist = append(dist, nearestDeltaE00(s.labOf(i), bg.colours))
		}
	}
	slices.Sort(dist)
	spread := dist[len(dist)/4] // the background's own noise, ignoring the product
	t := 3 + 3*spread
	bg.threshold = min(bgThresholdMax, max(bgThresholdMin, t))
	covered, _ := slices.BinarySearch(dist, bg.threshold)
	return bg, t <= bgThresholdMax && float64(covered) >= plainCoverage*float64(len(dist))
}

func nearestDeltaE00(c Lab, colours []Lab) float64 {
	best := math.Inf(1)
	for _, k := range colours {
		best = min(best, DeltaE00(c, k))
	}
	return best
}

// withoutBackground returns the alpha weights with the background removed:
// flood-filled from the edge (following smooth gradients such as soft
// shadows) plus every pixel not reached that still matches a background
// colour (holes such as the inside of a mug handle). Product pixels touching
// the background are damped as blends.
func withoutBackground(s *paletteSample, colours []Lab, t float64) []float64 {
	n := len(s.colour)
	matches := s.pixelsWhere(func(c Lab) bool { return withinAnyDeltaE00(c, colours, t) })
	for i, a := range s.alpha {
		matches[i] = matches[i] || a < 0.5
	}
	removed := floodBackground(s, matches, colours, t)
	weight := slices.Clone(s.alpha)
	for i := range n {
		if removed[i] || matches[i] {
			weight[i] = 0
		}
	}
	dampEdges(s, weight)
	return weight
}

// floodBackground fills from every edge pixel through 4-connected pixels
// that match the background, or that continue a smooth gradient away from it
// (within t + gradientReach of a background colour and gradientStep × t of
// the filled neighbour).
func floodBackground(s *paletteSample, matches []bool, colours []Lab, t float64) []bool {
	far, step := t+gradientReach, gradientStep*t
	nearBackground := newColourMemo(s, func(c Lab) bool { return withinAnyDeltaE00(c, colours, far) })
	removed := make([]bool, len(matches))
	var stack []int32 // the filled set is a closure, so visiting order does not matter
	push := func(i int) {
		if !removed[i] {
			removed[i] = true
			stack = append(stack, int32(i))
		}
	}
	for x := range s.w {
		for _, i := range [2]int{x, (s.h-1)*s.w + x} {
			if matches[i] {
				push(i)
			}
		}
	}
	for y := range s.h {
		for _, i := range [2]int{y * s.w, y*s.w + s.w - 1} {
			if matches[i] {
				push(i)
			}
		}
	}
	for len(stack) > 0 {
		i := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		for _, j := range neighbours4(s, i%s.w, i/s.w) {
			if j < 0 || removed[j] {
				continue
			}
			if matches[j] || nearBackground.pixel(j) && withinDeltaE00(s.labOf(j), s.labOf(i), step) {
				push(j)
			}
		}
	}
	return removed
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

// centreWeights weighs pixels by alpha and a Gaussian around the centre,
// for photos without a plain background; pixels matching a frequent ring
// colour are damped as probable background.
func centreWeights(s *paletteSample, ringColours []colourCluster, t float64) []float64 {
	total := 0.0
	for _, c := range ringColours {
		total += c.weight
	}
	var bgLike []Lab
	for _, c := range ringColours {
		if c.weight >= busyBgShare*total {
			bgLike = append(bgLike, c.lab)
		}
	}
	damped := dampedBins(s, bgLike, t)
	sx, sy := centreSigma*float64(s.w), centreSigma*float64(s.h)
	cx, cy := float64(s.w-1)/2, float64(s.h-1)/2
	gx := make([]float64, s.w)
	for x := range gx {
		gx[x] = sqr((float64(x) - cx) / sx)
	}
	weight := make([]float64, len(s.colour))
	for y := range s.h {
		gy := sqr((float64(y) - cy) / sy)
		for x := range s.w {
			i := y*s.w + x
			weight[i] = s.alpha[i] * math.Exp(-(gx[x]+gy)/2)
			if c := s.rgb[i]; len(bgLike) > 0 && damped[binKey(c)] {
				weight[i] *= busyBgWeight
			}
		}
	}
	return weight
}

func weightShare(weight []float64) float64 {
	sum := 0.0
	for _, w := range weight {
		sum += w
	}
	return sum / float64(max(1, len(weight)))
}

func withinAnyDeltaE00(c Lab, colours []Lab, t float64) bool {
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
func withinDeltaE00(p, q Lab, t float64) bool {
	if labDistanceAtLeast(p, q) >= t {
		return false
	}
	dl, da, db := p.L-q.L, p.A-q.A, p.B-q.B
	if dl*dl+4.2*(da*da+db*db) < t*t {
		return true
	}
	return DeltaE00(p, q) < t
}

// dampedBins marks the colour bins (8 levels per channel) whose centre is
// within t of a background-like colour. A busy photo has tens of thousands
// of distinct colours; for a soft damping factor the bin is close enough and
// ten times cheaper.
func dampedBins(s *paletteSample, bgLike []Lab, t float64) []bool {
	damped := make([]bool, 1<<15)
	if len(bgLike) == 0 {
		return damped
	}
	seen := make([]bool, 1<<15)
	for _, c := range s.rgb {
		key := binKey(c)
		if !seen[key] {
			seen[key] = true
			damped[key] = withinAnyDeltaE00(LabFromRGB(c[0]|4, c[1]|4, c[2]|4), bgLike, t)
		}
	}
	return damped
}

// binKey is the 15-bit key of a colour's bin of 8 levels per channel.
func binKey(c [3]uint8) int { return int(c[0]>>3)<<10 | int(c[1]>>3)<<5 | int(c[2]>>3) }
