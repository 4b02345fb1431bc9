package app

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
)

// The demo draws its own product photos: simple silhouettes in known
// colours, on plain or busy backgrounds, so colour search has ground truth.

// demoShape is a product silhouette.
type demoShape string

const (
	shapeShirt demoShape = "shirt"
	shapeDress demoShape = "dress"
	shapeShoe  demoShape = "shoe"
	shapeBag   demoShape = "bag"
	shapeMug   demoShape = "mug"
)

// demoBackground is what the product stands on.
type demoBackground string

const (
	bgWhite    demoBackground = "white"
	bgWarm     demoBackground = "warm"
	bgStripes  demoBackground = "stripes"
	bgChecker  demoBackground = "checker"
	bgConfetti demoBackground = "confetti"
)

// busy reports whether the background is patterned (encoded as JPEG, like a
// lifestyle photo) rather than a plain studio backdrop (PNG).
func (bg demoBackground) busy() bool { return bg == bgStripes || bg == bgChecker || bg == bgConfetti }

const demoPhotoSize = 800

type point struct{ x, y float64 }

// drawDemoPhoto renders one product photo and encodes it.
func drawDemoPhoto(shape demoShape, hex string, bg demoBackground, seed uint64) ([]byte, error) {
	c := mustRGB(hex)
	img := image.NewRGBA(image.Rect(0, 0, demoPhotoSize, demoPhotoSize))
	paintBackground(img, bg, seed)
	shade := darken(c, 0.72)
	switch shape {
	case shapeShirt:
		fillPolygon(img, c, point{.30, .18}, point{.42, .14}, point{.58, .14}, point{.70, .18}, point{.90, .32}, point{.80, .44},
			point{.70, .38}, point{.70, .86}, point{.30, .86}, point{.30, .38}, point{.20, .44}, point{.10, .32})
		fillPolygon(img, shade, point{.42, .14}, point{.50, .23}, point{.58, .14})
	case shapeDress:
		fillPolygon(img, c, point{.40, .12}, point{.44, .12}, point{.46, .26}, point{.54, .26}, point{.56, .12}, point{.60, .12},
			point{.62, .40}, point{.80, .88}, point{.20, .88}, point{.38, .40})
		fillPolygon(img, shade, point{.38, .40}, point{.62, .40}, point{.625, .43}, point{.375, .43})
	case shapeShoe:
		fillPolygon(img, c, point{.14, .66}, point{.16, .44}, point{.34, .40}, point{.50, .50}, point{.78, .54}, point{.88, .62}, point{.88, .66})
		fillPolygon(img, shade, point{.12, .66}, point{.88, .66}, point{.88, .72}, point{.12, .72})
	case shapeBag:
		fillRing(img, shade, point{.50, .40}, .19, .15, true)
		fillPolygon(img, c, point{.22, .40}, point{.78, .40}, point{.84, .84}, point{.16, .84})
	case shapeMug:
		fillRing(img, c, point{.64, .55}, .13, .08, false)
		fillPolygon(img, c, point{.28, .30}, point{.64, .30}, point{.64, .80}, point{.28, .80})
		fillEllipse(img, shade, point{.46, .30}, .18, .03)
	}
	var buf bytes.Buffer
	var err error
	if bg.busy() {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88})
	} else {
		err = png.Encode(&buf, img)
	}
	return buf.Bytes(), err
}

func paintBackground(img *image.RGBA, bg demoBackground, seed uint64) {
	n := img.Bounds().Dx()
	base := color.RGBA{255, 255, 255, 255}
	if bg == bgWarm {
		base = color.RGBA{243, 239, 232, 255}
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := base
			switch bg {
			case bgStripes:
				if ((x+y)/40)%2 == 0 {
					c = color.RGBA{176, 190, 197, 255}
				}
			case bgChecker:
				if (x/64+y/64)%2 == 0 {
					c = color.RGBA{242, 215, 213, 255}
				} else {
					c = color.RGBA{214, 234, 248, 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	if bg == bgConfetti {
		rng := rand.New(rand.NewPCG(seed, 7))
		palette := []color.RGBA{{255, 193, 7, 255}, {3, 169, 244, 255}, {139, 195, 74, 255}, {233, 30, 99, 255}}
		for range 140 {
			centre := point{rng.Float64(), rng.Float64()}
			fillEllipse(img, palette[rng.IntN(len(palette))], centre, .012+rng.Float64()*.015, .012+rng.Float64()*.015)
		}
	}
}

// fillPolygon fills a polygon given in 0..1 coordinates (even-odd rule).
func fillPolygon(img *image.RGBA, c color.RGBA, pts ...point) {
	n := float64(img.Bounds().Dx())
	minY, maxY := 1.0, 0.0
	for _, p := range pts {
		minY, maxY = math.Min(minY, p.y), math.Max(maxY, p.y)
	}
	for py := int(minY * n); py <= int(maxY*n); py++ {
		y := (float64(py) + .5) / n
		var xs []float64
		for i := range pts {
			a, b := pts[i], pts[(i+1)%len(pts)]
			if (a.y <= y) != (b.y <= y) {
				xs = append(xs, a.x+(y-a.y)*(b.x-a.x)/(b.y-a.y))
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			for px := int(xs[i] * n); px < int(xs[i+1]*n); px++ {
				img.SetRGBA(px, py, c)
			}
		}
	}
}

// fillEllipse fills an axis-aligned ellipse in 0..1 coordinates.
func fillEllipse(img *image.RGBA, c color.RGBA, centre point, rx, ry float64) {
	n := float64(img.Bounds().Dx())
	for py := int((centre.y - ry) * n); py <= int((centre.y+ry)*n); py++ {
		for px := int((centre.x - rx) * n); px <= int((centre.x+rx)*n); px++ {
			dx, dy := ((float64(px)+.5)/n-centre.x)/rx, ((float64(py)+.5)/n-centre.y)/ry
			if dx*dx+dy*dy <= 1 {
				img.SetRGBA(px, py, c)
			}
		}
	}
}

// fillRing fills a circular ring (a handle): the top half when top is set,
// otherwise the right half.
func fillRing(img *image.RGBA, c color.RGBA, centre point, outer, inner float64, top bool) {
	n := float64(img.Bounds().Dx())
	for py := int((centre.y - outer) * n); py <= int((centre.y+outer)*n); py++ {
		for px := int((centre.x - outer) * n); px <= int((centre.x+outer)*n); px++ {
			dx, dy := (float64(px)+.5)/n-centre.x, (float64(py)+.5)/n-centre.y
			d := math.Hypot(dx, dy)
			if d > outer || d < inner || (top && dy > 0) || (!top && dx < 0) {
				continue
			}
			img.SetRGBA(px, py, c)
		}
	}
}

func darken(c color.RGBA, f float64) color.RGBA {
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), 255}
}

func mustRGB(hex string) color.RGBA {
	var v uint32
	for _, r := range hex[1:] {
		v <<= 4
		switch {
		case r >= '0' && r <= '9':
			v |= uint32(r - '0')
		case r >= 'a' && r <= 'f':
			v |= uint32(r-'a') + 10
		case r >= 'A' && r <= 'F':
			v |= uint32(r-'A') + 10
		}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}
