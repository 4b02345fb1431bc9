package imaging

import (
	"os"
	"path/filepath"
	"testing"
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
