package imaging

import (
	"errors"
	"math"
	"testing"

	"github.com/warna/warna/imaging/palette"
)

func TestProcess(t *testing.T) {
	tests := []struct {
		file      string
		w, h      int
		wantLongs []int
	}{
		{"kite.jpg", 480, 300, []int{480, 400, 160}},
		{"progressive-ragged.jpg", 324, 640, []int{640, 400, 160}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Process(readTestdata(t, tt.file), ProcessOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != JPEG || res.Width != tt.w || res.Height != tt.h {
				t.Errorf("Result = %s %d×%d, want jpeg %d×%d", res.Format, res.Width, res.Height, tt.w, tt.h)
			}
			if len(res.Thumbs) != len(tt.wantLongs) {
				t.Fatalf("got %d thumbnails, want %d", len(res.Thumbs), len(tt.wantLongs))
			}
			for i, th := range res.Thumbs {
				if long := max(th.Width, th.Height); long != tt.wantLongs[i] || th.Size != long {
					t.Errorf("thumb %d: size %d, long side %d; want %d", i, th.Size, long, tt.wantLongs[i])
				}
				decodeThumb(t, th)
			}
			sw := res.Palette.Swatches
			if len(sw) == 0 || len(sw) > palette.MaxColors {
				t.Fatalf("palette has %d swatches, want 1..%d", len(sw), palette.MaxColors)
			}
			var total float64
			for _, s := range sw {
				total += s.Share
			}
			if math.Abs(total-1) > 1e-3 {
				t.Errorf("palette shares sum to %.4f, want 1", total)
			}
		})
	}
}

// TestProcessFullSizePhoto runs the pipeline on a camera photo at its full
// size (1600 × 1203, progressive, 4:2:0).
func TestProcessFullSizePhoto(t *testing.T) {
	res, err := Process(readTestdata(t, "photos/full/mate_FreshFlower-1600.jpg"), ProcessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{800, 602}, {400, 301}, {160, 120}}
	if len(res.Thumbs) != len(want) {
		t.Fatalf("got %d thumbnails, want %d", len(res.Thumbs), len(want))
	}
	for i, th := range res.Thumbs {
		if th.Width != want[i][0] || th.Height != want[i][1] {
			t.Errorf("thumb %d is %d×%d, want %d×%d", i, th.Width, th.Height, want[i][0], want[i][1])
		}
		decodeThumb(t, th)
	}
	if len(res.Palette.Swatches) == 0 {
		t.Error("no palette")
	}
}

func TestProcessOrientsThumbnails(t *testing.T) {
	data := jpegWithOrientation(t, quadrants(), 6, nil)
	res, err := Process(data, ProcessOptions{Thumbs: ThumbOptions{Sizes: []int{40}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 32 || res.Height != 48 {
		t.Errorf("Result size %d×%d, want the upright 32×48", res.Width, res.Height)
	}
	checkOrientation(t, decodeThumb(t, res.Thumbs[0]), false, topRight, bottomRight)
}

func TestProcessRefusesBeforeDecoding(t *testing.T) {
	_, err := Process(pngHeader(20000, 20000), ProcessOptions{})
	if !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("error = %v, want ErrTooManyPixels", err)
	}
}
