package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/warna/warna/imaging/imagingtest"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// diffCase is one file of the differential corpus: made from a committed
// photo by an independent tool, with the reference picture another tool
// decoded from it, or the refusal Warna must give.
type diffCase struct {
	kind   string      // how the file was made
	source string      // the photo it was made from
	file   string      // the file under test
	ref    string      // the reference decode (Netpbm), "" for a refusal
	refuse string      // what the refusal must say
	space  ColourSpace // the colour space Process must report; "" for sRGB
	// pipeline marks the kinds also run through Process (a few of each
	// decoder path: the whole corpus through Process would take minutes
	// under the race detector).
	pipeline bool
}

// diffSources are the committed photos the corpus is made from: a 533 × 401
// colour photo (neither side a multiple of 16, so every sampling has ragged
// MCUs), a 640 × 400 one, and a greyscale one.
var diffSources = []string{"mate_FreshFlower", "mate_LadyBird", "kde_Grey"}

// Worst mean and worst cell ΔE76 (24 × 24 grid) a decode may differ from
// the reference by. JPEG decoders differ by a level here and there (IDCT
// rounding, chroma upsampling); a wrong picture is off by tens.
const (
	maxMeanDeltaE = 1.0
	maxCellDeltaE = 3.0
)

// TestDecodeMatchesLibjpeg is the differential decode test of the issue
// "never a wrong picture": it makes JPEGs of every kind with jpegtran,
// cjpeg, ImageMagick and vips from the committed photos, PNG, WebP and GIF
// files with ImageMagick and cwebp, decodes each with Decode and compares the
// picture with libjpeg-turbo's djpeg (JPEG), ImageMagick (PNG, GIF, ICC
// profiles through lcms) or dwebp (WebP): mean ΔE76 over a 24 × 24 grid at
// most 1. Kinds no decoder here can read must be refused with a message
// saying so. Every decoded file also goes through Process, whose thumbnail
// and palette must match those of the reference picture.
func TestDecodeMatchesLibjpeg(t *testing.T) {
	imagingtest.RequireTools(t, "djpeg", "cjpeg", "jpegtran", "convert", "identify", "vips", "cwebp", "dwebp")
	dir := t.TempDir()
	var cases []diffCase
	for _, src := range diffSources {
		cases = append(cases, jpegCases(t, dir, src)...)
	}
	cases = append(cases, imageMagickCases(t, dir, "mate_FreshFlower")...)
	cases = append(cases, orientationCasesFrom(t, dir, "mate_LadyBird")...)

	var table strings.Builder
	fmt.Fprintf(&table, "%-44s %-17s %-17s %-12s %s\n", "kind", "photo", "decoder", "space", "mean ΔE (worst cell) / refusal")
	for _, c := range cases {
		t.Run(c.source+"/"+c.kind, func(t *testing.T) {
			row := checkDiffCase(t, c)
			fmt.Fprintf(&table, "%-44s %-17s %s\n", c.kind, c.source, row)
		})
	}
	t.Logf("differential decode, %d files:\n%s", len(cases), table.String())
}

// checkDiffCase decodes one file and compares it; it returns the row of
// the table.
func checkDiffCase(t *testing.T, c diffCase) string {
	data, err := os.ReadFile(c.file)
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode(data, DefaultLimits, decodeOptions{})
	if c.ref == "" {
		if err == nil {
			t.Fatalf("decoded a file that must be refused (%q)", c.refuse)
		}
		if !strings.Contains(err.Error(), c.refuse) {
			t.Errorf("refusal %q does not say %q", err, c.refuse)
		}
		return fmt.Sprintf("%-17s %-12s refused: %s", "-", "-", err)
	}
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	img := d.upright() // what Decode returns
	refData, err := os.ReadFile(c.ref)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := readNetpbm(refData)
	if err != nil {
		t.Fatalf("reference %s: %v", c.ref, err)
	}
	if img.Bounds().Size() != ref.Bounds().Size() {
		t.Fatalf("size %v, reference %v", img.Bounds().Size(), ref.Bounds().Size())
	}
	mean, worst := gridDeltaE(onWhite(img), onWhite(ref))
	if mean > maxMeanDeltaE || worst > maxCellDeltaE {
		t.Errorf("differs from the reference: mean ΔE %.2f (want ≤ %.1f), worst cell %.2f (want ≤ %.1f)",
			mean, maxMeanDeltaE, worst, maxCellDeltaE)
	}
	if d.decoder == "jpegn" {
		checkSameAsStandard(t, data, d.img)
	}
	wantSpace := c.space
	if wantSpace == "" {
		wantSpace = SRGB
	}
	if d.colour.space != wantSpace {
		t.Errorf("colour space %q, want %q", d.colour.space, wantSpace)
	}
	if c.pipeline {
		checkPipeline(t, data, ref)
	}
	return fmt.Sprintf("%-17s %-12s %.2f (%.2f)", d.decoder, d.colour.space, mean, worst)
}

