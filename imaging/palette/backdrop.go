package palette

import (
	"cmp"
	"math"
	"slices"

	"github.com/warna/warna/imaging/colour"
)

// A studio backdrop is rarely one colour: sweeps fade from light to dark,
// lamps leave vignettes and hot spots. The mask models it as a smooth field
// in Lab, fitted to the border ring, and tests each pixel against the field
// where that pixel is.

// fieldTerms is the number of terms of the field: a cubic in the image
// coordinates plus u⁴ and v⁴ for the bell of a vignette along each edge.
// Such a field is determined by its values on the border ring (the only
// polynomials vanishing on all four edges are multiples of (1−u²)(1−v²),
// and none is among the terms), so the ring pins it down, while the
// interior follows the smoothest continuation.
const fieldTerms = 12

// Robust fitting. A product touching the frame covers a run of the ring,
// so the ring is cut into ringSegments along the perimeter and the field is
// fitted by least trimmed squares over segments (FAST-LTS's concentration
// steps from deterministic starts): starting from the whole ring, and from
// the ring less a quarter-perimeter run at every eighth of the perimeter (so
// any run of up to five segments is left out by one start), fit, keep the
// trimmedSegments share of segments that fit best, refit, ltsSteps times;
// the start whose kept segments fit best wins. Segments left out but within
// segmentCutoff (ΔE76 root mean square) rejoin. Tukey's biweight then trims
// single pixels (specks, a shadow's edge) with a cutoff of 4.685 robust
// standard deviations, clamped to minFieldCutoff and maxFieldCutoff.
const (
	ringSegments    = 32
	trimmedSegments = 0.6
	ltsSteps        = 4
	segmentCutoff   = 6.0
	minFieldCutoff  = 5.0
	maxFieldCutoff  = 15.0
	tukeyRounds     = 2
)

// labField is a smooth colour over the working image: L, a and b are each a
// polynomial in u, v ∈ [-1, 1] across the image.
type labField struct {
	coef   [3][fieldTerms]float64
	su, sv float64 // u = x·su − 1, v = y·sv − 1
}

func fieldBasis(u, v float64) [fieldTerms]float64 {
	u2, v2 := u*u, v*v
	return [fieldTerms]float64{1, u, v, u2, u * v, v2, u2 * u, u2 * v, u * v2, v2 * v, u2 * u2, v2 * v2}
}

func newLabField(w, h int) labField {
	return labField{su: 2 / float64(max(1, w-1)), sv: 2 / float64(max(1, h-1))}
}

func (f *labField) at(x, y int) colour.Lab {
	basis := fieldBasis(float64(x)*f.su-1, float64(y)*f.sv-1)
	var out [3]float64
	for c := range out {
		for k, b := range basis {
			out[c] += f.coef[c][k] * b
		}
	}
	return colour.Lab{L: out[0], A: out[1], B: out[2]}
}

// predictions evaluates the field at every working pixel: along a row the
// field is a quartic in u, whose coefficients follow from v once per row.
func (f *labField) predictions(w, h int) []colour.Lab {
	out := make([]colour.Lab, w*h)
	for y := range h {
		v := float64(y)*f.sv - 1
		var row [3][5]float64
		for c, k := range f.coef {
			row[c] = [5]float64{
				k[0] + v*(k[2]+v*(k[5]+v*(k[9]+v*k[11]))),
				k[1] + v*(k[4]+v*k[8]),
				k[3] + v*k[7],
				k[6],
				k[10],
			}
		}
		for x := range w {
			u := float64(x)*f.su - 1
			var lab [3]float64
			for c := range lab {
				r := &row[c]
				lab[c] = r[0] + u*(r[1]+u*(r[2]+u*(r[3]+u*r[4])))
			}
			out[y*w+x] = colour.Lab{L: lab[0], A: lab[1], B: lab[2]}
		}
	}
	return out
}

