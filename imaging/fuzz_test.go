package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Bounds on fuzzed images, so the fuzzer spends its time in the palette
// code rather than allocating.
const (
	fuzzMaxPixels = 1 << 20
	fuzzRawSide   = 256
)

// FuzzExtractPalette feeds arbitrary bytes to both engines. Bytes that
// decode as a PNG, GIF or JPEG image are used as such; anything else is read
// as a raw pixel buffer (width, height, pixel type, palette size, then
// pixels, repeated to fill), so every input reaches the palette code.
// Properties: no panic, the working image stays within 256×256, and any
// palette has 1..MaxColors swatches, in order, with shares summing to exactly
// 1 and valid JSON.
func FuzzExtractPalette(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{15, 15, 0, 6, 255, 255, 255, 255, 200, 16, 46, 255})
	f.Add([]byte{63, 31, 1, 2, 0, 0, 0, 0, 128, 64, 32, 128})
	f.Add([]byte{7, 7, 2, 0, 0, 255, 128})
	f.Add([]byte{255, 255, 3, 5, 12, 200, 90, 13, 99, 250})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, maxColors := fuzzImage(data)
		if img == nil {
			return
		}
		if s, err := newPaletteSample(img); err == nil && (s.w > paletteSide || s.h > paletteSide || len(s.rgb) != s.w*s.h) {
			t.Fatalf("working image %d×%d (%d pixels) for a %v input", s.w, s.h, len(s.rgb), img.Bounds())
		}
		for _, engine := range []string{EngineLabKMeans, EngineProminentColor} {
			p, err := ExtractPalette(img, PaletteOptions{Engine: engine, MaxColors: maxColors})
			if err != nil {
				if !errors.Is(err, ErrNoColour) {
					t.Fatalf("%s: unexpected error %v", engine, err)
				}
				continue
			}
			checkPaletteInvariants(t, p)
			if want := min(MaxPaletteColors, maxColors); maxColors > 0 && len(p.Swatches) > want {
				t.Fatalf("%s: %d swatches for MaxColors %d", engine, len(p.Swatches), maxColors)
			}
			if _, err := json.Marshal(p); err != nil {
				t.Fatalf("%s: palette does not marshal: %v", engine, err)
			}
		}
	})
}

// fuzzDecoders are the standard library's decoders, called directly: the
// image.Decode registry of this package also holds jpegn, whose
// DecodeConfig panics on some truncated files (seed b21f06578e0967e0); the
// pipeline guards jpegn itself, and this target is about the palette code.
var fuzzDecoders = []struct {
	magic  string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	{"\x89PNG", png.DecodeConfig, png.Decode},
	{"GIF8", gif.DecodeConfig, gif.Decode},
	{"\xff\xd8", func(r io.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }, func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }},
}

// fuzzImage turns fuzz input into an image of bounded size, or nil.
func fuzzImage(data []byte) (image.Image, int) {
	for _, d := range fuzzDecoders {
		if !bytes.HasPrefix(data, []byte(d.magic)) {
			continue
		}
		cfg, err := d.config(bytes.NewReader(data))
		if err != nil {
			break // not a valid image: read it as raw pixels
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > fuzzMaxPixels {
			return nil, 0
		}
		img, err := d.decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0
		}
		return img, 0
	}
	if len(data) < 4 {
		return nil, 0
	}
	w, h := 1+int(data[0])%fuzzRawSide, 1+int(data[1])%fuzzRawSide
	kind, maxColors, pix := data[2]%4, int(data[3]%9), data[4:]
	if len(pix) == 0 {
		pix = []byte{0}
	}
	at := func(i int) uint8 { return pix[i%len(pix)] }
	rect := image.Rect(0, 0, w, h)
	switch kind {
	case 0:
		img := image.NewNRGBA(rect)
		for i := range img.Pix {
			img.Pix[i] = at(i)
		}
		return img, maxColors
	case 1: // premultiplied: colour never above alpha
		img := image.NewRGBA(rect)
		for i := 0; i < len(img.Pix); i += 4 {
			a := at(i + 3)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = min(at(i), a), min(at(i+1), a), min(at(i+2), a), a
		}
		return img, maxColors
	case 2:
		img := image.NewGray(rect)
		for i := range img.Pix {
			img.Pix[i] = at(i)
		}
		return img, maxColors
	default:
		img := image.NewNRGBA64(rect)
		for i := 0; i < w*h; i++ {
			img.SetNRGBA64(i%w, i/w, color.NRGBA64{uint16(at(4*i)) * 257, uint16(at(4*i+1)) * 257, uint16(at(4*i+2)) * 257, uint16(at(4*i+3)) * 257})
		}
		return img, maxColors
	}
}