// checkSameAsStandard proves a jpegn decode pixel for pixel: no sample may
// differ from image/jpeg's by more than the two decoders' IDCT rounding.
// (A grid average would hide a wrong block.)
func checkSameAsStandard(t *testing.T, data []byte, fast image.Image) {
	t.Helper()
	std, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	a, b := onWhite(fast), onWhite(std)
	worst := 0
	for i := range a.Pix {
		worst = max(worst, int(a.Pix[i])-int(b.Pix[i]), int(b.Pix[i])-int(a.Pix[i]))
	}
	if worst > 3 {
		t.Errorf("jpegn differs from image/jpeg by up to %d levels (want ≤ 3)", worst)
	}
}

// checkPipeline runs Process on the file and on a lossless copy of the
// reference picture: the thumbnails and palettes must agree, so no wrong
// picture reaches a thumbnail or the palette by another path.
func checkPipeline(t *testing.T, data []byte, ref *image.NRGBA) {
	t.Helper()
	opts := ProcessOptions{Thumbs: ThumbOptions{Sizes: []int{160}}}
	got, err := Process(data, opts)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	var refPNG bytes.Buffer
	if err := png.Encode(&refPNG, ref); err != nil {
		t.Fatal(err)
	}
	want, err := Process(refPNG.Bytes(), opts)
	if err != nil {
		t.Fatalf("Process of the reference: %v", err)
	}
	// The two thumbnails come from different paths (YCbCr or RGB planes)
	// and are each JPEG-encoded at quality 82, which is what the worst cell
	// allows for; a wrong picture is off by tens everywhere.
	g, w := decodeThumb(t, got.Thumbs[0]), decodeThumb(t, want.Thumbs[0])
	if g.Bounds() != w.Bounds() {
		t.Fatalf("thumbnail %v, reference's %v", g.Bounds(), w.Bounds())
	}
	if mean, worst := gridDeltaE(onWhite(g), onWhite(w)); mean > 1.5 || worst > 10 {
		t.Errorf("160 px thumbnail differs from the reference's: mean ΔE %.2f (want ≤ 1.5), worst cell %.2f (want ≤ 10)", mean, worst)
	}
	// k-means may split or merge a colour differently on pictures a level
	// apart, so palettes are compared by how far each swatch is from the
	// nearest swatch of the other palette, weighted by share.
	const maxPaletteDistance = 8
	if d := max(paletteDistance(got.Palette, want.Palette), paletteDistance(want.Palette, got.Palette)); d > maxPaletteDistance {
		t.Errorf("palette is ΔE00 %.2f from the reference's (want ≤ %d):\n got %v\nwant %v", d, maxPaletteDistance, got.Palette.Swatches, want.Palette.Swatches)
	}
	// The check must catch what jpegn did to files with restart markers.
	green := palette.Palette{Swatches: []palette.Swatch{{Lab: [3]float64{49.2, -51.6, 48.9}, Share: 1}}} // #008700
	if d := paletteDistance(green, want.Palette); d <= maxPaletteDistance {
		t.Fatalf("a uniformly green picture's palette is only ΔE00 %.2f from the reference's: the check cannot fail", d)
	}
}

// paletteDistance is the share-weighted mean, over the swatches of p, of
// the CIEDE2000 distance to the nearest swatch of q.
func paletteDistance(p, q palette.Palette) float64 {
	var sum float64
	for _, s := range p.Swatches {
		nearest := math.Inf(1)
		for _, o := range q.Swatches {
			nearest = min(nearest, colour.DeltaE00(colour.Lab{L: s.Lab[0], A: s.Lab[1], B: s.Lab[2]}, colour.Lab{L: o.Lab[0], A: o.Lab[1], B: o.Lab[2]}))
		}
		sum += s.Share * nearest
	}
	return sum
}

