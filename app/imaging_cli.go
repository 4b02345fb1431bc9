package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/warna/warna/imaging"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// ImageColours is what `warna colors` prints for an image file.
type ImageColours struct {
	Input       string             `json:"input"`
	Width       int                `json:"width"`
	Height      int                `json:"height"`
	Engine      string             `json:"engine"`
	Version     int                `json:"version"`
	BgUncertain bool               `json:"bg_uncertain"`
	Palette     []palette.Swatch   `json:"palette"`
	Families    map[string]float64 `json:"families"`
	Dominant    string             `json:"dominant"`
	Multicolour bool               `json:"multicolour"`
}

// NamedColour is what `warna colors` prints for a colour such as "#1e90ff",
// "burgundy" or "biru tua": how search reads it (kind "family", a region;
// "name", a point with its own tolerance; "hex", a point with the
// searcher's tol), its canonical term and its colour.
type NamedColour struct {
	Input     string            `json:"input"`
	Kind      colour.TermKind   `json:"kind"`
	Term      string            `json:"term"`
	Tolerance float64           `json:"tolerance,omitempty"` // ΔE00, for names
	Family    string            `json:"family"`
	FamilyP   colour.Membership `json:"family_p"` // soft membership of each family, as in a palette's swatches
	Name      string            `json:"name"`     // the nearest XKCD survey name
	Hex       string            `json:"hex"`
	Lab       [3]float64        `json:"lab"`
}

// DescribeColours reads one argument of `warna colors`: an image file when a
// file of that name exists, else a colour (hex code or name). The result is
// an ImageColours or a NamedColour; the palette is the one the image
// pipeline stores for a product photo with the same engine.
func DescribeColours(input, engine string) (any, error) {
	if st, err := os.Stat(input); err == nil && st.Mode().IsRegular() {
		data, err := os.ReadFile(input)
		if err != nil {
			return nil, err
		}
		res, err := imaging.Process(data, imaging.ProcessOptions{Palette: palette.Options{Engine: engine}})
		if err != nil {
			return nil, err
		}
		cat := palette.Categorise([]palette.Palette{res.Palette}, "")
		out := ImageColours{
			Input: input, Width: res.Width, Height: res.Height, Engine: res.Palette.Engine, Version: res.Palette.Version,
			BgUncertain: res.Palette.BgUncertain, Palette: res.Palette.Swatches, Families: map[string]float64{},
			Dominant: string(cat.Dominant), Multicolour: cat.Multicolour,
		}
		for f, s := range cat.Families {
			out.Families[string(f)] = math.Round(s*10000) / 10000
		}
		return out, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	term, err := colour.LookupColour(input)
	if err != nil {
		return nil, fmt.Errorf("no such file, and %w", err)
	}
	lab := term.Lab
	_, _, name := colour.Name(lab)
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	return NamedColour{
		Input: input, Kind: term.Kind, Term: term.Text, Tolerance: term.Tolerance, Family: string(term.Family),
		FamilyP: term.Membership(), Name: name, Hex: lab.Hex(), Lab: [3]float64{round(lab.L), round(lab.A), round(lab.B)},
	}, nil
}

// ThumbFiles are the files `warna thumbs` wrote for one input.
type ThumbFiles struct {
	Input   string   `json:"input"`
	JPEG    []string `json:"jpeg"`
	WebP    []string `json:"webp,omitempty"`
	Palette string   `json:"palette"`
}

// MakeThumbFiles runs the image pipeline on a file and writes its JPEG
// thumbnails (NAME-SIZE.jpg), its palette (NAME.palette.json) and, with
// webp, WebP variants of the thumbnails (NAME-SIZE.webp) into dir.
func MakeThumbFiles(path, dir string, webp bool, engine string) (ThumbFiles, error) {
	out := ThumbFiles{Input: path}
	data, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	res, err := imaging.Process(data, imaging.ProcessOptions{Palette: palette.Options{Engine: engine}})
	if err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	write := func(name string, b []byte) (string, error) {
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, b, 0o644)
	}
	for _, t := range res.Thumbs {
		p, err := write(fmt.Sprintf("%s-%d.jpg", base, t.Size), t.JPEG)
		if err != nil {
			return out, err
		}
		out.JPEG = append(out.JPEG, p)
		if !webp {
			continue
		}
		pic, err := jpeg.Decode(bytes.NewReader(t.JPEG))
		if err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		w, err := imaging.EncodeWebP(pic, 80)
		if err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		if p, err = write(fmt.Sprintf("%s-%d.webp", base, t.Size), w); err != nil {
			return out, err
		}
		out.WebP = append(out.WebP, p)
	}
	pal, err := json.MarshalIndent(res.Palette, "", "  ")
	if err != nil {
		return out, err
	}
	out.Palette, err = write(base+".palette.json", append(pal, '\n'))
	return out, err
}

// ReprocessImages queues the images whose palette engine or extractor
// version differ from the current ones (every image with all); the running
// server's workers process them.
func (a *App) ReprocessImages(ctx context.Context, all bool, progress func(done, total int)) (int, error) {
	return a.catalog.Pipeline.Reprocess(ctx, all, progress)
}
