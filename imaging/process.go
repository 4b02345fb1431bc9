package imaging

import (
	"fmt"
	"sync"

	"github.com/warna/warna/imaging/palette"
)

// Result is what Process extracts from one original image.
type Result struct {
	Format        Format
	Width, Height int // of the upright original
	// ColourSpace is the original's, from its embedded ICC profile; Thumbs
	// and Palette are sRGB whatever it is.
	ColourSpace ColourSpace
	Thumbs      []Thumb
	Palette     palette.Palette
}

// ProcessOptions configure Process; zero values take each part's defaults.
type ProcessOptions struct {
	Limits  Limits
	Thumbs  ThumbOptions
	Palette palette.Options
}

// Process runs the pipeline for one uploaded original: header checks against
// the limits, a full-size decode, the JPEG thumbnails and the palette.
//
// The only full-size work is decoding and the first reduction: thumbnails
// are turned upright and converted to sRGB after resizing, and the palette
// is extracted from a thumbnail while the thumbnails are encoded.
func Process(data []byte, opts ProcessOptions) (Result, error) {
	d, err := decode(data, opts.Limits, decodeOptions{})
	if err != nil {
		return Result{}, err
	}
	set, err := resizeThumbs(pictureOf(d.img), d.orientation, d.colour.transform, opts.Thumbs)
	if err != nil {
		return Result{}, fmt.Errorf("thumbnails: %w", err)
	}
	var pal palette.Palette
	var paletteErr error
	var wg sync.WaitGroup
	wg.Go(func() { pal, paletteErr = palette.Extract(set.paletteImage(), opts.Palette) })
	thumbs, err := set.encode()
	wg.Wait()
	if err != nil {
		return Result{}, fmt.Errorf("thumbnails: %w", err)
	}
	if paletteErr != nil {
		return Result{}, fmt.Errorf("palette: %w", paletteErr)
	}
	w, h := d.img.Bounds().Dx(), d.img.Bounds().Dy()
	if d.orientation >= 5 {
		w, h = h, w
	}
	return Result{Format: d.format, Width: w, Height: h, ColourSpace: d.colour.space, Thumbs: thumbs, Palette: pal}, nil
}
