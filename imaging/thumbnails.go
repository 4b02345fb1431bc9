package imaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"slices"
	"sync"

	"github.com/warna/warna/imaging/palette"
)

// ThumbOptions choose the thumbnails to make. Zero fields take the defaults:
// sizes 160, 400 and 800 pixels on the long side, JPEG quality 82.
type ThumbOptions struct {
	Sizes   []int // long side in pixels
	Quality int   // JPEG quality, 1..100
}

// DefaultThumbQuality is the JPEG quality of thumbnails.
const DefaultThumbQuality = 82

func (o ThumbOptions) withDefaults() (ThumbOptions, error) {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{160, 400, 800} // the srcset of product pages
	}
	for _, s := range o.Sizes {
		if s <= 0 {
			return o, fmt.Errorf("thumbnail size %d: must be positive", s)
		}
	}
	if o.Quality <= 0 {
		o.Quality = DefaultThumbQuality
	}
	o.Quality = min(o.Quality, 100)
	return o, nil
}

// Thumb is one encoded thumbnail.
type Thumb struct {
	Size          int    // long side in pixels: the size asked for, or the original's when smaller
	Width, Height int    // pixels
	JPEG          []byte // the encoded file
	SHA256        string // hex digest of JPEG, for content-addressed names
}

// Thumbnails makes JPEG thumbnails of img, one per size, largest first. It
// never upscales: sizes at or above the long side of img give a single
// thumbnail at the original size. img is taken as upright; transparency is
// flattened onto white.
func Thumbnails(img image.Image, opts ThumbOptions) ([]Thumb, error) {
	set, err := resizeThumbs(pictureOf(img), 1, nil, opts)
	if err != nil {
		return nil, err
	}
	return set.encode()
}

// thumbSet is the thumbnails of one image, resized and upright but not yet
// encoded, largest first.
type thumbSet struct {
	sizes   []thumbSize
	pics    []picture
	quality int
}

// resizeThumbs makes the thumbnails of pic, turned upright by EXIF
// orientation o and converted to sRGB by t (nil when pic is sRGB): the
// largest from pic, the smaller ones from the largest (cheap, and
// bench/imaging.sh measures them as close to a Lanczos resize of the
// original as vipsthumbnail's). Converting the largest thumbnail rather than
// the original costs a fraction of the time, and differs from converting
// first by less than the resampling does.
func resizeThumbs(pic picture, o int, t *colourTransform, opts ThumbOptions) (thumbSet, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return thumbSet{}, err
	}
	if pic.w() == 0 || pic.h() == 0 {
		return thumbSet{}, errors.New("thumbnails of an empty image")
	}
	uprightW, uprightH := pic.w(), pic.h()
	if o >= 5 {
		uprightW, uprightH = uprightH, uprightW
	}
	set := thumbSet{sizes: thumbSizes(uprightW, uprightH, opts.Sizes), quality: opts.Quality}
	w, h := set.sizes[0].w, set.sizes[0].h
	if o >= 5 {
		w, h = h, w
	}
	set.pics = make([]picture, len(set.sizes))
	set.pics[0] = pic.resize(w, h).orient(o)
	if t != nil {
		set.pics[0] = t.picture(set.pics[0])
	}
	for i, s := range set.sizes[1:] {
		set.pics[i+1] = set.pics[0].resize(s.w, s.h)
	}
	return set, nil
}

