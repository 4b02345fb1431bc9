package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/warna/warna/imaging/palette"
)

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
			if !errors.Is(err, palette.ErrNoColour) {
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
