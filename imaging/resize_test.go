package imaging

import (
	"image"
	"image/color"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// stats returns the mean and standard deviation of the grey level (R, G and
// B averaged) over r.
func stats(img image.Image, r image.Rectangle) (mean, stddev float64) {
	var sum, sumSq, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			v := (float64(c.R) + float64(c.G) + float64(c.B)) / 3
			sum += v
			sumSq += v * v
			n++
		}
	}
	mean = sum / n
	return mean, math.Sqrt(max(sumSq/n-mean*mean, 0))
}

// highFrequency patterns that a downscaler must turn into flat grey: any
// structure left in the output is aliasing (moiré).
var highFrequency = []struct {
	name  string
	level func(x, y int) uint8
}{
	{"1-px vertical stripes", func(x, y int) uint8 { return uint8(255 * (x % 2)) }},
	{"1-px horizontal stripes", func(x, y int) uint8 { return uint8(255 * (y % 2)) }},
	{"1-px checkerboard", func(x, y int) uint8 { return uint8(255 * ((x + y) % 2)) }},
}

func patternImage(w, h int, level func(x, y int) uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Pix[y*img.Stride+x] = level(x, y)
		}
	}
	return img
}

func TestDownscaleIsFreeOfAliasing(t *testing.T) {
	const maxStddev = 3.0
	for _, p := range highFrequency {
		t.Run(p.name, func(t *testing.T) {
			src := patternImage(1301, 977, p.level)
			var sum float64
			for _, v := range src.Pix {
				sum += float64(v)
			}
			srcMean := sum / float64(len(src.Pix))
			for _, size := range []int{800, 400, 160} {
				w, h := size, int(math.Round(977*float64(size)/1301))
				got := resizePlanes([]plane{planeOf(src.Pix, src.Stride, src.Rect, 1)}, w, h, 1301/float64(w), 977/float64(h))[0]
				out := &image.Gray{Pix: got.pix, Stride: got.stride, Rect: image.Rect(0, 0, got.w, got.h)}
				// Lanczos rings next to the borders, where the pattern is cut.
				mean, stddev := stats(out, out.Rect.Inset(4))
				if stddev > maxStddev || math.Abs(mean-srcMean) > 2 {
					t.Errorf("%d px: mean %.1f (source %.1f), stddev %.2f; want flat grey (stddev ≤ %.1f)",
						size, mean, srcMean, stddev, maxStddev)
				}
			}
			// The criterion tells aliasing apart: the fast approximate
			// bilinear scaler fails it.
			fast := image.NewGray(image.Rect(0, 0, 400, 300))
			xdraw.ApproxBiLinear.Scale(fast, fast.Rect, src, src.Rect, xdraw.Src, nil)
			if _, stddev := stats(fast, fast.Rect.Inset(4)); stddev <= maxStddev {
				t.Errorf("approximate bilinear stddev %.2f passes the aliasing check: the check proves nothing", stddev)
			}
		})
	}
}

// zonePlate is cos(π r² / (2·w)): rings whose frequency grows from the centre
// to Nyquist at the edges.
func zonePlate(w int) *image.Gray {
	return patternImage(w, w, func(x, y int) uint8 {
		dx, dy := float64(x-w/2), float64(y-w/2)
		return uint8(math.Round(127.5 + 127.5*math.Cos(math.Pi*(dx*dx+dy*dy)/float64(w))))
	})
}

func TestZonePlateOuterRingsTurnGrey(t *testing.T) {
	src := zonePlate(1200)
	thumbs, err := Thumbnails(src, ThumbOptions{Sizes: []int{160}, Quality: 95})
	if err != nil {
		t.Fatal(err)
	}
	img := decodeThumb(t, thumbs[0])
	// Near the corners the source frequency is far above the thumbnail's
	// Nyquist limit: only grey may remain there, no false rings.
	for _, corner := range []image.Rectangle{
		image.Rect(4, 4, 28, 28), image.Rect(132, 4, 156, 28), image.Rect(4, 132, 28, 156), image.Rect(132, 132, 156, 156),
	} {
		if mean, stddev := stats(img, corner); stddev > 4 || math.Abs(mean-127.5) > 4 {
			t.Errorf("corner %v: mean %.1f, stddev %.2f; want flat grey", corner, mean, stddev)
		}
	}
	// The centre, well below Nyquist, keeps its contrast.
	if _, stddev := stats(img, image.Rect(70, 70, 90, 90)); stddev < 40 {
		t.Errorf("centre stddev %.2f: the low frequencies were blurred away", stddev)
	}
}

