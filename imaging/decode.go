package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/gen2brain/jpegn"
	"golang.org/x/image/webp"
)

// Format is the type of an encoded image, named as in MIME subtypes.
type Format string

// The formats Warna accepts as uploads.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
	GIF  Format = "gif"
)

// Limits bound what an upload may cost before any pixel is decoded. A zero
// field means the default from DefaultLimits.
type Limits struct {
	MaxBytes  int64 // size of the encoded file
	MaxPixels int64 // width × height read from the header
}

// DefaultLimits are 25 MiB per file and 50 megapixels per image.
var DefaultLimits = Limits{MaxBytes: 25 << 20, MaxPixels: 50_000_000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	return l
}

// The kinds of refused upload; match them with errors.Is. The errors returned
// carry a message that states the limit and the actual value.
var (
	ErrNotImage      = errors.New("not an image")
	ErrTooLarge      = errors.New("image file too large")
	ErrTooManyPixels = errors.New("image has too many pixels")
)

// uploadError is a refused upload: its message tells the user what to do,
// errors.Is matches its kind (one of the sentinel errors above), and the
// decoder's own error, if any, stays in the chain for the logs.
type uploadError struct {
	kind  error
	msg   string
	cause error
}

func (e *uploadError) Error() string { return e.msg }

func (e *uploadError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func refuse(kind error, format string, args ...any) error {
	return &uploadError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

const acceptedFormats = "upload a JPEG, PNG, WebP or GIF"

// Sniff names the format of an encoded image from its first bytes (12 are
// enough) or says, with ErrNotImage, that it is not one Warna accepts.
func Sniff(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, nil
	}
	return "", refuse(ErrNotImage, "not an image: %s", acceptedFormats)
}

// CheckHeader sniffs data, reads only its header and enforces limits, so that
// neither an oversized file nor a decompression bomb (a small file that
// declares a huge canvas) gets as far as allocating pixels. A JPEG is also
// refused here, with the reason in plain words, when no decoder here can
// read it: arithmetic coding, 12-bit samples, lossless or hierarchical
// coding, a file cut short.
func CheckHeader(data []byte, limits Limits) (Format, image.Config, error) {
	h, err := checkHeader(data, limits)
	return h.format, h.config, err
}

// header is what checkHeader reads before any pixel is decoded.
type header struct {
	format Format
	config image.Config
	jpeg   jpegFile // the markers of a JPEG
}

func checkHeader(data []byte, limits Limits) (header, error) {
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxBytes {
		return header{}, refuse(ErrTooLarge, "the file is %s, over the limit of %s: upload a smaller file",
			byteSize(int64(len(data))), byteSize(limits.MaxBytes))
	}
	format, err := Sniff(data)
	if err != nil {
		return header{}, err
	}
	h := header{format: format}
	if format == JPEG {
		h.jpeg, err = readJPEGFile(data)
		h.config = h.jpeg.config()
	} else {
		h.config, err = decodeConfig(bytes.NewReader(data), format)
	}
	if err != nil || h.config.Width <= 0 || h.config.Height <= 0 {
		return header{}, damaged(format, err)
	}
	if pixels := int64(h.config.Width) * int64(h.config.Height); pixels > limits.MaxPixels {
		return header{}, refuse(ErrTooManyPixels,
			"the image is %d × %d pixels (%s), over the limit of %s: make it smaller and upload it again",
			h.config.Width, h.config.Height, megapixels(pixels), megapixels(limits.MaxPixels))
	}
	if format == JPEG {
		if msg := h.jpeg.unreadable(); msg != "" {
			return header{}, refuse(ErrNotImage, "%s", msg)
		}
	}
	return h, nil
}

// damaged is the refusal of a file whose header or pixels a decoder could
// not read; cause stays in the chain for the logs.
func damaged(format Format, cause error) error {
	msg := fmt.Sprintf("the %s file is damaged or unsupported: %s", formatName(format), acceptedFormats)
	switch {
	case errors.Is(cause, io.ErrUnexpectedEOF) || errors.Is(cause, io.EOF):
		msg = fmt.Sprintf("the %s file is cut short (its end is missing): upload the complete file", formatName(format))
	case format == JPEG:
		// checkHeader has refused every kind of JPEG image/jpeg cannot read.
		msg = "the JPEG file is damaged (its image data cannot be read): export it again and upload the new file"
	}
	return &uploadError{kind: ErrNotImage, cause: cause, msg: msg}
}

// decodeConfig reads the header of a PNG, GIF or WebP.
func decodeConfig(r *bytes.Reader, format Format) (image.Config, error) {
	switch format {
	case PNG:
		return png.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

// Decode checks data with CheckHeader and decodes it: JPEG with the fast jpegn
// decoder for the kinds of file it is proven to decode right and image/jpeg
// for the rest, PNG, WebP, and the first frame of a GIF. EXIF orientation is
// applied, and an embedded ICC profile other than sRGB's is converted to
// sRGB. The result is an *image.NRGBA (un-premultiplied) when the image has
// transparency and otherwise an *image.YCbCr, *image.Gray or *image.RGBA.
func Decode(data []byte, limits Limits) (image.Image, Format, error) {
	d, err := decode(data, limits, decodeOptions{})
	if err != nil {
		return nil, "", err
	}
	return d.upright(), d.format, nil
}

// decodeOptions are switches for tests and benchmarks.
type decodeOptions struct {
	stdJPEG bool // skip jpegn and decode JPEG with image/jpeg
}

// decoded is an image as its decoder returned it (normalised, not yet
// upright nor converted to sRGB) and what is needed to finish it.
type decoded struct {
	img         image.Image
	format      Format
	decoder     string // the package that decoded it
	orientation int    // EXIF orientation, 1 to 8
	colour      colourProfile
}

// upright is the decoded image turned by its EXIF orientation and
// converted to sRGB.
func (d decoded) upright() image.Image {
	img := orient(d.img, d.orientation)
	if d.colour.transform != nil {
		img = d.colour.transform.image(img)
	}
	return img
}

// decode is Decode without orientation and colour conversion, which it
// returns instead so that Process can apply them to a thumbnail rather than
// the full-size image.
func decode(data []byte, limits Limits, opts decodeOptions) (decoded, error) {
	h, err := checkHeader(data, limits)
	if err != nil {
		return decoded{}, err
	}
	d := decoded{format: h.format, orientation: 1}
	var icc []byte
	switch h.format {
	case JPEG:
		d.orientation, icc = h.jpeg.orientation, h.jpeg.icc
		if h.jpeg.needsSplit() {
			d.decoder = "image/jpeg split"
			d.img, err = guard(func() (image.Image, error) { return decodeSplitProgressive(data, h.jpeg) })
		} else {
			d.img, d.decoder, err = decodeJPEG(data, !opts.stdJPEG && h.jpeg.fast())
		}
	case PNG:
		icc = pngICC(data)
		d.decoder = "image/png"
		d.img, err = guard(func() (image.Image, error) { return png.Decode(bytes.NewReader(data)) })
	case GIF:
		d.decoder = "image/gif"
		d.img, err = guard(func() (image.Image, error) { return gif.Decode(bytes.NewReader(data)) })
	default:
		icc = webpICC(data)
		d.decoder = "x/image/webp"
		d.img, err = guard(func() (image.Image, error) { return webp.Decode(bytes.NewReader(data)) })
		if err == nil {
			d.img = webpRGB(d.img)
		}
	}
	if err != nil {
		if cutShort(h.format, data) {
			err = errors.Join(err, io.ErrUnexpectedEOF)
		}
		return decoded{}, damaged(h.format, err)
	}
	d.img = normalize(d.img)
	d.colour = identifyProfile(icc, d.img)
	return d, nil
}

// decodeJPEG decodes at full size with jpegn when fast is true (its scaled
// decode gives washed-out colours, so it is never asked for) and falls back
// to image/jpeg on any error or panic; with fast false it goes straight to
// image/jpeg.
func decodeJPEG(data []byte, fast bool) (image.Image, string, error) {
	if fast {
		img, err := guard(func() (image.Image, error) {
			return jpegn.Decode(bytes.NewReader(data), &jpegn.Options{ScaleDenom: 1})
		})
		if err == nil {
			return img, "jpegn", nil
		}
	}
	img, err := guard(func() (image.Image, error) { return jpeg.Decode(bytes.NewReader(data)) })
	return img, "image/jpeg", err
}

// guard runs a third-party decoder and turns a panic into an error.
func guard(decodeFn func() (image.Image, error)) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	img, err = decodeFn()
	if err == nil && img == nil {
		err = errors.New("decoder returned no image")
	}
	return img, err
}

func formatName(f Format) string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case GIF:
		return "GIF"
	default:
		return "WebP"
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func megapixels(n int64) string { return fmt.Sprintf("%.1f megapixels", float64(n)/1e6) }

// normalize converts what the decoders return to the few types the rest of
// the package works on: *image.YCbCr, *image.Gray, *image.RGBA when opaque,
// and *image.NRGBA (un-premultiplied) when the image has transparency.
func normalize(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray, *image.NRGBA:
		return m
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	case *image.Paletted:
		return paletted(m)
	case *image.NYCbCrA:
		if !m.Opaque() {
			return nycbcra(m)
		}
	case *image.Gray16:
		return &image.Gray{Pix: highBytes(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy()), Stride: m.Rect.Dx(), Rect: m.Rect}
	case *image.NRGBA64:
		return &image.NRGBA{Pix: highBytes(m.Pix, m.Stride, 4*m.Rect.Dx(), m.Rect.Dy()), Stride: 4 * m.Rect.Dx(), Rect: m.Rect}
	case *image.CMYK:
		rgba := image.NewRGBA(m.Rect)
		draw.Draw(rgba, m.Rect, m, m.Rect.Min, draw.Src)
		return rgba
	}
	if opaque, ok := img.(interface{ Opaque() bool }); ok && opaque.Opaque() {
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		return rgba
	}
	// draw converts each pixel with the destination's colour model, which
	// un-premultiplies.
	nrgba := image.NewNRGBA(img.Bounds())
	draw.Draw(nrgba, nrgba.Rect, img, img.Bounds().Min, draw.Src)
	return nrgba
}

// paletted expands a palette image (a GIF frame, an indexed PNG) through a
// lookup table: to RGBA when every colour is opaque, else to NRGBA.
func paletted(m *image.Paletted) image.Image {
	table := make([][4]uint8, 256)
	opaque := true
	for i, c := range m.Palette {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		table[i] = [4]uint8{n.R, n.G, n.B, n.A}
		opaque = opaque && n.A == 0xFF
	}
	// Indices past the palette are black, as image.Paletted.At has them.
	for i := len(m.Palette); i < 256; i++ {
		table[i] = [4]uint8{0, 0, 0, 0xFF}
	}
	r := m.Rect
	pix := make([]uint8, 4*r.Dx()*r.Dy())
	i := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for _, idx := range m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()] {
			copy(pix[i:i+4], table[idx][:])
			i += 4
		}
	}
	if opaque {
		return &image.RGBA{Pix: pix, Stride: 4 * r.Dx(), Rect: r}
	}
	return &image.NRGBA{Pix: pix, Stride: 4 * r.Dx(), Rect: r}
}