// fuzzDecodeLimits keep the fuzzer's images small, so it spends its time in
// the parsers rather than allocating.
var fuzzDecodeLimits = Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 18}

// FuzzDecode feeds arbitrary bytes to CheckHeader, Decode and Process and to
// the marker, EXIF and ICC readers. Properties: no panic and no hang; a
// refusal is one of the upload errors with a message; a decoded image has
// the size the header declared (turned by EXIF orientation), and Process
// gives thumbnails and a palette for it.
func FuzzDecode(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, which
	// takes a minute on a photo-sized one.
	for _, name := range []string{"cmyk.jpg", "progressive-restart.jpg"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range fuzzDecodeSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if f, err := readJPEGFile(data); err == nil {
			_ = f.unreadable()
			_ = f.fast()
		}
		if p, ok := parseMatrixProfile(data); ok {
			newColourTransform(p)
		}
		_ = pngICC(data)
		_ = webpICC(data)

		format, cfg, err := CheckHeader(data, fuzzDecodeLimits)
		img, decodedFormat, decodeErr := Decode(data, fuzzDecodeLimits)
		if err != nil {
			checkUploadError(t, err)
			if decodeErr == nil {
				t.Fatalf("CheckHeader refused (%v) what Decode accepted", err)
			}
			return
		}
		if decodeErr != nil {
			checkUploadError(t, decodeErr)
			return
		}
		if decodedFormat != format {
			t.Fatalf("Decode says %s, CheckHeader %s", decodedFormat, format)
		}
		size := img.Bounds().Size()
		if size != image.Pt(cfg.Width, cfg.Height) && size != image.Pt(cfg.Height, cfg.Width) {
			t.Fatalf("decoded %v, header says %d×%d", size, cfg.Width, cfg.Height)
		}
		res, err := Process(data, ProcessOptions{Limits: fuzzDecodeLimits, Thumbs: ThumbOptions{Sizes: []int{64, 16}}})
		if err != nil {
			if !errors.Is(err, ErrNoColour) {
				t.Fatalf("Process of a decodable image: %v", err)
			}
			return
		}
		if len(res.Thumbs) == 0 || res.Width != size.X || res.Height != size.Y {
			t.Fatalf("Process: %d thumbnails, %d×%d for a %v image", len(res.Thumbs), res.Width, res.Height, size)
		}
	})
}

// checkUploadError fails unless err is one of the refusals an upload can
// get, with a message.
func checkUploadError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotImage) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("error %v is not an upload refusal", err)
	}
	if err.Error() == "" {
		t.Fatal("refusal without a message")
	}
}

// fuzzDecodeSeeds are small files of each format and kind: a JPEG with EXIF
// orientation and a Display P3 profile in APP2, the same declaring a
// restart interval its data does not follow, a PNG with an iCCP profile
// and transparency, a GIF, a lossy WebP with alpha, and the bare profile.
func fuzzDecodeSeeds(f *testing.F) [][]byte {
	icc, err := os.ReadFile(filepath.Join("testdata", "icc", "DisplayP3-v4.icc"))
	if err != nil {
		f.Fatal(err)
	}
	src := quadrants()
	var jpegFile bytes.Buffer
	if err := jpeg.Encode(&jpegFile, src, &jpeg.Options{Quality: 80}); err != nil {
		f.Fatal(err)
	}
	withEXIF := insertEXIF(jpegFile.Bytes(), 6, binary.LittleEndian)
	app2 := append([]byte("ICC_PROFILE\x00\x01\x01"), icc...)
	tagged := slices.Concat(withEXIF[:2], []byte{0xFF, 0xE2, byte((len(app2) + 2) >> 8), byte(len(app2) + 2)}, app2, withEXIF[2:])
	dri := slices.Concat(tagged[:2], []byte{0xFF, markerDRI, 0, 4, 0, 1}, tagged[2:])

	translucent := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for i := range translucent.Pix {
		translucent.Pix[i] = uint8(i * 13)
	}
	var pngFile, gifFile bytes.Buffer
	if err := png.Encode(&pngFile, translucent); err != nil {
		f.Fatal(err)
	}
	if err := gif.Encode(&gifFile, src, nil); err != nil {
		f.Fatal(err)
	}
	// iCCP after IHDR: name, a NUL, compression method 0, zlib data.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(icc)
	zw.Close()
	iccp := slices.Concat([]byte("iCCP"), []byte("P3\x00\x00"), z.Bytes())
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(iccp)-4))
	chunk = append(append(chunk, iccp...), binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(iccp))...)
	pngTagged := slices.Concat(pngFile.Bytes()[:33], chunk, pngFile.Bytes()[33:])

	webpFile, err := EncodeWebP(translucent, 60)
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{tagged, dri, pngTagged, gifFile.Bytes(), webpFile, icc}
}
