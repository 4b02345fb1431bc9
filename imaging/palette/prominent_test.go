package palette

import (
	"math"
	"testing"

	"github.com/EdlinOrg/prominentcolor"

	"github.com/warna/warna/imaging/colour"
)

// The prominentcolor library cannot be seeded, so its own output is not
// testable run by run; these tests pin down what the wrapper adds, and the
// synthetic evaluation holds the engine to a quality bar.

// TestProminentInputDithersWeights checks that soft foreground weights
// become a matching density of opaque pixels (the library only knows
// opaque and transparent), and that weight 0 stays out.
func TestProminentInputDithersWeights(t *testing.T) {
	img := drawScene(160, 160, hexColour(t, "#ffffff"), hexColour(t, "#c8102e"), inRect(0, 0, 160, 160))
	s, err := newPaletteSample(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []float64{0, 0.25, 0.5, 1} {
		weight := make([]float64, len(s.colour))
		for i := range weight {
			weight[i] = w
		}
		in, labs, ok := prominentInput(s, weight)
		opaque := 0
		for i := 3; i < len(in.Pix); i += 4 {
			switch in.Pix[i] {
			case 0xff:
				opaque++
			case 0:
			default:
				t.Fatalf("weight %v: pixel alpha %d, want 0 or 255", w, in.Pix[i])
			}
		}
		share := float64(opaque) / float64(in.Rect.Dx()*in.Rect.Dy())
		if math.Abs(share-w) > 0.04 || ok != (w > 0) || len(labs) != opaque {
			t.Errorf("weight %v: %.3f of the pixels opaque (ok %v, %d colours), want %.2f", w, share, ok, len(labs), w)
		}
		if in.Rect.Dx() > prominentcolor.DefaultSize || in.Rect.Dy() > prominentcolor.DefaultSize {
			t.Errorf("input %v larger than the library's working size %d", in.Rect, prominentcolor.DefaultSize)
		}
	}
}

// TestProminentItemsDropsEmptyClusters checks that the library's empty
// clusters (black centroids with Cnt 0) never become swatches.
func TestProminentItemsDropsEmptyClusters(t *testing.T) {
	items := []prominentcolor.ColorItem{
		{Color: prominentcolor.ColorRGB{R: 200, G: 16, B: 46}, Cnt: 30},
		{Color: prominentcolor.ColorRGB{}, Cnt: 0},
		{Color: prominentcolor.ColorRGB{R: 30, G: 60, B: 200}, Cnt: 70},
	}
	got := prominentItems(items)
	if len(got) != 2 || got[0].weight != 70 || got[1].weight != 30 || got[0].lab.Hex() != "#1e3cc8" {
		t.Errorf("prominentItems = %v, want the blue (70) then the red (30), no empty cluster", got)
	}
}

// TestProminentBestRunIsChosenByFit checks the damping: of several runs,
// the one whose colours fit the pixels best wins, ties broken by the
// colours, so equal runs give equal answers.
func TestProminentBestRunIsChosenByFit(t *testing.T) {
	red, blue := colour.LabFromRGB(200, 16, 46), colour.LabFromRGB(30, 60, 200)
	pixels := []colour.Lab{red, red, red, blue}
	good := []colourCluster{{red, 3}, {blue, 1}}
	poor := []colourCluster{{colour.Lab{L: (red.L + blue.L) / 2, A: (red.A + blue.A) / 2, B: (red.B + blue.B) / 2}, 4}}
	if fitError(pixels, good) >= fitError(pixels, poor) {
		t.Errorf("fitError: the two true colours (%v) do not fit better than their mean (%v)", fitError(pixels, good), fitError(pixels, poor))
	}
	if !math.IsInf(fitError(pixels, nil), 1) {
		t.Errorf("fitError of no clusters = %v, want +Inf", fitError(pixels, nil))
	}
	if !lessClusters(good, nil) || lessClusters(good, good) {
		t.Errorf("lessClusters is not a strict order: a result must beat none and not itself")
	}
	if lessClusters(good, poor) == lessClusters(poor, good) {
		t.Errorf("lessClusters cannot tell two different results apart")
	}
}