// encode encodes the thumbnails in parallel.
func (s thumbSet) encode() ([]Thumb, error) {
	thumbs := make([]Thumb, len(s.sizes))
	errs := make([]error, len(s.sizes))
	var wg sync.WaitGroup
	for i := range s.sizes {
		wg.Go(func() {
			thumbs[i], errs[i] = encodeThumb(s.pics[i].opaqueImage(), s.sizes[i].long, s.quality)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return thumbs, nil
}

// paletteImage is the smallest thumbnail at least as large as the palette's
// working image (the largest when none is), so that ExtractPalette's own
// reduction is cheap and sees the same detail whatever the original size.
func (s thumbSet) paletteImage() image.Image {
	i := len(s.pics) - 1
	for i > 0 && s.sizes[i].long < palette.WorkingSide {
		i--
	}
	return s.pics[i].image()
}

// thumbSize is the geometry of one thumbnail.
type thumbSize struct{ long, w, h int }

// thumbSizes turns requested long sides into distinct thumbnail sizes,
// largest first, none larger than the original.
func thumbSizes(w, h int, requested []int) []thumbSize {
	long := max(w, h)
	var sizes []thumbSize
	for _, r := range requested {
		r = min(r, long)
		scale := float64(r) / float64(long)
		s := thumbSize{long: r, w: max(1, int(math.Round(float64(w)*scale))), h: max(1, int(math.Round(float64(h)*scale)))}
		if !slices.Contains(sizes, s) {
			sizes = append(sizes, s)
		}
	}
	slices.SortFunc(sizes, func(a, b thumbSize) int { return b.long - a.long })
	return sizes
}

// encodeThumb encodes one thumbnail as JPEG and names it by its digest.
func encodeThumb(img image.Image, size, quality int) (Thumb, error) {
	var buf bytes.Buffer
	buf.Grow(img.Bounds().Dx() * img.Bounds().Dy() / 4)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return Thumb{}, fmt.Errorf("encode %d px thumbnail: %w", size, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	b := img.Bounds()
	return Thumb{Size: size, Width: b.Dx(), Height: b.Dy(), JPEG: buf.Bytes(), SHA256: hex.EncodeToString(sum[:])}, nil
}

// picture is an image being resized, kept in the decoder's own layout so
// that no full-size colour conversion is needed: either YCbCr planes (chroma
// subsampled by subX × subY) or a single grey or premultiplied RGBA plane.
type picture struct {
	planes     []plane
	subX, subY int
	alpha      bool // planes[0] is RGBA with transparency
}

func (p picture) w() int { return p.planes[0].w }
func (p picture) h() int { return p.planes[0].h }

// pictureOf views img as a picture, sharing its pixels when they are in a
// layout resampling can read directly.
func pictureOf(img image.Image) picture {
	switch m := img.(type) {
	case *image.YCbCr:
		if subX, subY, ok := subsampling(m.SubsampleRatio); ok && m.Rect.Min == (image.Point{}) {
			r := m.Rect
			cw, ch := (r.Dx()+subX-1)/subX, (r.Dy()+subY-1)/subY
			return newPicture(subX, subY,
				planeOf(m.Y, m.YStride, r, 1),
				planeOf(m.Cb, m.CStride, image.Rect(0, 0, cw, ch), 1),
				planeOf(m.Cr, m.CStride, image.Rect(0, 0, cw, ch), 1))
		}
	case *image.Gray:
		return newPicture(1, 1, planeOf(m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, m.Rect, 1))
	case *image.RGBA:
		p := newPicture(1, 1, planeOf(m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, m.Rect, 4))
		p.alpha = !m.Opaque()
		return p
	case *image.NRGBA:
		p := newPicture(1, 1, premultiply(m))
		p.alpha = !m.Opaque()
		return p
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return pictureOf(rgba)
}

func newPicture(subX, subY int, planes ...plane) picture {
	return picture{planes: planes, subX: subX, subY: subY}
}

func subsampling(r image.YCbCrSubsampleRatio) (subX, subY int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}

// premultiply copies an NRGBA image into a premultiplied RGBA plane, the
// form in which filtering does not bleed the colour of transparent pixels.
func premultiply(m *image.NRGBA) plane {
	r := m.Rect
	p := newPlane(r.Dx(), r.Dy(), 4)
	for y := range p.h {
		src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:4*p.w]
		dst := p.row(y)
		for x := 0; x < len(src); x += 4 {
			a := uint32(src[x+3])
			dst[x] = uint8((uint32(src[x])*a + 127) / 255)
			dst[x+1] = uint8((uint32(src[x+1])*a + 127) / 255)
			dst[x+2] = uint8((uint32(src[x+2])*a + 127) / 255)
			dst[x+3] = uint8(a)
		}
	}
	return p
}

// resize filters p to w × h. YCbCr comes out 4:2:0, the subsampling the JPEG
// encoder writes.
func (p picture) resize(w, h int) picture {
	scaleX, scaleY := float64(p.w())/float64(w), float64(p.h())/float64(h)
	out := picture{subX: 2, subY: 2, alpha: p.alpha}
	out.planes = resizePlanes(p.planes[:1], w, h, scaleX, scaleY)
	if len(p.planes) == 3 {
		// An output chroma sample spans 2 output pixels, that is 2·scale
		// input pixels, that is 2·scale/sub input chroma samples.
		cw, ch := (w+1)/2, (h+1)/2
		csx, csy := 2*scaleX/float64(p.subX), 2*scaleY/float64(p.subY)
		out.planes = append(out.planes, resizePlanes(p.planes[1:], cw, ch, csx, csy)...)
	}
	return out
}

// orient turns p upright by EXIF orientation o. 4:2:0 chroma stays 4:2:0
// under every orientation; for odd sizes chroma may shift by one pixel.
func (p picture) orient(o int) picture {
	if o < 2 || o > 8 {
		return p
	}
	out := p
	out.planes = make([]plane, len(p.planes))
	for i, pl := range p.planes {
		out.planes[i] = orientPlane(pl, o)
	}
	if o >= 5 {
		out.subX, out.subY = p.subY, p.subX
	}
	return out
}

// image returns p, which must come from resize, as an image.Image:
// *image.YCbCr (4:2:0), *image.Gray, *image.RGBA, or *image.NRGBA when it has
// transparency.
func (p picture) image() image.Image {
	r := image.Rect(0, 0, p.w(), p.h())
	y := p.planes[0]
	switch {
	case len(p.planes) == 3:
		return &image.YCbCr{Y: y.pix, Cb: p.planes[1].pix, Cr: p.planes[2].pix,
			YStride: y.stride, CStride: p.planes[1].stride, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r}
	case y.channels == 1:
		return &image.Gray{Pix: y.pix, Stride: y.stride, Rect: r}
	case p.alpha:
		return &image.NRGBA{Pix: unpremultiply(y), Stride: y.stride, Rect: r}
	default:
		return &image.RGBA{Pix: y.pix, Stride: y.stride, Rect: r}
	}
}

// opaqueImage is image with transparency flattened onto white, for JPEG.
// Premultiplied samples make this a single add: c + (255 − a).
func (p picture) opaqueImage() image.Image {
	y := p.planes[0]
	if !p.alpha {
		return p.image()
	}
	pix := make([]uint8, len(y.pix))
	for i := 0; i < len(pix); i += 4 {
		under := 255 - y.pix[i+3] // white showing through
		pix[i] = y.pix[i] + min(under, 255-y.pix[i])
		pix[i+1] = y.pix[i+1] + min(under, 255-y.pix[i+1])
		pix[i+2] = y.pix[i+2] + min(under, 255-y.pix[i+2])
		pix[i+3] = 255
	}
	return &image.RGBA{Pix: pix, Stride: y.stride, Rect: image.Rect(0, 0, p.w(), p.h())}
}

// unpremultiply copies a premultiplied RGBA plane into NRGBA samples.
func unpremultiply(p plane) []uint8 {
	pix := make([]uint8, len(p.pix))
	for i := 0; i < len(pix); i += 4 {
		a := uint32(p.pix[i+3])
		pix[i+3] = uint8(a)
		if a == 0 {
			continue
		}
		for c := range 3 {
			pix[i+c] = uint8((min(uint32(p.pix[i+c]), a)*255 + a/2) / a)
		}
	}
	return pix
}
