package imaging

import (
	"image"
	"math"
	"sync"
)

// plane is a grid of 8-bit samples with channels interleaved samples per
// pixel: one for a luma, chroma or grey plane, four for RGBA.
type plane struct {
	pix      []uint8
	w, h     int
	stride   int
	channels int
}

func newPlane(w, h, channels int) plane {
	return plane{pix: make([]uint8, w*h*channels), w: w, h: h, stride: w * channels, channels: channels}
}

// planeOf views the rectangle r of an image's pixel buffer as a plane,
// without copying.
func planeOf(pix []uint8, stride int, r image.Rectangle, channels int) plane {
	if r.Empty() {
		return plane{channels: channels}
	}
	return plane{pix: pix, w: r.Dx(), h: r.Dy(), stride: stride, channels: channels}
}

// row returns the samples of row y.
func (p plane) row(y int) []uint8 { return p.pix[y*p.stride:][:p.w*p.channels] }

// resizePlanes resizes planes of one size to w × h, where one output pixel
// spans scaleX × scaleY input pixels (the caller knows the geometry: chroma
// subsampling makes it differ from the ratio of plane sizes). Like libvips it
// first averages integer f × f boxes, cheap and free of aliasing, leaving at
// least twice the output size, and finishes with a Lanczos-3 filter whose
// weights the planes share.
func resizePlanes(planes []plane, w, h int, scaleX, scaleY float64) []plane {
	f := int(min(scaleX, scaleY) / 2)
	if f > 1 {
		scaleX, scaleY = scaleX/float64(f), scaleY/float64(f)
	}
	var horizontal, vertical axisWeights
	out := make([]plane, len(planes))
	for i, p := range planes {
		if f > 1 {
			p = boxShrink(p, f)
		}
		if i == 0 {
			horizontal, vertical = lanczosWeights(p.w, w, scaleX), lanczosWeights(p.h, h, scaleY)
		}
		out[i] = resample(p, horizontal, vertical)
	}
	return out
}

// boxShrink averages each f × f block of p into one pixel, the cheap first
// step of a large reduction. Rows and columns left over at the right and
// bottom (fewer than f) are dropped: the scale passed on to resample keeps
// the geometry of the whole image.
func boxShrink(p plane, f int) plane {
	if f <= 1 {
		return p
	}
	dst := newPlane(max(p.w/f, 1), max(p.h/f, 1), p.channels)
	fx, fy := min(f, p.w), min(f, p.h)
	// Dividing by fx·fy is a multiply and a shift.
	const shift = 24
	inv := uint64((1<<shift)+fx*fy/2) / uint64(fx*fy)
	parallelRows(dst.h, dst.w*fx*fy, func(lo, hi int) {
		c := p.channels
		sums := make([]uint32, dst.w*c)
		for y := lo; y < hi; y++ {
			clear(sums)
			for dy := range fy {
				boxRow(sums, p.row(y*fy+dy), fx, c)
			}
			out := dst.row(y)
			for i, s := range sums {
				out[i] = uint8((uint64(s)*inv + 1<<(shift-1)) >> shift)
			}
		}
	})
	return dst
}

// boxRow adds the sums of each run of f pixels of src to sums.
func boxRow(sums []uint32, src []uint8, f, channels int) {
	switch {
	case channels == 1 && f == 2:
		for x := range sums {
			s := src[2*x : 2*x+2]
			sums[x] += uint32(s[0]) + uint32(s[1])
		}
	case channels == 1 && f == 3:
		for x := range sums {
			s := src[3*x : 3*x+3]
			sums[x] += uint32(s[0]) + uint32(s[1]) + uint32(s[2])
		}
	case channels == 1:
		for x := range sums {
			var s uint32
			for _, v := range src[f*x : f*x+f] {
				s += uint32(v)
			}
			sums[x] += s
		}
	default:
		for x := 0; x < len(sums); x += channels {
			block := src[f*x : f*x+f*channels]
			for k := 0; k < len(block); k += channels {
				for ch := range channels {
					sums[x+ch] += uint32(block[k+ch])
				}
			}
		}
	}
}