// fitField fits a field to the opaque ring pixels, robustly (see
// ringSegments). It returns false when there are too few pixels.
func fitField(s *paletteSample, ring []int) (labField, bool) {
	f := newLabField(s.w, s.h)
	var pixels []int
	for _, i := range ring {
		if s.alpha[i] >= 0.5 {
			pixels = append(pixels, i)
		}
	}
	if len(pixels) < 4*fieldTerms {
		return f, false
	}
	basis := make([][fieldTerms]float64, len(pixels))
	segment := make([]int, len(pixels))
	stats := make([]normalSums, ringSegments)
	perimeter := 2 * (s.w + s.h)
	for k, i := range pixels {
		x, y := i%s.w, i/s.w
		basis[k] = fieldBasis(float64(x)*f.su-1, float64(y)*f.sv-1)
		segment[k] = perimeterPosition(s, x, y) * ringSegments / perimeter
		stats[segment[k]].add(&basis[k], s.labOf(i), 1)
	}
	kept, ok := trimmedSegmentFit(&f, stats)
	if !ok {
		return f, false
	}
	for range tukeyRounds {
		residuals := make([]float64, 0, len(pixels))
		for k, i := range pixels {
			if kept[segment[k]] {
				residuals = append(residuals, math.Sqrt(colour.DeltaE76Sq(s.labOf(i), f.at(i%s.w, i/s.w))))
			}
		}
		cutoff := min(maxFieldCutoff, max(minFieldCutoff, 4.685*robustSigma(residuals, maxFieldCutoff)))
		var sums normalSums
		for k, i := range pixels {
			if !kept[segment[k]] {
				continue
			}
			if r := math.Sqrt(colour.DeltaE76Sq(s.labOf(i), f.at(i%s.w, i/s.w))); r < cutoff {
				sums.add(&basis[k], s.labOf(i), sqr(1-sqr(r/cutoff)))
			}
		}
		coef, ok := sums.solve()
		if !ok {
			break
		}
		f.coef = coef
	}
	return f, true
}

// normalSums are the sufficient statistics of a weighted least-squares fit
// of the three channels: Σw·bbᵀ, Σw·b·y, Σw·y² and Σw.
type normalSums struct {
	a      [fieldTerms][fieldTerms]float64
	rhs    [3][fieldTerms]float64
	yy     float64
	weight float64
}

func (n *normalSums) add(b *[fieldTerms]float64, c colour.Lab, w float64) {
	y := [3]float64{c.L, c.A, c.B}
	for r := range fieldTerms {
		wb := w * b[r]
		for k := r; k < fieldTerms; k++ {
			n.a[r][k] += wb * b[k]
		}
		for ch := range y {
			n.rhs[ch][r] += wb * y[ch]
		}
	}
	n.yy += w * (y[0]*y[0] + y[1]*y[1] + y[2]*y[2])
	n.weight += w
}

func (n *normalSums) plus(o *normalSums) {
	for r := range fieldTerms {
		for k := r; k < fieldTerms; k++ {
			n.a[r][k] += o.a[r][k]
		}
		for ch := range n.rhs {
			n.rhs[ch][r] += o.rhs[ch][r]
		}
	}
	n.yy += o.yy
	n.weight += o.weight
}

// meanSquare is the mean squared residual (ΔE76²) of these points under
// coef, computed from the sums alone.
func (n *normalSums) meanSquare(coef *[3][fieldTerms]float64) float64 {
	if n.weight == 0 {
		return 0
	}
	sum := n.yy
	for ch := range coef {
		c := &coef[ch]
		for r := range fieldTerms {
			sum -= 2 * c[r] * n.rhs[ch][r]
			quad := n.a[r][r] * c[r]
			for k := r + 1; k < fieldTerms; k++ {
				quad += 2 * n.a[r][k] * c[k]
			}
			sum += c[r] * quad
		}
	}
	return max(0, sum) / n.weight
}

// solve solves the normal equations, with a whisper of ridge so that thin
// or one-sided sets of points stay solvable.
func (n *normalSums) solve() ([3][fieldTerms]float64, bool) {
	if n.weight < 2*fieldTerms {
		return [3][fieldTerms]float64{}, false
	}
	a := n.a
	for r := range fieldTerms {
		a[r][r] += 1e-6 * n.weight
		for k := range r {
			a[r][k] = a[k][r]
		}
	}
	return solveLinear(a, n.rhs)
}

