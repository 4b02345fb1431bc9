package palette

import (
	"cmp"
	"fmt"
	"image"
	"math"

	"github.com/EdlinOrg/prominentcolor"

	"github.com/warna/warna/imaging/colour"
)

// The prominentcolor engine. The library (v1.0.0) has defects a wrapper has
// to keep away from users:
//
//   - It reseeds the global math/rand from the clock on every call (a no-op
//     since Go 1.24, when the global source became randomly seeded and
//     unseedable) and collects colours through a map, so its k-means++
//     seeding differs on every run. A wrapper cannot seed it; it can only
//     damp the effect, here by running it prominentRuns times and keeping
//     the run that fits the pixels best (lowest weighted squared Lab error,
//     ties by the colours themselves).
//   - It ignores partial alpha and crops and masks backgrounds with RGB
//     thresholds that eat light products. It is given our foreground
//     instead: an image of at most prominentcolor.DefaultSize pixels whose
//     pixels are opaque product colour or fully transparent (which it skips);
//     soft weights become pixel density by ordered dithering. Cropping and
//     its background masks are switched off (ArgumentNoCropping, no masks).
//   - Its k-means++ can pick fewer seeds than k, and clusters can empty,
//     which comes back as black centroids with Cnt 0; those are dropped.
const (
	prominentRuns = 3
	prominentArgs = prominentcolor.ArgumentNoCropping | prominentcolor.ArgumentAverageMean
)

// bayer4 is the 4×4 ordered-dither matrix.
var bayer4 = [4][4]float64{{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}

// prominentClusters is the prominentcolor engine.
func prominentClusters(s *paletteSample, weight []float64, maxColors int) ([]colourCluster, error) {
	return prominentClustersRuns(s, weight, maxColors, prominentRuns)
}

// prominentClustersRuns calls the library runs times and keeps the best fit.
func prominentClustersRuns(s *paletteSample, weight []float64, maxColors, runs int) ([]colourCluster, error) {
	img, labs, ok := prominentInput(s, weight)
	if !ok {
		return nil, nil
	}
	var best []colourCluster
	bestErr := math.Inf(1)
	for range runs {
		items, err := prominentcolor.KmeansWithAll(maxColors, img, prominentArgs, uint(prominentcolor.DefaultSize), []prominentcolor.ColorBackgroundMask{})
		if err != nil {
			return nil, fmt.Errorf("prominentcolor: %w", err)
		}
		clusters := prominentItems(items)
		if e := fitError(labs, clusters); e < bestErr || e == bestErr && lessClusters(clusters, best) {
			best, bestErr = clusters, e
		}
	}
	return finishClusters(best, maxColors), nil
}

// prominentInput builds the image handed to prominentcolor: the working
// image reduced to at most DefaultSize pixels, each output pixel the
// weight-averaged colour of its block, opaque where the block's mean weight
// beats the dither threshold and transparent elsewhere. It also returns the
// Lab of the opaque pixels for judging runs.
func prominentInput(s *paletteSample, weight []float64) (*image.NRGBA, []colour.Lab, bool) {
	side := prominentcolor.DefaultSize
	w, h := s.w, s.h
	if long := max(w, h); long > side {
		w = max(1, int(math.Round(float64(w)*float64(side)/float64(long))))
		h = max(1, int(math.Round(float64(h)*float64(side)/float64(long))))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	var labs []colour.Lab
	for y := range h {
		for x := range w {
			r, g, b, mean, ok := blockMean(s, weight, x*s.w/w, (x+1)*s.w/w, y*s.h/h, (y+1)*s.h/h)
			if !ok || mean <= (bayer4[y%4][x%4]+0.5)/16 {
				continue
			}
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = r, g, b, 0xff
			labs = append(labs, colour.LabFromRGB(r, g, b))
		}
	}
	return img, labs, len(labs) > 0
}

// blockMean averages the working pixels [x0,x1)×[y0,y1) weighted by weight,
// in linear light, and returns their mean weight.
func blockMean(s *paletteSample, weight []float64, x0, x1, y0, y1 int) (r, g, b uint8, mean float64, ok bool) {
	var sr, sg, sb, sw float64
	n := 0
	for y := y0; y < max(y1, y0+1); y++ {
		for x := x0; x < max(x1, x0+1); x++ {
			i := y*s.w + x
			wt := weight[i]
			c := s.rgb[i]
			sr += wt * colour.LinearFromSRGB8(c[0])
			sg += wt * colour.LinearFromSRGB8(c[1])
			sb += wt * colour.LinearFromSRGB8(c[2])
			sw += wt
			n++
		}
	}
	if sw <= 0 {
		return 0, 0, 0, 0, false
	}
	return colour.SRGBByte(sr / sw), colour.SRGBByte(sg / sw), colour.SRGBByte(sb / sw), sw / float64(n), true
}

// prominentItems converts the library's centroids, dropping empty ones.
func prominentItems(items []prominentcolor.ColorItem) []colourCluster {
	var clusters []colourCluster
	for _, it := range items {
		if it.Cnt <= 0 {
			continue
		}
		lab := colour.LabFromRGB(uint8(min(255, it.Color.R)), uint8(min(255, it.Color.G)), uint8(min(255, it.Color.B)))
		clusters = append(clusters, colourCluster{lab: lab, weight: float64(it.Cnt)})
	}
	sortClusters(clusters)
	return clusters
}

// fitError is the mean squared Lab distance from each pixel to its nearest
// cluster colour.
func fitError(labs []colour.Lab, clusters []colourCluster) float64 {
	if len(clusters) == 0 {
		return math.Inf(1)
	}
	sum := 0.0
	for _, c := range labs {
		best := math.Inf(1)
		for _, k := range clusters {
			best = min(best, colour.DeltaE76Sq(c, k.lab))
		}
		sum += best
	}
	return sum / float64(len(labs))
}

// lessClusters orders two results deterministically for tie-breaking.
func lessClusters(a, b []colourCluster) bool {
	if len(b) == 0 {
		return true
	}
	for i := range min(len(a), len(b)) {
		if c := cmp.Or(
			cmp.Compare(a[i].weight, b[i].weight),
			cmp.Compare(a[i].lab.L, b[i].lab.L),
			cmp.Compare(a[i].lab.A, b[i].lab.A),
			cmp.Compare(a[i].lab.B, b[i].lab.B),
		); c != 0 {
			return c < 0
		}
	}
	return len(a) < len(b)
}
