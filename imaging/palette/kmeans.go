package palette

import (
	"cmp"
	"iter"
	"slices"

	"github.com/warna/warna/imaging/colour"
)

// Clustering parameters, chosen with the synthetic evaluation.
const (
	// extraSeeds is how many more clusters than the palette size k-means
	// starts with; merging and dropping then decide how many remain.
	extraSeeds = 2
	// maxKMeansRounds bounds Lloyd's iterations (they usually settle in 10).
	maxKMeansRounds = 40
	// mergeDeltaE merges clusters closer than this in CIEDE2000 with the
	// textile lightness weight kL = 2, so the lit and shaded sides of one
	// fabric count as one colour while navy and royal blue stay apart.
	mergeDeltaE = 7.0
	// minClusterShare drops clusters holding less of the product than this
	// (specks, glints, leftover edge pixels).
	minClusterShare = 0.03
)

// colourCluster is a colour and the weight of the pixels it stands for.
type colourCluster struct {
	lab    colour.Lab
	weight float64
}

// labKMeans is the lab-kmeans engine: a deterministic weighted k-means in
// Lab over the foreground pixels.
func labKMeans(s *paletteSample, weight []float64, maxColors int) []colourCluster {
	points := binColours(s, weight)
	return finishClusters(kmeansLab(points, maxColors+extraSeeds), maxColors)
}

// binColours collapses the weighted pixels into bins of 8 levels per sRGB
// channel (16 when that leaves more than maxBins, as in noise), each
// holding the exact weighted mean Lab of its pixels, so k-means runs over a
// few thousand points instead of 65 000. Bins come out in key order and sums
// run in pixel order: the result never depends on scheduling.
func binColours(s *paletteSample, weight []float64) []colourCluster {
	return binPixels(s, func(yield func(int, float64) bool) {
		for i, w := range weight {
			if w > 0 && !yield(i, w) {
				return
			}
		}
	})
}

// maxBins bounds the points k-means works on.
const maxBins = 4096

// binPixels bins the (pixel index, weight > 0) pairs of pixels.
func binPixels(s *paletteSample, pixels iter.Seq2[int, float64]) []colourCluster {
	if points := binPixelsBy(s, pixels, 3); len(points) <= maxBins {
		return points
	}
	return binPixelsBy(s, pixels, 4)
}

// binPixelsBy bins by the top 8-shift bits of each channel.
func binPixelsBy(s *paletteSample, pixels iter.Seq2[int, float64], shift uint) []colourCluster {
	bits := 8 - shift
	slot := make([]uint16, 1<<(3*bits)) // key → 1 + index into sums; 0 = unused
	var sums []colourCluster
	for i, w := range pixels {
		c := s.rgb[i]
		key := int(c[0]>>shift)<<(2*bits) | int(c[1]>>shift)<<bits | int(c[2]>>shift)
		if slot[key] == 0 {
			sums = append(sums, colourCluster{})
			slot[key] = uint16(len(sums))
		}
		sum, lab := &sums[slot[key]-1], s.labOf(i)
		sum.weight += w
		sum.lab.L += w * lab.L
		sum.lab.A += w * lab.A
		sum.lab.B += w * lab.B
	}
	points := make([]colourCluster, 0, len(sums))
	for _, k := range slot {
		if k == 0 {
			continue
		}
		sum := sums[k-1]
		points = append(points, colourCluster{colour.Lab{L: sum.lab.L / sum.weight, A: sum.lab.A / sum.weight, B: sum.lab.B / sum.weight}, sum.weight})
	}
	return points
}

// kmeansLab clusters weighted points into at most k clusters by Lloyd's
// algorithm with squared Euclidean Lab distance. Seeding is deterministic: the
// heaviest point, then repeatedly the point with the largest weight × squared
// distance to the seeds so far (k-means++ with its random draw replaced by
// the maximum). Empty clusters are dropped.
func kmeansLab(points []colourCluster, k int) []colourCluster {
	centroids := seedCentroids(points, k)
	assign := make([]int, len(points))
	for i := range assign {
		assign[i] = -1
	}
	for range maxKMeansRounds {
		if !assignNearest(points, centroids, assign) {
			break
		}
		for j, c := range weightedMeans(points, assign, len(centroids)) {
			if c.weight > 0 { // an emptied cluster keeps its old centre
				centroids[j] = c.lab
			}
		}
	}
	return slices.DeleteFunc(weightedMeans(points, assign, len(centroids)), func(c colourCluster) bool { return c.weight <= 0 })
}