// lanczosLobes is the support of the Lanczos filter: Lanczos-3, as used by
// libvips and by ImageMagick's "-filter Lanczos".
const lanczosLobes = 3

// weightBits is the fixed-point precision of filter weights.
const weightBits = 14

// axisWeights holds, for each output sample along one axis, the first source
// index and taps fixed-point weights (zero-padded so every output has the same
// number of taps).
type axisWeights struct {
	start   []int
	taps    int
	weights []int16
}

// lanczosWeights computes the weights that resample srcN samples to dstN
// along one axis, where one output sample spans scale input samples and both
// grids start at the same origin (sample i is centred on (i+0.5)·scale).
// Samples past the edges repeat the edge.
func lanczosWeights(srcN, dstN int, scale float64) axisWeights {
	filterScale := max(scale, 1) // widen the kernel when shrinking: no aliasing
	support := lanczosLobes * filterScale
	// The kernel is zero at ±support, so an output reads the samples strictly
	// inside (center − support, center + support): at most ⌈2·support⌉.
	taps := min(int(math.Ceil(2*support)), srcN)
	aw := axisWeights{start: make([]int, dstN), taps: taps, weights: make([]int16, dstN*taps)}
	raw := make([]float64, taps)
	for i := range dstN {
		center := (float64(i)+0.5)*scale - 0.5
		first := int(math.Floor(center-support)) + 1
		last := int(math.Ceil(center+support)) - 1
		start := min(max(first, 0), srcN-taps)
		clear(raw)
		var total float64
		for j := first; j <= last; j++ {
			w := lanczos((float64(j) - center) / filterScale)
			k := min(max(j, 0), srcN-1) - start // fold taps past an edge onto it
			if k < 0 || k >= taps {
				continue // only when the window cannot hold every tap: tiny images
			}
			raw[k] += w
			total += w
		}
		aw.start[i] = start
		quantize(aw.weights[i*taps:][:taps], raw, total)
	}
	return aw
}

// quantize turns weights into fixed point summing exactly to 1<<weightBits.
func quantize(dst []int16, raw []float64, total float64) {
	if total == 0 {
		total = 1
	}
	sum, peak := 0, 0
	for k, w := range raw {
		q := int(math.Round(w / total * (1 << weightBits)))
		dst[k] = int16(q)
		sum += q
		if raw[k] > raw[peak] {
			peak = k
		}
	}
	dst[peak] += int16((1 << weightBits) - sum)
}

func lanczos(x float64) float64 {
	if x == 0 {
		return 1
	}
	if x <= -lanczosLobes || x >= lanczosLobes {
		return 0
	}
	px := math.Pi * x
	return lanczosLobes * math.Sin(px) * math.Sin(px/lanczosLobes) / (px * px)
}

// resample filters p with separable weights to a plane of as many columns
// and rows as they have outputs. The vertical pass runs
// first, over whole rows (its inner loop is a contiguous multiply-add, the
// fastest there is here), so the horizontal pass, which has to gather, only
// sees the h output rows.
func resample(p plane, horizontal, vertical axisWeights) plane {
	w, h := len(horizontal.start), len(vertical.start)
	tmp := newPlane(p.w, h, p.channels)
	parallelRows(h, p.w*p.channels*vertical.taps, func(lo, hi int) {
		sums := make([]int32, p.w*p.channels)
		for y := lo; y < hi; y++ {
			resampleColumns(tmp.row(y), p, vertical, y, sums)
		}
	})
	dst := newPlane(w, h, p.channels)
	parallelRows(h, w*p.channels*horizontal.taps, func(lo, hi int) {
		y := lo
		if p.channels == 1 {
			for ; y+1 < hi; y += 2 {
				resampleRowPair(dst.row(y), dst.row(y+1), tmp.row(y), tmp.row(y+1), horizontal)
			}
		}
		for ; y < hi; y++ {
			resampleRow(dst.row(y), tmp.row(y), horizontal, p.channels)
		}
	})
	return dst
}

