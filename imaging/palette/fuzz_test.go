package palette

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
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
		if s, err := newPaletteSample(img); err == nil && (s.w > WorkingSide || s.h > WorkingSide || len(s.rgb) != s.w*s.h) {
			t.Fatalf("working image %d×%d (%d pixels) for a %v input", s.w, s.h, len(s.rgb), img.Bounds())
		}
		for _, engine := range []string{EngineLabKMeans, EngineProminentColor} {
			p, err := Extract(img, Options{Engine: engine, MaxColors: maxColors})
			if err != nil {
				if !errors.Is(err, ErrNoColour) {
					t.Fatalf("%s: unexpected error %v", engine, err)
				}
				continue
			}
			checkPaletteInvariants(t, p)
			if want := min(MaxColors, maxColors); maxColors > 0 && len(p.Swatches) > want {
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
