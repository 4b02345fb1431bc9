package palette

import (
	"bytes"
	"github.com/warna/warna/imaging/imagingtest"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

// TestPaletteOnImageMagickBackdrops draws product shots with ImageMagick,
// a tool that knows nothing of the mask: a studio gradient (issue 13's
// case), a radial vignette, a blurred contact shadow, and a cut-out PNG
// with a drop shadow in its alpha channel. The palette must be the
// product's colour alone.
func TestPaletteOnImageMagickBackdrops(t *testing.T) {
	convert := imagingtest.RequireTools(t, "convert")["convert"]
	tests := []struct {
		name   string
		file   string
		args   []string
		family colour.Family
	}{
		{"red on a grey-blue gradient", "gradient.jpg", []string{"-size", "400x500", "gradient:#f4f6fa-#8c9bb3",
			"-fill", "#c8102e", "-draw", "roundrectangle 130,150 270,420 20,20", "-quality", "88"}, colour.Red},
		{"blue on a vignette", "vignette.jpg", []string{"-size", "400x400", "radial-gradient:#ececec-#5a5a5a",
			"-fill", "#1f3a93", "-draw", "circle 200,200 200,120", "-quality", "85"}, colour.Blue},
		{"green over a soft shadow", "shadow.jpg", []string{"-size", "400x400", "xc:#f5f5f5",
			"-fill", "#00000066", "-draw", "ellipse 200,305 120,22 0,360", "-blur", "0x12",
			"-fill", "#2e7d32", "-draw", "rectangle 130,110 270,300", "-quality", "90"}, colour.Green},
		{"orange cut-out with a drop shadow", "cutout.png", []string{"-size", "300x300", "xc:none",
			"-fill", "#00000070", "-draw", "ellipse 150,245 95,18 0,360", "-blur", "0x10",
			"-fill", "#ff8c00", "-draw", "circle 150,140 150,60"}, colour.Orange},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		path := filepath.Join(dir, tc.file)
		if out, err := exec.Command(convert, append(tc.args, path)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: convert: %v\n%s", tc.name, err, out)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The standard decoders by name: image.Decode could pick jpegn
		// (see doc.go).
		decode := jpeg.Decode
		if filepath.Ext(path) == ".png" {
			decode = png.Decode
		}
		img, err := decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p := extract(t, img, Options{})
		onlyFamilies(t, tc.name, p, tc.family)
		if p.BgUncertain {
			t.Errorf("%s: bg_uncertain set for a clear product", tc.name)
		}
	}
}