// pipelineKinds are the kinds checkPipeline also runs through Process (with
// EXIF orientation 6): one of each decoder path, restart markers (what
// jpegn got wrong), CMYK, colour profiles, transparency and lossy WebP.
var pipelineKinds = map[string]bool{
	"jpegtran -copy none": true, "jpegtran -restart 1": true, "cjpeg 4:2:0 -restart 3": true,
	"jpegtran -progressive -restart 2": true,
	"ImageMagick CMYK (YCCK, Adobe)":   true, "ImageMagick JPEG + DisplayP3-v4.icc": true,
	"ImageMagick JPEG + AdobeRGB1998.icc": true, "ImageMagick PNG alpha": true,
	"cwebp lossy": true, "cwebp lossy alpha": true,
}

// jpegCases makes the JPEG corpus of one photo: jpegtran's lossless
// rewrites of the committed file (restart markers, progressive with and
// without them, grey, arithmetic coding) and cjpeg's encodings of djpeg's
// decode of it (each chroma sampling, with and without restart markers,
// baseline and progressive, RGB), files cut short, and two headers no tool
// here writes.
func jpegCases(t *testing.T, dir, src string) []diffCase {
	original := filepath.Join("testdata", "photos", src+".jpg")
	pnm := filepath.Join(dir, src+".pnm")
	run(t, "djpeg", "-pnm", "-outfile", pnm, original)
	grey := src == "kde_Grey"

	var cases []diffCase
	n := 0
	add := func(kind string, tool string, args ...string) int {
		n++
		out := filepath.Join(dir, fmt.Sprintf("%s-%02d.jpg", src, n))
		in := original
		if tool == "cjpeg" {
			in = pnm
		}
		run(t, tool, append(append(args, "-outfile", out), in)...)
		c := diffCase{kind: kind, source: src, file: out, ref: out + ".pnm", pipeline: pipelineKinds[kind]}
		if bytes.Contains([]byte(kind), []byte("-arithmetic")) {
			c.ref, c.refuse = "", "arithmetic coding, which Warna cannot read"
		} else {
			run(t, "djpeg", "-pnm", "-outfile", c.ref, out)
		}
		cases = append(cases, c)
		return len(cases) - 1
	}
	baseline := add("jpegtran -copy none", "jpegtran", "-copy", "none")
	add("jpegtran -restart 1", "jpegtran", "-restart", "1")
	add("jpegtran -restart 4B", "jpegtran", "-restart", "4B")
	add("jpegtran -optimize -restart 2", "jpegtran", "-optimize", "-restart", "2")
	progressive := add("jpegtran -progressive", "jpegtran", "-progressive")
	add("jpegtran -progressive -restart 2", "jpegtran", "-progressive", "-restart", "2")
	add("jpegtran -progressive -restart 1B", "jpegtran", "-progressive", "-restart", "1B")
	add("jpegtran -grayscale", "jpegtran", "-grayscale")
	add("jpegtran -grayscale -restart 1", "jpegtran", "-grayscale", "-restart", "1")
	add("jpegtran -arithmetic", "jpegtran", "-arithmetic")
	for _, sampling := range []string{"1x1", "2x1", "2x2", "1x2", "4x1", "4x2"} {
		name := map[string]string{"1x1": "4:4:4", "2x1": "4:2:2", "2x2": "4:2:0", "1x2": "4:4:0", "4x1": "4:1:1", "4x2": "4:1:0"}[sampling]
		add("cjpeg "+name, "cjpeg", "-sample", sampling)
		add("cjpeg "+name+" -restart 3", "cjpeg", "-sample", sampling, "-restart", "3")
		add("cjpeg "+name+" -restart 5B", "cjpeg", "-sample", sampling, "-restart", "5B")
		add("cjpeg "+name+" -progressive", "cjpeg", "-sample", sampling, "-progressive")
		add("cjpeg "+name+" -progressive -restart 2", "cjpeg", "-sample", sampling, "-progressive", "-restart", "2")
	}
	add("cjpeg -arithmetic", "cjpeg", "-arithmetic")
	if !grey {
		add("cjpeg -rgb", "cjpeg", "-rgb")
		add("cjpeg -rgb -restart 1", "cjpeg", "-rgb", "-restart", "1")
	}

	data, err := os.ReadFile(cases[baseline].file)
	if err != nil {
		t.Fatal(err)
	}
	refusal := func(kind, refuse string, content []byte) {
		file := filepath.Join(dir, fmt.Sprintf("%s-%02d.jpg", src, len(cases)+100))
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, diffCase{kind: kind, source: src, file: file, refuse: refuse})
	}
	refusal("cut at 60 %", "cut short", data[:len(data)*6/10])
	prog, err := os.ReadFile(cases[progressive].file)
	if err != nil {
		t.Fatal(err)
	}
	refusal("progressive, cut at 60 %", "cut short", prog[:len(prog)*6/10])
	// No tool here writes 12-bit or lossless JPEG (libjpeg-turbo 2.1): the
	// frame header of the baseline file is rewritten to say so.
	refusal("12-bit (header rewritten)", "12-bit samples", rewriteFrame(t, data, markerSOF0+1, 12))
	refusal("lossless (header rewritten)", "lossless JPEG", rewriteFrame(t, data, markerSOF0+3, 8))
	return cases
}

