package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gen2brain/jpegn"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// meanAbsDiff returns the mean absolute difference of R, G and B between two
// images of the same size, compared in 8-bit sRGB.
func meanAbsDiff(t testing.TB, a, b image.Image) [3]float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	ra, rb := toRGBA(a), toRGBA(b)
	var sum [3]float64
	for i := range ra.Pix {
		if c := i % 4; c < 3 {
			sum[c] += math.Abs(float64(ra.Pix[i]) - float64(rb.Pix[i]))
		}
	}
	n := float64(len(ra.Pix) / 4)
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}

func toRGBA(img image.Image) *image.RGBA {
	r := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(r, r.Rect, img, img.Bounds().Min, draw.Src)
	return r
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want Format
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, JPEG},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), PNG},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), WebP},
		{"gif87a", []byte("GIF87a\x01\x00"), GIF},
		{"gif89a", []byte("GIF89a\x01\x00"), GIF},
		{"text", []byte("hello, this is not an image"), ""},
		{"html", []byte("<!doctype html><html>"), ""},
		{"riff but not webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ""},
		{"short riff", []byte("RIFF"), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(tt.head)
			if got != tt.want {
				t.Errorf("Sniff = %q, want %q", got, tt.want)
			}
			if tt.want == "" {
				if !errors.Is(err, ErrNotImage) {
					t.Fatalf("error = %v, want ErrNotImage", err)
				}
				if want := "not an image: upload a JPEG, PNG, WebP or GIF"; err.Error() != want {
					t.Errorf("message = %q, want %q", err.Error(), want)
				}
			} else if err != nil {
				t.Errorf("error = %v, want nil", err)
			}
		})
	}
}

// pngHeader returns a PNG signature and IHDR chunk declaring w × h RGBA,
// followed by nothing: the shape of a decompression bomb's header.
func pngHeader(w, h uint32) []byte {
	var ihdr bytes.Buffer
	ihdr.WriteString("IHDR")
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 6, 0, 0, 0}) // 8-bit RGBA, deflate, no filter, no interlace
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&out, binary.BigEndian, uint32(ihdr.Len()-4))
	out.Write(ihdr.Bytes())
	binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(ihdr.Bytes()))
	return out.Bytes()
}

func TestCheckHeaderRefusesBombWithoutDecoding(t *testing.T) {
	bomb := pngHeader(20000, 20000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := CheckHeader(bomb, DefaultLimits)
	_, _, decodeErr := Decode(bomb, DefaultLimits)
	runtime.ReadMemStats(&after)

	for _, err := range []error{err, decodeErr} {
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("error = %v, want ErrTooManyPixels", err)
		}
		for _, want := range []string{"20000 × 20000", "400.0 megapixels", "over the limit of 50.0 megapixels"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not contain %q", err, want)
			}
		}
	}
	// 400 megapixels of RGBA would be 1.6 GB.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("allocated %d bytes refusing a header, want < 1 MiB", allocated)
	}
}

