// Package catalogtest makes the image files catalogue tests upload: real
// PNGs of a coloured product on white, and a decompression bomb as the
// header check sees it.
package catalogtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// Photo draws a real PNG of w×h pixels: a square of colour c on white,
// covering the middle of the picture (from margin×size to (1−margin)×size on
// each axis; 1/4 when margin is 0).
func Photo(t testing.TB, w, h int, c color.RGBA, margin float64) []byte {
	t.Helper()
	if margin <= 0 {
		margin = 0.25
	}
	x0, x1 := int(float64(w)*margin), int(float64(w)*(1-margin))
	y0, y1 := int(float64(h)*margin), int(float64(h)*(1-margin))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			if x > x0 && x < x1 && y > y0 && y < y1 {
				img.SetRGBA(x, y, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BombPNG is a valid PNG header declaring a w×h canvas, followed by a tiny
// IDAT: a decompression bomb as the header check sees it.
func BombPNG(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		body := append([]byte(kind), data...)
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		buf.Write(body)
		buf.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}
