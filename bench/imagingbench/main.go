// Command imagingbench checks the image pipeline budget of DESIGN.md §11:
// imaging.Process (decode + 3 JPEG thumbnails + palette) must take at most
// 0.85 × the time vipsthumbnail takes to make the same three JPEG sizes, with
// thumbnails as good: PSNR against ImageMagick's Lanczos resize no more than
// 0.5 dB below vipsthumbnail's at 160 and 400 px.
//
// Both sides run interleaved, photo by photo, in one run, repeated and
// summarised by the median per photo. vipsthumbnail makes one size per
// invocation, so its time is the wall time of three processes (start-up
// included; the table also shows the figure with an estimate of start-up
// removed). Process runs in this process, warmed up. It exits non-zero when
// the budget is missed.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warna/warna/imaging"
)

// config is the command line.
type config struct {
	photos     string
	repeats    int
	quality    int
	maxRatio   float64
	minDeltaDB float64
	keep       bool
	timeLimit  time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.photos, "photos", "../shared/data/photos", "directory of JPEG photos")
	flag.IntVar(&cfg.repeats, "n", 3, "timed repeats per photo (median)")
	flag.IntVar(&cfg.quality, "q", 82, "JPEG quality for both sides")
	flag.Float64Var(&cfg.maxRatio, "max-ratio", 0.85, "budget: total time ours / vipsthumbnail")
	flag.Float64Var(&cfg.minDeltaDB, "min-delta", -0.5, "budget: mean PSNR ours − vipsthumbnail at 160 and 400 px, dB")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work directory of thumbnails and references")
	flag.DurationVar(&cfg.timeLimit, "time-limit", 4*time.Minute, "start no new round after half of this")
	flag.Parse()
	ok, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagingbench:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Println("FAIL: budget missed")
		os.Exit(1)
	}
	fmt.Println("PASS: budget holds")
}

// sizes are the thumbnails made by both sides; psnrSizes those compared.
var (
	sizes     = []int{800, 400, 160}
	psnrSizes = []int{160, 400}
)

// photo is one input and what was measured on it.
type photo struct {
	name     string
	path     string
	data     []byte
	w, h     int
	ours     []time.Duration
	vips     []time.Duration
	startup  []time.Duration // three vipsthumbnail runs on a 16 × 16 JPEG
	oursPSNR map[int]float64
	vipsPSNR map[int]float64
}

func run(cfg config) (bool, error) {
	for _, tool := range []string{"vipsthumbnail", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, fmt.Errorf("%s is missing: run bench/imaging.sh, which installs it", tool)
		}
	}
	photos, err := loadPhotos(cfg.photos)
	if err != nil {
		return false, err
	}
	work, err := os.MkdirTemp("", "imagingbench-")
	if err != nil {
		return false, err
	}
	if cfg.keep {
		fmt.Println("work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	opts := imaging.ProcessOptions{Thumbs: imaging.ThumbOptions{Sizes: sizes, Quality: cfg.quality}}
	tiny, err := writeTiny(work)
	if err != nil {
		return false, err
	}

	start := time.Now()
	// Warm up both sides (page cache, Go heap, libvips' shared libraries).
	for _, p := range photos {
		if _, err := imaging.Process(p.data, opts); err != nil {
			return false, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	if _, err := runVips(photos[0].path, work, cfg.quality); err != nil {
		return false, err
	}
	for round := range cfg.repeats {
		if round > 0 && time.Since(start) > cfg.timeLimit/2 {
			fmt.Printf("stopping after %d of %d rounds: over half of the %v time limit used (a loaded machine)\n",
				round, cfg.repeats, cfg.timeLimit)
			break
		}
		for _, p := range photos {
			start := time.Now()
			res, err := imaging.Process(p.data, opts)
			p.ours = append(p.ours, time.Since(start))
			if err != nil {
				return false, fmt.Errorf("%s: %w", p.name, err)
			}
			p.w, p.h = res.Width, res.Height
			if err := saveThumbs(work, p.name, res.Thumbs); err != nil {
				return false, err
			}
			d, err := runVips(p.path, work, cfg.quality)
			if err != nil {
				return false, fmt.Errorf("%s: %w", p.name, err)
			}
			p.vips = append(p.vips, d)
			if d, err = runVips(tiny, work, cfg.quality); err != nil {
				return false, err
			}
			p.startup = append(p.startup, d)
		}
	}
	timed := time.Since(start)
	if err := measureAllQuality(photos, work); err != nil {
		return false, err
	}
	fmt.Printf("timing took %.0f s, references and PSNR %.0f s\n\n", timed.Seconds(), (time.Since(start) - timed).Seconds())
	return report(photos, cfg), nil
}

func loadPhotos(dir string) ([]*photo, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.jpg photos in %s", dir)
	}
	var photos []*photo
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(path), ".jpg")
		photos = append(photos, &photo{name: name, path: path, data: data,
			oursPSNR: map[int]float64{}, vipsPSNR: map[int]float64{}})
	}
	return photos, nil
}