// resampleRow filters one row horizontally.
func resampleRow(dst, src []uint8, aw axisWeights, channels int) {
	taps := aw.taps
	if channels == 1 {
		for x := range dst {
			s := src[aw.start[x]:][:taps]
			wt := aw.weights[x*taps:][:len(s)]
			var acc int32
			for k, v := range s {
				acc += int32(v) * int32(wt[k])
			}
			dst[x] = clampFixed(acc)
		}
		return
	}
	for x := range len(dst) / 4 {
		s := src[4*aw.start[x]:][:4*taps]
		wt := aw.weights[x*taps:][:taps]
		var r, g, b, a int32
		for k, w := range wt {
			px := s[4*k : 4*k+4]
			r += int32(px[0]) * int32(w)
			g += int32(px[1]) * int32(w)
			b += int32(px[2]) * int32(w)
			a += int32(px[3]) * int32(w)
		}
		out := dst[4*x : 4*x+4]
		out[0], out[1], out[2], out[3] = clampFixed(r), clampFixed(g), clampFixed(b), clampFixed(a)
	}
}

// resampleRowPair filters two rows of one-channel samples horizontally,
// sharing the loads of the weights.
func resampleRowPair(dst0, dst1, src0, src1 []uint8, aw axisWeights) {
	taps := aw.taps
	dst1 = dst1[:len(dst0)]
	for x := range dst0 {
		start := aw.start[x]
		s0 := src0[start:][:taps]
		s1 := src1[start:][:taps]
		wt := aw.weights[x*taps:][:taps]
		var acc0, acc1 int32
		for k, w := range wt {
			acc0 += int32(s0[k]) * int32(w)
			acc1 += int32(s1[k]) * int32(w)
		}
		dst0[x] = clampFixed(acc0)
		dst1[x] = clampFixed(acc1)
	}
}

// resampleColumns filters output row y vertically from the rows of src,
// accumulating whole rows so that the inner loop runs over contiguous memory.
func resampleColumns(dst []uint8, src plane, aw axisWeights, y int, sums []int32) {
	clear(sums)
	start := aw.start[y]
	weights := aw.weights[y*aw.taps:][:aw.taps]
	k := 0
	// Four rows per pass over sums: a quarter of the loads and stores of it.
	for ; k+4 <= len(weights); k += 4 {
		r0 := src.row(start + k)[:len(sums)]
		r1 := src.row(start + k + 1)[:len(sums)]
		r2 := src.row(start + k + 2)[:len(sums)]
		r3 := src.row(start + k + 3)[:len(sums)]
		w0, w1, w2, w3 := int32(weights[k]), int32(weights[k+1]), int32(weights[k+2]), int32(weights[k+3])
		for x := range sums {
			sums[x] += int32(r0[x])*w0 + int32(r1[x])*w1 + int32(r2[x])*w2 + int32(r3[x])*w3
		}
	}
	for ; k < len(weights); k++ {
		row := src.row(start + k)[:len(sums)]
		wt := int32(weights[k])
		for x, v := range row {
			sums[x] += int32(v) * wt
		}
	}
	for x, s := range sums[:len(dst)] {
		dst[x] = clampFixed(s)
	}
}

// clampFixed rounds a fixed-point sample and clamps it to 0..255 (Lanczos
// lobes overshoot at edges).
func clampFixed(acc int32) uint8 {
	v := (acc + 1<<(weightBits-1)) >> weightBits
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// parallelRows splits rows 0..n into two halves run on two goroutines when
// the work (rows × costPerRow) is worth the hand-off; the machines have two
// cores and everything else in the pipeline is sequential.
func parallelRows(n, costPerRow int, fn func(lo, hi int)) {
	const minWork = 1 << 18
	if n < 2 || n*costPerRow < minWork {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	mid := n / 2
	wg.Go(func() { fn(0, mid) })
	fn(mid, n)
	wg.Wait()
}