// nycbcra converts a WebP with alpha (non-premultiplied YCbCr plus alpha) to
// NRGBA without a per-pixel interface call.
func nycbcra(m *image.NYCbCrA) *image.NRGBA {
	dst := image.NewNRGBA(m.Rect)
	i := 0
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = r, g, b, m.A[m.AOffset(x, y)]
			i += 4
		}
	}
	return dst
}

// webpRGB converts the YCbCr of a lossy WebP to RGB. VP8 stores BT.601
// "studio swing" YCbCr (luma 16 to 235, chroma 16 to 240), as libwebp
// decodes it, but x/image/webp returns it as an *image.YCbCr, whose colour
// model is JPEG's full-range one: drawn as it is, every lossy WebP would be
// washed out (mean ΔE76 7.6 from dwebp on a photo; TestDecodeMatchesLibjpeg).
// Chroma is upsampled by nearest sample.
func webpRGB(img image.Image) image.Image {
	var ycc *image.YCbCr
	var alpha []uint8
	var alphaStride int
	switch m := img.(type) {
	case *image.YCbCr:
		ycc = m
	case *image.NYCbCrA:
		ycc, alpha, alphaStride = &m.YCbCr, m.A, m.AStride
	default:
		return img // lossless WebP is RGB already
	}
	r := ycc.Rect
	out := image.NewNRGBA(r)
	i := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
			p := out.Pix[i : i+4 : i+4]
			p[0], p[1], p[2] = studioYCbCrToRGB(ycc.Y[yi], ycc.Cb[ci], ycc.Cr[ci])
			p[3] = 255
			if alpha != nil {
				p[3] = alpha[(y-r.Min.Y)*alphaStride+(x-r.Min.X)]
			}
			i += 4
		}
	}
	if alpha == nil {
		return &image.RGBA{Pix: out.Pix, Stride: out.Stride, Rect: out.Rect}
	}
	return out
}