// trimmedSegmentFit is the least-trimmed-squares fit over ring segments
// (see ringSegments). It sets f and returns the segments that belong to the
// backdrop.
func trimmedSegmentFit(f *labField, stats []normalSums) ([]bool, bool) {
	var present []int
	for seg := range stats {
		if stats[seg].weight > 0 {
			present = append(present, seg)
		}
	}
	h := int(math.Ceil(trimmedSegments * float64(len(present))))
	if h == 0 {
		return nil, false
	}
	fitSet := func(set []int) ([3][fieldTerms]float64, bool) {
		var sums normalSums
		for _, seg := range set {
			sums.plus(&stats[seg])
		}
		return sums.solve()
	}
	starts := [][]int{present}
	run := ringSegments / 4
	for first := 0; first < ringSegments; first += run / 2 {
		var set []int
		for _, seg := range present {
			if (seg-first+ringSegments)%ringSegments >= run {
				set = append(set, seg)
			}
		}
		starts = append(starts, set)
	}
	var best [3][fieldTerms]float64
	bestCost, found := math.Inf(1), false
	for _, set := range starts {
		var coef [3][fieldTerms]float64
		ok := true
		for range ltsSteps {
			if coef, ok = fitSet(set); !ok {
				break
			}
			set = bestSegments(stats, present, &coef, h)
		}
		if !ok {
			continue
		}
		cost := 0.0
		for _, seg := range set {
			cost += stats[seg].meanSquare(&coef) * stats[seg].weight
		}
		if cost < bestCost {
			best, bestCost, found = coef, cost, true
		}
	}
	if !found {
		return nil, false
	}
	f.coef = best
	kept := make([]bool, ringSegments)
	for _, seg := range bestSegments(stats, present, &best, h) {
		kept[seg] = true
	}
	for _, seg := range present {
		if stats[seg].meanSquare(&best) < segmentCutoff*segmentCutoff {
			kept[seg] = true
		}
	}
	return kept, true
}

// bestSegments returns the h segments that fit coef best, in segment order.
func bestSegments(stats []normalSums, present []int, coef *[3][fieldTerms]float64, h int) []int {
	order := slices.Clone(present)
	msr := make([]float64, ringSegments)
	for _, seg := range present {
		msr[seg] = stats[seg].meanSquare(coef)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(msr[a], msr[b]) })
	order = order[:h]
	slices.Sort(order)
	return order
}

// perimeterPosition is the position of ring pixel (x, y) along the image's
// perimeter, clockwise from the top left corner, in 0..2(w+h).
func perimeterPosition(s *paletteSample, x, y int) int {
	top, right, bottom, left := y, s.w-1-x, s.h-1-y, x
	switch min(top, right, bottom, left) {
	case top:
		return x
	case right:
		return s.w + y
	case bottom:
		return s.w + s.h + (s.w - 1 - x)
	}
	return 2*s.w + s.h + (s.h - 1 - y)
}

// robustSigma is 1.4826 × the median of the residuals under limit: the
// standard deviation of the background's noise, ignoring the product.
func robustSigma(residuals []float64, limit float64) float64 {
	var inliers []float64
	for _, r := range residuals {
		if r < limit {
			inliers = append(inliers, r)
		}
	}
	if len(inliers) == 0 {
		return limit
	}
	slices.Sort(inliers)
	return 1.4826 * inliers[len(inliers)/2]
}

// solveLinear solves a·x = rhs[c] for each channel c by Gaussian elimination
// with partial pivoting.
func solveLinear(a [fieldTerms][fieldTerms]float64, rhs [3][fieldTerms]float64) ([3][fieldTerms]float64, bool) {
	const n = fieldTerms
	for col := range n {
		pivot := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(a[pivot][col]) < 1e-12 {
			return rhs, false
		}
		a[col], a[pivot] = a[pivot], a[col]
		for c := range rhs {
			rhs[c][col], rhs[c][pivot] = rhs[c][pivot], rhs[c][col]
		}
		for r := col + 1; r < n; r++ {
			k := a[r][col] / a[col][col]
			if k == 0 {
				continue
			}
			for c := col; c < n; c++ {
				a[r][c] -= k * a[col][c]
			}
			for c := range rhs {
				rhs[c][r] -= k * rhs[c][col]
			}
		}
	}
	var x [3][fieldTerms]float64
	for c := range rhs {
		for r := n - 1; r >= 0; r-- {
			sum := rhs[c][r]
			for k := r + 1; k < n; k++ {
				sum -= a[r][k] * x[c][k]
			}
			x[c][r] = sum / a[r][r]
		}
	}
	return x, true
}
