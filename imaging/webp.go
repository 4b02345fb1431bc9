package imaging

import (
	"bytes"
	"fmt"
	"image"

	"github.com/gen2brain/webp"
)

// EncodeWebP encodes img as lossy WebP at quality 1..100 (0 means 75). It runs
// libwebp translated to pure Go (no cgo; a system libwebp.so is used instead
// when the binary is dynamically linked and one is installed), which is much
// slower than JPEG encoding: call it from a low-priority job.
func EncodeWebP(img image.Image, quality int) ([]byte, error) {
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("encode webp: empty image")
	}
	var buf bytes.Buffer
	if err := webp.Encode(&buf, img, webp.Options{Quality: min(max(quality, 0), 100)}); err != nil {
		return nil, fmt.Errorf("encode webp: %w", err)
	}
	return buf.Bytes(), nil
}