// studioYCbCrToRGB is BT.601 limited-range YCbCr to RGB, in 16-bit fixed
// point: R = 1.164(Y−16) + 1.596(Cr−128), G = 1.164(Y−16) − 0.392(Cb−128)
// − 0.813(Cr−128), B = 1.164(Y−16) + 2.017(Cb−128).
func studioYCbCrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := (int32(y) - 16) * 76309
	u, v := int32(cb)-128, int32(cr)-128
	clip := func(x int32) uint8 { return uint8(min(max((x+1<<15)>>16, 0), 255)) }
	return clip(yy + 104597*v), clip(yy - 25675*u - 53279*v), clip(yy + 132201*u)
}

// cutShort reports whether an encoded file stops before its format's end:
// a PNG without its IEND chunk, a GIF without its trailer, a WebP shorter
// than its RIFF header says.
func cutShort(format Format, data []byte) bool {
	switch format {
	case PNG:
		return !bytes.Contains(data[max(len(data)-64, 0):], []byte("IEND"))
	case GIF:
		return len(data) == 0 || data[len(data)-1] != 0x3B
	case WebP:
		return len(data) < 8 || int64(binary.LittleEndian.Uint32(data[4:]))+8 > int64(len(data))
	}
	return false
}

// highBytes keeps the high byte of each big-endian 16-bit sample of rows
// holding samples16 samples each.
func highBytes(pix []uint8, stride, samples16, rows int) []uint8 {
	out := make([]uint8, samples16*rows)
	for y := range rows {
		row := pix[y*stride:][:2*samples16]
		for i := range samples16 {
			out[y*samples16+i] = row[2*i]
		}
	}
	return out
}