func TestResizeKeepsFlatImagesExact(t *testing.T) {
	for _, level := range []uint8{0, 1, 137, 254, 255} {
		src := newPlane(333, 211, 4)
		for i := range src.pix {
			src.pix[i] = level
		}
		got := resizePlanes([]plane{src}, 100, 63, 3.33, 211.0/63)[0]
		for i, v := range got.pix {
			if v != level {
				t.Fatalf("level %d: sample %d = %d", level, i, v)
			}
		}
	}
}

func TestLanczosWeights(t *testing.T) {
	tests := []struct {
		srcN, dstN int
		scale      float64
	}{
		{1600, 800, 2}, {2056, 533, 2056.0 / 533}, {10, 3, 10.0 / 3}, {5, 5, 1}, {4, 8, 0.5}, {3, 1, 3},
	}
	for _, tt := range tests {
		aw := lanczosWeights(tt.srcN, tt.dstN, tt.scale)
		for i := range tt.dstN {
			if aw.start[i] < 0 || aw.start[i]+aw.taps > tt.srcN {
				t.Fatalf("%v: output %d reads %d..%d of %d", tt, i, aw.start[i], aw.start[i]+aw.taps, tt.srcN)
			}
			sum := 0
			for _, w := range aw.weights[i*aw.taps:][:aw.taps] {
				sum += int(w)
			}
			if sum != 1<<weightBits {
				t.Errorf("%v: output %d weights sum to %d, want %d", tt, i, sum, 1<<weightBits)
			}
		}
	}
	// At scale 1 the filter is the identity.
	aw := lanczosWeights(7, 7, 1)
	for i := range 7 {
		for k, w := range aw.weights[i*aw.taps:][:aw.taps] {
			want := int16(0)
			if aw.start[i]+k == i {
				want = 1 << weightBits
			}
			if w != want {
				t.Errorf("scale 1: output %d tap %d = %d, want %d", i, aw.start[i]+k, w, want)
			}
		}
	}
}

func TestBoxShrink(t *testing.T) {
	src := plane{pix: []uint8{
		0, 2, 10, 20, 99,
		4, 6, 30, 41, 99,
		99, 99, 99, 99, 99,
	}, w: 5, h: 3, stride: 5, channels: 1}
	got := boxShrink(src, 2)
	want := []uint8{3, 25} // (0+2+4+6)/4, (10+20+30+41)/4 = 25.25; the odd row and column are dropped
	if got.w != 2 || got.h != 1 || string(got.pix) != string(want) {
		t.Errorf("boxShrink = %d×%d %v, want 2×1 %v", got.w, got.h, got.pix, want)
	}
	rgba := plane{pix: []uint8{
		10, 20, 30, 255, 30, 40, 50, 255, 0, 0, 0, 0,
		10, 20, 30, 255, 30, 40, 50, 255, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	}, w: 3, h: 3, stride: 12, channels: 4}
	got = boxShrink(rgba, 2)
	if want := []uint8{20, 30, 40, 255}; got.w != 1 || string(got.pix) != string(want) {
		t.Errorf("boxShrink RGBA = %v, want %v", got.pix, want)
	}
}

func TestThumbSizes(t *testing.T) {
	tests := []struct {
		name      string
		w, h      int
		requested []int
		want      []thumbSize
	}{
		{"landscape", 1600, 1203, []int{160, 400, 800}, []thumbSize{{800, 800, 602}, {400, 400, 301}, {160, 160, 120}}},
		{"portrait", 2056, 3088, []int{160, 400, 800}, []thumbSize{{800, 533, 800}, {400, 266, 400}, {160, 107, 160}}},
		{"unsorted sizes", 1000, 1000, []int{400, 800, 160}, []thumbSize{{800, 800, 800}, {400, 400, 400}, {160, 160, 160}}},
		{"never upscaled", 600, 400, []int{160, 400, 800}, []thumbSize{{600, 600, 400}, {400, 400, 267}, {160, 160, 107}}},
		{"all at or above the original: one thumb", 120, 80, []int{160, 400, 800}, []thumbSize{{120, 120, 80}}},
		{"exactly the original", 800, 600, []int{800}, []thumbSize{{800, 800, 600}}},
		{"sliver keeps a pixel", 3000, 4, []int{160}, []thumbSize{{160, 160, 1}}},
		{"duplicates", 1000, 500, []int{160, 160}, []thumbSize{{160, 160, 80}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := thumbSizes(tt.w, tt.h, tt.requested)
			if len(got) != len(tt.want) {
				t.Fatalf("thumbSizes = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("size %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
