package palette

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

var updatePalettes = flag.Bool("update-palettes", false, "rewrite testdata/palettes/*.json from the current extractor")

// namedImage is a test image and where it came from.
type namedImage struct {
	name string
	img  image.Image
}

// determinismImages are generated scenes of every background kind (JPEG
// YCbCr and transparent NRGBA) plus the committed photos, which include a
// grayscale JPEG.
func determinismImages(t testing.TB) []namedImage {
	t.Helper()
	var images []namedImage
	for _, i := range []int{0, 10, 20, 30, 40, 50, 60, 70, 80} { // one of each backdrop kind
		s := newSynthScene(i)
		images = append(images, namedImage{s.String(), s.img})
	}
	return append(images, committedPhotos(t)...)
}

// committedPhotos decodes ../testdata/photos/*.jpg, small copies of photos from
// Debian's wallpaper packages (see /work/shared/data/README.md).
func committedPhotos(t testing.TB) []namedImage {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "photos", "*.jpg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no committed photos in testdata/photos: %v", err)
	}
	var images []namedImage
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		images = append(images, namedImage{filepath.Base(path), img})
	}
	return images
}

func paletteJSON(t testing.TB, img image.Image, engine string) []byte {
	t.Helper()
	p, err := Extract(img, Options{Engine: engine})
	if err != nil {
		t.Fatalf("ExtractPalette: %v", err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const determinismRuns = 20

// TestDefaultEngineIsDeterministic runs the default engine 20 times on each
// image under GOMAXPROCS 1 and 4, the runs of one image concurrently, and
// wants the same JSON bytes every time.
func TestDefaultEngineIsDeterministic(t *testing.T) {
	images := determinismImages(t)
	want := make([][]byte, len(images))
	for i, im := range images {
		want[i] = paletteJSON(t, im.img, DefaultEngine)
	}
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for i, im := range images {
				got := make([][]byte, determinismRuns)
				errs := make([]error, determinismRuns)
				var wg sync.WaitGroup
				for run := range got {
					wg.Go(func() {
						var p Palette
						if p, errs[run] = Extract(im.img, Options{}); errs[run] == nil {
							got[run], errs[run] = json.Marshal(p)
						}
					})
				}
				wg.Wait()
				for run, g := range got {
					if errs[run] != nil || !bytes.Equal(g, want[i]) {
						t.Errorf("%s run %d (error %v):\n got %s\nwant %s", im.name, run, errs[run], g, want[i])
					}
				}
			}
		})
	}
}

// childOutputEnv names the file the child process writes its palettes to.
const childOutputEnv = "WARNA_PALETTE_CHILD_OUTPUT"

// TestDefaultEngineIsDeterministicAcrossProcesses runs the same images in a
// fresh process of this test binary, with other GOMAXPROCS and GOGC
// settings, and compares the JSON bytes.
func TestDefaultEngineIsDeterministicAcrossProcesses(t *testing.T) {
	if os.Getenv(childOutputEnv) != "" {
		t.Skip("this is the child")
	}
	out := filepath.Join(t.TempDir(), "palettes.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPaletteChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childOutputEnv+"="+out, "GOMAXPROCS=3", "GOGC=5")
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child process: %v\n%s", err, output)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("child wrote nothing: %v", err)
	}
	var child []string
	if err := json.Unmarshal(data, &child); err != nil {
		t.Fatal(err)
	}
	images := determinismImages(t)
	if len(child) != len(images) {
		t.Fatalf("child returned %d palettes for %d images", len(child), len(images))
	}
	for i, im := range images {
		if want := paletteJSON(t, im.img, DefaultEngine); child[i] != string(want) {
			t.Errorf("%s: child process gave\n%s\nthis process\n%s", im.name, child[i], want)
		}
	}
}

// TestPaletteChildProcess is the child half of the cross-process test.
func TestPaletteChildProcess(t *testing.T) {
	out := os.Getenv(childOutputEnv)
	if out == "" {
		t.Skip("run by TestDefaultEngineIsDeterministicAcrossProcesses")
	}
	var palettes []string
	for _, im := range determinismImages(t) {
		palettes = append(palettes, string(paletteJSON(t, im.img, DefaultEngine)))
	}
	data, err := json.Marshal(palettes)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenPalettes compares the palettes of the committed photos with
// testdata/palettes, within a tolerance so that a deliberate change to the
// extractor shows up as a readable diff (rewrite with -update-palettes and
// bump PaletteVersion).
func TestGoldenPalettes(t *testing.T) {
	for _, im := range committedPhotos(t) {
		path := filepath.Join("testdata", "palettes", strings.TrimSuffix(im.name, ".jpg")+".json")
		got, err := Extract(im.img, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if *updatePalettes {
			data, _ := json.MarshalIndent(got, "", "  ")
			if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGoldenPalettes -update-palettes to create it)", err)
		}
		var want Palette
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		comparePalettes(t, im.name, got, want)
	}
}

func comparePalettes(t *testing.T, name string, got, want Palette) {
	t.Helper()
	if len(got.Swatches) != len(want.Swatches) || got.Version != want.Version || got.BgUncertain != want.BgUncertain {
		t.Errorf("%s: got %d swatches (version %d, bg_uncertain %v), want %d (version %d, bg_uncertain %v)",
			name, len(got.Swatches), got.Version, got.BgUncertain, len(want.Swatches), want.Version, want.BgUncertain)
		return
	}
	for i, g := range got.Swatches {
		w := want.Swatches[i]
		if d := colour.DeltaE00(swatchLab(g), swatchLab(w)); d > 1 || g.Family != w.Family || math.Abs(g.Share-w.Share) > 0.02 {
			t.Errorf("%s swatch %d: got %s %s %.4f, want %s %s %.4f (ΔE %.2f)", name, i, g.Hex, g.Family, g.Share, w.Hex, w.Family, w.Share, d)
		}
	}
}