// rewriteFrame returns a copy of a JPEG whose SOF0 marker and precision are
// replaced.
func rewriteFrame(t *testing.T, data []byte, marker byte, precision byte) []byte {
	t.Helper()
	i := bytes.Index(data, []byte{0xFF, markerSOF0})
	if i < 0 {
		t.Fatal("no SOF0 segment")
	}
	out := bytes.Clone(data)
	out[i+1], out[i+4] = marker, precision
	return out
}

// imageMagickCases makes CMYK and YCCK JPEGs, JPEG, PNG and WebP files with
// embedded ICC profiles, and PNG, WebP and GIF files of every kind the
// issue lists, from one colour photo.
func imageMagickCases(t *testing.T, dir, src string) []diffCase {
	original := filepath.Join("testdata", "photos", src+".jpg")
	path := func(name string) string { return filepath.Join(dir, src+"-"+name) }
	profile := func(name string) string { return filepath.Join("testdata", "icc", name+".icc") }
	var cases []diffCase
	// reference decodes file with ImageMagick (into sRGB through lcms when
	// toSRGB), or dwebp for WebP.
	reference := func(file string, toSRGB bool) string {
		ref := file + ".pam"
		switch {
		case strings.HasSuffix(file, ".webp"):
			run(t, "dwebp", file, "-pam", "-o", ref)
		case toSRGB:
			run(t, "convert", file, "-profile", profile("sRGB"), "-strip", "-depth", "8", ref)
		default:
			run(t, "convert", file+"[0]", "-depth", "8", ref)
		}
		return ref
	}
	add := func(kind, file string, space ColourSpace) {
		toSRGB := space != ""
		cases = append(cases, diffCase{kind: kind, source: src, file: file, ref: reference(file, toSRGB), space: space,
			pipeline: pipelineKinds[kind]})
	}

	// CMYK: ImageMagick writes YCCK (Adobe transform 2); vips copies it as
	// plain inverted CMYK (transform 0). djpeg turns both into RGB with the
	// same naive formula as image/jpeg, which is the honest reference with
	// no CMYK profile in the file.
	ycck := path("ycck.jpg")
	run(t, "convert", original, "-colorspace", "CMYK", ycck)
	cmyk := path("cmyk.jpg")
	run(t, "vips", "copy", ycck, cmyk)
	for kind, file := range map[string]string{"ImageMagick CMYK (YCCK, Adobe)": ycck, "vips CMYK (Adobe, inverted)": cmyk} {
		ref := file + ".pnm"
		run(t, "djpeg", "-pnm", "-outfile", ref, file)
		cases = append(cases, diffCase{kind: kind, source: src, file: file, ref: ref, pipeline: pipelineKinds[kind]})
	}

	// ICC profiles: ImageMagick converts the sRGB photo into each space
	// through lcms and embeds the profile; the reference is lcms's
	// conversion back to sRGB.
	for _, p := range []struct {
		name  string
		space ColourSpace
	}{
		{"DisplayP3-v4", DisplayP3}, {"DisplayP3-v2-magic", DisplayP3},
		{"AdobeRGB1998", AdobeRGB}, {"AdobeCompat-v4", AdobeRGB},
		{"ProPhotoRGB", OtherRGB}, {"sRGB", SRGB},
	} {
		file := path(p.name + ".jpg")
		run(t, "convert", original, "-profile", profile("sRGB"), "-profile", profile(p.name), "-quality", "95", file)
		add("ImageMagick JPEG + "+p.name+".icc", file, p.space)
	}
	p3png := path("p3.png")
	run(t, "convert", original, "-profile", profile("sRGB"), "-profile", profile("DisplayP3-v4"), p3png)
	add("ImageMagick PNG + iCCP DisplayP3", p3png, DisplayP3)
	p3webp := path("p3.webp")
	run(t, "cwebp", "-quiet", "-lossless", "-metadata", "icc", p3png, "-o", p3webp)
	cases = append(cases, diffCase{kind: "cwebp lossless + ICCP DisplayP3", source: src, file: p3webp,
		ref: cases[len(cases)-1].ref, space: DisplayP3})

	// Transparency: an elliptical cut-out with a soft edge.
	alpha := path("alpha.png")
	run(t, "convert", original, "(", "+clone", "-fill", "black", "-colorize", "100", "-fill", "white",
		"-draw", "ellipse 266,200 200,150 0,360", "-blur", "0x6", ")",
		"-alpha", "off", "-compose", "CopyOpacity", "-composite", "PNG32:"+alpha)
	for _, f := range []struct{ kind, name, format string }{
		{"ImageMagick PNG paletted", "pal.png", "PNG8:"},
		{"ImageMagick PNG 16-bit", "16.png", "PNG48:"},
		{"ImageMagick PNG RGB", "rgb.png", "PNG24:"},
		{"ImageMagick GIF", "one.gif", "GIF:"},
	} {
		file := path(f.name)
		run(t, "convert", original, f.format+file)
		add(f.kind, file, "")
	}
	add("ImageMagick PNG alpha", alpha, "")
	for _, f := range []struct{ kind, name, format string }{
		{"ImageMagick PNG 16-bit alpha", "alpha16.png", "PNG64:"},
		{"ImageMagick PNG paletted alpha", "alphapal.png", "PNG8:"},
		{"ImageMagick GIF transparent", "alpha.gif", "GIF:"},
	} {
		file := path(f.name)
		run(t, "convert", alpha, f.format+file)
		add(f.kind, file, "")
	}
	anim := path("anim.gif")
	run(t, "convert", "-delay", "20", original, "(", original, "-flip", "-negate", ")", anim)
	add("ImageMagick GIF animated (first frame)", anim, "")
	for _, f := range []struct {
		kind, name, in string
		args           []string
	}{
		{"cwebp lossy", "lossy.webp", original, []string{"-q", "90"}},
		{"cwebp lossless", "lossless.webp", original, []string{"-lossless"}},
		{"cwebp lossy alpha", "alpha.webp", alpha, []string{"-q", "90"}},
		{"cwebp lossless alpha", "alphal.webp", alpha, []string{"-lossless", "-exact"}},
	} {
		file := path(f.name)
		run(t, "cwebp", append(append([]string{"-quiet"}, f.args...), f.in, "-o", file)...)
		add(f.kind, file, "")
	}

	png, err := os.ReadFile(path("rgb.png"))
	if err != nil {
		t.Fatal(err)
	}
	cut := path("cut.png")
	if err := os.WriteFile(cut, png[:len(png)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, diffCase{kind: "PNG cut in half", source: src, file: cut, refuse: "PNG file is cut short"})
	return cases
}

// orientationCasesFrom makes a cjpeg JPEG of the photo with an EXIF
// segment for each orientation 1 to 8; the reference is ImageMagick's
// -auto-orient of that file.
func orientationCasesFrom(t *testing.T, dir, src string) []diffCase {
	pnm := filepath.Join(dir, src+".pnm")
	plain := filepath.Join(dir, src+"-plain.jpg")
	run(t, "cjpeg", "-quality", "92", "-outfile", plain, pnm)
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var cases []diffCase
	for o := 1; o <= 8; o++ {
		file := filepath.Join(dir, fmt.Sprintf("%s-orientation%d.jpg", src, o))
		if err := os.WriteFile(file, insertEXIF(data, uint16(o), binary.LittleEndian), 0o644); err != nil {
			t.Fatal(err)
		}
		ref := file + ".pam"
		if got := strings.TrimSpace(string(run(t, "identify", "-format", "%[orientation]", file))); got == "Undefined" {
			t.Fatalf("ImageMagick does not see the EXIF orientation of %s", file)
		}
		run(t, "convert", file, "-auto-orient", "-depth", "8", ref)
		cases = append(cases, diffCase{kind: fmt.Sprintf("EXIF orientation %d", o), source: src, file: file, ref: ref, pipeline: o == 6})
	}
	return cases
}