// runVips makes the three sizes the way a deployment using vipsthumbnail
// would: one invocation per size, with shrink-on-load, at the same quality.
func runVips(path, work string, quality int) (time.Duration, error) {
	name := strings.TrimSuffix(filepath.Base(path), ".jpg")
	start := time.Now()
	for _, s := range sizes {
		out := filepath.Join(work, fmt.Sprintf("%s-vips-%d.jpg[Q=%d]", name, s, quality))
		cmd := exec.Command("vipsthumbnail", path, "-s", fmt.Sprint(s), "-o", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("vipsthumbnail: %w: %s", err, msg)
		}
	}
	return time.Since(start), nil
}

// writeTiny writes a 16 × 16 JPEG: vipsthumbnail's time on it is an
// estimate of its process start-up, measured beside each photo so that the
// machine's load at the time is the same.
func writeTiny(work string) (string, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		return "", err
	}
	tiny := filepath.Join(work, "tiny.jpg")
	return tiny, os.WriteFile(tiny, buf.Bytes(), 0o644)
}

func saveThumbs(work, name string, thumbs []imaging.Thumb) error {
	for _, t := range thumbs {
		if err := os.WriteFile(filepath.Join(work, fmt.Sprintf("%s-ours-%d.jpg", name, t.Size)), t.JPEG, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// measureAllQuality measures every photo, two at a time: ImageMagick's
// Lanczos on the full-size originals is the slow part of the run.
func measureAllQuality(photos []*photo, work string) error {
	errs := make([]error, len(photos))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, p := range photos {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := measureQuality(p, work); err != nil {
				errs[i] = fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// measureQuality computes PSNR of both sides' thumbnails against
// ImageMagick's Lanczos resize of the original, made at the same dimensions.
func measureQuality(p *photo, work string) error {
	for _, s := range psnrSizes {
		for side, psnrs := range map[string]map[int]float64{"ours": p.oursPSNR, "vips": p.vipsPSNR} {
			thumb, err := readImage(filepath.Join(work, fmt.Sprintf("%s-%s-%d.jpg", p.name, side, s)))
			if err != nil {
				return err
			}
			ref, err := reference(p, work, s, thumb.Bounds().Dx(), thumb.Bounds().Dy())
			if err != nil {
				return err
			}
			if psnrs[s], err = psnr(thumb, ref); err != nil {
				return fmt.Errorf("%s %d px: %w", side, s, err)
			}
		}
	}
	return nil
}

// reference returns `convert photo -filter Lanczos -resize SxS`, or when
// that differs from w × h by rounding, `-resize WxH!`.
func reference(p *photo, work string, s, w, h int) (image.Image, error) {
	path := filepath.Join(work, fmt.Sprintf("%s-ref-%dx%d.png", p.name, w, h))
	if _, err := os.Stat(path); err == nil {
		return readImage(path)
	}
	if err := magick(p.path, fmt.Sprintf("%dx%d", s, s), path); err != nil {
		return nil, err
	}
	ref, err := readImage(path)
	if err != nil {
		return nil, err
	}
	if ref.Bounds().Dx() == w && ref.Bounds().Dy() == h {
		return ref, nil
	}
	if err := magick(p.path, fmt.Sprintf("%dx%d!", w, h), path); err != nil {
		return nil, err
	}
	return readImage(path)
}

func magick(src, geometry, dst string) error {
	// -auto-orient matches both pipelines, which apply EXIF orientation.
	cmd := exec.Command("convert", src, "-auto-orient", "-filter", "Lanczos", "-resize", geometry, "-strip", "PNG24:"+dst)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("convert: %w: %s", err, msg)
	}
	return nil
}

func readImage(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".png") {
		return png.Decode(bytes.NewReader(data))
	}
	return jpeg.Decode(bytes.NewReader(data))
}

// psnr compares two images of the same size in 8-bit sRGB over R, G and B.
func psnr(a, b image.Image) (float64, error) {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 0, fmt.Errorf("sizes differ: %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	ra, rb := toRGBA(a), toRGBA(b)
	var sum float64
	for i := range ra.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(ra.Pix[i]) - float64(rb.Pix[i])
		sum += d * d
	}
	mse := sum / float64(len(ra.Pix)/4*3)
	if mse == 0 {
		return math.Inf(1), nil
	}
	return 10 * math.Log10(255*255/mse), nil
}

func toRGBA(img image.Image) *image.RGBA {
	r := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(r, r.Rect, img, img.Bounds().Min, draw.Src)
	return r
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// report prints the table and the totals and says whether the budget holds.
func report(photos []*photo, cfg config) bool {
	fmt.Printf("%-22s %11s %9s %9s %6s %8s %8s %8s %8s\n",
		"photo", "size", "ours ms", "vips ms", "ratio", "160 ours", "160 vips", "400 ours", "400 vips")
	var ours, vips, startup time.Duration
	sumOurs, sumVips := map[int]float64{}, map[int]float64{}
	for _, p := range photos {
		o, v := median(p.ours), median(p.vips)
		ours += o
		vips += v
		startup += median(p.startup)
		fmt.Printf("%-22s %11s %9.1f %9.1f %6.2f %8.2f %8.2f %8.2f %8.2f\n",
			p.name, fmt.Sprintf("%dx%d", p.w, p.h), ms(o), ms(v), float64(o)/float64(v),
			p.oursPSNR[160], p.vipsPSNR[160], p.oursPSNR[400], p.vipsPSNR[400])
		for _, s := range psnrSizes {
			sumOurs[s] += p.oursPSNR[s]
			sumVips[s] += p.vipsPSNR[s]
		}
	}
	n := float64(len(photos))
	ratio := float64(ours) / float64(vips)
	fmt.Printf("\ntotal over %d photos (median of %d runs each): ours %.0f ms, vipsthumbnail ×3 %.0f ms\n",
		len(photos), len(photos[0].ours), ms(ours), ms(vips))
	fmt.Printf("per photo: ours %.1f ms, vipsthumbnail ×3 %.1f ms\n", ms(ours)/n, ms(vips)/n)
	fmt.Printf("ratio ours/vips: %.3f (budget ≤ %.2f)\n", ratio, cfg.maxRatio)
	if rest := vips - startup; rest > 0 {
		fmt.Printf("  for information: 3 vipsthumbnail start-ups ≈ %.1f ms per photo; without them the ratio would be %.3f\n",
			ms(startup)/n, float64(ours)/float64(rest))
	}
	ok := ratio <= cfg.maxRatio
	for _, s := range psnrSizes {
		delta := (sumOurs[s] - sumVips[s]) / n
		fmt.Printf("PSNR %d px vs ImageMagick Lanczos: ours %.2f dB, vips %.2f dB, delta %+.2f dB (budget ≥ %+.1f)\n",
			s, sumOurs[s]/n, sumVips[s]/n, delta, cfg.minDeltaDB)
		ok = ok && delta >= cfg.minDeltaDB
	}
	return ok
}
