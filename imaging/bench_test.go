package imaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// photosDir holds the real photos of the pipeline budget (DESIGN.md §11),
// beside the repository; bench/imaging.sh compares against vipsthumbnail.
const photosDir = "../../shared/data/photos"

func loadPhotos(b *testing.B) [][]byte {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join(photosDir, "*.jpg"))
	if len(paths) == 0 {
		b.Skipf("no photos in %s: the benchmark needs the shared data directory beside the repository", photosDir)
	}
	photos := make([][]byte, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		photos[i] = data
	}
	return photos
}

// BenchmarkProcess runs the whole pipeline (decode, three JPEG thumbnails,
// palette) over every photo; one op is the whole set.
func BenchmarkProcess(b *testing.B) {
	photos := loadPhotos(b)
	for b.Loop() {
		for _, data := range photos {
			if _, err := Process(data, ProcessOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(photos)), "ms/photo")
}

// BenchmarkJPEGFallback measures what the standard decoder costs where
// jpegn may not be used, on lossless jpegtran copies of every photo, side by
// side in each op: baseline copies with jpegn and with image/jpeg (the same
// pixels), baseline copies with a restart marker every MCU row with
// image/jpeg (what such files take now), and progressive copies with image/jpeg
// beside progressive copies with restart markers through
// decodeSplitProgressive. The ratios are the figures to read.
func BenchmarkJPEGFallback(b *testing.B) {
	photos := loadPhotos(b)
	jpegtran, err := exec.LookPath("jpegtran")
	if err != nil {
		b.Skip("jpegtran not found: install libjpeg-turbo-progs")
	}
	copies := func(args ...string) [][]byte {
		out := make([][]byte, len(photos))
		for i, data := range photos {
			cmd := exec.Command(jpegtran, args...)
			cmd.Stdin = bytes.NewReader(data)
			if out[i], err = cmd.Output(); err != nil {
				b.Fatal(err)
			}
		}
		return out
	}
	baseline, restart := copies("-copy", "none"), copies("-restart", "1")
	progressive, progressiveRestart := copies("-progressive"), copies("-progressive", "-restart", "1")
	with := func(fast bool) func([]byte) error {
		return func(data []byte) error { _, _, err := decodeJPEG(data, fast); return err }
	}
	split := func(data []byte) error {
		f, err := readJPEGFile(data)
		if err != nil {
			return err
		}
		if !f.needsSplit() { // a grey photo: image/jpeg reads it
			_, _, err = decodeJPEG(data, false)
			return err
		}
		_, err = decodeSplitProgressive(data, f)
		return err
	}
	arms := []struct {
		files    [][]byte
		decodeFn func([]byte) error
		elapsed  time.Duration
	}{{baseline, with(true), 0}, {baseline, with(false), 0}, {restart, with(false), 0},
		{progressive, with(false), 0}, {progressiveRestart, split, 0}}
	// Photo by photo, every arm in turn, starting with a different arm each
	// time, so that the shared machine's load falls on all of them alike.
	round := 0
	for b.Loop() {
		for i := range photos {
			for k := range arms {
				arm := &arms[(k+round)%len(arms)]
				start := time.Now()
				if err := arm.decodeFn(arm.files[i]); err != nil {
					b.Fatal(err)
				}
				arm.elapsed += time.Since(start)
			}
			round++
		}
	}
	fast, std, stdRestart, stdProgressive, splitRestart := arms[0].elapsed, arms[1].elapsed, arms[2].elapsed, arms[3].elapsed, arms[4].elapsed
	perPhoto := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N*len(photos)) }
	b.ReportMetric(perPhoto(fast), "jpegn-ms/photo")
	b.ReportMetric(perPhoto(std), "std-ms/photo")
	b.ReportMetric(perPhoto(stdRestart), "std-restart-ms/photo")
	b.ReportMetric(perPhoto(stdProgressive), "std-progressive-ms/photo")
	b.ReportMetric(perPhoto(splitRestart), "split-ms/photo")
	b.ReportMetric(float64(std)/float64(fast), "std/jpegn")
	b.ReportMetric(float64(stdRestart)/float64(fast), "std-restart/jpegn")
	b.ReportMetric(float64(splitRestart)/float64(stdProgressive), "split/std-progressive")
}