func TestCheckHeaderLimits(t *testing.T) {
	photo := readTestdata(t, "kite.jpg")
	tests := []struct {
		name    string
		data    []byte
		limits  Limits
		wantErr error
		wantMsg string
	}{
		{"photo within defaults", photo, Limits{}, nil, ""},
		{"over byte limit", photo, Limits{MaxBytes: 10_000}, ErrTooLarge, "the file is 19 KiB, over the limit of 10 KiB"},
		{"over pixel limit", photo, Limits{MaxPixels: 100_000}, ErrTooManyPixels, "480 × 300 pixels"},
		{"bomb within a raised limit", pngHeader(20000, 20000), Limits{MaxPixels: 400_000_000}, nil, ""},
		{"text", []byte("just some text, long enough"), Limits{}, ErrNotImage, "not an image"},
		{"jpeg magic then garbage", []byte("\xFF\xD8\xFF\xE0garbage garbage"), Limits{}, ErrNotImage, "JPEG file is damaged"},
		{"zero-sized png", pngHeader(0, 10), Limits{}, ErrNotImage, "PNG file is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := CheckHeader(tt.data, tt.limits)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestCheckHeaderReportsSizes(t *testing.T) {
	data := bytes.Repeat([]byte{0}, 30<<20)
	_, _, err := CheckHeader(data, Limits{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
	if want := "the file is 30.0 MiB, over the limit of 25.0 MiB: upload a smaller file"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

// TestJPEGFastDecoderMatchesStandard proves jpegn (used at full size only) is
// not washed out: its pixels match image/jpeg's to a fraction of a level.
func TestJPEGFastDecoderMatchesStandard(t *testing.T) {
	for _, name := range []string{"kite.jpg", "ladybird.jpg"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			if f, err := readJPEGFile(data); err != nil || !f.fast() {
				t.Fatalf("file is diverted to image/jpeg (%v); this test needs one jpegn decodes", err)
			}
			fast, _, err := decodeJPEG(data, true)
			if err != nil {
				t.Fatal(err)
			}
			std, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := fast.(*image.YCbCr); !ok {
				t.Errorf("fast decode gave %T, want the decoder's native *image.YCbCr", fast)
			}
			for c, d := range meanAbsDiff(t, fast, std) {
				if d > 2 {
					t.Errorf("channel %d: mean absolute difference %.2f levels, want ≤ 2", c, d)
				}
			}
		})
	}
}

// TestProgressiveGoesToStandardDecoder covers a jpegn v0.3.0 bug:
// progressive JPEGs whose width in blocks is not a whole number of MCUs
// decode without error but scrambled (and others have wrong blocks, see
// jpegFile.fast). If the first check fails, jpegn has been fixed for this
// file.
func TestProgressiveGoesToStandardDecoder(t *testing.T) {
	data := readTestdata(t, "progressive-ragged.jpg")
	std, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jpegn.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d := meanAbsDiff(t, raw, std); d[0] < 3 {
		t.Errorf("jpegn now decodes this file (difference %.2f)", d[0])
	}
	for _, name := range []string{"progressive-ragged.jpg", "progressive.jpg"} {
		if f, err := readJPEGFile(readTestdata(t, name)); err != nil || f.fast() {
			t.Errorf("%s: readJPEGFile (error %v) says jpegn may decode a progressive file", name, err)
		}
	}
	img, _, err := Decode(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if d := meanAbsDiff(t, img, std); d[0] > 0.01 || d[1] > 0.01 || d[2] > 0.01 {
		t.Errorf("Decode differs from image/jpeg by %v", d)
	}
}

// TestSplitProgressiveMatchesDjpeg covers image/jpeg's restart bug on a
// committed file (cjpeg -sample 2x2 -progressive -restart 1 of a 141 × 99
// crop of a photo) against djpeg's decode of it, stored as PNG. If the
// first check fails, image/jpeg has been fixed and decodeSplitProgressive
// can go.
func TestSplitProgressiveMatchesDjpeg(t *testing.T) {
	data := readTestdata(t, "progressive-restart.jpg")
	if _, err := jpeg.Decode(bytes.NewReader(data)); err == nil {
		t.Error("image/jpeg now decodes progressive JPEGs with restart markers and 4:2:0: remove decodeSplitProgressive")
	}
	f, err := readJPEGFile(data)
	if err != nil || !f.needsSplit() || f.fast() {
		t.Fatalf("readJPEGFile = %+v, %v; want a file for decodeSplitProgressive", f, err)
	}
	img, _, err := Decode(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := png.Decode(bytes.NewReader(readTestdata(t, "progressive-restart.djpeg.png")))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Size() != ref.Bounds().Size() {
		t.Fatalf("size %v, djpeg's %v", img.Bounds().Size(), ref.Bounds().Size())
	}
	if mean, worst := gridDeltaE(onWhite(img), onWhite(ref)); mean > maxMeanDeltaE || worst > maxCellDeltaE {
		t.Errorf("differs from djpeg: mean ΔE %.2f, worst cell %.2f", mean, worst)
	}
}

func TestJPEGFallbackToStandardDecoder(t *testing.T) {
	// jpegn v0.3.0 panics (index out of range) on this 4:2:0 Adobe CMYK file
	// made by ImageMagick; image/jpeg decodes it.
	data := readTestdata(t, "cmyk.jpg")
	if _, err := guard(func() (image.Image, error) { return jpegn.Decode(bytes.NewReader(data)) }); err == nil {
		t.Log("jpegn now decodes cmyk.jpg: find another file it rejects for this test")
	}
	img, _, err := Decode(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(64, 40) {
		t.Errorf("size = %v, want 64×40", got)
	}
	// ImageMagick's own conversion of this pixel to sRGB is (4, 63, 126).
	if c := color.RGBAModel.Convert(img.At(30, 20)).(color.RGBA); !near(c, 4, 63, 126) {
		t.Errorf("pixel (30, 20) = %v, want about (4, 63, 126)", c)
	}

	// The switch used for files jpegn decodes wrongly without an error.
	img, _, err = decodeJPEG(readTestdata(t, "kite.jpg"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.YCbCr); !ok || img.Bounds().Size() != image.Pt(480, 300) {
		t.Errorf("image/jpeg decode = %T %v, want *image.YCbCr 480×300", img, img.Bounds().Size())
	}
}

func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	_, err := guard(func() (image.Image, error) { panic("index out of range") })
	if err == nil || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("guard error = %v, want the panic as an error", err)
	}
}

// TestDecodeDamagedNeverPanics feeds truncated and corrupted files through
// every decoder: each must give an image or ErrNotImage.
func TestDecodeDamagedNeverPanics(t *testing.T) {
	var pngFile, gifFile bytes.Buffer
	src := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	png.Encode(&pngFile, src)
	gif.Encode(&gifFile, src, nil)
	files := [][]byte{readTestdata(t, "kite.jpg"), readTestdata(t, "progressive.jpg"), pngFile.Bytes(), gifFile.Bytes()}
	for _, file := range files {
		for _, cut := range []int{20, 200, len(file) / 3, len(file) / 2, len(file) - 10} {
			checkDamaged(t, file[:cut])
		}
		for _, at := range []int{len(file) / 4, len(file) / 2, 3 * len(file) / 4} {
			corrupt := bytes.Clone(file)
			for i := at; i < at+16 && i < len(corrupt); i++ {
				corrupt[i] ^= 0x5A
			}
			checkDamaged(t, corrupt)
		}
	}
}

func checkDamaged(t *testing.T, data []byte) {
	t.Helper()
	img, _, err := Decode(data, DefaultLimits)
	if err != nil && !errors.Is(err, ErrNotImage) {
		t.Errorf("error = %v, want ErrNotImage", err)
	}
	if err == nil && img.Bounds().Empty() {
		t.Error("no error and an empty image")
	}
}

// jpegWithOrientation encodes img and inserts an EXIF APP1 segment holding
// only the orientation tag, in the given byte order.
func jpegWithOrientation(t *testing.T, img image.Image, orientation uint16, order binary.ByteOrder) []byte {
	t.Helper()
	var encoded bytes.Buffer
	if err := jpeg.Encode(&encoded, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return insertEXIF(encoded.Bytes(), orientation, order)
}

// insertEXIF returns a JPEG with an EXIF APP1 segment, holding a Make tag
// and the orientation, inserted after its SOI marker.
func insertEXIF(jpegFile []byte, orientation uint16, order binary.ByteOrder) []byte {
	if order == nil {
		order = binary.BigEndian
	}
	var tiff bytes.Buffer
	if order == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	binary.Write(&tiff, order, uint16(42))
	binary.Write(&tiff, order, uint32(8))      // IFD0 offset
	binary.Write(&tiff, order, uint16(2))      // entries
	binary.Write(&tiff, order, uint16(0x010F)) // Make, ASCII, ignored
	binary.Write(&tiff, order, uint16(2))
	binary.Write(&tiff, order, uint32(4))
	tiff.WriteString("Cam\x00")
	binary.Write(&tiff, order, uint16(0x0112)) // Orientation, SHORT, 1
	binary.Write(&tiff, order, uint16(3))
	binary.Write(&tiff, order, uint32(1))
	binary.Write(&tiff, order, orientation)
	binary.Write(&tiff, order, uint16(0))
	binary.Write(&tiff, order, uint32(0)) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)

	var out bytes.Buffer
	out.Write(jpegFile[:2]) // SOI
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(payload)+2))
	out.Write(payload)
	out.Write(jpegFile[2:])
	return out.Bytes()
}

// quadrants is a 48 × 32 image, red top left, green top right, blue bottom
// left, white bottom right: every EXIF orientation puts them somewhere else.
func quadrants() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	colours := [2][2]color.RGBA{{{255, 0, 0, 255}, {0, 255, 0, 255}}, {{0, 0, 255, 255}, {255, 255, 255, 255}}}
	for y := range 32 {
		for x := range 48 {
			img.Set(x, y, colours[y/16][x/24])
		}
	}
	return img
}

// Corners of an upright image, and where EXIF orientation n moves the
// source's top-left (red) and top-right (green) corners.
const (
	topLeft = iota
	topRight
	bottomLeft
	bottomRight
)

var orientationCases = []struct {
	orientation uint16
	wide        bool
	red, green  int
	name        string
}{
	{1, true, topLeft, topRight, "upright"},
	{2, true, topRight, topLeft, "mirrored"},
	{3, true, bottomRight, bottomLeft, "rotated 180°"},
	{4, true, bottomLeft, bottomRight, "flipped"},
	{5, false, topLeft, bottomLeft, "transposed"},
	{6, false, topRight, bottomRight, "rotated 90° clockwise"},
	{7, false, bottomRight, topRight, "transversed"},
	{8, false, bottomLeft, topLeft, "rotated 90° anticlockwise"},
}

// cornerColour samples a pixel 4 px in from the given corner.
func cornerColour(img image.Image, corner int) color.RGBA {
	b := img.Bounds()
	x, y := b.Min.X+4, b.Min.Y+4
	if corner == topRight || corner == bottomRight {
		x = b.Max.X - 5
	}
	if corner == bottomLeft || corner == bottomRight {
		y = b.Max.Y - 5
	}
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func near(c color.RGBA, r, g, b uint8) bool {
	d := func(a, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= 24 }
	return d(c.R, r) && d(c.G, g) && d(c.B, b)
}

func checkOrientation(t *testing.T, img image.Image, wide bool, red, green int) {
	t.Helper()
	if size := img.Bounds().Size(); (size.X > size.Y) != wide {
		t.Errorf("size %v: wide = %v, want %v", size, size.X > size.Y, wide)
	}
	if c := cornerColour(img, red); !near(c, 255, 0, 0) {
		t.Errorf("corner %d = %v, want red", red, c)
	}
	if c := cornerColour(img, green); !near(c, 0, 255, 0) {
		t.Errorf("corner %d = %v, want green", green, c)
	}
}

func TestDecodeAppliesEXIFOrientation(t *testing.T) {
	for _, tt := range orientationCases {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			t.Run(tt.name+" "+order.String(), func(t *testing.T) {
				data := jpegWithOrientation(t, quadrants(), tt.orientation, order)
				if f, err := readJPEGFile(data); err != nil || f.orientation != int(tt.orientation) {
					t.Fatalf("orientation read = %d (error %v), want %d", f.orientation, err, tt.orientation)
				}
				img, _, err := Decode(data, DefaultLimits)
				if err != nil {
					t.Fatal(err)
				}
				wantSize := image.Pt(48, 32)
				if !tt.wide {
					wantSize = image.Pt(32, 48)
				}
				if got := img.Bounds().Size(); got != wantSize {
					t.Errorf("size = %v, want %v", got, wantSize)
				}
				checkOrientation(t, img, tt.wide, tt.red, tt.green)
			})
		}
	}
}

func TestDecodeUnpremultipliesAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	copy(src.Pix, []uint8{200, 100, 50, 128, 10, 20, 30, 255, 255, 255, 255, 0, 90, 180, 40, 1})
	var pngFile bytes.Buffer
	if err := png.Encode(&pngFile, src); err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(pngFile.Bytes(), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := img.(*image.NRGBA)
	if !ok || format != PNG {
		t.Fatalf("Decode = %T, %q; want *image.NRGBA, png", img, format)
	}
	if !bytes.Equal(got.Pix, src.Pix) {
		t.Errorf("pixels = %v, want %v", got.Pix, src.Pix)
	}

	// A GIF with a transparent palette entry comes back as NRGBA with that
	// pixel transparent; an opaque one as RGBA.
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.NRGBA{200, 0, 0, 255}, color.NRGBA{0, 0, 0, 0}})
	pal.Pix = []uint8{0, 1}
	var gifFile bytes.Buffer
	if err := gif.Encode(&gifFile, pal, nil); err != nil {
		t.Fatal(err)
	}
	img, _, err = Decode(gifFile.Bytes(), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("GIF with transparency decoded to %T, want *image.NRGBA", img)
	}
	if got, want := n.Pix, []uint8{200, 0, 0, 255, 0, 0, 0, 0}; !bytes.Equal(got, want) {
		t.Errorf("GIF pixels = %v, want %v", got, want)
	}

	opaque := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
	}
	pngFile.Reset()
	png.Encode(&pngFile, opaque)
	if img, _, err := Decode(pngFile.Bytes(), DefaultLimits); err != nil || !isType[*image.RGBA](img) {
		t.Errorf("opaque PNG decoded to %T, %v; want *image.RGBA", img, err)
	}
}

func isType[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

func TestWebPRoundTrip(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 40))
	for y := range 40 {
		for x := range 64 {
			a := uint8(255)
			if x < 16 {
				a = 0
			}
			src.SetNRGBA(x, y, color.NRGBA{uint8(4 * x), 120, uint8(6 * y), a})
		}
	}
	data, err := EncodeWebP(src, 90)
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if format != WebP || img.Bounds().Size() != src.Bounds().Size() {
		t.Fatalf("Decode = %q %v, want webp %v", format, img.Bounds().Size(), src.Bounds().Size())
	}
	got, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("WebP with alpha decoded to %T, want *image.NRGBA", img)
	}
	if a := got.NRGBAAt(4, 4).A; a != 0 {
		t.Errorf("transparent pixel alpha = %d, want 0", a)
	}
	if c := got.NRGBAAt(40, 20); math.Abs(float64(c.R)-160) > 12 || math.Abs(float64(c.G)-120) > 12 || c.A != 255 {
		t.Errorf("opaque pixel = %v, want about {160 120 120 255}", c)
	}
}