func seedCentroids(points []colourCluster, k int) []colour.Lab {
	if len(points) == 0 {
		return nil
	}
	first := 0
	for i, p := range points {
		if p.weight > points[first].weight {
			first = i
		}
	}
	seeds := []colour.Lab{points[first].lab}
	nearest := make([]float64, len(points))
	for i, p := range points {
		nearest[i] = colour.DeltaE76Sq(p.lab, seeds[0])
	}
	for len(seeds) < k {
		best, bestScore := -1, 0.0
		for i, p := range points {
			if score := p.weight * nearest[i]; score > bestScore {
				best, bestScore = i, score
			}
		}
		if best < 0 {
			break // every point sits on a seed
		}
		seed := points[best].lab
		seeds = append(seeds, seed)
		for i, p := range points {
			nearest[i] = min(nearest[i], colour.DeltaE76Sq(p.lab, seed))
		}
	}
	return seeds
}

// assignNearest points each point at its nearest centroid (the lower index
// on ties) and reports whether any assignment changed.
func assignNearest(points []colourCluster, centroids []colour.Lab, assign []int) bool {
	changed := false
	for i, p := range points {
		best, bestDist := 0, colour.DeltaE76Sq(p.lab, centroids[0])
		for j := 1; j < len(centroids); j++ {
			if d := colour.DeltaE76Sq(p.lab, centroids[j]); d < bestDist {
				best, bestDist = j, d
			}
		}
		if assign[i] != best {
			assign[i], changed = best, true
		}
	}
	return changed
}

// weightedMeans computes each cluster's weighted mean colour and weight. A
// cluster without points gets weight 0 and keeps no meaningful colour.
func weightedMeans(points []colourCluster, assign []int, k int) []colourCluster {
	sums := make([]colourCluster, k)
	for i, p := range points {
		c := &sums[assign[i]]
		c.weight += p.weight
		c.lab.L += p.weight * p.lab.L
		c.lab.A += p.weight * p.lab.A
		c.lab.B += p.weight * p.lab.B
	}
	for i := range sums {
		if w := sums[i].weight; w > 0 {
			sums[i].lab = colour.Lab{L: sums[i].lab.L / w, A: sums[i].lab.A / w, B: sums[i].lab.B / w}
		}
	}
	return sums
}

// finishClusters is the common tail of both engines: merge clusters that
// are the same colour to a shopper, drop specks, keep the heaviest
// maxColors, heaviest first.
func finishClusters(clusters []colourCluster, maxColors int) []colourCluster {
	clusters = mergeClose(slices.Clone(clusters))
	sortClusters(clusters)
	total := 0.0
	for _, c := range clusters {
		total += c.weight
	}
	kept := clusters[:0]
	for i, c := range clusters {
		if i == 0 || c.weight >= minClusterShare*total {
			kept = append(kept, c)
		}
	}
	return kept[:min(len(kept), maxColors)]
}

// mergeClose repeatedly merges the closest pair of clusters while it is
// closer than mergeDeltaE (textile CIEDE2000).
func mergeClose(clusters []colourCluster) []colourCluster {
	for len(clusters) > 1 {
		bi, bj, best := -1, -1, mergeDeltaE
		for i := range clusters {
			for j := i + 1; j < len(clusters); j++ {
				if d := colour.DeltaE00Weighted(clusters[i].lab, clusters[j].lab, 2); d < best {
					bi, bj, best = i, j, d
				}
			}
		}
		if bi < 0 {
			break
		}
		clusters[bi] = mergedCluster(clusters[bi], clusters[bj])
		clusters = slices.Delete(clusters, bj, bj+1)
	}
	return clusters
}

func mergedCluster(a, b colourCluster) colourCluster {
	w := a.weight + b.weight
	return colourCluster{
		lab: colour.Lab{
			L: (a.weight*a.lab.L + b.weight*b.lab.L) / w,
			A: (a.weight*a.lab.A + b.weight*b.lab.A) / w,
			B: (a.weight*a.lab.B + b.weight*b.lab.B) / w,
		},
		weight: w,
	}
}

// sortClusters orders clusters heaviest first; equal weights fall back to
// the colour so the order is total.
func sortClusters(clusters []colourCluster) {
	slices.SortStableFunc(clusters, func(a, b colourCluster) int {
		return cmp.Or(
			cmp.Compare(b.weight, a.weight),
			cmp.Compare(a.lab.L, b.lab.L),
			cmp.Compare(a.lab.A, b.lab.A),
			cmp.Compare(a.lab.B, b.lab.B),
		)
	})
}
